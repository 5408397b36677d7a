"""Helpers shared by the network checks: the ports a security group or NACL rule opens,
which resources reference a resource and from which property, and which route tables a
subnet uses and whether they route to an internet gateway. Every helper answers "cannot
tell" (None) for a value or relation iaclint cannot know."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from iaclint.policy.context import CheckContext
from iaclint.policy.language import (
    Evaluator,
    Focus,
    Hit,
    Result,
    Tri,
    contains_unknown,
    lookup,
    port_covers,
    same_value,
)
from iaclint.resolve.values import ABSENT, Unknown

if TYPE_CHECKING:
    from iaclint.model.template import Resource

_TCP_UDP = ("tcp", "udp", "6", "17")
SECURITY_GROUP = "AWS::EC2::SecurityGroup"
AUTO_SCALING_GROUP = "AWS::AutoScaling::AutoScalingGroup"


# -- security group and NACL rules -------------------------------------------------
def opens_every_port(rule: Any) -> Tri:
    """A security group or NACL rule that allows every port: protocol -1, or TCP/UDP over
    0-65535 (also written 1-65535: port 0 is reserved and never used)."""
    covers = port_covers(rule, "all")
    if covers is not Tri.FALSE or not isinstance(rule, dict):
        return covers
    protocol = rule.get("IpProtocol", rule.get("Protocol", ABSENT))
    if str(protocol).strip().lower() not in _TCP_UDP:
        return Tri.FALSE
    ports = rule.get("PortRange", rule)
    if not isinstance(ports, dict):
        return Tri.FALSE
    low, high = ports.get("FromPort", ports.get("From")), ports.get("ToPort", ports.get("To"))
    if isinstance(low, Unknown) or isinstance(high, Unknown):
        return Tri.UNKNOWN
    try:
        return Tri.TRUE if float(low) <= 1 and float(high) >= 65535 else Tri.FALSE
    except (TypeError, ValueError):
        return Tri.FALSE


def all_ports(evaluator: Evaluator, focus: Focus, node: dict[str, Any]) -> Result:
    """`{python: all_ports}`: the rule at `path` (default: the current object) allows every
    port of every protocol, or every TCP or UDP port."""
    value, path = lookup(focus, node.get("path", ""))
    truth = opens_every_port(value)
    return Result(truth, (Hit(path, value),) if truth is Tri.TRUE else ())


def show_ports(rule: dict[str, Any]) -> str:
    """The ports a rule opens, for messages: `tcp 22`, `udp 1000-2000`, `protocol -1`."""
    protocol = str(rule.get("IpProtocol", "")).strip().lower()
    low, high = rule.get("FromPort", ABSENT), rule.get("ToPort", ABSENT)
    if protocol in ("tcp", "udp", "6", "17") and low is not ABSENT:
        name = {"6": "tcp", "17": "udp"}.get(protocol, protocol)
        return f"{name} {low}" if low == high else f"{name} {low}-{high}"
    return f"protocol {protocol or '?'}"


# -- values and references ---------------------------------------------------------
def is_true(value: Any) -> bool:
    """A known value CloudFormation reads as true (also `"true"`); unknown is not."""
    return not contains_unknown(value) and same_value(value, True)


def is_false(value: Any) -> bool:
    """A known value CloudFormation reads as false (also `"false"`); unknown is not."""
    return not contains_unknown(value) and same_value(value, False)


def unset(value: Any) -> bool:
    """Absent, or an empty list: no security group, no subnet."""
    return value is ABSENT or (isinstance(value, list) and not value)


def users_of(ctx: CheckContext, logical_id: str) -> list[tuple[Resource, str]]:
    """Active resources whose properties reference `logical_id` (Ref, GetAtt or Sub), with
    the property they reference it from. A resource made in this template can only be named
    this way, so the list is complete for the template."""
    found = []
    for ref in ctx.references:
        if ref.target != logical_id or ref.kind not in ("ref", "getatt", "sub"):
            continue
        if ref.source[0] != "Resources" or ref.path[2:3] != ("Properties",):
            continue
        user = ctx.template.resources.get(ref.source[1])
        if user is not None and ctx.is_active(user):
            found.append((user, ref.property_path))
    return found


def under(path: str, prefixes: tuple[str, ...]) -> bool:
    """Is the dotted property path one of the prefixes, or below one of them?"""
    return any(path == p or path.startswith(p + ".") for p in prefixes)


def show_resources(resources: list[Resource]) -> str:
    """The logical ids in backticks, in order, without repeats, for messages."""
    return ", ".join(f"`{name}`" for name in dict.fromkeys(r.logical_id for r in resources))


def template_resource(ctx: CheckContext, value: Any, kind: str) -> Resource | None:
    """The active resource of type `kind` that a resolved Ref/GetAtt value names."""
    if not isinstance(value, Unknown):
        return None
    found = [
        ctx.template.resources[r]
        for r in value.refs
        if r in ctx.template.resources and ctx.template.resources[r].type == kind
    ]
    if len(found) != 1 or not ctx.is_active(found[0]):
        return None
    return found[0]


# -- data stores, their security groups and subnets --------------------------------
# Where each kind of data store names its security groups.
DATA_STORE_SECURITY_GROUPS = {
    "AWS::RDS::DBInstance": "VPCSecurityGroups",
    "AWS::RDS::DBCluster": "VpcSecurityGroupIds",
    "AWS::DocDB::DBCluster": "VpcSecurityGroupIds",
    "AWS::DocDBElastic::Cluster": "VpcSecurityGroupIds",
    "AWS::Neptune::DBCluster": "VpcSecurityGroupIds",
    "AWS::Redshift::Cluster": "VpcSecurityGroupIds",
    "AWS::RedshiftServerless::Workgroup": "SecurityGroupIds",
    "AWS::ElastiCache::CacheCluster": "VpcSecurityGroupIds",
    "AWS::ElastiCache::ReplicationGroup": "SecurityGroupIds",
    "AWS::ElastiCache::ServerlessCache": "SecurityGroupIds",
    "AWS::MemoryDB::Cluster": "SecurityGroupIds",
    "AWS::DAX::Cluster": "SecurityGroupIds",
    "AWS::OpenSearchService::Domain": "VPCOptions.SecurityGroupIds",
    "AWS::Elasticsearch::Domain": "VPCOptions.SecurityGroupIds",
    "AWS::EFS::MountTarget": "SecurityGroups",
    "AWS::FSx::FileSystem": "SecurityGroupIds",
}
# Resources that only add rules to a group, or name it as a source or destination.
_RULE_TYPES = (
    "AWS::EC2::SecurityGroup",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
)


def data_stores_guarded(ctx: CheckContext, group: str) -> list[Resource]:
    """The data stores a security group is attached to, when it is attached to nothing else
    in the template (a group shared with compute needs its egress)."""
    stores = []
    for user, prop in users_of(ctx, group):
        if user.type in _RULE_TYPES:
            continue
        expected = DATA_STORE_SECURITY_GROUPS.get(user.type)
        if expected is None or not under(prop, (expected,)):
            return []
        stores.append(user)
    return stores


# Where data stores and brokers name the subnets they place network interfaces in.
DATA_STORE_SUBNETS = {
    "AWS::RDS::DBSubnetGroup": "SubnetIds",
    "AWS::DocDB::DBSubnetGroup": "SubnetIds",
    "AWS::Neptune::DBSubnetGroup": "SubnetIds",
    "AWS::ElastiCache::SubnetGroup": "SubnetIds",
    "AWS::DAX::SubnetGroup": "SubnetIds",
    "AWS::MemoryDB::SubnetGroup": "SubnetIds",
    "AWS::Redshift::ClusterSubnetGroup": "SubnetIds",
    "AWS::OpenSearchService::Domain": "VPCOptions.SubnetIds",
    "AWS::Elasticsearch::Domain": "VPCOptions.SubnetIds",
    "AWS::AmazonMQ::Broker": "SubnetIds",
}


# -- routes ------------------------------------------------------------------------
def route_tables(ctx: CheckContext, subnet: Resource) -> list[Resource] | None:
    """The template's route tables associated with the subnet, or None when they cannot be
    known: without an association the subnet uses the VPC's main route table, which a
    template cannot show, and a table from elsewhere cannot be read either."""
    associations = [
        a
        for a in ctx.query.referrers(
            subnet.logical_id, "AWS::EC2::SubnetRouteTableAssociation", "SubnetId"
        )
        if ctx.is_active(a)
    ]
    tables = [
        t
        for a in associations
        for t in ctx.query.targets(a.logical_id, "AWS::EC2::RouteTable", "RouteTableId")
    ]
    if not tables or len(tables) < len(associations):
        return None
    return tables


def _routes_of_unknown_table(ctx: CheckContext) -> list[str]:
    """The active routes whose route table is unknown and not a template resource: each might
    be in any table (once per scenario, not once per table)."""
    template = ctx.template
    found = []
    for route in template.of_types(("AWS::EC2::Route",)):
        if not ctx.is_active(route):
            continue
        table, _ = lookup(ctx.resolved_focus(route), "Properties.RouteTableId")
        if isinstance(table, Unknown) and not any(r in template.resources for r in table.refs):
            found.append(route.logical_id)
    return found


def route_to_internet_gateway(ctx: CheckContext, route_table: Resource) -> bool | None:
    """Does the route table have a route through an internet gateway? None: cannot tell."""
    template = ctx.template
    routes = ctx.query.referrers(route_table.logical_id, "AWS::EC2::Route", "RouteTableId")
    known = {route.logical_id for route in routes}
    untraced = ctx.memo("network:routes-of-unknown-table", lambda: _routes_of_unknown_table(ctx))
    if any(logical_id not in known for logical_id in untraced):
        return None  # a route of unknown table might be in this one
    for route in routes:
        if not ctx.is_active(route):
            continue
        gateway, _ = lookup(ctx.resolved_focus(route), "Properties.GatewayId")
        if isinstance(gateway, str):
            if gateway.strip().startswith("igw-"):
                return True
        elif isinstance(gateway, Unknown):
            kinds = {template.resources[r].type for r in gateway.refs if r in template.resources}
            if "AWS::EC2::InternetGateway" in kinds:
                return True
            if not kinds:
                return None  # a gateway id from a parameter or another stack
    return False


def public_route_tables(ctx: CheckContext, subnet: Resource) -> list[Resource] | None:
    """The route tables with an internet gateway route that an active association gives
    the subnet; None when none does for sure."""
    associations = [
        a
        for a in ctx.query.referrers(
            subnet.logical_id, "AWS::EC2::SubnetRouteTableAssociation", "SubnetId"
        )
        if ctx.is_active(a)
    ]
    public = []
    for association in associations:
        for table in ctx.query.targets(
            association.logical_id, "AWS::EC2::RouteTable", "RouteTableId"
        ):
            if route_to_internet_gateway(ctx, table) is True:
                public.append(table)
    return public or None


def subnet_is_private(ctx: CheckContext, subnet: Resource) -> list[Resource] | None:
    """The subnet's route tables when it surely has no route to an internet gateway."""
    tables = route_tables(ctx, subnet)
    if tables is None:
        return None
    if any(route_to_internet_gateway(ctx, t) is not False for t in tables):
        return None
    return tables
