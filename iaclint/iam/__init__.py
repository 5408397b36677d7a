"""The IAM policy analyser: policy documents, statements, and what they grant."""
