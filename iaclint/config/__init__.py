"""Configuration: `.iaclint.yaml` or `[tool.iaclint]`, found upward from the working
directory, validated against `config.schema.json`; see docs/configuration.md."""
