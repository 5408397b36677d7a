"""Load stage: template text to plain data plus a source-position index."""

from iaclint.load.document import Diagnostic, Document, LoadError, SpanIndex
from iaclint.load.reader import load_path, load_text

__all__ = ["Diagnostic", "Document", "LoadError", "SpanIndex", "load_path", "load_text"]
