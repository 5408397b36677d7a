"""Operating for availability (HA022-HA033): scaling (Auto Scaling policies, DynamoDB auto
scaling), zone placement that the graph shows (instances behind a load balancer, NAT gateways,
cluster placement groups), failover health checks (Route 53), safe deployments (Elastic
Beanstalk, Lambda aliases) and error handling in Step Functions definitions.

Every function answers "no finding" when a value or a relation it needs is unknown.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from iaclint.checks.availability import get, is_true, present, show, type_path
from iaclint.checks.availability_zones import SUBNET, _has_get_azs, _label, _raw, _subnet_zone
from iaclint.checks.common import active_resources, as_integer, points_here
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Focus, contains_unknown, lookup, same_value
from iaclint.resolve.values import ABSENT, Unknown, child_source

INSTANCE = "AWS::EC2::Instance"
ASG = "AWS::AutoScaling::AutoScalingGroup"
# Resources that hand a value to another stack, which may do what this one does not.
_HANDOFF = ("AWS::CloudFormation::Stack", "AWS::Serverless::Application")

Zone = tuple[str, str]  # (kind, zone), kind as in availability_zones._subnet_zone


def _names(ctx: CheckContext, value: Any, target: Resource, name_prop: str) -> bool | None:
    """Does a resolved reference (a Ref, GetAtt, or a literal name) name `target`? None when
    it cannot be told: an unknown not built from a template resource, or a literal compared
    with a name the template does not know."""
    if isinstance(value, Unknown):
        return points_here(value, target, ctx)
    if not isinstance(value, str):
        return False
    name = get(ctx, target, f"Properties.{name_prop}")[0]
    if name is ABSENT:
        return False  # CloudFormation generates the name
    return same_value(value, name) if isinstance(name, str) else None


def _handed_off(ctx: CheckContext, resource: Resource) -> bool:
    return any(ctx.is_active(r) for r in ctx.query.referrers(resource.logical_id, _HANDOFF))


def _named_by_any(
    ctx: CheckContext, target: Resource, types: tuple[str, ...], prop: str, name_prop: str
) -> bool:
    """Is some active resource of `types` pointing at `target` through `prop`, or might one
    whose `prop` cannot be resolved?"""
    return any(
        _names(ctx, get(ctx, other, f"Properties.{prop}")[0], target, name_prop) is not False
        for other in active_resources(ctx, types)
    )


def _only_resource(ctx: CheckContext, value: Any, kind: str) -> Resource | None:
    """The template resource of `kind` a plain Ref or GetAtt (not a string built around it)
    points at."""
    if not isinstance(value, Unknown) or value.partial is not None or len(value.refs) != 1:
        return None
    resource = ctx.template.resources.get(value.refs[0])
    return resource if resource is not None and resource.type == kind else None


def _subnet_of(ctx: CheckContext, value: Any) -> Zone | None:
    subnet = _only_resource(ctx, value, SUBNET)
    return _subnet_zone(ctx, subnet) if subnet is not None and ctx.is_active(subnet) else None


def _instance_zone(ctx: CheckContext, instance: Resource) -> Zone | None:
    """The zone of an EC2 instance: its own `AvailabilityZone`, else its subnet's."""
    zone = get(ctx, instance, "Properties.AvailabilityZone")[0]
    if isinstance(zone, str) and zone:
        raw = _raw(ctx, instance, "AvailabilityZone")
        return ("getazs" if _has_get_azs(raw) else "name", zone)
    if zone is not ABSENT:
        return None
    subnet = get(ctx, instance, "Properties.SubnetId")[0]
    if subnet is ABSENT:
        interfaces = get(ctx, instance, "Properties.NetworkInterfaces")[0]
        primary = [
            i
            for i in (interfaces if isinstance(interfaces, list) else ())
            if isinstance(i, dict) and as_integer(i.get("DeviceIndex")) == 0
        ]
        subnet = primary[0].get("SubnetId", ABSENT) if primary else ABSENT
    return _subnet_of(ctx, subnet)


def _group_zones(ctx: CheckContext, group: Resource) -> set[Zone]:
    """The zones an Auto Scaling group surely launches in (those that can be known)."""
    zones: set[Zone] = set()
    subnets = get(ctx, group, "Properties.VPCZoneIdentifier")[0]
    for item in subnets if isinstance(subnets, list) else ():
        zone = _subnet_of(ctx, item)
        if zone is not None:
            zones.add(zone)
    for prop, kind in (("AvailabilityZones", "name"), ("AvailabilityZoneIds", "id")):
        items = get(ctx, group, f"Properties.{prop}")[0]
        if subnets is ABSENT and isinstance(items, list):
            symbolic = _has_get_azs(_raw(ctx, group, prop))
            kind = "getazs" if symbolic and kind == "name" else kind
            zones.update((kind, z) for z in items if isinstance(z, str) and z)
    return zones


def _spread_kinds(zones: Iterable[Zone]) -> dict[str, set[str]]:
    """Zones by kind: only zones of one kind can be told apart (a literal name may or may
    not be the first `Fn::GetAZs` entry)."""
    by_kind: dict[str, set[str]] = {}
    for kind, zone in zones:
        by_kind.setdefault(kind, set()).add(zone)
    return by_kind


def _show_zones(kind: str, zones: Iterable[str]) -> str:
    return ", ".join(_label(kind, z) for z in sorted(zones))


def _ids(names: Iterable[str], limit: int = 3) -> str:
    names = sorted(set(names))
    shown = ", ".join(f"`{n}`" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


# -- HA022 ---------------------------------------------------------------------------
_SCALERS = ("AWS::AutoScaling::ScalingPolicy", "AWS::AutoScaling::ScheduledAction")


def auto_scaling_group_without_policy(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    low = as_integer(get(ctx, resource, "Properties.MinSize")[0])
    high = as_integer(get(ctx, resource, "Properties.MaxSize")[0])
    if low is None or high is None or low >= high:
        return  # a fixed-size group is meant not to scale
    if _handed_off(ctx, resource) or _scaled_elsewhere(ctx, resource):
        return
    if _named_by_any(ctx, resource, _SCALERS, "AutoScalingGroupName", "AutoScalingGroupName"):
        return  # a policy or scheduled action names it, or one we cannot resolve might
    yield Violation(
        type_path(resource),
        {"resource": resource.logical_id, "low": low, "high": high},
        at_key=True,
    )


def _scaled_elsewhere(ctx: CheckContext, group: Resource) -> bool:
    """ECS capacity providers and the Kubernetes Cluster Autoscaler size a group themselves."""
    providers = ctx.query.referrers(group.logical_id, "AWS::ECS::CapacityProvider")
    if any(ctx.is_active(p) for p in providers):
        return True
    tags = get(ctx, group, "Properties.Tags")[0]
    return any(
        isinstance(t, dict)
        and isinstance(t.get("Key"), str)
        and t["Key"].startswith("k8s.io/cluster-autoscaler/")
        for t in (tags if isinstance(tags, list) else ())
    )


# -- HA023 ---------------------------------------------------------------------------
# Who else registers targets with a load balancer: their members are not in `Targets`.
_REGISTRARS = {
    "AWS::ElasticLoadBalancingV2::TargetGroup": (
        (ASG, "TargetGroupARNs"),
        ("AWS::ECS::Service", "LoadBalancers"),
    ),
    "AWS::ElasticLoadBalancing::LoadBalancer": ((ASG, "LoadBalancerNames"),),
}


def _other_members(ctx: CheckContext, balancer: Resource) -> bool:
    """Might a group or service register instances here too (also through an unknown)?"""
    for kind, prop in _REGISTRARS[balancer.type]:
        for other in active_resources(ctx, (kind,)):
            value = get(ctx, other, f"Properties.{prop}")[0]
            refs = _unknown_refs(value)
            if balancer.logical_id in refs or (
                contains_unknown(value) and not refs & set(ctx.template.resources)
            ):
                return True
    return False


def _unknown_refs(value: Any) -> set[str]:
    if isinstance(value, Unknown):
        return set(value.refs)
    if isinstance(value, dict):
        return {r for v in value.values() for r in _unknown_refs(v)}
    if isinstance(value, list):
        return {r for v in value for r in _unknown_refs(v)}
    return set()


def _registered_ids(ctx: CheckContext, balancer: Resource) -> tuple[Any, Path]:
    """The instance ids a target group (instance targets only) or Classic Load Balancer
    lists, and where they are; None when there are none to read."""
    if balancer.type == "AWS::ElasticLoadBalancing::LoadBalancer":
        return get(ctx, balancer, "Properties.Instances")
    kind = get(ctx, balancer, "Properties.TargetType")[0]
    items, path = get(ctx, balancer, "Properties.Targets")
    if (kind is not ABSENT and not same_value(kind, "instance")) or not isinstance(items, list):
        return None, path
    return [t.get("Id") if isinstance(t, dict) else t for t in items], path


def instances_in_one_zone(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    ids, path = _registered_ids(ctx, resource)
    if not isinstance(ids, list) or not ids or _other_members(ctx, resource):
        return
    instances: dict[str, Resource] = {}
    for value in ids:
        instance = _only_resource(ctx, value, INSTANCE)
        if instance is None:
            return  # an instance id from elsewhere, in a zone we cannot see
        if ctx.is_active(instance):
            instances[instance.logical_id] = instance
    if len(instances) == 1:
        spread = f"a single instance, `{next(iter(instances))}`"
    else:
        zones = [_instance_zone(ctx, i) for i in instances.values()]
        known = {z for z in zones if z is not None}
        if len(known) != 1 or None in zones:
            return
        kind, zone = known.pop()
        spread = f"{len(instances)} instances, all in Availability Zone {_label(kind, zone)}"
    what = "Target group" if resource.type.endswith("TargetGroup") else "Classic Load Balancer"
    yield Violation(
        path, {"what": what, "resource": resource.logical_id, "spread": spread}, at_key=True
    )


# -- HA025 ---------------------------------------------------------------------------
def _routing(record: dict[str, Any]) -> tuple[str, str] | None:
    """(policy, key) of a record whose routing relies on health, else None."""
    if same_value(record.get("Failover"), "PRIMARY", ignore_case=True):
        return "failover (`PRIMARY`)", "Failover"
    if record.get("SetIdentifier") is None:
        return None
    for key, policy in (
        ("Weight", "weighted"), ("Region", "latency"), ("GeoLocation", "geolocation"),
    ):  # fmt: skip
        if key in record:
            return policy, key
    if is_true(record.get("MultiValueAnswer", ABSENT)):
        return "multivalue answer", "MultiValueAnswer"
    return None


def record_without_health_check(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::Route53::RecordSet":
        records = [lookup(focus, "Properties")]
    else:
        items, path = lookup(focus, "Properties.RecordSets")
        if not isinstance(items, list):
            return
        records = [(item, child_source(items, path, i)) for i, item in enumerate(items)]
    for record, path in records:
        if not isinstance(record, dict) or present(record.get("HealthCheckId", ABSENT)):
            continue
        routing = _routing(record)
        alias = record.get("AliasTarget")
        evaluate = alias.get("EvaluateTargetHealth", ABSENT) if isinstance(alias, dict) else ABSENT
        if routing is None or is_true(evaluate) is not False or isinstance(alias, Unknown):
            continue
        policy, key = routing
        name = record.get("Name")
        yield Violation(
            lookup(Focus(record, path), key)[1],
            {
                "resource": resource.logical_id,
                "record": f" `{name}`" if isinstance(name, str) else "",
                "policy": policy,
            },
        )


# -- HA026 ---------------------------------------------------------------------------
def _scalable_target_for(ctx: CheckContext, target: Resource, table: Resource) -> bool | None:
    namespace = get(ctx, target, "Properties.ServiceNamespace")[0]
    if contains_unknown(namespace):
        return None
    if not same_value(namespace, "dynamodb"):
        return False
    resource_id = get(ctx, target, "Properties.ResourceId")[0]
    if isinstance(resource_id, str):
        parts = resource_id.split("/")
        if len(parts) < 2 or parts[0] != "table":
            return False
        return _names(ctx, parts[1], table, "TableName")
    return points_here(resource_id, table, ctx) if isinstance(resource_id, Unknown) else False


def dynamodb_table_without_auto_scaling(
    resource: Resource, ctx: CheckContext
) -> Iterator[Violation]:
    mode = get(ctx, resource, "Properties.BillingMode")[0]
    throughput, path = get(ctx, resource, "Properties.ProvisionedThroughput")
    if (mode is not ABSENT and not same_value(mode, "PROVISIONED")) or throughput is ABSENT:
        return
    if _handed_off(ctx, resource):
        return
    maybe = False
    for target in active_resources(ctx, ("AWS::ApplicationAutoScaling::ScalableTarget",)):
        covered = _scalable_target_for(ctx, target, resource)
        if covered:
            return
        maybe = maybe or covered is None
    if maybe:
        return
    capacity = throughput if isinstance(throughput, dict) else {}
    units = [capacity.get(k) for k in ("ReadCapacityUnits", "WriteCapacityUnits")]
    shown = "/".join("?" if u is None or contains_unknown(u) else show(u) for u in units)
    yield Violation(path, {"resource": resource.logical_id, "value": shown}, at_key=True)


# -- HA027 ---------------------------------------------------------------------------
def _served_subnets(ctx: CheckContext, nat: Resource) -> dict[str, list[Zone]]:
    """Route table -> zones of the subnets associated with it, for the route tables whose
    routes send traffic to the NAT gateway."""
    query = ctx.query
    served: dict[str, list[Zone]] = {}
    for route in query.referrers(nat.logical_id, "AWS::EC2::Route", "NatGatewayId"):
        if not ctx.is_active(route):
            continue
        for table in query.targets(route.logical_id, "AWS::EC2::RouteTable", "RouteTableId"):
            zones = served.setdefault(table.logical_id, [])
            for link in query.referrers(
                table.logical_id, "AWS::EC2::SubnetRouteTableAssociation", "RouteTableId"
            ):
                zone = _subnet_of(ctx, get(ctx, link, "Properties.SubnetId")[0])
                if ctx.is_active(link) and zone is not None:
                    zones.append(zone)
    return served


def nat_gateway_serves_other_zones(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    mode = get(ctx, resource, "Properties.AvailabilityMode")[0]
    if mode is not ABSENT and not same_value(mode, "zonal", ignore_case=True):
        return  # a regional NAT gateway spans the zones
    subnet, path = get(ctx, resource, "Properties.SubnetId")
    own = _subnet_of(ctx, subnet)
    served = _served_subnets(ctx, resource)
    by_kind = _spread_kinds(z for zones in served.values() for z in zones)
    if own is not None:
        others = by_kind.get(own[0], set()) - {own[1]}
        where = f"Availability Zone {_label(*own)}"
    else:
        others = next((zones for zones in by_kind.values() if len(zones) > 1), set())
        where, path = "one Availability Zone", type_path(resource)
    if not others:
        return
    kind = own[0] if own is not None else next(k for k, z in by_kind.items() if z == others)
    tables = [t for t, zones in served.items() if any(z[1] in others for z in zones)]
    yield Violation(
        path,
        {
            "resource": resource.logical_id,
            "where": where,
            "zones": _show_zones(kind, others),
            "tables": _ids(tables),
        },
        at_key=own is None,
    )


# -- HA028 ---------------------------------------------------------------------------
def _placement_members(ctx: CheckContext, group: Resource) -> list[Resource]:
    query = ctx.query
    members = [
        *query.referrers(group.logical_id, INSTANCE, "PlacementGroupName"),
        *query.referrers(group.logical_id, ASG, "PlacementGroup"),
    ]
    templates = query.referrers(
        group.logical_id, "AWS::EC2::LaunchTemplate", "LaunchTemplateData.Placement.GroupName"
    )
    for template in templates:
        members.extend(query.referrers(template.logical_id, (INSTANCE, ASG)))
    return [m for m in {m.logical_id: m for m in members}.values() if ctx.is_active(m)]


def cluster_placement_group_multi_az(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    strategy, path = get(ctx, resource, "Properties.Strategy")
    if not same_value(strategy, "cluster"):
        return
    members = _placement_members(ctx, resource)
    zones: set[Zone] = set()
    for member in members:
        if member.type == INSTANCE:
            zone = _instance_zone(ctx, member)
            zones.update([zone] if zone is not None else [])
        else:
            zones.update(_group_zones(ctx, member))
    for kind, names in _spread_kinds(zones).items():
        if len(names) > 1:
            yield Violation(
                path,
                {
                    "resource": resource.logical_id,
                    "members": _ids(m.logical_id for m in members),
                    "zones": _show_zones(kind, names),
                },
            )
            return


# -- HA029 ---------------------------------------------------------------------------
_ENVIRONMENT_TYPE = ("aws:elasticbeanstalk:environment", "EnvironmentType")
_DEPLOYMENT_POLICY = ("aws:elasticbeanstalk:command", "DeploymentPolicy")


def _option_settings(
    ctx: CheckContext, resource: Resource
) -> dict[tuple[str, str], tuple[Any, Path]] | None:
    """(namespace, option) -> (value, path) of the environment and of the configuration
    template it names; None when an option cannot be read."""
    found: dict[tuple[str, str], tuple[Any, Path]] = {}
    sources = [resource]
    name = get(ctx, resource, "Properties.TemplateName")[0]
    if name is not ABSENT:
        templates = ctx.query.targets(
            resource.logical_id, "AWS::ElasticBeanstalk::ConfigurationTemplate", "TemplateName"
        )
        if len(templates) != 1 or present(
            get(ctx, templates[0], "Properties.SourceConfiguration")[0]
        ):
            return None  # a saved configuration or one from elsewhere
        sources.insert(0, templates[0])  # the environment's own settings win
    for source in sources:
        items, path = get(ctx, source, "Properties.OptionSettings")
        if items is ABSENT:
            continue
        if not isinstance(items, list):
            return None
        for index, item in enumerate(items):
            key = (
                (item.get("Namespace"), item.get("OptionName")) if isinstance(item, dict) else None
            )
            if key is None or not all(isinstance(k, str) for k in key):
                return None
            value_path = (*child_source(items, path, index), "Value")
            found[key] = (item.get("Value", ABSENT), value_path)  # type: ignore[index]
    return found


def beanstalk_environment_not_production_ready(
    resource: Resource, ctx: CheckContext
) -> Iterator[Violation]:
    options = _option_settings(ctx, resource)
    if options is None:
        return
    args = {"resource": resource.logical_id}
    kind, kind_path = options.get(_ENVIRONMENT_TYPE, (ABSENT, None))
    if contains_unknown(kind):
        return
    if same_value(kind, "SingleInstance") and kind_path is not None:
        problem = "is a single-instance environment (`EnvironmentType: SingleInstance`), with "
        yield Violation(kind_path, {**args, "problem": problem + "no load balancer and no spare"})
        return
    policy, policy_path = options.get(_DEPLOYMENT_POLICY, (ABSENT, None))
    if policy is ABSENT:
        problem = "deploys all at once (no `DeploymentPolicy`; the default is `AllAtOnce`)"
        yield Violation(type_path(resource), {**args, "problem": problem}, at_key=True)
    elif same_value(policy, "AllAtOnce") and policy_path is not None:
        problem = "deploys all at once (`DeploymentPolicy: AllAtOnce`)"
        yield Violation(policy_path, {**args, "problem": problem})


# -- HA031 ---------------------------------------------------------------------------
_TRIGGER = {
    "AWS::Lambda::EventSourceMapping": "its events",
    "AWS::Lambda::Permission": "invocations",
}


def _aliases(ctx: CheckContext, function: Resource) -> list[Resource]:
    found = ctx.query.referrers(function.logical_id, "AWS::Lambda::Alias", "FunctionName")
    return [a for a in found if ctx.is_active(a)]


def _alias_allowed(ctx: CheckContext, permission: Resource, aliases: list[Resource]) -> bool:
    """Another permission grants the same principal the alias: the unqualified one is a
    leftover, not the path traffic takes."""
    principal = get(ctx, permission, "Properties.Principal")[0]
    for alias in aliases:
        for other in ctx.query.referrers(alias.logical_id, "AWS::Lambda::Permission"):
            theirs = get(ctx, other, "Properties.Principal")[0]
            if ctx.is_active(other) and (contains_unknown(theirs) or theirs == principal):
                return True
    return False


def trigger_bypasses_alias(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    value, path = get(ctx, resource, "Properties.FunctionName")
    function = _only_resource(ctx, value, "AWS::Lambda::Function")
    if function is None:
        return  # an alias, a qualified ARN, or a function we cannot see
    aliases = _aliases(ctx, function)
    if not aliases:
        return
    if resource.type == "AWS::Lambda::Permission" and _alias_allowed(ctx, resource, aliases):
        return
    yield Violation(
        path,
        {
            "resource": resource.logical_id,
            "traffic": _TRIGGER[resource.type],
            "function": function.logical_id,
            "aliases": _ids(a.logical_id for a in aliases),
        },
    )


# -- HA032 ---------------------------------------------------------------------------
# Integrations that wait for something outside the state machine: without a timeout they can
# wait until the execution's one-year limit. Request-response calls return at once.
# https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html
_WAITS = re.compile(r"\.sync(:\d+)?$|\.waitForTaskToken$|:activity:")
_TIMEOUTS = ("TimeoutSeconds", "TimeoutSecondsPath", "HeartbeatSeconds", "HeartbeatSecondsPath")


def _task_states(states: Any, prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Task state, also inside Parallel branches and Map iterators."""
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        if state.get("Type") == "Task":
            yield prefix + str(name), state
        for branch in state.get("Branches", ()) if isinstance(state.get("Branches"), list) else ():
            if isinstance(branch, dict):
                yield from _task_states(branch.get("States"), prefix)
        for key in ("Iterator", "ItemProcessor"):
            if isinstance(state.get(key), dict):
                yield from _task_states(state[key].get("States"), prefix)


def _definition(ctx: CheckContext, resource: Resource) -> tuple[Any, Path] | None:
    """The definition as data, and where findings point; None when it cannot be read
    (an S3 location, an unknown part where JSON needs a value)."""
    definition, path = get(ctx, resource, "Properties.Definition")
    if isinstance(definition, dict):
        return definition, path
    text, path = get(ctx, resource, "Properties.DefinitionString")
    if isinstance(text, Unknown):
        text = text.partial  # unknown parts stand in string values only: JSON still parses
    if not isinstance(text, str):
        return None
    try:
        return json.loads(text), path
    except ValueError:
        return None


def state_machine_task_unguarded(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    found = _definition(ctx, resource)
    if found is None or not isinstance(found[0], dict):
        return
    definition, path = found
    kind = get(ctx, resource, "Properties.StateMachineType")[0]
    express = same_value(kind, "EXPRESS", ignore_case=True) or contains_unknown(kind)
    unhandled, unbounded = [], []
    for name, state in _task_states(definition.get("States")):
        if "Retry" not in state and "Catch" not in state:
            unhandled.append(name)
        waits = isinstance(state.get("Resource"), str) and _WAITS.search(state["Resource"])
        if waits and not express and not any(k in state for k in _TIMEOUTS):
            unbounded.append(name)
    if unhandled:
        problem = (
            f"has task states without `Retry` or `Catch` ({_ids(unhandled)}), so one "
            "transient error fails the whole execution"
        )
        yield Violation(path, {"resource": resource.logical_id, "problem": problem}, at_key=True)
    if unbounded:
        problem = (
            f"has task states that wait for a job, callback or activity without "
            f"`TimeoutSeconds` or `HeartbeatSeconds` ({_ids(unbounded)}), so they can hang "
            "until the execution times out after a year"
        )
        yield Violation(path, {"resource": resource.logical_id, "problem": problem}, at_key=True)


# -- HA024 ---------------------------------------------------------------------------
_LISTENERS = ("AWS::ElasticLoadBalancingV2::Listener", "AWS::ElasticLoadBalancingV2::ListenerRule")


def _has_targets(ctx: CheckContext, group: Resource) -> bool:
    """Targets listed, or something beyond a listener (an Auto Scaling group, an ECS service,
    an output for another stack) that may register them."""
    if present(get(ctx, group, "Properties.Targets")[0]):
        return True
    referrers = ctx.index.predecessors.get(("Resources", group.logical_id), {})
    for section, name in referrers:
        user = ctx.template.resources.get(name) if section == "Resources" else None
        if user is None or (user.type not in _LISTENERS and ctx.is_active(user)):
            return True
    return False


def target_group_health_check_shallow(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    enabled, enabled_path = get(ctx, resource, "Properties.HealthCheckEnabled")
    target_type = get(ctx, resource, "Properties.TargetType")[0]
    args = {"resource": resource.logical_id}
    if is_true(enabled) is False and enabled is not ABSENT:
        # Lambda targets have health checks off by default, and each check is an invocation.
        if not same_value(target_type, "lambda") and not contains_unknown(target_type):
            yield Violation(
                enabled_path, {**args, "problem": "is disabled (`HealthCheckEnabled: false`)"}
            )
        return
    protocol = get(ctx, resource, "Properties.Protocol")[0]
    if not any(same_value(protocol, p) for p in ("HTTP", "HTTPS")):
        return  # NLB and GWLB targets may not speak HTTP at all
    if not _has_targets(ctx, resource):
        return  # a placeholder for a listener's default action: no target is ever checked
    version = get(ctx, resource, "Properties.ProtocolVersion")[0]
    check_protocol = get(ctx, resource, "Properties.HealthCheckProtocol")[0]
    if contains_unknown(version) or contains_unknown(check_protocol):
        return
    if same_value(version, "GRPC") or same_value(check_protocol, "TCP"):
        return  # gRPC checks /AWS.ALB/healthcheck by default; a TCP check reads no path
    path, where = get(ctx, resource, "Properties.HealthCheckPath")
    if path is ABSENT:
        problem = "requests the default path `/` (`HealthCheckPath` is not set)"
        yield Violation(type_path(resource), {**args, "problem": problem}, at_key=True)
    elif isinstance(path, str) and path.strip() == "/":
        yield Violation(where, {**args, "problem": "requests the site root (`HealthCheckPath: /`)"})
