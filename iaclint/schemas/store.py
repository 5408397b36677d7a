"""Read the bundled resource schemas, one type at a time.

`resources.bin` holds one zlib-deflated, minified JSON document per resource type, end to
end; `resources.index.json` maps each type to the offset and length of its document. A run
reads the index (a few hundred microseconds) and inflates only the types its templates use:
a zip archive would do the same but costs 20 ms of start-up to import zipfile and read its
directory of 1,600 entries, a quarter of a small template's whole run.
Nothing is read at import time: a `SchemaStore` opens the data on first use and parses only
the types asked for, once each.
"""

from __future__ import annotations

import json
import zlib
from functools import cached_property
from pathlib import Path
from typing import Any


def data_dir() -> Path:
    return Path(__file__).parent / "data"


def schema_meta() -> dict[str, Any]:
    """Where the bundled data comes from: `source`, `date` and `types`."""
    data: dict[str, Any] = json.loads((data_dir() / "meta.json").read_text())
    return data


def describe_version() -> str:
    meta = schema_meta()
    return f"resource schemas: {meta['types']} types, {meta['source']}, {meta['date']}"


def properties_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A provider schema as the schema of a resource's `Properties`."""
    body = {key: value for key, value in schema.items() if key != "readOnlyProperties"}
    body.setdefault("type", "object")
    return body


class SchemaStore:
    """The schemas of one run: each type's document parsed on first use and kept."""

    def __init__(self, data: Path | None = None) -> None:
        self._data = data or data_dir()
        self._loaded: dict[str, dict[str, Any] | None] = {}

    @cached_property
    def _index(self) -> dict[str, list[int]]:
        index: dict[str, list[int]] = json.loads((self._data / "resources.index.json").read_text())
        return index

    @cached_property
    def type_names(self) -> frozenset[str]:
        return frozenset(self._index)

    def _document(self, type_name: str) -> bytes:
        offset, length = self._index[type_name]
        with open(self._data / "resources.bin", "rb") as blob:
            blob.seek(offset)
            return zlib.decompress(blob.read(length))

    @cached_property
    def _extensions(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((data_dir() / "extensions.json").read_text())
        return data

    def get(self, type_name: str) -> dict[str, Any] | None:
        """The schema of `type_name`, or None for a type the data does not know."""
        if type_name in self._loaded:
            return self._loaded[type_name]
        schema: dict[str, Any] | None = None
        if type_name in self._index:
            schema = json.loads(self._document(type_name))
            for name, extra in self._extensions.get(type_name, {}).items():
                prop = schema.get("properties", {}).get(name)
                if not name.startswith("$") and isinstance(prop, dict):
                    prop.update(extra)
        self._loaded[type_name] = schema
        return schema
