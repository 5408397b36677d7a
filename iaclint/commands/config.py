"""`iaclint config --show`: the effective configuration, as YAML a user can copy."""

from __future__ import annotations

import os
import sys
from typing import Any

from iaclint.commands.setup import Flags, Setup, UsageError, build_setup
from iaclint.exit_codes import OK, USAGE


def run_config(show: bool, path: str | None) -> int:
    if not show:
        sys.stderr.write("iaclint: config: nothing to do; use `iaclint config --show`\n")
        return USAGE
    try:
        setup = build_setup(Flags(config=path))
    except UsageError as exc:
        sys.stderr.write(f"iaclint: {exc}\n")
        return USAGE
    from iaclint.pyyaml import yaml

    source = setup.config.name if setup.config.source else "none found; defaults"
    sys.stdout.write(f"# configuration: {source}\n")
    sys.stdout.write(yaml.safe_dump(effective(setup), sort_keys=False, allow_unicode=True))
    return OK


def effective(setup: Setup) -> dict[str, Any]:
    config = setup.config

    def rel(path: str) -> str:
        return os.path.relpath(path, config.root).replace(os.sep, "/")

    return {
        "include": list(config.include),
        "exclude": list(config.exclude),
        "select": [s.text for s in config.select] or ["ALL"],
        "ignore": [s.text for s in config.ignore],
        "severity": {s.text: level for s, level in config.severity.items()},
        "fail-level": setup.fail_level,
        "region": setup.region,
        "parameters": dict(config.parameters),
        "per-file-parameters": {glob: values for glob, values in config.per_file_parameters},
        "format": [
            f"{name}={rel(target)}" if sep else name
            for name, sep, target in (f.partition("=") for f in setup.formats or ("text",))
        ],
        "rules-dirs": [rel(d) for d in config.rules_dirs],
        "baseline": rel(setup.baseline) if setup.baseline else None,
        "suppressions": {
            "allow-in-template": config.allow_in_template,
            "require-reason": config.require_reason,
        },
        "rules": [rule.id for rule in setup.rules],
    }
