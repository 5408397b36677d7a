"""Report stage: findings and diagnostics to text (more formats arrive with issue 3)."""
