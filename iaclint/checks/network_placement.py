"""Network checks about placement: whether a resource's security groups and subnets share a
VPC, what lands in the default VPC, and functions attached to a VPC they do not need."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from iaclint.checks.common import type_path
from iaclint.checks.network_common import (
    AUTO_SCALING_GROUP,
    SECURITY_GROUP,
    template_resource,
    under,
    unset,
)
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Focus, lookup
from iaclint.resolve.values import ABSENT, child_source

if TYPE_CHECKING:
    from iaclint.load.document import Path
    from iaclint.model.template import Resource


# -- NET033 ------------------------------------------------------------------------
# Where each resource names its security groups, its subnets, a subnet group of a given
# type (whose `SubnetIds` hold the subnets) and a VPC of its own.
_PLACEMENT: dict[str, dict[str, Any]] = {
    "AWS::ElasticLoadBalancingV2::LoadBalancer": {
        "groups": "SecurityGroups",
        "subnets": ("Subnets", "SubnetMappings.*.SubnetId"),
    },
    "AWS::ElasticLoadBalancing::LoadBalancer": {
        "groups": "SecurityGroups",
        "subnets": ("Subnets",),
    },
    "AWS::Lambda::Function": {
        "groups": "VpcConfig.SecurityGroupIds",
        "subnets": ("VpcConfig.SubnetIds",),
    },
    "AWS::ECS::Service": {
        "groups": "NetworkConfiguration.AwsvpcConfiguration.SecurityGroups",
        "subnets": ("NetworkConfiguration.AwsvpcConfiguration.Subnets",),
    },
    "AWS::EFS::MountTarget": {"groups": "SecurityGroups", "subnets": ("SubnetId",)},
    "AWS::EC2::VPCEndpoint": {"groups": "SecurityGroupIds", "subnets": ("SubnetIds",), "vpc": True},
    "AWS::RDS::DBInstance": {
        "groups": "VPCSecurityGroups",
        "subnet_group": ("DBSubnetGroupName", "AWS::RDS::DBSubnetGroup"),
    },
    "AWS::RDS::DBCluster": {
        "groups": "VpcSecurityGroupIds",
        "subnet_group": ("DBSubnetGroupName", "AWS::RDS::DBSubnetGroup"),
    },
    "AWS::ElastiCache::CacheCluster": {
        "groups": "VpcSecurityGroupIds",
        "subnet_group": ("CacheSubnetGroupName", "AWS::ElastiCache::SubnetGroup"),
    },
    "AWS::ElastiCache::ReplicationGroup": {
        "groups": "SecurityGroupIds",
        "subnet_group": ("CacheSubnetGroupName", "AWS::ElastiCache::SubnetGroup"),
    },
}

# A VPC as far as the template tells: ("vpc", logical id) for one it creates, ("id", vpc-...)
# for a known id, ("default", "") for a security group without `VpcId`.
VpcIdentity = tuple[str, str]


def _vpc_identity(ctx: CheckContext, value: Any) -> VpcIdentity | None:
    if isinstance(value, str) and value.strip():
        return ("id", value.strip())
    vpc = template_resource(ctx, value, "AWS::EC2::VPC")
    return ("vpc", vpc.logical_id) if vpc is not None else None


def _show_vpc(identity: VpcIdentity) -> str:
    if identity[0] == "default":
        return "the default VPC (it sets no `VpcId`)"
    return f"VPC `{identity[1]}`"


def _different(group_vpc: VpcIdentity, placed: VpcIdentity) -> bool:
    """Surely different VPCs. A VPC the template creates is never the default VPC; a
    literal id and a template VPC cannot be compared."""
    if group_vpc[0] == "default":
        return placed[0] == "vpc"
    return group_vpc[0] == placed[0] and group_vpc[1] != placed[1]


def _items(focus: Focus, dotted: str) -> list[tuple[Any, Path]]:
    """The values at a dotted path whose `*` stands for every item of a list."""
    head, _, rest = dotted.partition(".*.")
    value, path = lookup(focus, head)
    if not isinstance(value, list):
        return []
    items = [(v, child_source(value, path, i)) for i, v in enumerate(value)]
    if not rest:
        return items
    found = []
    for item, item_path in items:
        inner, inner_path = lookup(Focus(item, item_path), rest)
        if inner is not ABSENT:
            found.append((inner, inner_path))
    return found


def _subnet_vpcs(ctx: CheckContext, values: list[Any]) -> list[tuple[str, VpcIdentity]]:
    """(subnet, its VPC) for the template subnets among the values whose VPC is known."""
    found = []
    for value in values:
        subnet = template_resource(ctx, value, "AWS::EC2::Subnet")
        if subnet is None:
            continue
        vpc = _vpc_identity(ctx, lookup(ctx.resolved_focus(subnet), "Properties.VpcId")[0])
        if vpc is not None:
            found.append((f"subnet `{subnet.logical_id}`", vpc))
    return found


def _placements(
    resource: Resource, ctx: CheckContext
) -> Iterator[tuple[list[tuple[Any, Path]], list[tuple[str, VpcIdentity]]]]:
    """(security group references, (what, VPC) of where the resource is placed)."""
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::EC2::Instance":
        nics, nics_path = lookup(focus, "Properties.NetworkInterfaces")
        if isinstance(nics, list) and nics:
            for i, nic in enumerate(nics):
                if not isinstance(nic, dict):
                    continue
                nic_focus = Focus(nic, child_source(nics, nics_path, i), resource)
                groups = _items(nic_focus, "GroupSet")
                yield groups, _subnet_vpcs(ctx, [nic.get("SubnetId", ABSENT)])
            return
        groups = _items(focus, "Properties.SecurityGroupIds")
        yield groups, _subnet_vpcs(ctx, [lookup(focus, "Properties.SubnetId")[0]])
        return
    spec = _PLACEMENT.get(resource.type)
    if spec is None:
        return
    groups = _items(focus, f"Properties.{spec['groups']}")
    subnet_values = [
        v for p in spec.get("subnets", ()) for v, _ in _items(focus, f"Properties.{p}")
    ]
    for p in spec.get("subnets", ()):
        value, _ = lookup(focus, f"Properties.{p}")
        if not isinstance(value, list) and "*" not in p:
            subnet_values.append(value)  # a single SubnetId
    placed = _subnet_vpcs(ctx, subnet_values)
    if "subnet_group" in spec:
        prop, kind = spec["subnet_group"]
        subnet_group = template_resource(ctx, lookup(focus, f"Properties.{prop}")[0], kind)
        if subnet_group is not None:
            ids, _ = lookup(ctx.resolved_focus(subnet_group), "Properties.SubnetIds")
            if isinstance(ids, list):
                placed = _subnet_vpcs(ctx, ids)
    if spec.get("vpc"):
        own = _vpc_identity(ctx, lookup(focus, "Properties.VpcId")[0])
        if own is not None:
            placed.append(("its `VpcId`", own))
    yield groups, placed


def security_group_in_other_vpc(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A security group of one VPC attached to a resource placed in another: creating the
    resource fails."""
    for groups, placed in _placements(resource, ctx):
        if not placed:
            continue
        for value, path in groups:
            group = template_resource(ctx, value, SECURITY_GROUP)
            if group is None:
                continue
            raw_vpc, _ = lookup(ctx.resolved_focus(group), "Properties.VpcId")
            group_vpc = ("default", "") if raw_vpc is ABSENT else _vpc_identity(ctx, raw_vpc)
            if group_vpc is None:
                continue
            where = next(((w, v) for w, v in placed if _different(group_vpc, v)), None)
            if where is None:
                continue
            args = {
                "resource": resource.logical_id,
                "group": group.logical_id,
                "group_vpc": _show_vpc(group_vpc),
                "placed": where[0],
                "placed_vpc": _show_vpc(where[1]),
            }
            yield Violation(path, args)


# -- NET034 ------------------------------------------------------------------------
def _launch_template_without_subnet(ctx: CheckContext, value: Any) -> bool:
    """Does a template launch template, named by its id or name, choose no subnet?"""
    if not isinstance(value, dict):
        return False
    for key in ("LaunchTemplateId", "LaunchTemplateName"):
        template = template_resource(ctx, value.get(key, ABSENT), "AWS::EC2::LaunchTemplate")
        if template is not None:
            nics, _ = lookup(
                ctx.resolved_focus(template), "Properties.LaunchTemplateData.NetworkInterfaces"
            )
            return nics is ABSENT or (isinstance(nics, list) and not nics)
    return False


def _default_vpc_reason(resource: Resource, ctx: CheckContext) -> str | None:
    """Why the resource surely lands in the default VPC, or None."""
    focus = ctx.resolved_focus(resource)

    def absent(*props: str) -> bool:
        return all(lookup(focus, f"Properties.{p}")[0] is ABSENT for p in props)

    kind = resource.type
    if kind == "AWS::EC2::SecurityGroup":
        return "it sets no `VpcId`" if absent("VpcId") else None
    if kind == "AWS::EC2::Instance":
        if not absent("SubnetId") or not unset(lookup(focus, "Properties.NetworkInterfaces")[0]):
            return None
        template, _ = lookup(focus, "Properties.LaunchTemplate")
        if template is not ABSENT and not _launch_template_without_subnet(ctx, template):
            return None
        return "it sets no `SubnetId` or `NetworkInterfaces`"
    if kind == "AWS::RDS::DBInstance":
        # Aurora members and read replicas are placed by their cluster or source.
        others = ("DBClusterIdentifier", "SourceDBInstanceIdentifier", "SourceDBClusterIdentifier")
        return "it sets no `DBSubnetGroupName`" if absent("DBSubnetGroupName", *others) else None
    if kind == "AWS::RDS::DBCluster":
        return "it sets no `DBSubnetGroupName`" if absent("DBSubnetGroupName") else None
    if kind == "AWS::ElastiCache::CacheCluster":
        # A member of a replication group is placed by the group.
        if absent("CacheSubnetGroupName", "ReplicationGroupId"):
            return "it sets no `CacheSubnetGroupName`"
        return None
    if kind == "AWS::ElastiCache::ReplicationGroup":
        if absent("CacheSubnetGroupName", "PrimaryClusterId"):
            return "it sets no `CacheSubnetGroupName`"
        return None
    if kind == "AWS::ElasticLoadBalancing::LoadBalancer":
        if absent("Subnets") and not absent("AvailabilityZones"):
            return "it names `AvailabilityZones` but no `Subnets`"
        return None
    if kind == AUTO_SCALING_GROUP:
        if not absent("VPCZoneIdentifier") or absent("AvailabilityZones"):
            return None
        template, _ = lookup(focus, "Properties.LaunchTemplate")
        if template is not ABSENT and not _launch_template_without_subnet(ctx, template):
            return None
        if not absent("MixedInstancesPolicy", "InstanceId"):
            return None
        return "it names `AvailabilityZones` but no `VPCZoneIdentifier`"
    return None


def launched_into_default_vpc(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """Resources that choose no subnet (or VPC) and so land in the Region's default VPC."""
    reason = _default_vpc_reason(resource, ctx)
    if reason is not None:
        args = {"resource": resource.logical_id, "detail": reason}
        yield Violation(type_path(resource), args, at_key=True)


# -- NET035 ------------------------------------------------------------------------
# What may sit in a VPC that exists only for functions: the network itself. Anything else
# that names the VPC, its subnets or the function's security groups may be what the
# function reaches (a database, an endpoint, a NAT gateway for a fixed egress address, a
# VPN or peering route, a nested stack).
_PLUMBING = {
    "AWS::EC2::Subnet",
    "AWS::EC2::RouteTable",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::InternetGateway",
    "AWS::EC2::NetworkAcl",
    "AWS::EC2::NetworkAclEntry",
    "AWS::EC2::SubnetNetworkAclAssociation",
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::FlowLog",
    "AWS::EC2::VPCCidrBlock",
    "AWS::EC2::SubnetCidrBlock",
    "AWS::EC2::VPCDHCPOptionsAssociation",
    "AWS::Lambda::Function",
}


def _plumbing(ctx: CheckContext, user: Resource, prop: str) -> bool:
    if user.type in _PLUMBING:
        # A group that admits another group's members (its SourceSecurityGroupId) is a tier.
        return not (user.type == SECURITY_GROUP and under(prop, ("SecurityGroupIngress",)))
    focus = ctx.resolved_focus(user)
    if user.type == "AWS::EC2::VPCGatewayAttachment":
        return lookup(focus, "Properties.VpnGatewayId")[0] is ABSENT
    if user.type == "AWS::EC2::SecurityGroupIngress":
        return prop == "GroupId"
    if user.type == "AWS::EC2::Route":
        # Only routes to an internet gateway; NAT, VPN, peering and transit routes are needs.
        gateway, _ = lookup(focus, "Properties.GatewayId")
        return template_resource(ctx, gateway, "AWS::EC2::InternetGateway") is not None
    return False


def _used_elsewhere(ctx: CheckContext, logical_ids: set[str]) -> bool:
    """Does anything but network plumbing, or any output, name one of these resources?"""
    for ref in ctx.references:
        if ref.target not in logical_ids or ref.kind not in ("ref", "getatt", "sub"):
            continue
        if ref.source[0] == "Outputs":
            return True
        if ref.source[0] != "Resources":
            continue
        user = ctx.template.resources.get(ref.source[1])
        if user is None or not ctx.is_active(user):
            continue
        if not _plumbing(ctx, user, ref.property_path):
            return True
    return False


def _routes_of_unknown_table(ctx: CheckContext) -> bool:
    """A route whose table the template cannot name might be in the function's VPC."""
    for route in ctx.template.resources.values():
        if route.type == "AWS::EC2::Route" and ctx.is_active(route):
            table, _ = lookup(ctx.resolved_focus(route), "Properties.RouteTableId")
            if template_resource(ctx, table, "AWS::EC2::RouteTable") is None:
                return True
    return False


def _vpc_of(ctx: CheckContext, subnet: Resource) -> Resource | None:
    value, _ = lookup(ctx.resolved_focus(subnet), "Properties.VpcId")
    return template_resource(ctx, value, "AWS::EC2::VPC")


def lambda_vpc_without_need(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A function attached to a VPC of the template in which nothing else lives: no data
    store, endpoint, NAT gateway, VPN or peering, and nothing outside the stack told about it."""
    focus = ctx.resolved_focus(resource)
    subnets_value, _ = lookup(focus, "Properties.VpcConfig.SubnetIds")
    groups_value, _ = lookup(focus, "Properties.VpcConfig.SecurityGroupIds")
    _, config_path = lookup(focus, "Properties.VpcConfig")
    if not isinstance(subnets_value, list) or not subnets_value:
        return
    if not unset(lookup(focus, "Properties.FileSystemConfigs")[0]):
        return
    subnets = [template_resource(ctx, s, "AWS::EC2::Subnet") for s in subnets_value]
    groups_list = groups_value if isinstance(groups_value, list) else []
    groups = [template_resource(ctx, g, SECURITY_GROUP) for g in groups_list]
    if not isinstance(groups_value, list) or None in subnets or None in groups:
        return  # a subnet or group from elsewhere: the VPC is shared
    vpcs = {
        v.logical_id if v is not None else None
        for s in subnets
        if s is not None
        for v in [_vpc_of(ctx, s)]
    }
    if None in vpcs or len(vpcs) != 1:
        return
    vpc = ctx.template.resources[str(vpcs.pop())]
    members = {r.logical_id for r in ctx.query.referrers(vpc.logical_id, "AWS::EC2::Subnet")}
    members |= {vpc.logical_id} | {g.logical_id for g in groups if g is not None}
    if _used_elsewhere(ctx, members) or _routes_of_unknown_table(ctx):
        return
    args = {"resource": resource.logical_id, "vpc": vpc.logical_id}
    yield Violation(config_path, args, at_key=True)
