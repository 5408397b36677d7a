"""Network checks the rule language cannot say on its own: default values that depend on
other properties, messages that need more than one value, and facts that come from the
resources around a resource (which security groups guard a data store, which route table a
subnet uses, which Auto Scaling groups launch a template)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import chain
from typing import TYPE_CHECKING, Any

from iaclint.checks.common import as_integer
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import (
    Focus,
    Hit,
    Result,
    Tri,
    contains_unknown,
    lookup,
    port_covers,
    same_value,
)
from iaclint.resolve.values import ABSENT, Unknown, child_source

if TYPE_CHECKING:
    from iaclint.load.document import Path
    from iaclint.model.template import Resource
    from iaclint.policy.language import Evaluator

_TCP_UDP = ("tcp", "udp", "6", "17")


# -- shared helpers ------------------------------------------------------------------
def _route_tables(ctx: CheckContext, subnet: Resource) -> list[Resource] | None:
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


def _is_true(value: Any) -> bool:
    return not contains_unknown(value) and same_value(value, True)


def _is_false(value: Any) -> bool:
    return not contains_unknown(value) and same_value(value, False)


def _unset(value: Any) -> bool:
    """Absent, or an empty list: no security group, no subnet."""
    return value is ABSENT or (isinstance(value, list) and not value)


def _type_path(resource: Resource) -> Path:
    return (*resource.path, "Type")


def _users(ctx: CheckContext, logical_id: str) -> list[tuple[Resource, str]]:
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


def _under(path: str, prefixes: tuple[str, ...]) -> bool:
    return any(path == p or path.startswith(p + ".") for p in prefixes)


def _names(resources: list[Resource]) -> str:
    return ", ".join(f"`{name}`" for name in dict.fromkeys(r.logical_id for r in resources))


# -- NET005 ------------------------------------------------------------------------
def _engine_is_aurora(focus: Focus) -> bool | None:
    engine, _ = lookup(focus, "Properties.Engine")
    if engine is ABSENT:
        return False  # an instance restored from an RDS (not Aurora) snapshot
    if not isinstance(engine, str):
        return None
    return engine.strip().lower().startswith("aurora")


def rds_publicly_accessible(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """RDS instances and Multi-AZ DB clusters that get a public endpoint, explicitly or by
    RDS's default (public without a DB subnet group, or with the one named `default`).
    https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html"""
    focus = ctx.resolved_focus(resource)
    aurora = _engine_is_aurora(focus)
    if resource.type == "AWS::RDS::DBCluster" and (
        aurora is not False or lookup(focus, "Properties.Engine")[0] is ABSENT
    ):
        return  # Aurora clusters have no public endpoint of their own; their instances do
    value, path = lookup(focus, "Properties.PubliclyAccessible")
    if value is not ABSENT:
        if _is_true(value):
            yield Violation(path, {"resource": resource.logical_id, "value": "true"})
        return
    for prop in ("DBClusterIdentifier", "SourceDBInstanceIdentifier", "SourceDBClusterIdentifier"):
        if lookup(focus, f"Properties.{prop}")[0] is not ABSENT:
            return  # an Aurora member, or a read replica: the default depends on the source
    if aurora is not False:
        return  # Aurora instances default to private; an unknown engine might be Aurora
    group, _ = lookup(focus, "Properties.DBSubnetGroupName")
    if group is ABSENT:
        why = "there is no `DBSubnetGroupName`"
    elif isinstance(group, str) and group.strip().lower() == "default":
        why = "`DBSubnetGroupName` is `default`"
    else:
        return
    shown = f"not set, which RDS treats as true because {why}"
    args = {"resource": resource.logical_id, "value": shown}
    yield Violation(_type_path(resource), args, at_key=True)


# -- NET007 ------------------------------------------------------------------------
_BPA_FLAGS = ("BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets")


def s3_public_access_block_off(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """Block Public Access settings turned off. A bucket without the configuration has all
    four on (since April 2023); a configuration that leaves a flag out turns that one off.
    Website buckets, which may need public reads, get a note."""
    focus = ctx.resolved_focus(resource)
    config, config_path = lookup(focus, "Properties.PublicAccessBlockConfiguration")
    if not isinstance(config, dict):
        return
    website, _ = lookup(focus, "Properties.WebsiteConfiguration")
    level = "note" if website is not ABSENT else None
    missing = []
    for flag in _BPA_FLAGS:
        value, path = lookup(focus, f"Properties.PublicAccessBlockConfiguration.{flag}")
        if value is ABSENT:
            missing.append(flag)
        elif _is_false(value):
            args = {"resource": resource.logical_id, "flags": f"`{flag}` is false"}
            yield Violation(path, args, level=level)
    if missing:
        listed = ", ".join(f"`{flag}`" for flag in missing)
        verb, them = ("is", "it") if len(missing) == 1 else ("are", "them")
        args = {
            "resource": resource.logical_id,
            "flags": f"{listed} {verb} left out of `PublicAccessBlockConfiguration`, "
            f"which turns {them} off",
        }
        yield Violation(config_path, args, level=level, at_key=True)


# -- NET009 ------------------------------------------------------------------------
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


def _data_stores_guarded(ctx: CheckContext, group: str) -> list[Resource]:
    """The data stores a security group is attached to, when it is attached to nothing else
    in the template (a group shared with compute needs its egress)."""
    stores = []
    for user, prop in _users(ctx, group):
        if user.type in _RULE_TYPES:
            continue
        expected = DATA_STORE_SECURITY_GROUPS.get(user.type)
        if expected is None or not _under(prop, (expected,)):
            return []
        stores.append(user)
    return stores


def _open_egress(rule: Any) -> tuple[str, str] | None:
    """(key, CIDR) of an egress rule that allows all traffic to anywhere."""
    if not isinstance(rule, dict) or opens_every_port(rule) is not Tri.TRUE:
        return None
    for key in ("CidrIp", "CidrIpv6"):
        value = rule.get(key, ABSENT)
        if isinstance(value, str) and value.strip() in ("0.0.0.0/0", "::/0"):
            return key, value.strip()
    return None


def data_store_unrestricted_egress(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """All outbound traffic allowed from a security group that guards only data stores."""
    focus = ctx.resolved_focus(resource)
    omitted = False
    if resource.type == "AWS::EC2::SecurityGroupEgress":
        groups = ctx.query.targets(resource.logical_id, "AWS::EC2::SecurityGroup", "GroupId")
        rules = [lookup(focus, "Properties")]
        rule_name = f"`{resource.logical_id}`"
    else:
        groups = [resource]
        egress, egress_path = lookup(focus, "Properties.SecurityGroupEgress")
        omitted = egress is ABSENT
        if not omitted and not isinstance(egress, list):
            return
        items = egress if isinstance(egress, list) else []
        rules = [(item, child_source(egress, egress_path, i)) for i, item in enumerate(items)]
        rule_name = "`SecurityGroupEgress`"
    for group in groups:
        stores = _data_stores_guarded(ctx, group.logical_id)
        if not stores:
            continue
        args = {"resource": resource.logical_id, "group": group.logical_id}
        args["stores"] = _names(stores)
        if omitted:
            detail = "it has no `SecurityGroupEgress`, so AWS adds an allow-all egress rule"
            yield Violation(_type_path(resource), {**args, "detail": detail}, at_key=True)
        for rule, rule_path in rules:
            found = _open_egress(rule)
            if found is not None:
                key, cidr = found
                detail = f"{rule_name} opens every port to `{cidr}`"
                yield Violation(child_source(rule, rule_path, key), {**args, "detail": detail})


# -- NET010 ------------------------------------------------------------------------
_DEFAULT_GROUP = "AWS attaches the VPC's default security group"


def _present(focus: Focus, *paths: str) -> bool:
    return any(not _unset(lookup(focus, p)[0]) for p in paths)


def _at(resource: Resource, focus: Focus, path: str) -> Path:
    """Where to report an unset list: at an empty one, or at the `Type` when it is absent."""
    value, source = lookup(focus, path)
    return _type_path(resource) if value is ABSENT else source


def _nics_without_groups(
    focus: Focus, path: str, groups_key: str
) -> Iterator[tuple[Path, int]] | None:
    nics, nics_path = lookup(focus, path)
    if not isinstance(nics, list):
        return None
    return (
        (child_source(nics, nics_path, i), i)
        for i, nic in enumerate(nics)
        if isinstance(nic, dict)
        and _unset(nic.get(groups_key, ABSENT))
        and "NetworkInterfaceId" not in nic
    )


def _instance_without_group(resource: Resource, focus: Focus) -> Iterator[tuple[Path, str]]:
    if _present(
        focus,
        "Properties.SecurityGroupIds",
        "Properties.SecurityGroups",
        "Properties.LaunchTemplate",
    ):
        return
    nics = _nics_without_groups(focus, "Properties.NetworkInterfaces", "GroupSet")
    if nics is None:
        if lookup(focus, "Properties.NetworkInterfaces")[0] is ABSENT:
            where = _at(resource, focus, "Properties.SecurityGroupIds")
            yield where, f"it sets no `SecurityGroupIds`, so {_DEFAULT_GROUP}"
        return
    for path, index in nics:
        yield path, f"network interface {index} has no `GroupSet`, so {_DEFAULT_GROUP}"


def _launch_template_without_group(
    resource: Resource, focus: Focus, ctx: CheckContext
) -> Iterator[tuple[Path, str]]:
    data = "Properties.LaunchTemplateData"
    if _present(focus, f"{data}.SecurityGroupIds", f"{data}.SecurityGroups"):
        return
    # Whoever launches from the template may bring its own groups (an instance, EKS, Batch,
    # a fleet); only Auto Scaling groups and instances without groups of their own cannot.
    users = _users(ctx, resource.logical_id)
    if not users:
        return
    for user, _ in users:
        if user.type == "AWS::AutoScaling::AutoScalingGroup":
            continue
        user_focus = ctx.resolved_focus(user)
        if user.type != "AWS::EC2::Instance" or _present(
            user_focus,
            "Properties.SecurityGroupIds",
            "Properties.SecurityGroups",
            "Properties.NetworkInterfaces",
        ):
            return
    launched_by = _names([user for user, _ in users])
    nics = _nics_without_groups(focus, f"{data}.NetworkInterfaces", "Groups")
    if nics is None:
        if lookup(focus, f"{data}.NetworkInterfaces")[0] is ABSENT:
            detail = f"it sets no `SecurityGroupIds`, so {_DEFAULT_GROUP} to the instances"
            where = _at(resource, focus, f"{data}.SecurityGroupIds")
            yield where, f"{detail} that {launched_by} launches"
        return
    for path, index in nics:
        detail = f"network interface {index} has no `Groups`, so {_DEFAULT_GROUP}"
        yield path, f"{detail} to the instances that {launched_by} launches"


def _rds_without_group(resource: Resource, focus: Focus) -> Iterator[tuple[Path, str]]:
    if resource.type == "AWS::RDS::DBCluster":
        prop = "VpcSecurityGroupIds"
        if _present(focus, f"Properties.{prop}"):
            return
    else:
        prop = "VPCSecurityGroups"
        # Aurora members take the cluster's groups; DB security groups are EC2-Classic's.
        if _present(
            focus,
            f"Properties.{prop}",
            "Properties.DBSecurityGroups",
            "Properties.DBClusterIdentifier",
        ):
            return
    yield _at(resource, focus, f"Properties.{prop}"), f"it sets no `{prop}`, so {_DEFAULT_GROUP}"


def _lambda_without_group(
    resource: Resource, focus: Focus, ctx: CheckContext
) -> Iterator[tuple[Path, str]]:
    config, config_path = lookup(focus, "Properties.VpcConfig")
    if not isinstance(config, dict):
        return
    subnets = config.get("SubnetIds", ABSENT)
    if not isinstance(subnets, list) or not subnets:
        return
    if not _unset(config.get("SecurityGroupIds", ABSENT)):
        return
    if resource.type == "AWS::Serverless::Function":
        globals_ = ctx.template.data.get("Globals")
        function = globals_.get("Function") if isinstance(globals_, dict) else None
        vpc = function.get("VpcConfig") if isinstance(function, dict) else None
        if isinstance(vpc, dict) and "SecurityGroupIds" in vpc:
            return  # SAM merges the global VpcConfig into the function's
    yield (
        config_path,
        "`VpcConfig` has `SubnetIds` but no `SecurityGroupIds`, which Lambda rejects "
        "(there is no default security group for functions), so the deployment fails",
    )


def _launch_configuration_without_group(
    resource: Resource, focus: Focus
) -> Iterator[tuple[Path, str]]:
    # A configuration made from an instance (`InstanceId`) takes that instance's groups.
    if not _present(focus, "Properties.SecurityGroups", "Properties.InstanceId"):
        where = _at(resource, focus, "Properties.SecurityGroups")
        yield where, f"it sets no `SecurityGroups`, so {_DEFAULT_GROUP}"


def _load_balancer_without_group(resource: Resource, focus: Focus) -> Iterator[tuple[Path, str]]:
    # Network and gateway load balancers work without security groups.
    lb_type, _ = lookup(focus, "Properties.Type")
    if lb_type is not ABSENT and lb_type != "application":
        return
    if not _present(focus, "Properties.SecurityGroups"):
        detail = f"this application load balancer sets no `SecurityGroups`, so {_DEFAULT_GROUP}"
        yield _at(resource, focus, "Properties.SecurityGroups"), detail


def _service_without_group(resource: Resource, focus: Focus) -> Iterator[tuple[Path, str]]:
    config, path = lookup(focus, "Properties.NetworkConfiguration.AwsvpcConfiguration")
    if isinstance(config, dict) and _unset(config.get("SecurityGroups", ABSENT)):
        detail = f"`AwsvpcConfiguration` sets no `SecurityGroups`, so {_DEFAULT_GROUP}"
        yield path, f"{detail} to its tasks"


def no_security_group(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """Resources that end up with the VPC's default security group because they name none
    (or, for Lambda, fail to deploy)."""
    focus = ctx.resolved_focus(resource)
    kind = resource.type
    level = None
    found: Iterator[tuple[Path, str]]
    if kind == "AWS::EC2::Instance":
        found = _instance_without_group(resource, focus)
    elif kind == "AWS::EC2::LaunchTemplate":
        found = _launch_template_without_group(resource, focus, ctx)
    elif kind == "AWS::AutoScaling::LaunchConfiguration":
        found = _launch_configuration_without_group(resource, focus)
    elif kind in ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster"):
        found = _rds_without_group(resource, focus)
    elif kind in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
        found, level = _lambda_without_group(resource, focus, ctx), "error"
    elif kind == "AWS::ElasticLoadBalancingV2::LoadBalancer":
        found = _load_balancer_without_group(resource, focus)
    elif kind == "AWS::ECS::Service":
        found = _service_without_group(resource, focus)
    else:
        return
    for path, detail in found:
        args = {"resource": resource.logical_id, "detail": detail}
        yield Violation(path, args, level=level, at_key=True)


# -- NET011 ------------------------------------------------------------------------
def _route_to_internet_gateway(ctx: CheckContext, route_table: Resource) -> bool | None:
    """Does the route table have a route through an internet gateway? None: cannot tell."""
    template = ctx.template
    routes = ctx.query.referrers(route_table.logical_id, "AWS::EC2::Route", "RouteTableId")
    known = {route.logical_id for route in routes}
    for other in template.resources.values():
        if other.type != "AWS::EC2::Route" or other.logical_id in known or not ctx.is_active(other):
            continue
        table, _ = lookup(ctx.resolved_focus(other), "Properties.RouteTableId")
        if isinstance(table, Unknown) and not any(r in template.resources for r in table.refs):
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


def _private_subnet_maps_public_ip(
    resource: Resource, focus: Focus, ctx: CheckContext
) -> Iterator[tuple[Path, str]]:
    value, path = lookup(focus, "Properties.MapPublicIpOnLaunch")
    if not _is_true(value):
        return
    tables = _route_tables(ctx, resource)
    if tables is None:
        return
    for table in tables:
        if _route_to_internet_gateway(ctx, table) is not False:
            return
    yield (
        path,
        f"`MapPublicIpOnLaunch` is true, but its route table {_names(tables)} has no route "
        "to an internet gateway, so it is a private subnet",
    )


def _load_balanced(ctx: CheckContext, group: Resource) -> bool:
    focus = ctx.resolved_focus(group)
    for prop in ("TargetGroupARNs", "LoadBalancerNames"):
        value, _ = lookup(focus, f"Properties.{prop}")
        if isinstance(value, list) and value:
            return True
    return False


def _balanced_groups(ctx: CheckContext, launcher: Resource, props: tuple[str, ...]) -> str:
    groups = [
        user
        for user, prop in _users(ctx, launcher.logical_id)
        if user.type == "AWS::AutoScaling::AutoScalingGroup"
        and _under(prop, props)
        and _load_balanced(ctx, user)
    ]
    return _names(groups)


def _launched_behind_load_balancer(
    resource: Resource, focus: Focus, ctx: CheckContext
) -> Iterator[tuple[Path, str]]:
    if resource.type == "AWS::EC2::LaunchTemplate":
        nics, nics_path = lookup(focus, "Properties.LaunchTemplateData.NetworkInterfaces")
        if not isinstance(nics, list):
            return
        found = [
            (child_source(nic, child_source(nics, nics_path, i), "AssociatePublicIpAddress"), i)
            for i, nic in enumerate(nics)
            if isinstance(nic, dict) and _is_true(nic.get("AssociatePublicIpAddress", ABSENT))
        ]
        props: tuple[str, ...] = ("LaunchTemplate", "MixedInstancesPolicy")
    else:
        value, path = lookup(focus, "Properties.AssociatePublicIpAddress")
        found = [(path, 0)] if _is_true(value) else []
        props = ("LaunchConfigurationName",)
    if not found:
        return
    groups = _balanced_groups(ctx, resource, props)
    if not groups:
        return
    for path, _ in found:
        yield (
            path,
            f"`AssociatePublicIpAddress` is true for the instances of {groups}, which serve "
            "through a load balancer",
        )


def public_ip_on_private_tier(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """Public IP addresses handed out where nothing should be reached directly: in subnets
    with no route to an internet gateway, and to instances or tasks behind a load balancer."""
    focus = ctx.resolved_focus(resource)
    found: Iterator[tuple[Path, str]] = iter(())
    if resource.type == "AWS::EC2::Subnet":
        found = _private_subnet_maps_public_ip(resource, focus, ctx)
    elif resource.type in ("AWS::EC2::LaunchTemplate", "AWS::AutoScaling::LaunchConfiguration"):
        found = _launched_behind_load_balancer(resource, focus, ctx)
    elif resource.type == "AWS::ECS::Service":
        config = "Properties.NetworkConfiguration.AwsvpcConfiguration"
        value, path = lookup(focus, f"{config}.AssignPublicIp")
        balancers, _ = lookup(focus, "Properties.LoadBalancers")
        enabled = isinstance(value, str) and value.strip().upper() == "ENABLED"
        if enabled and isinstance(balancers, list) and balancers:
            detail = "`AssignPublicIp` is `ENABLED` for tasks that serve through a load balancer"
            found = iter([(path, detail)])
    for path, detail in found:
        yield Violation(path, {"resource": resource.logical_id, "detail": detail})


# -- NET012 ------------------------------------------------------------------------
_ANY_ORIGIN = re.compile(r"(https?://)?\*")
_WRITE_METHODS = ("PUT", "POST", "DELETE")


def s3_cors_any_origin(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """CORS rules that let every website call the bucket from a browser; a warning when the
    methods write, a note for reads only."""
    focus = ctx.resolved_focus(resource)
    rules, rules_path = lookup(focus, "Properties.CorsConfiguration.CorsRules")
    if not isinstance(rules, list):
        return
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        rule_focus = Focus(rule, child_source(rules, rules_path, i), resource)
        origins, origins_path = lookup(rule_focus, "AllowedOrigins")
        methods, _ = lookup(rule_focus, "AllowedMethods")
        methods = methods if isinstance(methods, list) else []
        known = [m.strip().upper() for m in methods if isinstance(m, str)]
        level = None if any(m in _WRITE_METHODS for m in known) else "note"
        if not isinstance(origins, list):
            continue
        for j, origin in enumerate(origins):
            if isinstance(origin, str) and _ANY_ORIGIN.fullmatch(origin.strip()):
                args = {
                    "resource": resource.logical_id,
                    "value": origin.strip(),
                    "methods": ", ".join(known) or "cross-origin",
                }
                yield Violation(child_source(origins, origins_path, j), args, level=level)


# -- NET014 ------------------------------------------------------------------------
# Where each internal resource names its security groups: the data stores of NET009, and
# Amazon MQ brokers.
INTERNAL_SECURITY_GROUPS = {
    **DATA_STORE_SECURITY_GROUPS,
    "AWS::AmazonMQ::Broker": "SecurityGroups",
}
# NET003 reports these ports and NET002 rules that open every port.
_DATA_STORE_PORTS = (1433, 1521, 2049, 3306, 5432, 5439, 6379, 9200, 9300, 11211, 27017)


def _internal_users(ctx: CheckContext, group: str) -> list[Resource]:
    return [
        user
        for user, prop in _users(ctx, group)
        if (expected := INTERNAL_SECURITY_GROUPS.get(user.type)) is not None
        and _under(prop, (expected,))
    ]


def _open_source(rule: Any) -> str | None:
    """The internet-wide CIDR an ingress rule admits, unless NET002 or NET003 report it."""
    if not isinstance(rule, dict):
        return None
    for key in ("CidrIp", "CidrIpv6"):
        cidr = rule.get(key, ABSENT)
        if isinstance(cidr, str) and cidr.strip() in ("0.0.0.0/0", "::/0"):
            break
    else:
        return None
    if opens_every_port(rule) is not Tri.FALSE:
        return None
    if any(port_covers(rule, port) is not Tri.FALSE for port in _DATA_STORE_PORTS):
        return None
    return cidr.strip()


def _ports(rule: dict[str, Any]) -> str:
    protocol = str(rule.get("IpProtocol", "")).strip().lower()
    low, high = rule.get("FromPort", ABSENT), rule.get("ToPort", ABSENT)
    if protocol in ("tcp", "udp", "6", "17") and low is not ABSENT:
        name = {"6": "tcp", "17": "udp"}.get(protocol, protocol)
        return f"{name} {low}" if low == high else f"{name} {low}-{high}"
    return f"protocol {protocol or '?'}"


def internal_resource_open_to_internet(
    resource: Resource, ctx: CheckContext
) -> Iterator[Violation]:
    """A security group attached to a database, cache, file system or broker that admits
    traffic from anywhere on the internet (on ports NET002 and NET003 do not cover)."""
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::EC2::SecurityGroupIngress":
        groups = ctx.query.targets(resource.logical_id, "AWS::EC2::SecurityGroup", "GroupId")
        rule, rule_path = lookup(focus, "Properties")
        rules = [(rule, rule_path)]
    else:
        groups = [resource]
        ingress, ingress_path = lookup(focus, "Properties.SecurityGroupIngress")
        items = ingress if isinstance(ingress, list) else []
        rules = [(item, child_source(ingress, ingress_path, i)) for i, item in enumerate(items)]
    for group in groups:
        if not ctx.is_active(group):
            continue
        internal = _internal_users(ctx, group.logical_id)
        if not internal:
            continue
        for rule, rule_path in rules:
            cidr = _open_source(rule)
            if cidr is None:
                continue
            key = "CidrIp" if ":" not in cidr else "CidrIpv6"
            args = {
                "resource": resource.logical_id,
                "value": cidr,
                "ports": _ports(rule),
                "internal": _names(internal),
            }
            yield Violation(child_source(rule, rule_path, key), args)


# -- NET015 ------------------------------------------------------------------------
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


def _public_route_tables(ctx: CheckContext, subnet: Resource) -> list[Resource] | None:
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
            if _route_to_internet_gateway(ctx, table) is True:
                public.append(table)
    return public or None


def data_store_in_public_subnet(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """Subnet groups and VPC-attached data stores that use a subnet whose route table sends
    traffic to an internet gateway."""
    prop = DATA_STORE_SUBNETS.get(resource.type)
    if prop is None:
        return
    focus = ctx.resolved_focus(resource)
    subnets, subnets_path = lookup(focus, f"Properties.{prop}")
    if not isinstance(subnets, list):
        return
    for i, item in enumerate(subnets):
        if not isinstance(item, Unknown):
            continue
        targets = [
            ctx.template.resources[r]
            for r in item.refs
            if r in ctx.template.resources and ctx.template.resources[r].type == "AWS::EC2::Subnet"
        ]
        if len(targets) != 1 or not ctx.is_active(targets[0]):
            continue
        tables = _public_route_tables(ctx, targets[0])
        if tables is None:
            continue
        args = {
            "resource": resource.logical_id,
            "value": targets[0].logical_id,
            "tables": _names(tables),
        }
        yield Violation(child_source(subnets, subnets_path, i), args)


# -- NET017 ------------------------------------------------------------------------
def _has_key(value: Any, key: str) -> bool | None:
    """Is `key` in the mapping `value`? None: the mapping cannot be read."""
    if isinstance(value, dict):
        return key in value
    return None if contains_unknown(value) or value is not ABSENT else False


def _sam_global(ctx: CheckContext, section: str, path: tuple[str, ...]) -> bool:
    node: Any = ctx.template.data.get("Globals")
    for part in (section, *path):
        if not isinstance(node, dict) or part not in node:
            return False
        node = node[part]
    return True


def private_api_without_policy(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """Private REST APIs need a resource policy before they can be deployed.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-apis.html"""
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::ApiGateway::RestApi":
        types, types_path = lookup(focus, "Properties.EndpointConfiguration.Types")
        if not isinstance(types, list):
            return
        private = [
            i for i, t in enumerate(types) if isinstance(t, str) and t.strip().upper() == "PRIVATE"
        ]
        if not private:
            return
        where = child_source(types, types_path, private[0])
        policy_props = ("Policy", "BodyS3Location")
        body = lookup(focus, "Properties.Body")[0]
    elif resource.type == "AWS::Serverless::Api":
        config, config_path = lookup(focus, "Properties.EndpointConfiguration")
        kind, where = config, config_path
        if isinstance(config, dict):
            kind, where = lookup(focus, "Properties.EndpointConfiguration.Type")
        if not (isinstance(kind, str) and kind.strip().upper() == "PRIVATE"):
            return
        policy_props = ("Auth.ResourcePolicy", "DefinitionUri")
        body = lookup(focus, "Properties.DefinitionBody")[0]
        if _sam_global(ctx, "Api", ("Auth", "ResourcePolicy")):
            return
    else:
        return
    for prop in policy_props:
        if lookup(focus, f"Properties.{prop}")[0] is not ABSENT:
            return
    if body is not ABSENT and _has_key(body, "x-amazon-apigateway-policy") is not False:
        return
    yield Violation(where, {"resource": resource.logical_id})


# -- NET018 ------------------------------------------------------------------------
def _is_wildcard(origin: Any) -> bool:
    return isinstance(origin, str) and origin.strip() in ("*", "'*'")


def _cors_http(focus: Focus, path: str) -> Iterator[tuple[Path, str, bool]]:
    """(where, origin, with credentials) for an HTTP API's `CorsConfiguration`."""
    config, config_path = lookup(focus, path)
    if _is_true(config):
        yield config_path, "*", False  # SAM: `true` allows every origin
        return
    if not isinstance(config, dict):
        return
    origins, origins_path = lookup(focus, f"{path}.AllowOrigins")
    credentials = _is_true(config.get("AllowCredentials", ABSENT))
    if isinstance(origins, list):
        for i, origin in enumerate(origins):
            if _is_wildcard(origin):
                yield child_source(origins, origins_path, i), origin.strip(), credentials


def _cors_rest_sam(focus: Focus) -> Iterator[tuple[Path, str, bool]]:
    """(where, origin, with credentials) for a SAM REST API's `Cors`; SAM's AllowOrigin
    defaults to `'*'`."""
    cors, cors_path = lookup(focus, "Properties.Cors")
    if _is_wildcard(cors):
        yield cors_path, cors.strip(), False
        return
    if not isinstance(cors, dict):
        return
    credentials = _is_true(cors.get("AllowCredentials", ABSENT))
    origin, origin_path = lookup(focus, "Properties.Cors.AllowOrigin")
    if origin is ABSENT:
        if credentials:
            where = lookup(focus, "Properties.Cors.AllowCredentials")[1]
            yield where, "'*'", True
        else:
            yield cors_path, "'*'", False
    elif _is_wildcard(origin):
        yield origin_path, origin.strip(), credentials


def _cors_openapi_http(focus: Focus) -> Iterator[tuple[Path, str, bool]]:
    """The `x-amazon-apigateway-cors` extension of an HTTP API's OpenAPI body (what SAM
    generates from `CorsConfiguration`)."""
    cors, cors_path = lookup(focus, "Properties.Body.x-amazon-apigateway-cors")
    if not isinstance(cors, dict):
        return
    origins = cors.get("allowOrigins", ABSENT)
    credentials = _is_true(cors.get("allowCredentials", ABSENT))
    if isinstance(origins, list):
        origins_path = child_source(cors, cors_path, "allowOrigins")
        for i, origin in enumerate(origins):
            if _is_wildcard(origin):
                yield child_source(origins, origins_path, i), origin.strip(), credentials


_ALLOW_ORIGIN = "method.response.header.Access-Control-Allow-Origin"
_ALLOW_CREDENTIALS = "method.response.header.Access-Control-Allow-Credentials"


def _wildcard_response(responses: Any, responses_path: Path) -> tuple[Path, str, bool] | None:
    """The first integration response that sets `Access-Control-Allow-Origin: '*'`."""
    items = (
        list(responses.items())
        if isinstance(responses, dict)
        else list(enumerate(responses))
        if isinstance(responses, list)
        else []
    )
    for key, response in items:
        if not isinstance(response, dict):
            continue
        response_path = child_source(responses, responses_path, key)
        for name in ("responseParameters", "ResponseParameters"):
            params = response.get(name, ABSENT)
            if not isinstance(params, dict):
                continue
            origin = params.get(_ALLOW_ORIGIN, ABSENT)
            if _is_wildcard(origin):
                params_path = child_source(response, response_path, name)
                where = child_source(params, params_path, _ALLOW_ORIGIN)
                credentials = params.get(_ALLOW_CREDENTIALS, ABSENT)
                with_credentials = isinstance(credentials, str) and credentials.strip() == "'true'"
                return where, origin.strip(), with_credentials
    return None


def _cors_rest_body(focus: Focus) -> Iterator[tuple[Path, str, bool]]:
    """CORS preflight responses in a REST API's OpenAPI body (what SAM generates from
    `Cors`): reported once per API."""
    paths, paths_path = lookup(focus, "Properties.Body.paths")
    if not isinstance(paths, dict):
        return
    for name, item in paths.items():
        if not isinstance(item, dict) or not isinstance(item.get("options"), dict):
            continue
        options_path = child_source(item, child_source(paths, paths_path, name), "options")
        options = item["options"]
        integration = options.get("x-amazon-apigateway-integration")
        if not isinstance(integration, dict):
            continue
        integration_path = child_source(options, options_path, "x-amazon-apigateway-integration")
        responses = integration.get("responses", ABSENT)
        found = _wildcard_response(
            responses, child_source(integration, integration_path, "responses")
        )
        if found is not None:
            yield found
            return


def _cors_rest_method(focus: Focus) -> Iterator[tuple[Path, str, bool]]:
    """A method's integration responses (the preflight `OPTIONS` mock, or the actual
    response of a non-proxy integration) that return `Access-Control-Allow-Origin: '*'`."""
    responses, responses_path = lookup(focus, "Properties.Integration.IntegrationResponses")
    found = _wildcard_response(responses, responses_path)
    if found is not None:
        yield found


def api_cors_any_origin(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """API CORS settings that let every website call the API from a browser: an error with
    credentials (API Gateway and SAM reject it), a note without."""
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::Serverless::Api":
        found = _cors_rest_sam(focus)
    elif resource.type == "AWS::ApiGatewayV2::Api":
        found = chain(_cors_http(focus, "Properties.CorsConfiguration"), _cors_openapi_http(focus))
    elif resource.type == "AWS::Serverless::HttpApi":
        found = _cors_http(focus, "Properties.CorsConfiguration")
    elif resource.type == "AWS::ApiGateway::RestApi":
        found = _cors_rest_body(focus)
    elif resource.type == "AWS::ApiGateway::Method":
        found = _cors_rest_method(focus)
    else:
        return
    for where, origin, credentials in found:
        if credentials:
            detail = (
                "while allowing credentials, a combination browsers refuse for credentialed "
                "requests and SAM rejects"
            )
            args = {"resource": resource.logical_id, "value": origin, "detail": detail}
            yield Violation(where, args)
        else:
            detail = "so any website can call it from a browser"
            args = {"resource": resource.logical_id, "value": origin, "detail": detail}
            yield Violation(where, args, level="note")


# -- NET020 ------------------------------------------------------------------------
def _template_resource(ctx: CheckContext, value: Any, kind: str) -> Resource | None:
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


def _admin_rule_open(rule: Any) -> str | None:
    """The internet-wide CIDR of an ingress rule that opens SSH or RDP (or everything)."""
    if not isinstance(rule, dict):
        return None
    if port_covers(rule, 22) is not Tri.TRUE and port_covers(rule, 3389) is not Tri.TRUE:
        return None
    for key in ("CidrIp", "CidrIpv6"):
        cidr = rule.get(key, ABSENT)
        if isinstance(cidr, str) and cidr.strip() in ("0.0.0.0/0", "::/0"):
            return cidr.strip()
    return None


def _group_opens_admin(ctx: CheckContext, group: Resource) -> str | None:
    ingress, _ = lookup(ctx.resolved_focus(group), "Properties.SecurityGroupIngress")
    rules = list(ingress) if isinstance(ingress, list) else []
    for extra in ctx.query.ingress_rules_for(group.logical_id):
        if ctx.is_active(extra):
            rules.append(lookup(ctx.resolved_focus(extra), "Properties")[0])
    for rule in rules:
        cidr = _admin_rule_open(rule)
        if cidr is not None:
            return cidr
    return None


def _has_elastic_ip(ctx: CheckContext, instance: Resource) -> bool:
    for kind in ("AWS::EC2::EIP", "AWS::EC2::EIPAssociation"):
        for eip in ctx.query.referrers(instance.logical_id, kind, "InstanceId"):
            if ctx.is_active(eip):
                return True
    return False


def _instance_placements(
    ctx: CheckContext, instance: Resource, focus: Focus
) -> Iterator[tuple[Resource, bool, list[tuple[Any, Path]]]]:
    """(subnet, has a public IP, security group references with their paths) for the
    instance's primary placement and each network interface it defines."""
    nics, nics_path = lookup(focus, "Properties.NetworkInterfaces")
    elastic = _has_elastic_ip(ctx, instance)
    if isinstance(nics, list) and nics:
        for i, nic in enumerate(nics):
            if not isinstance(nic, dict):
                continue
            subnet = _template_resource(ctx, nic.get("SubnetId", ABSENT), "AWS::EC2::Subnet")
            if subnet is None:
                continue
            public_ip = _is_true(nic.get("AssociatePublicIpAddress", ABSENT)) or elastic
            groups, groups_path = lookup(
                Focus(nic, child_source(nics, nics_path, i), instance), "GroupSet"
            )
            items = groups if isinstance(groups, list) else []
            refs = [(g, child_source(groups, groups_path, j)) for j, g in enumerate(items)]
            yield subnet, public_ip, refs
        return
    subnet_value, _ = lookup(focus, "Properties.SubnetId")
    subnet = _template_resource(ctx, subnet_value, "AWS::EC2::Subnet")
    if subnet is None:
        return
    mapped, _ = lookup(ctx.resolved_focus(subnet), "Properties.MapPublicIpOnLaunch")
    refs = []
    for prop in ("SecurityGroupIds", "SecurityGroups"):
        groups, groups_path = lookup(focus, f"Properties.{prop}")
        if isinstance(groups, list):
            refs += [(g, child_source(groups, groups_path, j)) for j, g in enumerate(groups)]
    yield subnet, _is_true(mapped) or elastic, refs


def instance_ssh_reachable(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """An instance with a public IP in a public subnet whose security group opens SSH or
    RDP to the internet: really reachable, not merely permitted by one rule."""
    focus = ctx.resolved_focus(resource)
    for subnet, public_ip, refs in _instance_placements(ctx, resource, focus):
        if not public_ip or _public_route_tables(ctx, subnet) is None:
            continue
        for value, path in refs:
            group = _template_resource(ctx, value, "AWS::EC2::SecurityGroup")
            if group is None:
                continue
            cidr = _group_opens_admin(ctx, group)
            if cidr is None:
                continue
            args = {
                "resource": resource.logical_id,
                "group": group.logical_id,
                "value": cidr,
                "subnet": subnet.logical_id,
            }
            yield Violation(path, args)


# -- NET021 ------------------------------------------------------------------------
def _subnet_is_private(ctx: CheckContext, subnet: Resource) -> list[Resource] | None:
    """The subnet's route tables when it surely has no route to an internet gateway."""
    tables = _route_tables(ctx, subnet)
    if tables is None:
        return None
    if any(_route_to_internet_gateway(ctx, t) is not False for t in tables):
        return None
    return tables


def internet_facing_lb_in_private_subnet(
    resource: Resource, ctx: CheckContext
) -> Iterator[Violation]:
    """An internet-facing load balancer with a subnet that has no route to an internet
    gateway: the load balancer's node there cannot be reached."""
    focus = ctx.resolved_focus(resource)
    scheme, _ = lookup(focus, "Properties.Scheme")
    if scheme is not ABSENT and not (
        isinstance(scheme, str) and scheme.strip().lower() == "internet-facing"
    ):
        return
    lb_type, _ = lookup(focus, "Properties.Type")
    if isinstance(lb_type, str) and lb_type.strip().lower() == "gateway":
        return
    if lb_type is not ABSENT and not isinstance(lb_type, str):
        return
    found: list[tuple[Any, Path]] = []
    subnets, subnets_path = lookup(focus, "Properties.Subnets")
    if isinstance(subnets, list):
        found += [(s, child_source(subnets, subnets_path, i)) for i, s in enumerate(subnets)]
    mappings, mappings_path = lookup(focus, "Properties.SubnetMappings")
    if isinstance(mappings, list):
        for i, mapping in enumerate(mappings):
            if isinstance(mapping, dict) and "SubnetId" in mapping:
                mapping_path = child_source(mappings, mappings_path, i)
                found.append((mapping["SubnetId"], child_source(mapping, mapping_path, "SubnetId")))
    for value, path in found:
        subnet = _template_resource(ctx, value, "AWS::EC2::Subnet")
        if subnet is None:
            continue
        tables = _subnet_is_private(ctx, subnet)
        if tables is None:
            continue
        args = {"resource": resource.logical_id, "value": subnet.logical_id}
        args["tables"] = _names(tables)
        yield Violation(path, args)


# -- NET022 ------------------------------------------------------------------------
def nacl_duplicate_rule_numbers(ctx: CheckContext) -> Iterator[Violation]:
    """Two entries of one network ACL with the same direction and rule number: the second
    one fails to create."""
    seen: dict[tuple[str, bool, int], Resource] = {}
    for entry in ctx.template.resources.values():
        if entry.type != "AWS::EC2::NetworkAclEntry" or not ctx.is_active(entry):
            continue
        focus = ctx.resolved_focus(entry)
        acl_value, _ = lookup(focus, "Properties.NetworkAclId")
        acl = _template_resource(ctx, acl_value, "AWS::EC2::NetworkAcl")
        if acl is not None:
            acl_name = acl.logical_id
        elif isinstance(acl_value, str):
            acl_name = acl_value.strip()
        else:
            continue
        egress, _ = lookup(focus, "Properties.Egress")
        if egress is ABSENT or _is_false(egress):
            outbound = False
        elif _is_true(egress):
            outbound = True
        else:
            continue
        number_value, number_path = lookup(focus, "Properties.RuleNumber")
        number = as_integer(number_value)
        if number is None:
            continue
        key = (acl_name, outbound, number)
        first = seen.setdefault(key, entry)
        if first is entry:
            continue
        args = {
            "resource": entry.logical_id,
            "value": str(number),
            "other": first.logical_id,
            "direction": "outbound" if outbound else "inbound",
            "acl": acl_name,
        }
        yield Violation(number_path, args, entry.logical_id)


# -- NET023 ------------------------------------------------------------------------
def nat_gateway_in_private_subnet(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A public NAT gateway in a subnet with no route to an internet gateway gives the
    private subnets no way out."""
    focus = ctx.resolved_focus(resource)
    connectivity, _ = lookup(focus, "Properties.ConnectivityType")
    if connectivity is not ABSENT and not (
        isinstance(connectivity, str) and connectivity.strip().lower() == "public"
    ):
        return
    value, path = lookup(focus, "Properties.SubnetId")
    subnet = _template_resource(ctx, value, "AWS::EC2::Subnet")
    if subnet is None:
        return
    tables = _subnet_is_private(ctx, subnet)
    if tables is None:
        return
    args = {"resource": resource.logical_id, "value": subnet.logical_id, "tables": _names(tables)}
    yield Violation(path, args)


# -- NET024 ------------------------------------------------------------------------
def internet_gateway_unattached_or_unrouted(
    resource: Resource, ctx: CheckContext
) -> Iterator[Violation]:
    """An internet gateway that no VPC gateway attachment attaches, or that no route uses."""
    attachments = [
        a
        for a in ctx.query.referrers(
            resource.logical_id, "AWS::EC2::VPCGatewayAttachment", "InternetGatewayId"
        )
        if ctx.is_active(a)
    ]
    routes = [
        r
        for r in ctx.query.referrers(resource.logical_id, "AWS::EC2::Route", "GatewayId")
        if ctx.is_active(r)
    ]
    if not attachments:
        detail = "no `AWS::EC2::VPCGatewayAttachment` attaches it to a VPC"
    elif not routes:
        detail = "no `AWS::EC2::Route` sends traffic to it, so no subnet can reach the internet"
    else:
        return
    if _referenced_elsewhere(ctx, resource.logical_id):
        return
    args = {"resource": resource.logical_id, "detail": detail}
    yield Violation(_type_path(resource), args, at_key=True)


def _referenced_elsewhere(ctx: CheckContext, logical_id: str) -> bool:
    """Named by an output (another stack may attach or route it), or by a resource other
    than an attachment or a route (a custom resource, a nested stack's parameter)."""
    for ref in ctx.references:
        if ref.target != logical_id or ref.kind not in ("ref", "getatt", "sub"):
            continue
        if ref.source[0] == "Outputs":
            return True
        user = ctx.template.resources.get(ref.source[1]) if ref.source[0] == "Resources" else None
        if (
            user is not None
            and ctx.is_active(user)
            and user.type not in ("AWS::EC2::VPCGatewayAttachment", "AWS::EC2::Route")
        ):
            return True
    return False


# -- NET025 ------------------------------------------------------------------------
def _vpc_dns_problem(ctx: CheckContext, vpc: Resource) -> str | None:
    """Why the VPC cannot give an instance a public DNS name; None when it can (or when
    that cannot be known). EnableDnsSupport defaults to true, EnableDnsHostnames to false."""
    focus = ctx.resolved_focus(vpc)
    if _is_false(lookup(focus, "Properties.EnableDnsSupport")[0]):
        return "`EnableDnsSupport` is false"
    hostnames, _ = lookup(focus, "Properties.EnableDnsHostnames")
    if hostnames is ABSENT:
        return "`EnableDnsHostnames` is not set (false by default)"
    if _is_false(hostnames):
        return "`EnableDnsHostnames` is false"
    return None


def public_rds_without_vpc_dns(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A publicly accessible RDS instance in a VPC without DNS hostnames and resolution.
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html"""
    focus = ctx.resolved_focus(resource)
    public, public_path = lookup(focus, "Properties.PubliclyAccessible")
    if not _is_true(public):
        return
    group_value, _ = lookup(focus, "Properties.DBSubnetGroupName")
    group = _template_resource(ctx, group_value, "AWS::RDS::DBSubnetGroup")
    if group is None:
        return
    vpcs: dict[str, Resource] = {}
    for subnet in ctx.query.subnets_of(group.logical_id):
        if not ctx.is_active(subnet):
            continue
        vpc_value, _ = lookup(ctx.resolved_focus(subnet), "Properties.VpcId")
        vpc = _template_resource(ctx, vpc_value, "AWS::EC2::VPC")
        if vpc is not None:
            vpcs[vpc.logical_id] = vpc
    for vpc in vpcs.values():
        detail = _vpc_dns_problem(ctx, vpc)
        if detail is None:
            continue
        args = {"resource": resource.logical_id, "vpc": vpc.logical_id, "detail": detail}
        yield Violation(public_path, args)


# -- NET026 ------------------------------------------------------------------------
def subnet_without_route_table(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A subnet that no route table association names uses the VPC's main route table."""
    template = ctx.template
    for other in template.resources.values():
        if other.type != "AWS::EC2::SubnetRouteTableAssociation" or not ctx.is_active(other):
            continue
        subnet, _ = lookup(ctx.resolved_focus(other), "Properties.SubnetId")
        if isinstance(subnet, Unknown):
            if resource.logical_id in subnet.refs:
                return
            if not any(r in template.resources for r in subnet.refs):
                return  # a subnet id from a parameter or another stack might be this one
    yield Violation(_type_path(resource), {"resource": resource.logical_id}, at_key=True)


# -- NET028 ------------------------------------------------------------------------
def _usage_plan_throttles(ctx: CheckContext, stage: Resource, api_refs: tuple[str, ...]) -> bool:
    """Does an active usage plan with `Throttle` name this stage or its API?"""
    for plan in ctx.template.resources.values():
        if plan.type != "AWS::ApiGateway::UsagePlan" or not ctx.is_active(plan):
            continue
        focus = ctx.resolved_focus(plan)
        stages, _ = lookup(focus, "Properties.ApiStages")
        throttle, _ = lookup(focus, "Properties.Throttle")
        if throttle is ABSENT:
            continue
        if contains_unknown(stages) or not isinstance(stages, list):
            return True  # might name this stage
        for item in stages:
            if not isinstance(item, dict):
                continue
            refs: set[str] = set()
            for key in ("ApiId", "Stage"):
                value = item.get(key, ABSENT)
                if isinstance(value, Unknown):
                    refs.update(value.refs)
            if stage.logical_id in refs or refs & set(api_refs) or not refs:
                return True
    return False


def _throttled(settings: Any) -> bool | None:
    """Does a settings object set a rate or burst limit? None: it cannot be known."""
    if isinstance(settings, Unknown):
        return None
    if not isinstance(settings, dict):
        return False
    found = [settings.get(k, ABSENT) for k in ("ThrottlingRateLimit", "ThrottlingBurstLimit")]
    if any(v is not ABSENT and not contains_unknown(v) for v in found):
        return True
    return None if any(contains_unknown(v) for v in found) else False


def api_stage_without_throttling(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """API stages that set no throttling of their own, so every client shares the account's
    limits (10,000 requests per second, burst 5,000, across every API in the Region)."""
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::ApiGateway::Stage":
        settings, settings_path = lookup(focus, "Properties.MethodSettings")
        if isinstance(settings, Unknown):
            return
        items = settings if isinstance(settings, list) else []
        if any(_throttled(item) is not False for item in items):
            return
        api, _ = lookup(focus, "Properties.RestApiId")
        api_refs = api.refs if isinstance(api, Unknown) else ()
        if _usage_plan_throttles(ctx, resource, api_refs):
            return
        prop = "MethodSettings"
    elif resource.type == "AWS::ApiGatewayV2::Stage":
        settings, settings_path = lookup(focus, "Properties.DefaultRouteSettings")
        if _throttled(settings) is not False:
            return
        prop = "DefaultRouteSettings"
    else:
        return
    where = settings_path if settings is not ABSENT else _type_path(resource)
    args = {"resource": resource.logical_id, "setting": prop}
    yield Violation(where, args, at_key=True)


# -- NET029 ------------------------------------------------------------------------
def _web_acl_associated(ctx: CheckContext, names: set[str]) -> bool:
    """Does an active WAFv2 association name one of these resources, or name something
    this template cannot resolve (which might be one of them)?"""
    for association in ctx.template.resources.values():
        if association.type != "AWS::WAFv2::WebACLAssociation" or not ctx.is_active(association):
            continue
        arn, _ = lookup(ctx.resolved_focus(association), "Properties.ResourceArn")
        if not isinstance(arn, Unknown):
            continue  # a literal ARN of a resource outside the template
        if names & set(arn.refs) or not any(r in ctx.template.resources for r in arn.refs):
            return True
    return False


def _private_rest_api(ctx: CheckContext, api: Resource) -> bool:
    types, _ = lookup(ctx.resolved_focus(api), "Properties.EndpointConfiguration.Types")
    return isinstance(types, list) and any(
        isinstance(t, str) and t.strip().upper() == "PRIVATE" for t in types
    )


def public_entry_point_without_waf(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """Internet-facing entry points with no AWS WAF web ACL in front of them."""
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::CloudFront::Distribution":
        acl, _ = lookup(focus, "Properties.DistributionConfig.WebACLId")
        if acl is not ABSENT:
            return
        config, config_path = lookup(focus, "Properties.DistributionConfig")
        if not isinstance(config, dict):
            return
        args = {"resource": resource.logical_id, "detail": "it sets no `WebACLId`"}
        yield Violation(config_path, args, at_key=True)
        return
    if resource.type == "AWS::ElasticLoadBalancingV2::LoadBalancer":
        scheme, _ = lookup(focus, "Properties.Scheme")
        lb_type, _ = lookup(focus, "Properties.Type")
        if scheme is not ABSENT and not (
            isinstance(scheme, str) and scheme.strip().lower() == "internet-facing"
        ):
            return
        if lb_type is not ABSENT and not (
            isinstance(lb_type, str) and lb_type.strip().lower() == "application"
        ):
            return
        names = {resource.logical_id}
        kind = "internet-facing application load balancer"
    elif resource.type == "AWS::ApiGateway::Stage":
        api_value, _ = lookup(focus, "Properties.RestApiId")
        api = _template_resource(ctx, api_value, "AWS::ApiGateway::RestApi")
        if api is None or _private_rest_api(ctx, api):
            return
        names = {resource.logical_id, api.logical_id}
        kind = "REST API stage"
    else:
        return
    if _web_acl_associated(ctx, names):
        return
    detail = f"no `AWS::WAFv2::WebACLAssociation` protects this {kind}"
    args = {"resource": resource.logical_id, "detail": detail}
    yield Violation(_type_path(resource), args, at_key=True)
