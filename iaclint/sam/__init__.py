"""SAM stage, between model and analysis: expand templates with the SAM transform
(`AWS::Serverless-2016-10-31`) with the official translator, offline, and map what it
generates back to the SAM source; fall back to the serverless resources with Globals merged.

Imported by the pipeline only for SAM templates (see tests/test_imports.py).
"""

from iaclint.sam.stage import Expansion, analyse_sam, expand

__all__ = ["Expansion", "analyse_sam", "expand"]
