"""Subcommands: each a plain function that returns an exit code."""
