"""iaclint: a linter and policy engine for AWS CloudFormation and SAM templates."""

__version__ = "0.1.0"
