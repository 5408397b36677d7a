"""Running the pipeline over many files: worker processes and the result cache."""
