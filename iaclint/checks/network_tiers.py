"""Network checks about tiers: which security group admits which tier (load balancer,
application, database, administrators), and SSH opened in the same group as the ports an
application serves."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from iaclint.checks.common import as_integer
from iaclint.checks.network_common import (
    AUTO_SCALING_GROUP,
    SECURITY_GROUP,
    data_stores_guarded,
    opens_every_port,
    show_ports,
    show_resources,
    template_resource,
    under,
    unset,
    users_of,
)
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Tri, lookup, port_covers
from iaclint.resolve.values import ABSENT, child_source

if TYPE_CHECKING:
    from iaclint.load.document import Path
    from iaclint.model.template import Resource

_OPEN = ("0.0.0.0/0", "::/0")
_TARGET_GROUP = "AWS::ElasticLoadBalancingV2::TargetGroup"


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
            g
            for g in ctx.query.targets(resource.logical_id, SECURITY_GROUP, "GroupId")
            if ctx.is_active(g)
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
    return not unset(groups)


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
    if kind == "AWS::EC2::Instance" and under(
        prop, ("SecurityGroupIds", "SecurityGroups", "NetworkInterfaces")
    ):
        for tg in ctx.query.referrers(name, _TARGET_GROUP, "Targets"):
            found.append((tg, _target_group_port(ctx, tg), user))
    elif kind == "AWS::ECS::Service" and under(prop, ("NetworkConfiguration",)):
        balancers, _ = lookup(ctx.resolved_focus(user), "Properties.LoadBalancers")
        for item in balancers if isinstance(balancers, list) else []:
            if not isinstance(item, dict):
                continue
            tg = template_resource(ctx, item.get("TargetGroupArn", ABSENT), _TARGET_GROUP)
            if tg is not None:
                found.append((tg, as_integer(item.get("ContainerPort", ABSENT)), user))
    else:
        if kind == "AWS::EC2::LaunchTemplate" and under(prop, ("LaunchTemplateData",)):
            groups = ctx.query.referrers(name, AUTO_SCALING_GROUP, "LaunchTemplate")
            groups += ctx.query.referrers(name, AUTO_SCALING_GROUP, "MixedInstancesPolicy")
        elif kind == "AWS::AutoScaling::LaunchConfiguration" and prop == "SecurityGroups":
            groups = ctx.query.referrers(name, AUTO_SCALING_GROUP, "LaunchConfigurationName")
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
    for user, prop in users_of(ctx, group.logical_id):
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
                "targets": show_resources(targets),
                "balancer": balancer.logical_id,
            }
            yield Violation(child_source(rule, path, found[0]), args)


# -- NET031 ------------------------------------------------------------------------
# Databases and caches (all in network_common.DATA_STORE_SECURITY_GROUPS); file systems, search
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
        stores = data_stores_guarded(ctx, group.logical_id)
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
                "ports": show_ports(rule),
                "databases": show_resources(databases),
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
    return show_ports(rule)


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
