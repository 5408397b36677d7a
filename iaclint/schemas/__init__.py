"""AWS's CloudFormation resource provider schemas, bundled as data (see docs/schemas.md)."""
