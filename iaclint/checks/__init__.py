"""Python check functions that rule files name (see iaclint.policy.registry)."""
