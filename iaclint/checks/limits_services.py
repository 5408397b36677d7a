"""Python checks of the service-quota limits rules (LIM035-LIM046): values AWS rejects or
silently caps, counted or compared the way each service does (a version against another, a
size in characters or bytes, addresses against what a subnet hosts). What the rule language
says alone (LIM034, LIM038, LIM043) is declarative. A value that cannot be known gives no
finding; counts only take resources that surely exist and surely point here.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Iterator
from typing import Any

from iaclint.checks.common import (
    as_integer,
    as_number,
    points_here,
    raw_at,
    show_number,
    type_path,
)
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Focus, contains_unknown, lookup, same_value
from iaclint.resolve.values import ABSENT, PLACEHOLDER, Unknown, child_source


def _items(value: Any, path: Path) -> Iterator[tuple[Any, Path]]:
    """The items of a resolved list, or the values of a resolved map, with source paths."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            yield item, child_source(value, path, index)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield item, child_source(value, path, key)


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


# -- LIM036: Lambda alias routing ---------------------------------------------------------
# https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html
def _same_expression(ctx: CheckContext, first: tuple[Any, Path], second: tuple[Any, Path]) -> bool:
    """Two values are surely equal: both known and equal, or written as the same
    expression (the same `!GetAtt Version.Version` twice)."""
    (a, a_path), (b, b_path) = first, second
    if not contains_unknown(a) and not contains_unknown(b):
        return same_value(a, b) if isinstance(b, str | int | float) else False
    raw_a, raw_b = raw_at(ctx.template.data, a_path), raw_at(ctx.template.data, b_path)
    return raw_a is not None and raw_a == raw_b


def lambda_alias_routing(alias: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(alias)
    weights, weights_path = lookup(focus, "Properties.RoutingConfig.AdditionalVersionWeights")
    if not isinstance(weights, list) or not weights:
        return
    args = {"resource": alias.logical_id}
    if len(weights) > 1:
        yield Violation(
            weights_path,
            {
                **args,
                "problem": f"routes to {len(weights)} additional versions; an alias "
                "can point to at most two versions",
            },
            at_key=True,
        )
    primary = lookup(focus, "Properties.FunctionVersion")
    if same_value(primary[0], "$LATEST"):
        yield Violation(
            primary[1],
            {
                **args,
                "problem": "points at `$LATEST` while it routes traffic to a second "
                "version; a weighted alias needs two published versions",
            },
        )
    for index, _ in enumerate(weights):
        prefix = f"Properties.RoutingConfig.AdditionalVersionWeights.{index}"
        weight, weight_path = lookup(focus, f"{prefix}.FunctionWeight")
        number = as_number(weight)
        if number is not None and not 0.0 <= number <= 1.0:
            yield Violation(
                weight_path,
                {
                    **args,
                    "problem": f"gives a version the weight `{show_number(number)}`; "
                    "Lambda accepts 0.0 to 1.0",
                },
            )
        version = lookup(focus, f"{prefix}.FunctionVersion")
        if same_value(version[0], "$LATEST"):
            yield Violation(
                version[1],
                {
                    **args,
                    "problem": "routes traffic to `$LATEST`; a weighted alias needs two "
                    "published versions",
                },
            )
        elif (
            version[0] is not ABSENT
            and primary[0] is not ABSENT
            and _same_expression(ctx, version, primary)
        ):
            yield Violation(
                version[1],
                {
                    **args,
                    "problem": "routes additional traffic to its own `FunctionVersion`; "
                    "the second version must be a different one",
                },
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
        for item, item_path in _items(value, path):
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


# -- LIM040: CloudWatch alarm period ------------------------------------------------------
# https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
_ALARM_PERIODS = (10, 20, 30)  # and any multiple of 60
_QUERY_PERIODS = (1, 5, 10, 20, 30)  # MetricDataQuery / MetricStat, high resolution
_WINDOW_MAX, _WINDOW_SHORT_MAX, _HOUR = 604_800, 86_400, 3_600


def _period_allowed(number: float, short: tuple[int, ...]) -> bool:
    return number in short or (number.is_integer() and number % 60 == 0)


def alarm_period(alarm: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(alarm)
    args = {"resource": alarm.logical_id}
    period, period_path = lookup(focus, "Properties.Period")
    number = as_number(period)
    # Below 1 is already a schema error (VAL rules).
    if number is not None and number >= 1 and not _period_allowed(number, _ALARM_PERIODS):
        yield Violation(
            period_path,
            {**args, "property": "Period", "value": show_number(number),
             "problem": "CloudWatch accepts 10, 20, 30 or a multiple of 60 seconds"},
        )  # fmt: skip
    elif number is not None:
        periods = as_number(lookup(focus, "Properties.EvaluationPeriods")[0])
        limit = _WINDOW_SHORT_MAX if number < _HOUR else _WINDOW_MAX
        if periods is not None and number * periods > limit:
            yield Violation(
                period_path,
                {**args, "property": "Period", "value": show_number(number),
                 "problem": f"times `EvaluationPeriods` ({show_number(periods)}) it spans "
                 f"{number * periods:,.0f} seconds, above the {limit:,} seconds an "
                 "alarm may evaluate"
                 + (" with a period under one hour" if limit == _WINDOW_SHORT_MAX else "")},
            )  # fmt: skip
    metrics, metrics_path = lookup(focus, "Properties.Metrics")
    for query, query_path in _items(metrics if isinstance(metrics, list) else None, metrics_path):
        for dotted in ("MetricStat.Period", "Period"):
            value, path = lookup(Focus(query, query_path), dotted)
            number = as_number(value)
            if number is not None and number >= 1 and not _period_allowed(number, _QUERY_PERIODS):
                yield Violation(
                    path,
                    {**args, "property": dotted, "value": show_number(number),
                     "problem": "a metric query accepts 1, 5, 10, 20, 30 or a multiple of 60 "
                     "seconds"},
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


# -- LIM042: S3 bucket names --------------------------------------------------------------
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (checked
# 2026-11). VAL rules already check a known name against the schema's pattern and length.
_SCHEMA_NAME = re.compile(r"[a-z0-9][a-z0-9.-]*[a-z0-9]")
_BAD_CHARACTER = re.compile(r"[^a-z0-9.-]")
_IP_ADDRESS = re.compile(r"\d{1,3}(\.\d{1,3}){3}")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
_NAME_MIN, _NAME_MAX = 3, 63


def _reserved(first: str, last: str) -> str | None:
    for prefix in _RESERVED_PREFIXES:
        if first.startswith(prefix):
            return f"it starts with the reserved prefix `{prefix}`"
    for suffix in _RESERVED_SUFFIXES:
        if last.endswith(suffix):
            return f"it ends with the reserved suffix `{suffix}`"
    return None


def _known_name_problem(name: str) -> str | None:
    if len(name) > _NAME_MAX or not _SCHEMA_NAME.fullmatch(name):
        return None  # the schema's pattern and length: reported by the VAL rules
    if len(name) < _NAME_MIN:
        return f"it has {len(name)} characters; names have 3 to 63"
    if ".." in name:
        return "it contains two adjacent periods"
    if _IP_ADDRESS.fullmatch(name):
        return "it is formatted as an IP address"
    return _reserved(name, name)


def _partial_name_problem(partial: str) -> str | None:
    """Problems the literal parts of a name built with Fn::Sub or Fn::Join prove, whatever
    the unknown parts turn out to be."""
    parts = partial.split(PLACEHOLDER)
    literal = "".join(parts)
    bad = _BAD_CHARACTER.search(literal)
    if bad:
        return (
            f"it contains `{bad.group()}`; names have only lowercase letters, digits, `.` and `-`"
        )
    if parts[0] and not parts[0][0].isalnum():
        return "it does not begin with a letter or digit"
    if parts[-1] and not parts[-1][-1].isalnum():
        return "it does not end with a letter or digit"
    if any(".." in part for part in parts):
        return "it contains two adjacent periods"
    if len(literal) > _NAME_MAX:
        return f"its fixed parts alone have {len(literal)} characters; names have at most 63"
    return _reserved(parts[0], parts[-1])


def s3_bucket_name(bucket: Resource, ctx: CheckContext) -> Iterator[Violation]:
    name, path = lookup(ctx.resolved_focus(bucket), "Properties.BucketName")
    if isinstance(name, str):
        problem, shown = _known_name_problem(name), name
    elif isinstance(name, Unknown) and name.partial:
        problem, shown = _partial_name_problem(name.partial), name.partial
    else:
        return
    if problem is not None:
        yield Violation(path, {"resource": bucket.logical_id, "value": shown, "problem": problem})


# -- LIM044: EBS volume size per volume type -----------------------------------------------
# https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateVolume.html (checked
# 2026-11): gp3 and io2 reach 64 TiB, the other types 16 TiB (standard 1 TiB).
_VOLUME_SIZES = {
    "gp2": (1, 16_384),
    "gp3": (1, 65_536),
    "io1": (4, 16_384),
    "io2": (4, 65_536),
    "st1": (125, 16_384),
    "sc1": (125, 16_384),
    "standard": (1, 1_024),
}
_ANY_TYPE = (1, 65_536)  # a block device mapping without a type takes the AMI's
# The provider schema already bounds launch configuration volumes to 1-16,384 GiB, which
# VAL007 reports; this rule leaves those values to it.
_SCHEMA_SIZES = {"AWS::AutoScaling::LaunchConfiguration": (1, 16_384)}
_BLOCK_DEVICES = {
    "AWS::EC2::Instance": "Properties.BlockDeviceMappings",
    "AWS::AutoScaling::LaunchConfiguration": "Properties.BlockDeviceMappings",
    "AWS::EC2::LaunchTemplate": "Properties.LaunchTemplateData.BlockDeviceMappings",
}


def _volume_violation(
    resource: Resource, focus: Focus, size_key: str, type_key: str, default: str | None
) -> Violation | None:
    size, size_path = lookup(focus, size_key)
    number = as_number(size)
    kind, _ = lookup(focus, type_key)
    if kind is ABSENT:
        kind = default
    if number is None or (kind is not None and not isinstance(kind, str)):
        return None
    low, high = _VOLUME_SIZES.get(kind, _ANY_TYPE) if kind else _ANY_TYPE
    schema_low, schema_high = _SCHEMA_SIZES.get(resource.type, (0, float("inf")))
    if low <= number <= high or not schema_low <= number <= schema_high:
        return None
    limit = f"{low:,} to {high:,} GiB" + (f" for `{kind}`" if kind else " for any volume type")
    return Violation(
        size_path,
        {"resource": resource.logical_id, "value": show_number(number), "limit": limit},
    )


def ebs_volume_size(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::EC2::Volume":
        found = _volume_violation(
            resource, focus, "Properties.Size", "Properties.VolumeType", "gp2"
        )
        if found is not None:
            yield found
        return
    mappings, path = lookup(focus, _BLOCK_DEVICES[resource.type])
    for item, item_path in _items(mappings if isinstance(mappings, list) else None, path):
        if isinstance(item, dict):
            item_focus = Focus(item, item_path, resource)
            found = _volume_violation(
                resource, item_focus, "Ebs.VolumeSize", "Ebs.VolumeType", None
            )
            if found is not None:
                yield found


# -- LIM045: parameter and secret value sizes ----------------------------------------------
# https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html
# https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html
_STANDARD_CHARACTERS, _ADVANCED_CHARACTERS = 4_096, 8_192
_SECRET_BYTES = 65_536


def parameter_value_size(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::SecretsManager::Secret":
        secret, path = lookup(focus, "Properties.SecretString")
        # More than 65,536 characters is a schema error (VAL rules); bytes are ours.
        if isinstance(secret, str) and len(secret) <= _SECRET_BYTES:
            size = len(secret.encode())
            if size > _SECRET_BYTES:
                yield Violation(
                    path,
                    {"resource": resource.logical_id, "property": "SecretString",
                     "size": f"{size:,} bytes", "limit": "at most 65,536 bytes"},
                )  # fmt: skip
        return
    value, path = lookup(focus, "Properties.Value")
    tier, _ = lookup(focus, "Properties.Tier")
    if not isinstance(value, str) or len(value) <= _STANDARD_CHARACTERS:
        return
    if len(value) > _ADVANCED_CHARACTERS:
        limit = "at most 8,192 characters, even in the Advanced tier"
    elif tier is ABSENT or same_value(tier, "Standard"):
        limit = "at most 4,096 characters in the Standard tier; set `Tier: Advanced` for 8,192"
    else:
        return  # Advanced or Intelligent-Tiering take 8,192; an unknown tier might
    yield Violation(
        path,
        {"resource": resource.logical_id, "property": "Value",
         "size": f"{len(value):,} characters", "limit": limit},
    )  # fmt: skip


# -- LIM046: Step Functions timeouts beyond the execution duration -------------------------
# https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
_MAX_DURATION = {"STANDARD": (31_536_000, "one year"), "EXPRESS": (300, "five minutes")}


def _timeouts(definition: Any, path: Path, where: str) -> Iterator[tuple[float, Path, str]]:
    """Every `TimeoutSeconds` of a state machine definition: its own, its states', and those
    of states nested in Parallel branches and Map processors."""
    if not isinstance(definition, dict):
        return
    number = as_number(definition.get("TimeoutSeconds"))
    if number is not None:
        yield number, child_source(definition, path, "TimeoutSeconds"), where
    states = definition.get("States")
    if not isinstance(states, dict):
        return
    states_path = child_source(definition, path, "States")
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        state_path = child_source(states, states_path, name)
        number = as_number(state.get("TimeoutSeconds"))
        if number is not None:
            yield number, child_source(state, state_path, "TimeoutSeconds"), f"state `{name}`"
        for key in ("Iterator", "ItemProcessor"):
            yield from _timeouts(state.get(key), child_source(state, state_path, key), where)
        branches = state.get("Branches")
        for branch, branch_path in _items(branches, child_source(state, state_path, "Branches")):
            yield from _timeouts(branch, branch_path, where)


def step_functions_timeout(machine: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(machine)
    kind, _ = lookup(focus, "Properties.StateMachineType")
    kind = "STANDARD" if kind is ABSENT else kind
    if not isinstance(kind, str) or kind.upper() not in _MAX_DURATION:
        return
    limit, words = _MAX_DURATION[kind.upper()]
    definition, path = lookup(focus, "Properties.Definition")
    in_string = False
    if definition is ABSENT:
        text, path = lookup(focus, "Properties.DefinitionString")
        try:
            definition = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            return
        in_string = True  # a finding points at the string as a whole
    for number, timeout_path, where in _timeouts(definition, path, "the state machine"):
        if number > limit:
            yield Violation(
                path if in_string else timeout_path,
                {"resource": machine.logical_id, "where": where, "value": show_number(number),
                 "kind": kind.upper(), "limit": f"{limit:,} seconds ({words})"},
            )  # fmt: skip
