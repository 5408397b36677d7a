"""Network checks about exposure: data stores and instances that the internet or every port
can reach (public RDS instances, S3 Block Public Access, open security group rules, SSH to
instances with a public address), and data stores whose security groups allow every egress.
The rule language cannot say these on its own: defaults depend on other properties, and the
answer depends on the resources around a resource (which security groups guard a data
store, which route table a subnet uses)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from iaclint.checks.common import type_path
from iaclint.checks.network_common import (
    AUTO_SCALING_GROUP,
    DATA_STORE_SECURITY_GROUPS,
    data_stores_guarded,
    is_false,
    is_true,
    opens_every_port,
    public_route_tables,
    show_ports,
    show_resources,
    template_resource,
    under,
    users_of,
)
from iaclint.checks.network_launch import launch_of
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Focus, Tri, lookup, port_covers
from iaclint.resolve.values import ABSENT, child_source

if TYPE_CHECKING:
    from iaclint.load.document import Path
    from iaclint.model.template import Resource


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
        if is_true(value):
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
    yield Violation(type_path(resource), args, at_key=True)


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
        elif is_false(value):
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
        stores = data_stores_guarded(ctx, group.logical_id)
        if not stores:
            continue
        args = {"resource": resource.logical_id, "group": group.logical_id}
        args["stores"] = show_resources(stores)
        if omitted:
            detail = "it has no `SecurityGroupEgress`, so AWS adds an allow-all egress rule"
            yield Violation(type_path(resource), {**args, "detail": detail}, at_key=True)
        for rule, rule_path in rules:
            found = _open_egress(rule)
            if found is not None:
                key, cidr = found
                detail = f"{rule_name} opens every port to `{cidr}`"
                yield Violation(child_source(rule, rule_path, key), {**args, "detail": detail})


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
        for user, prop in users_of(ctx, group)
        if (expected := INTERNAL_SECURITY_GROUPS.get(user.type)) is not None
        and under(prop, (expected,))
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
                "ports": show_ports(rule),
                "internal": show_resources(internal),
            }
            yield Violation(child_source(rule, rule_path, key), args)


# -- NET020 ------------------------------------------------------------------------
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
            subnet = template_resource(ctx, nic.get("SubnetId", ABSENT), "AWS::EC2::Subnet")
            if subnet is None:
                continue
            public_ip = is_true(nic.get("AssociatePublicIpAddress", ABSENT)) or elastic
            groups, groups_path = lookup(
                Focus(nic, child_source(nics, nics_path, i), instance), "GroupSet"
            )
            items = groups if isinstance(groups, list) else []
            refs = [(g, child_source(groups, groups_path, j)) for j, g in enumerate(items)]
            yield subnet, public_ip, refs
        return
    subnet_value, _ = lookup(focus, "Properties.SubnetId")
    subnet = template_resource(ctx, subnet_value, "AWS::EC2::Subnet")
    if subnet is None:
        return
    mapped, _ = lookup(ctx.resolved_focus(subnet), "Properties.MapPublicIpOnLaunch")
    refs = []
    for prop in ("SecurityGroupIds", "SecurityGroups"):
        groups, groups_path = lookup(focus, f"Properties.{prop}")
        if isinstance(groups, list):
            refs += [(g, child_source(groups, groups_path, j)) for j, g in enumerate(groups)]
    public_ip = is_true(mapped) or elastic
    launch = launch_of(ctx, instance)
    if not refs and launch is not None:  # the launch template's groups and address apply
        refs = [(value, launch.named_at) for value, _ in launch.groups]
        if launch.public_ip is not None:
            public_ip = launch.public_ip is Tri.TRUE or elastic
    yield subnet, public_ip, refs


def _group_placements(
    ctx: CheckContext, group: Resource, focus: Focus
) -> Iterator[tuple[Resource, bool, list[tuple[Any, Path]]]]:
    """(subnet, has a public IP, security group references) for the instances an Auto
    Scaling group launches from a launch template or configuration of the template. The
    references point at where the group names its launch template."""
    launch = launch_of(ctx, group)
    if launch is None:
        return
    subnets, _ = lookup(focus, "Properties.VPCZoneIdentifier")
    values = [*(subnets if isinstance(subnets, list) else []), *launch.subnets]
    refs = [(value, launch.named_at) for value, _ in launch.groups]
    for value in values:
        subnet = template_resource(ctx, value, "AWS::EC2::Subnet")
        if subnet is None:
            continue
        if launch.public_ip is None:  # the subnet's setting decides
            mapped, _ = lookup(ctx.resolved_focus(subnet), "Properties.MapPublicIpOnLaunch")
            yield subnet, is_true(mapped), refs
        else:
            yield subnet, launch.public_ip is Tri.TRUE, refs


def instance_ssh_reachable(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """An instance with a public IP in a public subnet whose security group opens SSH or
    RDP to the internet: really reachable, not merely permitted by one rule. The instances
    of an Auto Scaling group are followed through its launch template or configuration."""
    focus = ctx.resolved_focus(resource)
    launch = launch_of(ctx, resource)
    if resource.type == AUTO_SCALING_GROUP:
        subject, they = f"The instances of Auto Scaling group `{resource.logical_id}` are", True
        placements = _group_placements(ctx, resource, focus)
    else:
        subject, they = f"Instance `{resource.logical_id}` is", False
        placements = _instance_placements(ctx, resource, focus)
    seen = set()
    for subnet, public_ip, refs in placements:
        if not public_ip or public_route_tables(ctx, subnet) is None:
            continue
        for value, path in refs:
            group = template_resource(ctx, value, "AWS::EC2::SecurityGroup")
            if group is None or (group.logical_id, path) in seen:
                continue
            cidr = _group_opens_admin(ctx, group)
            if cidr is None:
                continue
            seen.add((group.logical_id, path))
            via = ""
            if launch is not None and path == launch.named_at:
                via = f" of {launch.describe()}"
            detail = (
                f"{'they get' if they else 'it has'} a public IP in public subnet "
                f"`{subnet.logical_id}` and security group `{group.logical_id}`{via} admits it"
            )
            yield Violation(path, {"subject": subject, "value": cidr, "detail": detail})
