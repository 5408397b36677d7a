"""Suppress stage: in-template directives (Metadata and comments) applied to findings.

Runs after the rules and before the reporters; see docs/suppressions.md.
"""
