"""VPC address-space checks: which CIDR blocks a VPC, its subnets and its peers hold, and
the gateway endpoints its private subnets need. CIDRs are compared with `ipaddress`; a
block that cannot be computed (IPAM pools, imports, `Fn::Cidr` of an unknown block) makes
the comparison unknown, never a finding."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iaclint.checks.common import active_resources, points_here, type_path
from iaclint.checks.network_acl_entries import Network, parse_network
from iaclint.checks.network_common import show_resources, subnet_is_private, template_resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup
from iaclint.resolve.values import ABSENT, PLACEHOLDER, Unknown

if TYPE_CHECKING:
    from iaclint.load.document import Path
    from iaclint.model.template import Resource

_VPC = "AWS::EC2::VPC"
_CIDR_BLOCK = "AWS::EC2::VPCCidrBlock"


# -- CIDR blocks -----------------------------------------------------------------------
def _vpc_block_inlined(ctx: CheckContext, value: Any, depth: int = 0) -> Any:
    """`value` with each `Fn::GetAtt <VPC>.CidrBlock` of a template VPC replaced by that
    VPC's `CidrBlock` as written, so that `!Select [0, !Cidr [!GetAtt Vpc.CidrBlock, 4, 8]]`
    can be computed (the resolver leaves every attribute unknown)."""
    if isinstance(value, list):
        return [_vpc_block_inlined(ctx, item, depth) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) == 1 and "Fn::GetAtt" in value and depth < 2:
        arg = value["Fn::GetAtt"]
        parts = arg.split(".", 1) if isinstance(arg, str) else arg
        if isinstance(parts, list) and len(parts) == 2 and parts[1] == "CidrBlock":
            vpc = ctx.template.resources.get(parts[0]) if isinstance(parts[0], str) else None
            if vpc is not None and vpc.type == _VPC and "CidrBlock" in vpc.properties:
                return _vpc_block_inlined(ctx, vpc.properties["CidrBlock"], depth + 1)
    return {key: _vpc_block_inlined(ctx, item, depth) for key, item in value.items()}


def cidr_of(ctx: CheckContext, resource: Resource, prop: str = "CidrBlock") -> tuple[Any, Path]:
    """The resource's IPv4 CIDR block (a network, ABSENT, or Unknown) and its source path."""
    value, path = lookup(ctx.resolved_focus(resource), f"Properties.{prop}")
    if isinstance(value, Unknown) and prop in resource.properties:
        raw = _vpc_block_inlined(ctx, resource.properties[prop])
        value = ctx.resolver.resolve(raw, (*resource.properties_path, prop))
    if value is ABSENT or isinstance(value, Unknown):
        return value, path
    network = parse_network(value)
    return (network if network is not None else Unknown("not a CIDR block")), path


@dataclass(frozen=True, slots=True, eq=False)
class VpcBlocks:
    """A VPC's known IPv4 blocks, each with the resource that adds it; `complete` when
    no other block can be added by what the template shows."""

    blocks: list[tuple[Network, Resource]]
    complete: bool

    def show(self) -> str:
        return ", ".join(f"`{network}`" for network, _ in self.blocks)


def vpc_blocks(ctx: CheckContext, vpc: Resource) -> VpcBlocks:
    """Once per VPC and scenario: every subnet of the VPC asks."""
    found: VpcBlocks = ctx.memo(f"network:vpc-blocks:{vpc.logical_id}", lambda: _blocks(ctx, vpc))
    return found


def _blocks(ctx: CheckContext, vpc: Resource) -> VpcBlocks:
    blocks: list[tuple[Network, Resource]] = []
    primary, _ = cidr_of(ctx, vpc)
    complete = primary is not ABSENT and not isinstance(primary, Unknown)
    if complete:
        blocks.append((primary, vpc))
    for extra in active_resources(ctx, (_CIDR_BLOCK,)):
        vpc_value, _ = lookup(ctx.resolved_focus(extra), "Properties.VpcId")
        mine = points_here(vpc_value, vpc, ctx)
        if mine is False:
            continue
        network, _ = cidr_of(ctx, extra)
        ipam, _ = lookup(ctx.resolved_focus(extra), "Properties.Ipv4IpamPoolId")
        if mine is None or isinstance(network, Unknown) or ipam is not ABSENT:
            complete = False
        elif network is not ABSENT:
            blocks.append((network, extra))
    return VpcBlocks(blocks, complete)


def _overlaps(a: Network, b: Network) -> bool:
    return a.version == b.version and a.overlaps(b)  # type: ignore[arg-type]


# -- NET044 ------------------------------------------------------------------------
_SERVICE = re.compile(r"(?:^|\.)com\.amazonaws\.[^.]+\.(s3|dynamodb)$")
_TABLE_TYPES = ("AWS::DynamoDB::Table", "AWS::DynamoDB::GlobalTable")


def _endpoint_service(value: Any) -> str | None:
    """`s3`, `dynamodb`, `?` (might be either) or None for an endpoint's ServiceName."""
    if isinstance(value, Unknown):
        text = value.partial
        if text is None or text.endswith(PLACEHOLDER):
            return "?"
        value = text
    if not isinstance(value, str):
        return None
    found = _SERVICE.search(value.strip().lower())
    return found.group(1) if found else None


def _endpoint_services(ctx: CheckContext, vpc: Resource) -> set[str]:
    """The services (`s3`, `dynamodb`, `?`) of endpoints that are or might be in the VPC."""
    by_vpc, anywhere = ctx.memo("network:endpoint-services", lambda: _endpoints_by_vpc(ctx))
    return by_vpc.get(vpc.logical_id, set()) | anywhere


def _endpoints_by_vpc(ctx: CheckContext) -> tuple[dict[str, set[str]], set[str]]:
    """The services of the active endpoints by the template resource their `VpcId` names,
    and those of endpoints whose VPC is unknown and might be any (once per scenario)."""
    by_vpc: dict[str, set[str]] = {}
    anywhere: set[str] = set()
    for endpoint in active_resources(ctx, ("AWS::EC2::VPCEndpoint",)):
        focus = ctx.resolved_focus(endpoint)
        vpc_value = lookup(focus, "Properties.VpcId")[0]
        service = _endpoint_service(lookup(focus, "Properties.ServiceName")[0])
        if service is None or not isinstance(vpc_value, Unknown):
            continue  # a literal VPC id is no template VPC
        if any(ref in ctx.template.resources for ref in vpc_value.refs):
            for ref in vpc_value.refs:
                by_vpc.setdefault(ref, set()).add(service)
        else:
            anywhere.add(service)
    return by_vpc, anywhere


def vpc_without_gateway_endpoints(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A VPC with private subnets and no S3 endpoint (nor a DynamoDB one when the template
    has tables): their traffic to these services pays for a NAT gateway, or fails."""
    private = [
        subnet
        for subnet in ctx.query.referrers(resource.logical_id, "AWS::EC2::Subnet", "VpcId")
        if ctx.is_active(subnet) and subnet_is_private(ctx, subnet) is not None
    ]
    if not private:
        return
    services = _endpoint_services(ctx, resource)
    if "?" in services:
        return
    missing = [] if "s3" in services else ["S3"]
    if "dynamodb" not in services and any(active_resources(ctx, _TABLE_TYPES)):
        missing.append("DynamoDB")
    if not missing:
        return
    args = {
        "resource": resource.logical_id,
        "subnets": show_resources(private),
        "services": " or ".join(missing),
    }
    yield Violation(type_path(resource), args, at_key=True)


# -- NET045 ------------------------------------------------------------------------
def _vpc_key(ctx: CheckContext, resource: Resource) -> tuple[str, Resource | None] | None:
    """The VPC a subnet or block belongs to: (logical or literal id, the template VPC)."""
    value, _ = lookup(ctx.resolved_focus(resource), "Properties.VpcId")
    vpc = template_resource(ctx, value, _VPC)
    if vpc is not None:
        return vpc.logical_id, vpc
    if isinstance(value, str):
        return value.strip(), None
    return None


def _blocks_by_vpc(ctx: CheckContext, type_name: str) -> dict[str, list[tuple[Resource, Any]]]:
    """The active resources of a type by the VPC they belong to, each with its block."""
    by_vpc: dict[str, list[tuple[Resource, Any]]] = {}
    for other in active_resources(ctx, (type_name,)):
        key = _vpc_key(ctx, other)
        if key is not None:
            by_vpc.setdefault(key[0], []).append((other, cidr_of(ctx, other)[0]))
    return by_vpc


def _earlier_overlap(
    ctx: CheckContext, resource: Resource, network: Network, key: str
) -> tuple[Resource, Network] | None:
    """An active resource of the same type and VPC, earlier in the template, whose block
    overlaps `network`."""
    by_vpc = ctx.memo(
        f"network:blocks-by-vpc:{resource.type}", lambda: _blocks_by_vpc(ctx, resource.type)
    )
    for other, block in by_vpc.get(key, ()):
        if other is resource:
            return None
        if isinstance(block, Network) and _overlaps(block, network):
            return other, block
    return None


def _subnet_problem(
    ctx: CheckContext, resource: Resource, network: Network, key: str, vpc: Resource | None
) -> str | None:
    if vpc is not None:
        blocks = vpc_blocks(ctx, vpc)
        if blocks.complete and not any(
            network.version == b.version and network.subnet_of(b)  # type: ignore[arg-type]
            for b, _ in blocks.blocks
        ):
            return f"lies outside every CIDR block of VPC `{vpc.logical_id}` ({blocks.show()})"
    found = _earlier_overlap(ctx, resource, network, key)
    if found is not None:
        other, block = found
        return f"overlaps `{block}` of subnet `{other.logical_id}` in the same VPC"
    return None


def _block_problem(
    ctx: CheckContext, resource: Resource, network: Network, key: str, vpc: Resource | None
) -> str | None:
    if vpc is not None:
        primary, _ = cidr_of(ctx, vpc)
        if isinstance(primary, Network) and _overlaps(primary, network):
            return f"overlaps the primary CIDR block `{primary}` of VPC `{vpc.logical_id}`"
    found = _earlier_overlap(ctx, resource, network, key)
    if found is not None:
        other, block = found
        return f"overlaps `{block}`, which `{other.logical_id}` adds to the same VPC"
    return None


def cidr_outside_vpc_or_overlapping(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """Subnet blocks outside their VPC's blocks or overlapping another subnet of the VPC,
    and secondary VPC blocks that overlap the VPC's other blocks: creation fails."""
    network, path = cidr_of(ctx, resource)
    found = _vpc_key(ctx, resource)
    if not isinstance(network, Network) or found is None:
        return
    key, vpc = found
    if resource.type == "AWS::EC2::Subnet":
        detail = _subnet_problem(ctx, resource, network, key, vpc)
    else:
        detail = _block_problem(ctx, resource, network, key, vpc)
    if detail is not None:
        yield Violation(
            path, {"resource": resource.logical_id, "value": str(network), "detail": detail}
        )


# -- NET046 ------------------------------------------------------------------------
def _peer_vpcs(ctx: CheckContext, peering: Resource) -> tuple[Resource, Resource, Path] | None:
    focus = ctx.resolved_focus(peering)
    own = template_resource(ctx, lookup(focus, "Properties.VpcId")[0], _VPC)
    peer_value, peer_path = lookup(focus, "Properties.PeerVpcId")
    peer = template_resource(ctx, peer_value, _VPC)
    if own is None or peer is None or own is peer:
        return None
    return own, peer, peer_path


def _peering_overlap(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    found = _peer_vpcs(ctx, resource)
    if found is None:
        return
    own, peer, where = found
    for a, _ in vpc_blocks(ctx, own).blocks:
        for b, _ in vpc_blocks(ctx, peer).blocks:
            if _overlaps(a, b):
                detail = (
                    f"peers VPC `{own.logical_id}` (`{a}`) with VPC `{peer.logical_id}` "
                    f"(`{b}`), whose CIDR blocks overlap, so the peering connection cannot "
                    "be created"
                )
                yield Violation(where, {"resource": resource.logical_id, "detail": detail})
                return


def _route_vpc(ctx: CheckContext, route: Resource) -> Resource | None:
    focus = ctx.resolved_focus(route)
    table = template_resource(
        ctx, lookup(focus, "Properties.RouteTableId")[0], "AWS::EC2::RouteTable"
    )
    if table is None:
        return None
    vpc_value, _ = lookup(ctx.resolved_focus(table), "Properties.VpcId")
    return template_resource(ctx, vpc_value, _VPC)


def _route_misses_peer(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(resource)
    peering_value, _ = lookup(focus, "Properties.VpcPeeringConnectionId")
    peering = template_resource(ctx, peering_value, "AWS::EC2::VPCPeeringConnection")
    destination, where = lookup(focus, "Properties.DestinationCidrBlock")
    network = parse_network(destination)
    if peering is None or network is None:
        return
    found = _peer_vpcs(ctx, peering)
    own = _route_vpc(ctx, resource)
    if found is None or own is None or own not in found[:2]:
        return
    peer = found[1] if own is found[0] else found[0]
    blocks = vpc_blocks(ctx, peer)
    if not blocks.complete or any(_overlaps(network, b) for b, _ in blocks.blocks):
        return
    detail = (
        f"sends `{network}` through peering connection `{peering.logical_id}`, but none of "
        f"peer VPC `{peer.logical_id}`'s CIDR blocks ({blocks.show()}) overlaps it, so the "
        "traffic is dropped"
    )
    yield Violation(where, {"resource": resource.logical_id, "detail": detail}, level="warning")


def vpc_peering_overlapping_cidrs(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """Peering connections between VPCs with overlapping blocks (creation fails), and
    peering routes whose destination is none of the peer's blocks."""
    if resource.type == "AWS::EC2::VPCPeeringConnection":
        yield from _peering_overlap(resource, ctx)
    elif resource.type == "AWS::EC2::Route":
        yield from _route_misses_peer(resource, ctx)
