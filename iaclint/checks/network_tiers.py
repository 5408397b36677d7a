"""Network checks about tiers and placement: which security group admits which tier (load
balancer, application, database, administrators), whether a resource's security groups and
subnets share a VPC, what lands in the default VPC, and the front door of an application
(Elastic IPs, DNS records, a function's VPC attachment). Built on the helpers of
`iaclint.checks.network`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from iaclint.checks.common import as_integer, raw_at
from iaclint.checks.network import (
    _data_stores_guarded,
    _is_false,
    _names,
    _ports,
    _template_resource,
    _type_path,
    _under,
    _unset,
    _users,
    opens_every_port,
)
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Focus, Tri, lookup, port_covers
from iaclint.resolve.values import ABSENT, Unknown, child_source

if TYPE_CHECKING:
    from iaclint.load.document import Path
    from iaclint.model.template import Resource

_SG = "AWS::EC2::SecurityGroup"
_OPEN = ("0.0.0.0/0", "::/0")
_TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"
_ASG = "AWS::AutoScaling::AutoScalingGroup"


# -- shared: the rules of a security group ---------------------------------------
def _own_rules(
    resource: Resource, ctx: CheckContext
) -> Iterator[tuple[Resource, list[tuple[Any, Path]]]]:
    """(group, [(rule, path)]) for the ingress rules this resource itself writes: a group's
    inline `SecurityGroupIngress`, or a separate `SecurityGroupIngress` resource with the
    template group it adds to. Each finding then points at the rule's own lines."""
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::EC2::SecurityGroupIngress":
        groups = [
            g for g in ctx.query.targets(resource.logical_id, _SG, "GroupId") if ctx.is_active(g)
        ]
        if len(groups) == 1:
            yield groups[0], [lookup(focus, "Properties")]
        return
    ingress, ingress_path = lookup(focus, "Properties.SecurityGroupIngress")
    if isinstance(ingress, list):
        yield resource, [(r, child_source(ingress, ingress_path, i)) for i, r in enumerate(ingress)]


def _all_rules(ctx: CheckContext, group: Resource) -> list[Any]:
    """Every ingress rule of a template group: inline and from separate resources."""
    ingress, _ = lookup(ctx.resolved_focus(group), "Properties.SecurityGroupIngress")
    rules = list(ingress) if isinstance(ingress, list) else []
    for extra in ctx.query.ingress_rules_for(group.logical_id):
        if ctx.is_active(extra):
            rules.append(lookup(ctx.resolved_focus(extra), "Properties")[0])
    return rules


def _cidr(rule: Any) -> tuple[str, str] | None:
    """(key, CIDR) of a rule whose source is a known IPv4 or IPv6 range."""
    if not isinstance(rule, dict):
        return None
    for key in ("CidrIp", "CidrIpv6"):
        value = rule.get(key, ABSENT)
        if isinstance(value, str) and value.strip():
            return key, value.strip()
    return None


def _reported_as_open(rule: dict[str, Any], cidr: str) -> bool:
    """NET002 already reports a rule that opens every port to the internet."""
    return cidr in _OPEN and opens_every_port(rule) is not Tri.FALSE


# -- NET030 ------------------------------------------------------------------------
def _is_alb_with_groups(ctx: CheckContext, balancer: Resource) -> bool:
    focus = ctx.resolved_focus(balancer)
    kind, _ = lookup(focus, "Properties.Type")
    if kind is not ABSENT and not (isinstance(kind, str) and kind.strip() == "application"):
        return False  # network and gateway load balancers may have no security group
    groups, _ = lookup(focus, "Properties.SecurityGroups")
    return not _unset(groups)


def _balancers_of(ctx: CheckContext, target_group: Resource) -> list[Resource]:
    """Application load balancers with security groups that forward to the target group,
    through a listener's default actions or a listener rule."""
    tg = target_group.logical_id
    listeners = ctx.query.referrers(tg, "AWS::ElasticLoadBalancingV2::Listener", "DefaultActions")
    for rule in ctx.query.referrers(tg, "AWS::ElasticLoadBalancingV2::ListenerRule", "Actions"):
        if ctx.is_active(rule):
            listeners += ctx.query.targets(
                rule.logical_id, "AWS::ElasticLoadBalancingV2::Listener", "ListenerArn"
            )
    found = {}
    for listener in listeners:
        if not ctx.is_active(listener):
            continue
        for balancer in ctx.query.targets(
            listener.logical_id, "AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerArn"
        ):
            if ctx.is_active(balancer) and _is_alb_with_groups(ctx, balancer):
                found[balancer.logical_id] = balancer
    return list(found.values())


def _target_group_port(ctx: CheckContext, target_group: Resource) -> int | None:
    focus = ctx.resolved_focus(target_group)
    kind, _ = lookup(focus, "Properties.TargetType")
    if isinstance(kind, str) and kind.strip().lower() in ("lambda", "alb"):
        return None
    return as_integer(lookup(focus, "Properties.Port")[0])


def _served_ports(
    ctx: CheckContext, user: Resource, prop: str
) -> list[tuple[Resource, int, Resource]]:
    """(target group, port on the target, target) for the targets a resource launches or
    is, when `prop` is where it names the security groups of those targets."""
    kind, name = user.type, user.logical_id
    found: list[tuple[Resource, int | None, Resource]] = []
    if kind == "AWS::EC2::Instance" and _under(
        prop, ("SecurityGroupIds", "SecurityGroups", "NetworkInterfaces")
    ):
        for tg in ctx.query.referrers(name, _TARGET_GROUP, "Targets"):
            found.append((tg, _target_group_port(ctx, tg), user))
    elif kind == "AWS::ECS::Service" and _under(prop, ("NetworkConfiguration",)):
        balancers, _ = lookup(ctx.resolved_focus(user), "Properties.LoadBalancers")
        for item in balancers if isinstance(balancers, list) else []:
            if not isinstance(item, dict):
                continue
            tg = _template_resource(ctx, item.get("TargetGroupArn", ABSENT), _TARGET_GROUP)
            if tg is not None:
                found.append((tg, as_integer(item.get("ContainerPort", ABSENT)), user))
    else:
        if kind == "AWS::EC2::LaunchTemplate" and _under(prop, ("LaunchTemplateData",)):
            groups = ctx.query.referrers(name, _ASG, "LaunchTemplate")
            groups += ctx.query.referrers(name, _ASG, "MixedInstancesPolicy")
        elif kind == "AWS::AutoScaling::LaunchConfiguration" and prop == "SecurityGroups":
            groups = ctx.query.referrers(name, _ASG, "LaunchConfigurationName")
        else:
            return []
        for asg in groups:
            if ctx.is_active(asg):
                for tg in ctx.query.targets(asg.logical_id, _TARGET_GROUP, "TargetGroupARNs"):
                    found.append((tg, _target_group_port(ctx, tg), asg))
    return [(tg, p, t) for tg, p, t in found if p is not None and ctx.is_active(tg)]


def _behind_load_balancer(
    ctx: CheckContext, group: Resource
) -> tuple[list[tuple[int, Resource]], list[Resource]]:
    """The ports an application load balancer sends to the targets this group guards, with
    that balancer, and the targets. Empty when the group also guards a load balancer (its
    CIDR rules are then the balancer's listeners)."""
    served: list[tuple[int, Resource]] = []
    targets: list[Resource] = []
    for user, prop in _users(ctx, group.logical_id):
        if user.type.startswith("AWS::ElasticLoadBalancing"):
            return [], []
        for tg, port, target in _served_ports(ctx, user, prop):
            for balancer in _balancers_of(ctx, tg):
                served.append((port, balancer))
                targets.append(target)
    return served, targets


def app_group_admits_cidr(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A CIDR rule on the traffic port of targets that an application load balancer with
    security groups serves: anything in the range reaches the targets around the balancer."""
    for group, rules in _own_rules(resource, ctx):
        served, targets = _behind_load_balancer(ctx, group)
        if not served:
            continue
        for rule, path in rules:
            found = _cidr(rule)
            if found is None or _reported_as_open(rule, found[1]):
                continue
            hit = next((s for s in served if port_covers(rule, s[0]) is Tri.TRUE), None)
            if hit is None:
                continue
            port, balancer = hit
            args = {
                "resource": resource.logical_id,
                "group": group.logical_id,
                "value": found[1],
                "port": str(port),
                "targets": _names(targets),
                "balancer": balancer.logical_id,
            }
            yield Violation(child_source(rule, path, found[0]), args)


# -- NET031 ------------------------------------------------------------------------
# Databases and caches (all in network.DATA_STORE_SECURITY_GROUPS); file systems, search
# domains and Redshift (read by BI tools and outside networks) are not.
_DATABASE_TYPES = (
    "AWS::RDS::DBInstance",
    "AWS::RDS::DBCluster",
    "AWS::DocDB::DBCluster",
    "AWS::Neptune::DBCluster",
    "AWS::ElastiCache::CacheCluster",
    "AWS::ElastiCache::ReplicationGroup",
    "AWS::ElastiCache::ServerlessCache",
    "AWS::MemoryDB::Cluster",
    "AWS::DAX::Cluster",
)


def database_group_admits_cidr(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A CIDR source on a security group that guards only databases and caches; internet-wide
    sources are NET002/NET003/NET014's findings."""
    for group, rules in _own_rules(resource, ctx):
        stores = _data_stores_guarded(ctx, group.logical_id)
        databases = [s for s in stores if s.type in _DATABASE_TYPES]
        if not databases:
            continue
        for rule, path in rules:
            found = _cidr(rule)
            if found is None or found[1] in _OPEN:
                continue
            args = {
                "resource": resource.logical_id,
                "group": group.logical_id,
                "value": found[1],
                "ports": _ports(rule),
                "databases": _names(databases),
            }
            yield Violation(child_source(rule, path, found[0]), args)


# -- NET032 ------------------------------------------------------------------------
_ADMIN_PORTS = (22, 3389)


def _is_ssh_rule(rule: Any) -> bool:
    """A TCP rule for port 22 alone."""
    if not isinstance(rule, dict) or port_covers(rule, 22) is not Tri.TRUE:
        return False
    low, high = as_integer(rule.get("FromPort", ABSENT)), as_integer(rule.get("ToPort", ABSENT))
    return low == 22 and high == 22


def _application_ports(rule: Any) -> str | None:
    """The ports of a TCP/UDP rule with known ports that opens no administrative port."""
    if not isinstance(rule, dict):
        return None
    protocol = str(rule.get("IpProtocol", "")).strip().lower()
    if protocol not in ("tcp", "udp", "6", "17"):
        return None
    low, high = as_integer(rule.get("FromPort", ABSENT)), as_integer(rule.get("ToPort", ABSENT))
    if low is None or high is None or low < 0:
        return None
    if any(port_covers(rule, port) is not Tri.FALSE for port in _ADMIN_PORTS):
        return None
    return _ports(rule)


def ssh_mixed_with_application_ports(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """An SSH rule in a security group that also admits application traffic."""
    for group, rules in _own_rules(resource, ctx):
        ssh = [(rule, path) for rule, path in rules if _is_ssh_rule(rule)]
        if not ssh:
            continue
        others = [p for p in map(_application_ports, _all_rules(ctx, group)) if p is not None]
        if not others:
            continue
        shown = ", ".join(f"`{p}`" for p in dict.fromkeys(others))
        for rule, path in ssh:
            args = {"resource": resource.logical_id, "group": group.logical_id, "ports": shown}
            yield Violation(child_source(rule, path, "FromPort"), args)


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
    vpc = _template_resource(ctx, value, "AWS::EC2::VPC")
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
        subnet = _template_resource(ctx, value, "AWS::EC2::Subnet")
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
        subnet_group = _template_resource(ctx, lookup(focus, f"Properties.{prop}")[0], kind)
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
            group = _template_resource(ctx, value, _SG)
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
        template = _template_resource(ctx, value.get(key, ABSENT), "AWS::EC2::LaunchTemplate")
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
        if not absent("SubnetId") or not _unset(lookup(focus, "Properties.NetworkInterfaces")[0]):
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
    if kind == _ASG:
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
        yield Violation(_type_path(resource), args, at_key=True)


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
        return not (user.type == _SG and _under(prop, ("SecurityGroupIngress",)))
    focus = ctx.resolved_focus(user)
    if user.type == "AWS::EC2::VPCGatewayAttachment":
        return lookup(focus, "Properties.VpnGatewayId")[0] is ABSENT
    if user.type == "AWS::EC2::SecurityGroupIngress":
        return prop == "GroupId"
    if user.type == "AWS::EC2::Route":
        # Only routes to an internet gateway; NAT, VPN, peering and transit routes are needs.
        gateway, _ = lookup(focus, "Properties.GatewayId")
        return _template_resource(ctx, gateway, "AWS::EC2::InternetGateway") is not None
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
            if _template_resource(ctx, table, "AWS::EC2::RouteTable") is None:
                return True
    return False


def _vpc_of(ctx: CheckContext, subnet: Resource) -> Resource | None:
    value, _ = lookup(ctx.resolved_focus(subnet), "Properties.VpcId")
    return _template_resource(ctx, value, "AWS::EC2::VPC")


def lambda_vpc_without_need(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A function attached to a VPC of the template in which nothing else lives: no data
    store, endpoint, NAT gateway, VPN or peering, and nothing outside the stack told about it."""
    focus = ctx.resolved_focus(resource)
    subnets_value, _ = lookup(focus, "Properties.VpcConfig.SubnetIds")
    groups_value, _ = lookup(focus, "Properties.VpcConfig.SecurityGroupIds")
    _, config_path = lookup(focus, "Properties.VpcConfig")
    if not isinstance(subnets_value, list) or not subnets_value:
        return
    if not _unset(lookup(focus, "Properties.FileSystemConfigs")[0]):
        return
    subnets = [_template_resource(ctx, s, "AWS::EC2::Subnet") for s in subnets_value]
    groups_list = groups_value if isinstance(groups_value, list) else []
    groups = [_template_resource(ctx, g, _SG) for g in groups_list]
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


# -- NET036 ------------------------------------------------------------------------
def _routes_through(ctx: CheckContext, instance: Resource) -> bool:
    return any(
        ctx.is_active(r) for r in ctx.query.referrers(instance.logical_id, "AWS::EC2::Route")
    )


def elastic_ip_on_instance(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """An Elastic IP address given to an EC2 instance, unless the instance forwards traffic
    (a NAT, VPN or firewall appliance: source/destination check off, or a route target)."""
    value, path = lookup(ctx.resolved_focus(resource), "Properties.InstanceId")
    instance = _template_resource(ctx, value, "AWS::EC2::Instance")
    if instance is None:
        return
    check, _ = lookup(ctx.resolved_focus(instance), "Properties.SourceDestCheck")
    if _is_false(check) or isinstance(check, Unknown):
        return  # a NAT, VPN or firewall appliance (or maybe one)
    if _routes_through(ctx, instance):
        return
    yield Violation(path, {"resource": resource.logical_id, "instance": instance.logical_id})


# -- NET037 ------------------------------------------------------------------------
# What an alias record can name, with the words for a message. S3 only for website endpoints.
_ALIAS_TARGETS = {
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "load balancer",
    "AWS::ElasticLoadBalancing::LoadBalancer": "Classic Load Balancer",
    "AWS::CloudFront::Distribution": "CloudFront distribution",
    "AWS::ApiGateway::DomainName": "API Gateway domain name",
    "AWS::ApiGatewayV2::DomainName": "API Gateway domain name",
    "AWS::ElasticBeanstalk::Environment": "Elastic Beanstalk environment",
    "AWS::GlobalAccelerator::Accelerator": "Global Accelerator",
    "AWS::S3::Bucket": "S3 website endpoint",
}


def _alias_target(ctx: CheckContext, value: Any, raw: Any) -> Resource | None:
    if not isinstance(value, Unknown):
        return None
    found = [
        ctx.template.resources[r]
        for r in dict.fromkeys(value.refs)
        if r in ctx.template.resources
        and ctx.template.resources[r].type in _ALIAS_TARGETS
        and ctx.is_active(ctx.template.resources[r])
    ]
    if len(found) != 1:
        return None
    if found[0].type == "AWS::S3::Bucket":
        text = json.dumps(raw)
        if "WebsiteURL" not in text and "s3-website" not in text:
            return None
    return found[0]


def cname_to_aws_resource(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """CNAME records whose value is the DNS name of a resource an alias record can name."""
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::Route53::RecordSetGroup":
        sets, sets_path = lookup(focus, "Properties.RecordSets")
        records = (
            [Focus(s, child_source(sets, sets_path, i), resource) for i, s in enumerate(sets)]
            if isinstance(sets, list)
            else []
        )
    else:
        properties, properties_path = lookup(focus, "Properties")
        records = [Focus(properties, properties_path, resource)]
    for record in records:
        if not isinstance(record.value, dict):
            continue
        kind, _ = lookup(record, "Type")
        if not (isinstance(kind, str) and kind.strip().upper() == "CNAME"):
            continue
        name, _ = lookup(record, "Name")
        values, values_path = lookup(record, "ResourceRecords")
        if not isinstance(values, list):
            continue
        for i, value in enumerate(values):
            where = child_source(values, values_path, i)
            target = _alias_target(ctx, value, raw_at(ctx.template.data, where))
            if target is None:
                continue
            args = {
                "resource": resource.logical_id,
                "name": name.strip() if isinstance(name, str) else resource.logical_id,
                "kind": _ALIAS_TARGETS[target.type],
                "target": target.logical_id,
            }
            yield Violation(where, args)
