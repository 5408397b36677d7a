"""CloudFormation template quotas: error above a quota, warning at 80% of it.

https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from iaclint.policy.context import CheckContext, Violation

MAX_RESOURCES = 500
MAX_PARAMETERS = 200
MAX_OUTPUTS = 200
MAX_MAPPINGS = 200
MAX_LOGICAL_ID = 255
MAX_BODY_S3 = 1_048_576
MAX_BODY_INLINE = 51_200
_NEAR = 0.8
_LOGICAL_ID = re.compile(r"[A-Za-z0-9]+")


def _count(section: str, count: int, quota: int) -> Iterator[Violation]:
    if count > quota:
        yield Violation(
            (section,), {"count": count, "quota": quota, "relation": "above"}, at_key=True
        )
    elif count >= quota * _NEAR:
        yield Violation(
            (section,),
            {"count": count, "quota": quota, "relation": "near"},
            level="warning",
            at_key=True,
        )


def resource_count(ctx: CheckContext) -> Iterator[Violation]:
    return _count("Resources", len(ctx.template.resources), MAX_RESOURCES)


def parameter_count(ctx: CheckContext) -> Iterator[Violation]:
    return _count("Parameters", len(ctx.template.parameters), MAX_PARAMETERS)


def output_count(ctx: CheckContext) -> Iterator[Violation]:
    return _count("Outputs", len(ctx.template.outputs), MAX_OUTPUTS)


def mapping_count(ctx: CheckContext) -> Iterator[Violation]:
    return _count("Mappings", len(ctx.template.mappings), MAX_MAPPINGS)


def logical_id_form(ctx: CheckContext) -> Iterator[Violation]:
    data = ctx.template.data
    for section in ("Resources", "Parameters", "Outputs", "Conditions", "Mappings"):
        body = data.get(section)
        if not isinstance(body, dict):
            continue
        for name in body:
            if name.startswith("Fn::ForEach::"):
                continue
            if len(name) > MAX_LOGICAL_ID:
                problem = f"is {len(name)} characters long; the quota is {MAX_LOGICAL_ID}"
            elif not _LOGICAL_ID.fullmatch(name):
                problem = "must contain only letters and digits (A-Z, a-z, 0-9)"
            else:
                continue
            yield Violation(
                (section, name),
                {"name": name[:60] + ("..." if len(name) > 60 else ""), "problem": problem},
                logical_id=name if section == "Resources" else None,
                at_key=True,
            )


def template_body_size(ctx: CheckContext) -> Iterator[Violation]:
    size = ctx.template.size
    if size > MAX_BODY_S3:
        detail = f"is {size:,} bytes; CloudFormation accepts at most {MAX_BODY_S3:,} bytes from S3"
        yield Violation((), {"detail": detail})
    elif size >= MAX_BODY_S3 * _NEAR:
        detail = f"is {size:,} bytes, near the {MAX_BODY_S3:,}-byte quota for templates in S3"
        yield Violation((), {"detail": detail}, level="warning")
    elif size > MAX_BODY_INLINE:
        detail = (
            f"is {size:,} bytes, above the {MAX_BODY_INLINE:,} bytes CloudFormation accepts "
            "inline; deploy it from S3"
        )
        yield Violation((), {"detail": detail}, level="note")
