"""COST010: S3 lifecycle rules that delete or move objects before their storage class's
minimum storage duration, which AWS charges in full. Every helper answers None ("cannot
tell") for a value iaclint cannot know."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iaclint.checks.common import as_integer
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup
from iaclint.resolve.values import ABSENT, child_source


def _known_text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


# -- COST010: lifecycle rules that delete objects before the minimum storage duration ------
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/storage-class-intro.html
# (S3 Intelligent-Tiering has had no minimum storage duration since September 2021.)
MINIMUM_DAYS = {
    "STANDARD_IA": 30,
    "ONEZONE_IA": 30,
    "GLACIER_IR": 90,
    "GLACIER": 90,
    "DEEP_ARCHIVE": 180,
}

_Transition = tuple[int, str, Path]  # days, storage class, source path


def _transitions(
    rule: dict[str, Any], rule_path: Path, many: str, one: str
) -> list[_Transition] | None:
    """(days, storage class, source path) of a rule's transitions, sorted by day; None when
    one of them cannot be known or is date-based."""
    found: list[_Transition] = []
    items: list[tuple[Any, Path]] = []
    listed = rule.get(many, ABSENT)
    if isinstance(listed, list):
        list_path = child_source(rule, rule_path, many)
        items += [(t, child_source(listed, list_path, i)) for i, t in enumerate(listed)]
    elif listed is not ABSENT:
        return None
    single = rule.get(one, ABSENT)
    if single is not ABSENT:
        items.append((single, child_source(rule, rule_path, one)))
    for item, path in items:
        if item is ABSENT:
            continue
        if not isinstance(item, dict):
            return None
        days = as_integer(item.get("TransitionInDays"))
        storage = item.get("StorageClass")
        if days is None or not isinstance(storage, str):
            return None
        found.append((days, storage.upper(), path))
    return sorted(found, key=lambda t: t[0])


def _short_stays(
    transitions: list[_Transition], end_days: int | None, subject: str
) -> Iterator[tuple[Path, str]]:
    for index, (days, storage, path) in enumerate(transitions):
        minimum = MINIMUM_DAYS.get(storage)
        later = [t for t in transitions[index + 1 :] if t[0] > days]
        if later:
            end, what = later[0][0], f"moves them on to `{later[0][1]}`"
        elif end_days is not None:
            end, what = end_days, "expires them"
        else:
            continue
        stay = end - days
        if minimum is None or stay <= 0 or stay >= minimum:
            continue
        yield (
            path,
            (
                f"moves {subject} to `{storage}` after {_days(days)} and {what} after {end}: "
                f"{_days(stay)} in `{storage}`, which bills at least {minimum} days"
            ),
        )


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"


def _versioning_on(ctx: CheckContext, bucket: Resource) -> bool | None:
    status, _ = lookup(ctx.resolved_focus(bucket), "Properties.VersioningConfiguration.Status")
    if status is ABSENT:
        return False
    return None if not isinstance(status, str) else status.strip() in ("Enabled", "Suspended")


def lifecycle_early_deletion(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A lifecycle rule that moves objects to an infrequent-access or archive class and then
    expires them (or moves them on) before that class's minimum storage duration."""
    rules, rules_path = lookup(
        ctx.resolved_focus(resource), "Properties.LifecycleConfiguration.Rules"
    )
    if not isinstance(rules, list):
        return
    versioned = _versioning_on(ctx, resource)
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict) or rule.get("Status") != "Enabled":
            continue  # disabled, or cannot be known
        rule_path = child_source(rules, rules_path, i)
        name = _known_text(rule.get("Id")) or f"#{i + 1}"
        current = _transitions(rule, rule_path, "Transitions", "Transition")
        if current is not None and rule.get("ExpirationDate", ABSENT) is ABSENT:
            # In a versioned bucket, expiring the current version only adds a delete marker:
            # the data stays, as a noncurrent version, in the same storage class.
            expires = as_integer(rule.get("ExpirationInDays")) if versioned is False else None
            for path, detail in _short_stays(current, expires, "objects"):
                yield Violation(
                    path, {"resource": resource.logical_id, "rule": name, "detail": detail}
                )
        noncurrent = _transitions(
            rule, rule_path, "NoncurrentVersionTransitions", "NoncurrentVersionTransition"
        )
        if noncurrent is None:
            continue
        ending = rule.get("NoncurrentVersionExpiration", ABSENT)
        days = (
            ending.get("NoncurrentDays")
            if isinstance(ending, dict)
            else rule.get("NoncurrentVersionExpirationInDays")
        )
        for path, detail in _short_stays(noncurrent, as_integer(days), "noncurrent versions"):
            yield Violation(path, {"resource": resource.logical_id, "rule": name, "detail": detail})
