"""Cost checks the rule language cannot say on its own: Elastic IPs that nothing uses
(COST009), and cost-significant resources the template's tagging leaves out (COST012)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from iaclint.checks.common import active_resources, resource_tags, type_path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup
from iaclint.resolve.values import ABSENT


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


# -- COST012: cost-significant resources the template's tagging leaves out -----------------
# Resources billed by the hour or by the GB, and where each keeps its tags.
COST_TAG_PROPERTY = {
    "AWS::EC2::Instance": "Tags",
    "AWS::EC2::Volume": "Tags",
    "AWS::EC2::NatGateway": "Tags",
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "Tags",
    "AWS::ElasticLoadBalancing::LoadBalancer": "Tags",
    "AWS::RDS::DBInstance": "Tags",
    "AWS::RDS::DBCluster": "Tags",
    "AWS::DocDB::DBCluster": "Tags",
    "AWS::Neptune::DBCluster": "Tags",
    "AWS::Redshift::Cluster": "Tags",
    "AWS::DynamoDB::Table": "Tags",
    "AWS::S3::Bucket": "Tags",
    "AWS::EFS::FileSystem": "FileSystemTags",
    "AWS::FSx::FileSystem": "Tags",
    "AWS::ElastiCache::ReplicationGroup": "Tags",
    "AWS::ElastiCache::CacheCluster": "Tags",
    "AWS::OpenSearchService::Domain": "Tags",
    "AWS::Elasticsearch::Domain": "Tags",
    "AWS::EKS::Cluster": "Tags",
    "AWS::EKS::Nodegroup": "Tags",
    "AWS::ECS::Service": "Tags",
    "AWS::MSK::Cluster": "Tags",
    "AWS::Kinesis::Stream": "Tags",
    "AWS::KinesisFirehose::DeliveryStream": "Tags",
    "AWS::Lambda::Function": "Tags",
    "AWS::CloudFront::Distribution": "Tags",
    "AWS::SageMaker::NotebookInstance": "Tags",
    "AWS::SageMaker::Endpoint": "Tags",
}

# Tag keys conventionally used to allocate cost, compared lower-case without separators.
# A key outside this list (`Name`, `Description`, `DomainJoin`, `lambda:createdBy`, ...)
# usually describes or drives the resource rather than allocating its cost.
# https://docs.aws.amazon.com/whitepapers/latest/tagging-best-practices/cost-allocation-tags.html
ALLOCATION_KEYS = frozenset(
    {
        "project", "projectname", "projectid", "costcenter", "costcentre", "costcode",
        "owner", "team", "environment", "env", "stage", "application", "app", "appname",
        "applicationname", "applicationid", "service", "servicename", "businessunit",
        "department", "customer", "product", "workload", "budget", "billing", "billingcode",
        "chargecode", "tenant",
    }
)  # fmt: skip


def _allocation_keys(tags: dict[str, Any]) -> set[str]:
    """The tag keys, as written, that allocate cost."""
    return {k for k in tags if re.sub(r"[\s_\-.]", "", k).lower() in ALLOCATION_KEYS}


def _backticked(names: Iterable[str], limit: int = 3) -> str:
    items = sorted(names)
    shown = ", ".join(f"`{n}`" for n in items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit} more"


def _tag_carriers(ctx: CheckContext) -> tuple[set[str], list[str]]:
    """The cost-allocation tag keys the template's active cost-significant resources use,
    and those resources; once per scenario (per resource, the template was read n times)."""
    keys: set[str] = set()
    carriers: list[str] = []
    for other in active_resources(ctx, COST_TAG_PROPERTY):
        other_tags = resource_tags(ctx, other, COST_TAG_PROPERTY[other.type])
        found = _allocation_keys(other_tags) if other_tags else set()
        if found:
            keys |= found
            carriers.append(other.logical_id)
    return keys, carriers


def resource_without_cost_tags(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A cost-significant resource with no cost-allocation tag, in a template that tags other
    such resources with some: stack-level tags would tag them all, so the template's own
    tagging is what is inconsistent."""
    prop = COST_TAG_PROPERTY[resource.type]
    tags = resource_tags(ctx, resource, prop)
    if tags is None or _allocation_keys(tags):
        return
    # This resource carries none, so the carriers are the same for every such resource.
    keys, carriers = ctx.memo("cost:allocation-tag-carriers", lambda: _tag_carriers(ctx))
    if not keys:
        return
    value, path = lookup(ctx.resolved_focus(resource), f"Properties.{prop}")
    args = {
        "resource": resource.logical_id,
        "type": resource.type,
        "keys": _backticked(keys),
        "others": _backticked(carriers, 2),
    }
    yield Violation(type_path(resource) if value is ABSENT else path, args, at_key=True)
