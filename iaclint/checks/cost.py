"""Cost checks the rule language cannot say on its own: resources that nothing uses."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup
from iaclint.resolve.values import ABSENT

if TYPE_CHECKING:
    from iaclint.model.template import Resource


def _referenced(ctx: CheckContext, logical_id: str) -> bool:
    """Does an active resource, or an output, name this resource (Ref, GetAtt, Sub)?"""
    for ref in ctx.references:
        if ref.target != logical_id or ref.kind not in ("ref", "getatt", "sub"):
            continue
        if ref.source[0] == "Outputs":
            return True  # exported or shown: perhaps associated outside the stack
        if ref.source[0] != "Resources":
            continue
        user = ctx.template.resources.get(ref.source[1])
        if user is not None and user.logical_id != logical_id and ctx.is_active(user):
            return True
    return False


def elastic_ip_unattached(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """An Elastic IP that no instance, association, NAT gateway, load balancer or output
    uses: it is billed for every hour it exists.
    https://aws.amazon.com/vpc/pricing/ (public IPv4 addresses)"""
    focus = ctx.resolved_focus(resource)
    for prop in ("InstanceId", "TransferAddress"):
        if lookup(focus, f"Properties.{prop}")[0] is not ABSENT:
            return
    if _referenced(ctx, resource.logical_id):
        return
    yield Violation((*resource.path, "Type"), {"resource": resource.logical_id}, at_key=True)
