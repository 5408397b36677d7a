"""Zone placement that the graph shows: instances behind a load balancer in one zone, NAT
gateways that serve other zones' subnets, and cluster placement groups spread over several
zones. Every function answers "no finding" when a value or a relation it needs is unknown."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from iaclint.checks.availability import get, only_resource, show_ids, type_path
from iaclint.checks.availability_zones import (
    SUBNET,
    has_get_azs,
    raw_property,
    subnet_zone,
    zone_label,
)
from iaclint.checks.common import active_resources, as_integer
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import contains_unknown, same_value
from iaclint.resolve.values import ABSENT, Unknown

INSTANCE = "AWS::EC2::Instance"
ASG = "AWS::AutoScaling::AutoScalingGroup"

Zone = tuple[str, str]  # (kind, zone), kind as in availability_zones.subnet_zone


def _subnet_of(ctx: CheckContext, value: Any) -> Zone | None:
    subnet = only_resource(ctx, value, SUBNET)
    return subnet_zone(ctx, subnet) if subnet is not None and ctx.is_active(subnet) else None


def _instance_zone(ctx: CheckContext, instance: Resource) -> Zone | None:
    """The zone of an EC2 instance: its own `AvailabilityZone`, else its subnet's."""
    zone = get(ctx, instance, "Properties.AvailabilityZone")[0]
    if isinstance(zone, str) and zone:
        raw = raw_property(ctx, instance, "AvailabilityZone")
        return ("getazs" if has_get_azs(raw) else "name", zone)
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
            symbolic = has_get_azs(raw_property(ctx, group, prop))
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
    return ", ".join(zone_label(kind, z) for z in sorted(zones))


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
        instance = only_resource(ctx, value, INSTANCE)
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
        spread = f"{len(instances)} instances, all in Availability Zone {zone_label(kind, zone)}"
    what = "Target group" if resource.type.endswith("TargetGroup") else "Classic Load Balancer"
    yield Violation(
        path, {"what": what, "resource": resource.logical_id, "spread": spread}, at_key=True
    )


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
        where = f"Availability Zone {zone_label(*own)}"
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
            "tables": show_ids(tables),
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
                    "members": show_ids(m.logical_id for m in members),
                    "zones": _show_zones(kind, names),
                },
            )
            return
