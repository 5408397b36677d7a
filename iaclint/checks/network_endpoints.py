"""Network checks about VPC endpoints (NET019): a Gateway endpoint for a service that only
offers Interface endpoints, and Interface endpoints whose network interfaces sit in one
Availability Zone or use the VPC's default security group. Subnets and zones are followed
through the graph (`availability_zones.py`); a subnet list or type that cannot be known is
never a finding."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

from iaclint.checks.availability_zones import SUBNET, subnet_spread
from iaclint.checks.common import type_path
from iaclint.checks.network_common import unset
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup
from iaclint.resolve.values import ABSENT

if TYPE_CHECKING:
    from iaclint.model.template import Resource

_AWS_SERVICE = re.compile(r"^com\.amazonaws\.", re.IGNORECASE)
# S3 Express One Zone directory buckets also have Gateway endpoints; `vpce` services are
# other accounts' endpoint services.
_GATEWAY_SERVICE = re.compile(r"\.(s3|s3express|dynamodb)$|^com\.amazonaws\.vpce\.", re.IGNORECASE)


def _endpoint_type(value: object) -> str | None:
    """The endpoint type in lower case (`gateway` when left out), None when unknown."""
    if value is ABSENT:
        return "gateway"
    return value.strip().lower() if isinstance(value, str) else None


def vpc_endpoint_misconfigured(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A Gateway endpoint for a service without Gateway endpoints (it cannot be created), and
    an Interface endpoint in fewer than two zones or without security groups of its own."""
    focus = ctx.resolved_focus(resource)
    kind = _endpoint_type(lookup(focus, "Properties.VpcEndpointType")[0])
    if kind == "gateway":
        service, path = lookup(focus, "Properties.ServiceName")
        if (
            isinstance(service, str)
            and _AWS_SERVICE.search(service)
            and not _GATEWAY_SERVICE.search(service.strip())
        ):
            detail = (
                f"is a Gateway endpoint for `{service}`, but only S3 and DynamoDB offer Gateway "
                "endpoints, so it cannot be created"
            )
            yield Violation(path, {"resource": resource.logical_id, "detail": detail})
    elif kind == "interface":
        yield from _interface_endpoint(resource, ctx)


def _interface_endpoint(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(resource)
    args = {"resource": resource.logical_id}
    subnets, subnets_path = lookup(focus, "Properties.SubnetIds")
    if unset(subnets):
        where = subnets_path if subnets is not ABSENT else type_path(resource)
        detail = (
            "is an Interface endpoint without `SubnetIds`, so it has no network interface "
            "and nothing in the VPC can reach the service through it"
        )
        yield Violation(where, {**args, "detail": detail}, level="warning", at_key=True)
    else:
        candidates = ctx.query.targets(resource.logical_id, SUBNET, "SubnetIds")
        spread = subnet_spread(ctx, subnets, candidates)
        if spread.too_narrow():
            detail = (
                f"is an Interface endpoint with its network interfaces in {spread.describe()}, "
                "so the service is unreachable through it when that zone fails, and clients "
                "in other zones pay for cross-zone traffic"
            )
            yield Violation(subnets_path, {**args, "detail": detail}, level="warning")
    groups, _ = lookup(focus, "Properties.SecurityGroupIds")
    if unset(groups):
        detail = (
            "is an Interface endpoint without `SecurityGroupIds`, so it gets the VPC's default "
            "security group, which by default admits only members of that group"
        )
        yield Violation(type_path(resource), {**args, "detail": detail}, level="note", at_key=True)
