"""Python checks of the service-quota limits rules about capacity: what a template asks of
a shared resource or an account against what it offers (Kinesis readers per shard, API
throttling against the account's rate, Aurora Serverless capacity, addresses a subnet
hosts). A value that cannot be known gives no finding; counts only take resources that
surely exist and surely point here."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from iaclint.checks.common import (
    as_integer,
    as_number,
    items_with_paths,
    points_here,
    show_number,
    type_path,
)
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup, same_value
from iaclint.resolve.values import ABSENT, Unknown, child_source

# -- LIM035: shared-throughput readers of a Kinesis stream --------------------------------
# https://docs.aws.amazon.com/streams/latest/dev/enhanced-consumers.html: a shard serves
# 5 GetRecords calls and 2 MB per second to all shared-throughput consumers together, and
# Lambda and Firehose each poll every shard about once per second.
_STREAM_READERS = (
    ("AWS::Lambda::EventSourceMapping", "EventSourceArn"),
    ("AWS::KinesisFirehose::DeliveryStream", "KinesisStreamSourceConfiguration.KinesisStreamARN"),
)
_READS_PER_SHARD = 5
_SHARED_READERS_ADVICE = 2


def kinesis_shared_readers(stream: Resource, ctx: CheckContext) -> Iterator[Violation]:
    readers: list[str] = []
    for reader_type, via in _STREAM_READERS:
        for reader in ctx.query.referrers(stream.logical_id, reader_type, via):
            if not ctx.is_certain(reader):  # a reader that may not exist does not count
                continue
            focus = ctx.resolved_focus(reader)
            source, _ = lookup(focus, f"Properties.{via}")
            enabled, _ = lookup(focus, "Properties.Enabled")
            # An ARN built from the stream, not from a StreamConsumer (enhanced fan-out,
            # which references the consumer instead); a mapping that may be disabled may not
            # poll, so it is not counted.
            active = enabled is ABSENT or same_value(enabled, True)
            if points_here(source, stream, ctx) and active:
                readers.append(reader.logical_id)
    if len(readers) <= _SHARED_READERS_ADVICE:
        return
    if len(readers) > _READS_PER_SHARD:
        problem = (
            f"more than the {_READS_PER_SHARD} reads per second a shard serves, so they are "
            "throttled"
        )
        level = None
    else:
        problem = "which share each shard's 5 reads and 2 MB per second, so records arrive later"
        level = "note"
    yield Violation(
        type_path(stream),
        {
            "resource": stream.logical_id,
            "count": len(readers),
            "readers": ", ".join(f"`{name}`" for name in readers),
            "problem": problem,
        },
        level=level,
    )


# -- LIM037: API Gateway throttling above the account quota --------------------------------
# https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html (checked
# 2026-11): 10,000 requests per second and a 5,000-request burst per account and Region,
# 2,500 and 1,250 in the Regions below.
_ACCOUNT_RATE, _ACCOUNT_BURST = 10_000, 5_000
_LOW_DEFAULT_REGIONS = frozenset(
    {
        "af-south-1", "eu-south-1", "ap-southeast-3", "me-central-1", "ap-south-2",
        "ap-southeast-4", "eu-south-2", "eu-central-2", "il-central-1", "ca-west-1",
        "ap-southeast-5", "ap-southeast-7", "mx-central-1",
    }
)  # fmt: skip
# Per resource type: where throttling settings sit ("*" = every item of a list or map)
# and the names of their rate and burst keys.
_THROTTLE_SETTINGS = {
    "AWS::ApiGateway::Stage": (
        ("MethodSettings.*", "ThrottlingRateLimit", "ThrottlingBurstLimit"),
    ),
    "AWS::ApiGateway::UsagePlan": (
        ("Throttle", "RateLimit", "BurstLimit"),
        ("ApiStages.*.Throttle.*", "RateLimit", "BurstLimit"),
    ),
    "AWS::ApiGatewayV2::Stage": (
        ("DefaultRouteSettings", "ThrottlingRateLimit", "ThrottlingBurstLimit"),
        ("RouteSettings.*", "ThrottlingRateLimit", "ThrottlingBurstLimit"),
    ),
}


def _settings(value: Any, path: Path, parts: list[str]) -> Iterator[tuple[Any, Path]]:
    """The objects at a dotted path in which `*` stands for every item of a list or map."""
    if not parts:
        yield value, path
        return
    head, rest = parts[0], parts[1:]
    if head == "*":
        for item, item_path in items_with_paths(value, path):
            yield from _settings(item, item_path, rest)
    elif isinstance(value, dict) and head in value:
        yield from _settings(value[head], child_source(value, path, head), rest)


def api_throttling_above_account(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    low = ctx.resolver.region in _LOW_DEFAULT_REGIONS
    rate_quota = _ACCOUNT_RATE // 4 if low else _ACCOUNT_RATE
    burst_quota = _ACCOUNT_BURST // 4 if low else _ACCOUNT_BURST
    properties, path = lookup(ctx.resolved_focus(resource), "Properties")
    for where, rate_key, burst_key in _THROTTLE_SETTINGS.get(resource.type, ()):
        for setting, setting_path in _settings(properties, path, where.split(".")):
            if not isinstance(setting, dict):
                continue
            for key, quota, what in (
                (rate_key, rate_quota, "requests per second"),
                (burst_key, burst_quota, "requests of burst"),
            ):
                number = as_number(setting.get(key))
                if number is not None and number > quota:
                    yield Violation(
                        child_source(setting, setting_path, key),
                        {
                            "resource": resource.logical_id,
                            "property": key,
                            "value": show_number(number),
                            "quota": f"{quota:,} {what}",
                            "region": ctx.resolver.region,
                        },
                    )


# -- LIM039: Aurora Serverless capacity ---------------------------------------------------
# https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-serverless-v2.requirements.html
# (checked 2026-11): 0 to 256 ACUs in steps of 0.5; the maximum is at least 1.
_V2_MAX_ACU = 256.0


def _capacity_problem(name: str, number: float) -> str | None:
    if number * 2 != int(number * 2):
        return "Aurora Serverless v2 capacity goes in steps of 0.5 ACU"
    if name == "MinCapacity" and not 0 <= number <= _V2_MAX_ACU:
        return "the minimum capacity must be between 0 and 256 ACUs"
    if name == "MaxCapacity" and not 1 <= number <= _V2_MAX_ACU:
        return "the maximum capacity must be between 1 and 256 ACUs"
    return None


def aurora_capacity_range(cluster: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(cluster)
    for section, version in (
        ("ServerlessV2ScalingConfiguration", "v2"),
        ("ScalingConfiguration", "v1"),
    ):
        low, low_path = lookup(focus, f"Properties.{section}.MinCapacity")
        high, high_path = lookup(focus, f"Properties.{section}.MaxCapacity")
        numbers = {"MinCapacity": as_number(low), "MaxCapacity": as_number(high)}
        paths = {"MinCapacity": low_path, "MaxCapacity": high_path}
        found = False
        if version == "v2":
            for name, number in numbers.items():
                problem = None if number is None else _capacity_problem(name, number)
                if problem is not None:
                    found = True
                    yield Violation(
                        paths[name],
                        {"resource": cluster.logical_id, "property": f"{section}.{name}",
                         "value": show_number(number or 0.0), "problem": problem},
                    )  # fmt: skip
        low_n, high_n = numbers["MinCapacity"], numbers["MaxCapacity"]
        if not found and low_n is not None and high_n is not None and low_n > high_n:
            yield Violation(
                low_path,
                {"resource": cluster.logical_id, "property": f"{section}.MinCapacity",
                 "value": show_number(low_n),
                 "problem": f"it is above `MaxCapacity` ({show_number(high_n)})"},
            )  # fmt: skip


# -- LIM041: subnet addresses against what the template places in it -----------------------
# https://docs.aws.amazon.com/vpc/latest/userguide/subnet-sizing.html: AWS reserves 5
# addresses per subnet. Application Load Balancers need 8 free addresses per subnet.
_RESERVED = 5
_ALB_ADDRESSES = 8


def _usable_addresses(subnet: Resource, ctx: CheckContext) -> tuple[int, str, Path] | None:
    focus = ctx.resolved_focus(subnet)
    cidr, path = lookup(focus, "Properties.CidrBlock")
    if isinstance(cidr, str):
        try:
            prefix = ipaddress.ip_network(cidr.strip(), strict=False).prefixlen
        except ValueError:
            return None
        shown = cidr
    else:
        netmask, path = lookup(focus, "Properties.Ipv4NetmaskLength")
        prefix_n = as_integer(netmask) if cidr is ABSENT else None
        if prefix_n is None:
            return None
        prefix, shown = prefix_n, f"/{prefix_n}"
    if not 16 <= prefix <= 28:  # outside the sizes EC2 accepts (LIM033)
        return None
    return 2 ** (32 - prefix) - _RESERVED, shown, path


def _subnet_share(subnet: Resource, subnets: Any, ctx: CheckContext, count: int | None) -> int:
    """How many of `count` items spread over the `subnets` list surely land in this subnet:
    all of them when it is the only subnet; an even share when every subnet is a template
    subnet in a known, distinct Availability Zone (services balance across zones)."""
    if count is None or not isinstance(subnets, list) or not subnets:
        return 0
    if not any(points_here(item, subnet, ctx) for item in subnets):
        return 0
    if len(subnets) == 1:
        return count
    zones = []
    for item in subnets:
        refs = item.refs if isinstance(item, Unknown) else ()
        target = ctx.template.resources.get(refs[0]) if len(refs) == 1 else None
        if target is None or target.type != "AWS::EC2::Subnet":
            return 0
        zone, _ = lookup(ctx.resolved_focus(target), "Properties.AvailabilityZone")
        if not isinstance(zone, str):
            return 0
        zones.append(zone)
    return count // len(subnets) if len(set(zones)) == len(zones) else 0


# (type, property that lists or names the subnets, how many addresses: a path to a count or
# a fixed number, and a word for the message)
_SUBNET_CONSUMERS: tuple[tuple[str, str, str | int, str], ...] = (
    ("AWS::AutoScaling::AutoScalingGroup", "VPCZoneIdentifier", "MaxSize", "instances at MaxSize"),
    ("AWS::ECS::Service", "NetworkConfiguration.AwsvpcConfiguration.Subnets", "DesiredCount",
     "awsvpc tasks"),
    ("AWS::EC2::VPCEndpoint", "SubnetIds", 1, "endpoint interface"),
    ("AWS::EC2::Instance", "SubnetId", 1, "instance"),
    ("AWS::EC2::NetworkInterface", "SubnetId", 1, "network interface"),
    ("AWS::EC2::NatGateway", "SubnetId", 1, "NAT gateway"),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "Subnets", 1, "load balancer nodes"),
)  # fmt: skip


def _consumer_demand(
    subnet: Resource, consumer: Resource, via: str, amount: str | int, ctx: CheckContext
) -> int:
    focus = ctx.resolved_focus(consumer)
    subnets, _ = lookup(focus, f"Properties.{via}")
    if not isinstance(subnets, list):
        subnets = [subnets]
    if isinstance(amount, int):
        count: int | None = amount
        if consumer.type == "AWS::ElasticLoadBalancingV2::LoadBalancer":
            kind, _ = lookup(focus, "Properties.Type")
            count = _ALB_ADDRESSES if kind is ABSENT or same_value(kind, "application") else 1
        # One address per subnet it lists (an endpoint, a load balancer node).
        return count if any(points_here(item, subnet, ctx) for item in subnets) else 0
    value, _ = lookup(focus, f"Properties.{amount}")
    # An ECS service without DesiredCount starts one task.
    count = 1 if value is ABSENT and amount == "DesiredCount" else as_integer(value)
    return _subnet_share(subnet, subnets, ctx, count)


def subnet_address_demand(subnet: Resource, ctx: CheckContext) -> Iterator[Violation]:
    usable = _usable_addresses(subnet, ctx)
    if usable is None:
        return
    addresses, cidr, path = usable
    total, parts = 0, []
    for consumer_type, via, amount, word in _SUBNET_CONSUMERS:
        for consumer in ctx.query.referrers(subnet.logical_id, consumer_type, via):
            if not ctx.is_certain(consumer):
                continue
            if consumer.type == "AWS::EC2::VPCEndpoint":
                kind, _ = lookup(ctx.resolved_focus(consumer), "Properties.VpcEndpointType")
                if not same_value(kind, "Interface"):
                    continue
            demand = _consumer_demand(subnet, consumer, via, amount, ctx)
            if demand:
                total += demand
                parts.append(f"{demand} for `{consumer.logical_id}` ({word})")
    if total > addresses:
        yield Violation(
            path,
            {"resource": subnet.logical_id, "cidr": cidr, "usable": addresses,
             "demand": total, "detail": ", ".join(parts)},
        )  # fmt: skip
