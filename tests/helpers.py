"""Shared test helpers: load fixtures into the model."""

from __future__ import annotations

from conftest import FIXTURES

from iaclint.load import load_path
from iaclint.model import Template, build_template


def template(*parts: str) -> Template:
    return build_template(load_path(str(FIXTURES.joinpath(*parts))))
