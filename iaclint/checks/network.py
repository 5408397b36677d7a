"""Network checks the rule language cannot say on its own: default values that depend on
other properties, messages that need more than one value, and facts that come from the
resources around a resource (which security groups guard a data store, which route table a
subnet uses, which Auto Scaling groups launch a template)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

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
    associations = [
        a
        for a in ctx.query.referrers(
            resource.logical_id, "AWS::EC2::SubnetRouteTableAssociation", "SubnetId"
        )
        if ctx.is_active(a)
    ]
    tables = [
        t
        for a in associations
        for t in ctx.query.targets(a.logical_id, "AWS::EC2::RouteTable", "RouteTableId")
    ]
    # Without an association the subnet uses the VPC's main route table, which a template
    # cannot show; a table from elsewhere cannot be read either.
    if not tables or len(tables) < len(associations):
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
