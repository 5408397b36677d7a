"""Network checks about placement: what lands in the default VPC, and functions attached to
a VPC they do not need. Whether a resource's security groups and subnets share a VPC
(NET033) lives in `network_vpc_match.py`."""

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
from iaclint.policy.language import lookup
from iaclint.resolve.values import ABSENT

if TYPE_CHECKING:
    from iaclint.model.template import Resource


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
