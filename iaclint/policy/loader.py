"""Find, read and validate rule files; errors name the file, the rule and the key."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from iaclint.policy.rule import DOC_KEYS, Rule, RuleDocs
from iaclint.pyyaml import yaml


class RuleFileError(Exception):
    """A rule file that cannot be used; the message is one user-facing line."""


# The package directory: the rule pack and the schema are plain files beside the code
# (importlib.resources would cost 5 ms of start-up to say the same).
_PACKAGE = Path(__file__).resolve().parents[1]


def builtin_rules_dir() -> Path:
    """The rule pack: inside the installed wheel, or `rules/` beside the source package."""
    packaged = _PACKAGE / "builtin_rules"
    if packaged.is_dir():
        return packaged
    return _PACKAGE.parent / "rules"


def _schema() -> dict[str, object]:
    text = (Path(__file__).parent / "rule.schema.json").read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


def _breadcrumb(path: object) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def load_rule_files(directories: list[Path]) -> list[Rule]:
    """Every rule in the directories, validated against the rule schema."""
    return load_rule_files_keyed(directories)[0]


def load_rule_files_keyed(directories: list[Path]) -> tuple[list[Rule], str]:
    """`load_rule_files`, and a key that changes whenever what it read could have: the
    files' names, sizes and modification times, the rule schema and iaclint's version.

    Validated rule data is cached under that key, so a run whose rule files did not change
    neither parses YAML nor imports jsonschema; that is most of a pre-commit run's start-up.
    The rules' documentation is cached apart (load_rule_docs): it is most of the text."""
    files = _rule_files(directories)
    key = _cache_key(directories, files)
    cached = _read_cache("rules", key)
    if cached is None:
        cached = _validate_and_cache(key, files)[0]
    return [Rule.from_data(data, source) for source, data in cached], key


def load_rule_docs(directories: list[Path]) -> dict[str, RuleDocs]:
    """The documentation of every rule in the directories, by rule id; read and cached as
    `load_rule_files` does."""
    files = _rule_files(directories)
    key = _cache_key(directories, files)
    cached = _read_cache("rule-docs", key)
    if cached is None:
        cached = _validate_and_cache(key, files)[1]
    return {rule_id: RuleDocs.from_data(data) for rule_id, data in cached}


class RuleDocumentation(Mapping[str, RuleDocs]):
    """The rules' documentation by rule id, read when first asked for: a run whose reports
    show none (text, JSON, the editor's format) never reads it."""

    def __init__(self, directories: list[Path]) -> None:
        self._directories = directories
        self._docs: dict[str, RuleDocs] | None = None

    def _loaded(self) -> dict[str, RuleDocs]:
        if self._docs is None:
            self._docs = load_rule_docs(self._directories)
        return self._docs

    def __getitem__(self, rule_id: str) -> RuleDocs:
        return self._loaded()[rule_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())


_Entries = list[tuple[str, dict[str, object]]]  # (source file or rule id, data) in rule order


def _validate_and_cache(
    key: str, files: list[tuple[Path, os.stat_result]]
) -> tuple[_Entries, _Entries]:
    """The rule files read and validated: (source file, rule data without its documentation)
    and (rule id, documentation) for each rule, both cached under `key`."""
    loaded = _load_and_validate([file for file, _ in files])
    rules: _Entries = [
        (rule.source_file, {k: v for k, v in data.items() if k not in DOC_KEYS})
        for rule, data in loaded
    ]
    docs: _Entries = [
        (rule.id, {k: data[k] for k in DOC_KEYS if k in data}) for rule, data in loaded
    ]
    _write_cache("rules", key, rules)
    _write_cache("rule-docs", key, docs)
    return rules, docs


def _rule_files(directories: list[Path]) -> list[tuple[Path, os.stat_result]]:
    """Each rule file with its stat (from the directory listing: one call per file)."""
    files: list[tuple[Path, os.stat_result]] = []
    for directory in directories:
        try:
            entries = sorted(
                (entry.name, entry.stat())
                for entry in os.scandir(directory)
                if entry.name.endswith((".yaml", ".yml"))
            )
        except OSError as exc:
            raise RuleFileError(f"{directory}: rules directory does not exist") from exc
        files.extend((directory / name, stat) for name, stat in entries)
    return files


def _load_and_validate(files: list[Path]) -> list[tuple[Rule, dict[str, object]]]:
    import jsonschema

    validator = jsonschema.Draft202012Validator(_schema())
    rules: dict[str, tuple[Rule, dict[str, object]]] = {}
    for file in files:
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
        _check_names(file, rule)
        if file.stem != rule.id:
            raise RuleFileError(f"{file}: rule {rule.id}: the file must be named {rule.id}.yaml")
        if rule.id in rules:
            raise RuleFileError(
                f"{file}: rule {rule.id}: id already used by {rules[rule.id][0].source_file}"
            )
        rules[rule.id] = (rule, data)
    return [rules[rule_id] for rule_id in sorted(rules)]


def _check_names(file: Path, rule: Rule) -> None:
    """Every Python check and predicate a rule names must be registered."""
    from iaclint.policy.registry import CHECKS, PREDICATES

    name = rule.check.get("python")
    if name is not None and name not in CHECKS:
        raise RuleFileError(
            f"{file}: rule {rule.id}: at key `check.python`: no check named `{name}`"
        )
    stack: list[object] = [rule.check.get("match"), rule.check.get("unless")]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            predicate = node.get("python")
            if isinstance(predicate, str) and predicate not in PREDICATES:
                raise RuleFileError(
                    f"{file}: rule {rule.id}: in `check`: no predicate named `{predicate}`"
                )
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


# The rule caches' format (2: the documentation is cached apart from the rules).
_CACHE_FORMAT = 2


def _cache_key(directories: list[Path], files: list[tuple[Path, os.stat_result]]) -> str:
    from iaclint import __version__
    from iaclint.sha256 import sha256

    digest = sha256(f"{_CACHE_FORMAT}:{__version__}".encode())
    digest.update((Path(__file__).parent / "rule.schema.json").read_bytes())
    # Directories resolved once, not each file: resolving is a system call per component.
    digest.update("\0".join(os.path.realpath(d) for d in directories).encode())
    for file, stat in files:
        digest.update(f"{file}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:32]


# Each edit of a rule file makes a new cache entry; the most recently used few are kept.
_KEPT_RULE_CACHES = 4


def _read_cache(kind: str, key: str) -> _Entries | None:
    if not key:
        return None
    from iaclint.cache_dir import cache_dir

    path = cache_dir() / f"{kind}-{key}.json"
    try:
        text = path.read_text(encoding="utf-8")
        entries = [(name, data) for name, data in json.loads(text)]
        os.utime(path)  # used: pruning keeps the most recently used entries
        return entries
    except (OSError, ValueError, TypeError):
        return None


def _write_cache(kind: str, key: str, entries: _Entries) -> None:
    if not key:
        return
    from iaclint.cache_dir import cache_dir, write_atomically

    directory = cache_dir()
    write_atomically(directory / f"{kind}-{key}.json", json.dumps(entries))
    try:
        caches = sorted(directory.glob(f"{kind}-*.json"), key=lambda p: p.stat().st_mtime_ns)
        for stale in caches[:-_KEPT_RULE_CACHES]:
            stale.unlink(missing_ok=True)
    except OSError:
        pass  # another run pruned at the same time; a cache is only an optimisation
