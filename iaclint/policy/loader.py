"""Find, read and validate rule files; errors name the file, the rule and the key."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

import yaml

from iaclint.policy.rule import Rule


class RuleFileError(Exception):
    """A rule file that cannot be used; the message is one user-facing line."""


def builtin_rules_dir() -> Path:
    """The rule pack: inside the installed wheel, or `rules/` beside the source package."""
    packaged = Path(str(resources.files("iaclint"))) / "builtin_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "rules"


def _schema() -> dict[str, object]:
    text = (resources.files("iaclint.policy") / "rule.schema.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def _breadcrumb(path: object) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def load_rule_files(directories: list[Path]) -> list[Rule]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    rules: dict[str, Rule] = {}
    for directory in directories:
        if not directory.is_dir():
            raise RuleFileError(f"{directory}: rules directory does not exist")
        for name in sorted(os.listdir(directory)):
            if not name.endswith((".yaml", ".yml")):
                continue
            file = directory / name
            try:
                data = yaml.load(file.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
            except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
                raise RuleFileError(f"{file}: cannot read rule file: {exc}") from exc
            errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
            if errors:
                first = errors[0]
                rule_id = data.get("id", "?") if isinstance(data, dict) else "?"
                where = _breadcrumb(first.absolute_path) or "(top level)"
                raise RuleFileError(f"{file}: rule {rule_id}: at key `{where}`: {first.message}")
            rule = Rule.from_data(data, str(file))
            if file.stem != rule.id:
                raise RuleFileError(
                    f"{file}: rule {rule.id}: the file must be named {rule.id}.yaml"
                )
            if rule.id in rules:
                raise RuleFileError(
                    f"{file}: rule {rule.id}: id already used by {rules[rule.id].source_file}"
                )
            rules[rule.id] = rule
    return sorted(rules.values(), key=lambda r: r.id)
