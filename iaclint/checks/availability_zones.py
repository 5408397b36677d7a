"""Subnets and Availability Zones (HA005, HA008, HA010): from a subnet list through the
graph to the subnets of the template and their zones, where those can be known."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from iaclint.checks.availability import get
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup
from iaclint.resolve.values import ABSENT, Unknown

SUBNET = "AWS::EC2::Subnet"


# -- Subnets and Availability Zones (HA005, HA008, HA010) ------------------------------
@dataclass(frozen=True, slots=True, eq=False)
class Spread:
    """What a list of subnets (or zones) is known to cover: None where it cannot be known."""

    subnets: int | None
    zones: frozenset[str] | None

    def too_narrow(self) -> bool:
        if self.zones is not None:
            return len(self.zones) < 2
        return self.subnets is not None and self.subnets < 2

    def describe(self, unit: str = "subnet") -> str:
        if self.zones:
            return f"one Availability Zone ({next(iter(self.zones))})"
        if self.zones is None and self.subnets == 1:
            return "a single subnet"
        return "no subnets" if unit == "subnet" else "no Availability Zones"


def zone_label(kind: str, zone: str) -> str:
    """How a zone is shown: a `Fn::GetAZs` entry is symbolic, so say which entry it is."""
    if kind == "getazs" and zone[-1:] in "abcdefghij":
        return f"`{zone}`, entry {ord(zone[-1]) - ord('a')} of `Fn::GetAZs`"
    return f"`{zone}`"


def has_get_azs(value: Any) -> bool:
    """Does a value as written contain `Fn::GetAZs` anywhere?"""
    if isinstance(value, dict):
        return "Fn::GetAZs" in value or any(has_get_azs(v) for v in value.values())
    if isinstance(value, list):
        return any(has_get_azs(v) for v in value)
    return False


def subnet_zone(ctx: CheckContext, subnet: Resource) -> tuple[str, str] | None:
    """(kind, zone) of a subnet in the template: kind tells literal names, names from
    `Fn::GetAZs` (symbolic: their order depends on the account) and zone ids apart."""
    zone, _ = get(ctx, subnet, "Properties.AvailabilityZone")
    if isinstance(zone, str) and zone:
        raw = raw_property(ctx, subnet, "AvailabilityZone")
        return ("getazs" if has_get_azs(raw) else "name", zone)
    if zone is ABSENT:
        zone_id, _ = get(ctx, subnet, "Properties.AvailabilityZoneId")
        if isinstance(zone_id, str) and zone_id:
            return ("id", zone_id)
    return None  # unknown, or AWS picks the zone


def subnet_spread(ctx: CheckContext, items: Any, candidates: Iterable[Resource]) -> Spread:
    """The subnets and zones a resolved subnet-id list covers. `candidates` are the
    template subnets the owner references (from the graph)."""
    if not isinstance(items, list):
        return Spread(None, None)
    by_id = {r.logical_id: r for r in candidates if ctx.is_active(r)}
    subnets: set[str] = set()
    zones: set[tuple[str, str]] = set()
    list_known = zones_known = True
    for item in items:
        refs = set(item.refs) if isinstance(item, Unknown) else set()
        if len(refs) == 1 and (name := refs.pop()) in by_id:
            subnets.add(name)
            zone = subnet_zone(ctx, by_id[name])
            if zone is None:
                zones_known = False
            else:
                zones.add(zone)
        elif isinstance(item, str) and item:
            subnets.add(item)  # a subnet id: one subnet, in a zone we cannot see
            zones_known = False
        else:
            list_known = zones_known = False
    if len({kind for kind, _ in zones}) > 1:
        zones_known = False  # a literal name and a GetAZs entry may or may not match
    return Spread(
        len(subnets) if list_known else None,
        frozenset(zone_label(kind, z) for kind, z in zones) if zones_known else None,
    )


def zone_spread(items: Any, raw: Any) -> Spread:
    """The zones an `AvailabilityZones` list (names or ids) covers."""
    if not isinstance(items, list) or any(not isinstance(i, str) or not i for i in items):
        return Spread(None, None)
    symbolic = has_get_azs(raw)
    if len(set(items)) < len(items) and symbolic:
        return Spread(None, None)  # a literal and a GetAZs entry that look alike
    return Spread(None, frozenset(zone_label("getazs" if symbolic else "name", z) for z in items))


def raw_property(ctx: CheckContext, resource: Resource, prop: str) -> Any:
    """The property as written (all of Properties when they are built by a function)."""
    properties = ctx.template.data["Resources"][resource.logical_id].get("Properties")
    return properties.get(prop) if isinstance(properties, dict) else properties


_SUBNET_GROUPS = {
    "AWS::RDS::DBSubnetGroup": (
        "DB subnet group",
        "RDS requires two, so the subnet group cannot be created",
        None,
    ),
    "AWS::ElastiCache::SubnetGroup": (
        "Cache subnet group",
        "replicas in it cannot be placed in a second zone",
        "warning",
    ),
    "AWS::DAX::SubnetGroup": (
        "DAX subnet group",
        "cluster nodes in it cannot be placed in a second zone",
        "warning",
    ),
}


def subnet_group_single_az(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    items, path = get(ctx, resource, "Properties.SubnetIds")
    if resource.type == "AWS::RDS::DBSubnetGroup":
        candidates = ctx.query.subnets_of(resource.logical_id)
    else:
        candidates = ctx.query.targets(resource.logical_id, SUBNET, "SubnetIds")
    spread = subnet_spread(ctx, items, candidates)
    if items is ABSENT or not spread.too_narrow():
        return
    what, consequence, level = _SUBNET_GROUPS[resource.type]
    yield Violation(
        path,
        {
            "what": what,
            "resource": resource.logical_id,
            "coverage": spread.describe(),
            "consequence": consequence,
        },
        level=level,
    )


def auto_scaling_group_single_az(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    items, path = get(ctx, resource, "Properties.VPCZoneIdentifier")
    if items is not ABSENT:
        candidates = ctx.query.targets(resource.logical_id, SUBNET, "VPCZoneIdentifier")
        spread, unit = subnet_spread(ctx, items, candidates), "subnet"
    else:
        for prop in ("AvailabilityZones", "AvailabilityZoneIds"):
            items, path = get(ctx, resource, f"Properties.{prop}")
            if items is not ABSENT:
                spread, unit = zone_spread(items, raw_property(ctx, resource, prop)), "zone"
                break
        else:
            return
    if spread.too_narrow():
        yield Violation(path, {"resource": resource.logical_id, "coverage": spread.describe(unit)})


def load_balancer_single_az(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(resource)
    candidates = ctx.query.targets(resource.logical_id, SUBNET)
    subnets, path = lookup(focus, "Properties.Subnets")
    mappings, mappings_path = lookup(focus, "Properties.SubnetMappings")
    zones, zones_path = lookup(focus, "Properties.AvailabilityZones")
    if subnets is not ABSENT:
        spread, unit = subnet_spread(ctx, subnets, candidates), "subnet"
    elif mappings is not ABSENT:
        items = (
            [m.get("SubnetId", Unknown("no SubnetId")) if isinstance(m, dict) else m
             for m in mappings]
            if isinstance(mappings, list)
            else mappings
        )  # fmt: skip
        spread, unit, path = subnet_spread(ctx, items, candidates), "subnet", mappings_path
    elif zones is not ABSENT:  # a Classic Load Balancer outside a VPC
        spread, unit, path = (
            zone_spread(zones, raw_property(ctx, resource, "AvailabilityZones")),
            "zone",
            zones_path,
        )
    else:
        return
    if not spread.too_narrow():
        return
    kind, _ = lookup(focus, "Properties.Type")
    if resource.type == "AWS::ElasticLoadBalancing::LoadBalancer":
        what, level = "Classic Load Balancer", "warning"
    elif kind is ABSENT or (isinstance(kind, str) and kind == "application"):
        # https://docs.aws.amazon.com/elasticloadbalancing/latest/application/application-load-balancers.html#availability-zones
        what, level = "Application Load Balancer", None
    else:
        names = {"network": "Network Load Balancer", "gateway": "Gateway Load Balancer"}
        what, level = (
            names.get(kind, "Load balancer") if isinstance(kind, str) else "Load balancer",
            "warning",
        )
    consequence = (
        "creating it fails, as an ALB needs subnets in two zones"
        if level is None
        else "it stops serving when that zone fails"
    )
    yield Violation(
        path,
        {
            "what": what,
            "resource": resource.logical_id,
            "coverage": spread.describe(unit),
            "consequence": consequence,
        },
        level=level,
    )
