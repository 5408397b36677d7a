"""Findings stage: what rules report, located in the source."""

from iaclint.findings.finding import LEVELS, Finding, Level, Suppression, format_property_path

__all__ = ["LEVELS", "Finding", "Level", "Suppression", "format_property_path"]
