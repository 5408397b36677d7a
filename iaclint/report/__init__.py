"""Report stage: a finished Report to text, SARIF, JSON, GitHub annotations or JUnit.

One reporter per module behind the `Reporter` protocol in `base.py`; see FORMATS there.
"""
