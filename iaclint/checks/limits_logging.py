"""Python checks of the limits (LIM) and logging (LOG) rules.

Only what the rule language cannot say lives here: one finding per offending property with
the bound it breaks, SAM `Globals`, a level per finding, and counts that follow AWS's own
counting rules. As everywhere, a value that cannot be known gives no finding.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from typing import Any

from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Focus, contains_unknown, lookup, same_value
from iaclint.resolve.values import ABSENT, Unknown

FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")
_IPV4, _IPV6 = "IPv4", "IPv6"


# -- shared helpers ---------------------------------------------------------------------
def _number(value: Any) -> float | None:
    """A known number (CloudFormation also takes numbers as strings), else None."""
    if isinstance(value, bool) or contains_unknown(value):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _show(number: float) -> str:
    return f"{int(number)}" if number.is_integer() else f"{number}"


def _text(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def _type_path(resource: Resource) -> Path:
    return (*resource.path, "Type")


def _sam_globals(ctx: CheckContext, section: str) -> Focus | None:
    """`Globals.<section>` of a SAM template, resolved for the scenario."""
    raw = ctx.template.data.get("Globals")
    if not ctx.template.is_sam or not isinstance(raw, dict):
        return None
    if not isinstance(raw.get(section), dict):
        return None
    value = ctx.resolver.resolve(raw[section], ("Globals", section))
    return Focus(value, ("Globals", section)) if isinstance(value, dict) else None


def _setting(
    ctx: CheckContext, resource: Resource, dotted: str, section: str | None = None
) -> tuple[Any, Path, bool]:
    """A property of the resource or, for a SAM resource that omits it, the value it inherits
    from `Globals.<section>`. Returns the value (ABSENT if neither sets it), its source path,
    and whether it came from Globals."""
    value, path = lookup(ctx.resolved_focus(resource), f"Properties.{dotted}")
    if value is ABSENT and section and resource.type.startswith("AWS::Serverless::"):
        shared = _sam_globals(ctx, section)
        if shared is not None:
            inherited, shared_path = lookup(shared, dotted)
            if inherited is not ABSENT:
                return inherited, shared_path, True
    return value, path, False


def _present_parent(ctx: CheckContext, resource: Resource, dotted: str) -> Path:
    """Where a finding about a missing property points: its deepest present parent below
    `Properties`, else the resource's Type line."""
    focus = ctx.resolved_focus(resource)
    parts = dotted.split(".")[:-1]
    while parts:
        value, path = lookup(focus, "Properties." + ".".join(parts))
        if value is not ABSENT:
            return path
        parts.pop()
    return _type_path(resource)


def _active(ctx: CheckContext, types: Iterable[str]) -> Iterator[Resource]:
    wanted = set(types)
    for resource in ctx.template.resources.values():
        if resource.type in wanted and ctx.is_active(resource):
            yield resource


def _points_here(value: Any, resource: Resource, ctx: CheckContext) -> bool | None:
    """Does a resolved reference name `resource`? True, False, or None when it cannot be
    told (an unknown value not built from a template resource)."""
    if not isinstance(value, Unknown):
        return False
    if resource.logical_id in value.refs:
        return True
    return False if any(ref in ctx.template.resources for ref in value.refs) else None


def _outside(value: Any, low: int, high: int, unit: str) -> dict[str, str] | None:
    """Message arguments when a known number lies outside [low, high]."""
    number = _number(value)
    if number is None or low <= number <= high:
        return None
    return {"value": f"`{_show(number)}`", "limit": f"{low:,} to {high:,} {unit}"}


# -- LIM009: Lambda function configuration bounds -----------------------------------------
# https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html
_LAMBDA_BOUNDS = (
    ("Timeout", 1, 900, "seconds"),
    ("MemorySize", 128, 10_240, "MB"),
    ("EphemeralStorage.Size", 512, 10_240, "MB"),
)
# Functions on Lambda Managed Instances (`CapacityProviderConfig`) may have up to 32 GB.
_MANAGED_INSTANCES_MEMORY = 32_768
_ENVIRONMENT_BYTES = 4_096


def lambda_function_bounds(ctx: CheckContext) -> Iterator[Violation]:
    reported: set[Path] = set()  # a Globals value is reported once, not once per function
    for function in _active(ctx, FUNCTION_TYPES):
        managed, _, _ = _setting(ctx, function, "CapacityProviderConfig", "Function")
        for name, low, high, unit in _LAMBDA_BOUNDS:
            if name == "MemorySize" and managed is not ABSENT:
                high, unit = _MANAGED_INSTANCES_MEMORY, "MB on Lambda Managed Instances"
            value, path, inherited = _setting(ctx, function, name, "Function")
            args = _outside(value, low, high, unit)
            if args is not None and path not in reported:
                reported.add(path)
                owner = "Globals.Function" if inherited else function.logical_id
                yield Violation(
                    path,
                    {"resource": owner, "property": name, **args},
                    None if inherited else function.logical_id,
                )
        yield from _environment_size(ctx, function, reported)


def _environment_size(
    ctx: CheckContext, function: Resource, reported: set[Path]
) -> Iterator[Violation]:
    """Lambda takes at most 4 KB of variable names and values; unknown values count as
    empty, so the size found is a lower bound."""
    own, path = lookup(ctx.resolved_focus(function), "Properties.Environment.Variables")
    variables: dict[str, Any] = {}
    owner = function.logical_id
    shared = _sam_globals(ctx, "Function") if function.type == FUNCTION_TYPES[1] else None
    if shared is not None:
        inherited, shared_path = lookup(shared, "Environment.Variables")
        if isinstance(inherited, dict):  # SAM merges the two maps; the function's win
            variables.update(inherited)
            if not isinstance(own, dict):
                path, owner = shared_path, "Globals.Function"
    if isinstance(own, dict):
        variables.update(own)
    size = sum(
        len(str(k).encode()) + len(_text(v).encode())
        for k, v in variables.items()
        if not isinstance(v, dict | list | Unknown)
    )
    if size > _ENVIRONMENT_BYTES and path not in reported:
        reported.add(path)
        yield Violation(
            path,
            {
                "resource": owner,
                "property": "Environment.Variables",
                "value": f"names and values of at least {size:,} bytes",
                "limit": f"at most {_ENVIRONMENT_BYTES:,} bytes (4 KB) in total",
            },
            None if owner == "Globals.Function" else function.logical_id,
            at_key=True,
        )


# -- LIM010: SQS queue attribute bounds ---------------------------------------------------
# https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SetQueueAttributes.html
_SQS_BOUNDS = (
    ("DelaySeconds", 0, 900, "seconds"),
    ("KmsDataKeyReusePeriodSeconds", 60, 86_400, "seconds"),
    ("MaximumMessageSize", 1_024, 1_048_576, "bytes"),
    ("MessageRetentionPeriod", 60, 1_209_600, "seconds"),
    ("ReceiveMessageWaitTimeSeconds", 0, 20, "seconds"),
    ("VisibilityTimeout", 0, 43_200, "seconds"),
)


def sqs_queue_bounds(queue: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(queue)
    for name, low, high, unit in _SQS_BOUNDS:
        value, path = lookup(focus, f"Properties.{name}")
        args = _outside(value, low, high, unit)
        if args is not None:
            yield Violation(path, {"resource": queue.logical_id, "property": name, **args})


# -- LIM012: security group rules per group -----------------------------------------------
# https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html#vpc-limits-security-groups
# 60 inbound and 60 outbound rules, counted separately for IPv4 and IPv6; a rule naming a
# security group counts once for each, a customer-managed prefix list as its MaxEntries.
_RULES_PER_GROUP = 60
_GROUP_SOURCES = ("SourceSecurityGroupId", "SourceSecurityGroupName", "DestinationSecurityGroupId")
_PREFIX_LISTS = ("SourcePrefixListId", "DestinationPrefixListId")
_DIRECTIONS = (
    ("inbound", "SecurityGroupIngress", "AWS::EC2::SecurityGroupIngress"),
    ("outbound", "SecurityGroupEgress", "AWS::EC2::SecurityGroupEgress"),
)


def security_group_rule_quota(group: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(group)
    for direction, key, separate_type in _DIRECTIONS:
        inline, path = lookup(focus, f"Properties.{key}")
        inline_count: Counter[str] = Counter()
        for item in inline if isinstance(inline, list) else []:
            inline_count.update(_rule_weight(item, ctx))
        separate_count: Counter[str] = Counter()
        for rule in _separate_rules(group, separate_type, ctx):
            separate_count.update(_rule_weight(ctx.resolved_properties(rule), ctx))
        # EC2 adds an allow-all IPv4 egress rule, removed only by egress rules listed in
        # the group itself (AWS::EC2::SecurityGroup, "SecurityGroupEgress").
        default = Counter({_IPV4: 1}) if direction == "outbound" and inline is ABSENT else Counter()
        for family in (_IPV4, _IPV6):
            total = inline_count[family] + separate_count[family] + default[family]
            if total <= _RULES_PER_GROUP:
                continue
            parts = [
                f"{number} {source}"
                for number, source in (
                    (inline_count[family], "inline"),
                    (separate_count[family], "in separate resources"),
                    (default[family], "default allow-all"),
                )
                if number
            ]
            yield Violation(
                path if inline is not ABSENT else _type_path(group),
                {
                    "resource": group.logical_id,
                    "count": total,
                    "direction": direction,
                    "family": family,
                    "detail": ", ".join(parts),
                },
                at_key=True,
            )


def _separate_rules(group: Resource, rule_type: str, ctx: CheckContext) -> Iterator[Resource]:
    """Rule resources that surely exist and whose GroupId (or GroupName) is this group."""
    for rule in ctx.query.referrers(group.logical_id, rule_type):
        if not ctx.is_certain(rule):
            continue
        focus = ctx.resolved_focus(rule)
        target, _ = lookup(focus, "Properties.GroupId")
        if target is ABSENT:
            target, _ = lookup(focus, "Properties.GroupName")
        if _points_here(target, group, ctx):
            yield rule


def _rule_weight(rule: Any, ctx: CheckContext) -> Counter[str]:
    """How many IPv4 and IPv6 rules one rule counts as; the lowest possible when unknown."""
    if not isinstance(rule, dict):
        return Counter()
    if "CidrIp" in rule:
        return Counter({_IPV4: 1})
    if "CidrIpv6" in rule:
        return Counter({_IPV6: 1})
    if any(key in rule for key in _GROUP_SOURCES):
        return Counter({_IPV4: 1, _IPV6: 1})
    for key in _PREFIX_LISTS:
        if key in rule:
            return _prefix_list_weight(rule[key], ctx)
    return Counter()


def _prefix_list_weight(value: Any, ctx: CheckContext) -> Counter[str]:
    # A literal `pl-` id may be AWS-managed (one rule per family) or customer-managed (its
    # MaxEntries in one family): no family has a lower bound above zero then.
    for ref in value.refs if isinstance(value, Unknown) else ():
        prefix_list = ctx.template.resources.get(ref)
        if prefix_list is None or prefix_list.type != "AWS::EC2::PrefixList":
            continue
        properties = ctx.resolved_properties(prefix_list)
        family, entries = properties.get("AddressFamily"), _number(properties.get("MaxEntries"))
        if family in (_IPV4, _IPV6) and entries:
            return Counter({family: int(entries)})
    return Counter()


# -- LIM014: reserved concurrency across the template -------------------------------------
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
_ACCOUNT_CONCURRENCY = 1_000
_ALWAYS_UNRESERVED = 100


def lambda_reserved_concurrency(ctx: CheckContext) -> Iterator[Violation]:
    total = 0.0
    for function in _active(ctx, FUNCTION_TYPES):
        if ctx.is_certain(function):  # a function that may not exist does not count
            value, _, _ = _setting(ctx, function, "ReservedConcurrentExecutions", "Function")
            total += _number(value) or 0.0
    if total > _ACCOUNT_CONCURRENCY - _ALWAYS_UNRESERVED:
        yield Violation(("Resources",), {"total": f"{total:,.0f}"}, at_key=True)


# -- LIM015: DynamoDB secondary indexes ---------------------------------------------------
# https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html
_INDEX_QUOTAS = (
    ("LocalSecondaryIndexes", "local", 5, None, "DynamoDB allows at most 5 per table"),
    ("GlobalSecondaryIndexes", "global", 20, "warning", "the default quota is 20 per table"),
)


def dynamodb_index_counts(table: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(table)
    for key, kind, quota, level, limit in _INDEX_QUOTAS:
        indexes, path = lookup(focus, f"Properties.{key}")
        if isinstance(indexes, list) and len(indexes) > quota:
            yield Violation(
                path,
                {"resource": table.logical_id, "count": len(indexes), "kind": kind, "limit": limit},
                level=level,
                at_key=True,
            )


# -- LOG002: CloudTrail coverage ----------------------------------------------------------
def cloudtrail_region_coverage(trail: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(trail)
    multi, path = lookup(focus, "Properties.IsMultiRegionTrail")
    if multi is ABSENT:
        detail = "records one Region only: `IsMultiRegionTrail` is not set, and defaults to false"
        yield Violation(
            _type_path(trail), {"resource": trail.logical_id, "detail": detail}, at_key=True
        )
    elif not contains_unknown(multi) and not same_value(multi, True):
        detail = f"records one Region only: `IsMultiRegionTrail` is `{_text(multi)}`"
        yield Violation(path, {"resource": trail.logical_id, "detail": detail})
    include, path = lookup(focus, "Properties.IncludeGlobalServiceEvents")
    if include is not ABSENT and not contains_unknown(include) and same_value(include, False):
        detail = (
            "leaves out global service events (IAM, STS, CloudFront): "
            f"`IncludeGlobalServiceEvents` is `{_text(include)}`"
        )
        yield Violation(path, {"resource": trail.logical_id, "detail": detail})


# -- LOG004: S3 server access logging -----------------------------------------------------
# What writes a bucket's objects for it: services that deliver their logs there, and
# replication rules that copy another bucket into it. Such a bucket holds logs or replicas,
# not primary data, and gets a note rather than a warning.
_SECONDARY_WRITERS = (
    ("AWS::CloudTrail::Trail", "S3BucketName"),
    ("AWS::CloudFront::Distribution", "DistributionConfig.Logging.Bucket"),
    ("AWS::ElasticLoadBalancingV2::LoadBalancer", "LoadBalancerAttributes.Value"),
    ("AWS::ElasticLoadBalancing::LoadBalancer", "AccessLoggingPolicy.S3BucketName"),
    ("AWS::EC2::FlowLog", "LogDestination"),
    ("AWS::Config::DeliveryChannel", "S3BucketName"),
    ("AWS::Logs::DeliveryDestination", "DestinationResourceArn"),
    ("AWS::S3::Bucket", "ReplicationConfiguration.Rules.Destination.Bucket"),
)


def s3_bucket_access_logging(bucket: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(bucket)
    logging, _ = lookup(focus, "Properties.LoggingConfiguration")
    if logging is not ABSENT or _receives_access_logs(bucket, ctx):
        return
    level = "note" if _holds_logs_or_replicas(bucket, ctx) else None
    yield Violation(_type_path(bucket), {"resource": bucket.logical_id}, level=level, at_key=True)


def _holds_logs_or_replicas(bucket: Resource, ctx: CheckContext) -> bool:
    name, _ = lookup(ctx.resolved_focus(bucket), "Properties.BucketName")
    raw_name = bucket.properties.get("BucketName")
    for writer_type, via in _SECONDARY_WRITERS:
        referrers = ctx.query.referrers(bucket.logical_id, writer_type, via)
        for writer in _active(ctx, (writer_type,)):
            if writer is bucket:
                continue
            if writer in referrers:
                return True
            if isinstance(raw_name, dict) and raw_name in _values_at(writer.properties, via):
                return True  # the same intrinsic (`Ref: BucketNameParameter`) in both places
            if isinstance(name, str) and any(
                _names_bucket(value, name)
                for value in _values_at(ctx.resolved_properties(writer), via)
            ):
                return True
    return False


def _values_at(value: Any, dotted: str) -> list[Any]:
    """Every value at a dotted path, going through lists on the way."""
    values = [value]
    for part in dotted.split("."):
        items = [i for v in values for i in (v if isinstance(v, list) else [v])]
        values = [item[part] for item in items if isinstance(item, dict) and part in item]
    return values


def _names_bucket(value: Any, name: str) -> bool:
    """A bucket name, ARN (`arn:aws:s3:::name`, `arn:aws:s3:::name/prefix`) or domain name
    (`name.s3.amazonaws.com`)."""
    return isinstance(value, str) and (
        value == name
        or value.endswith(f":::{name}")
        or f":::{name}/" in value
        or value.startswith(f"{name}.s3")
    )


def _receives_access_logs(bucket: Resource, ctx: CheckContext) -> bool:
    """Is (or might) the bucket be the server access log target of another bucket?"""
    focus = ctx.resolved_focus(bucket)
    acl, _ = lookup(focus, "Properties.AccessControl")
    if same_value(acl, "LogDeliveryWrite"):  # the canned ACL S3 log delivery writes through
        return True
    name, _ = lookup(focus, "Properties.BucketName")
    for other in _active(ctx, ("AWS::S3::Bucket",)):
        if other is bucket:
            continue
        target, _ = lookup(
            ctx.resolved_focus(other), "Properties.LoggingConfiguration.DestinationBucketName"
        )
        if isinstance(target, str):
            if target == name or contains_unknown(name):
                return True
        elif target is not ABSENT and _points_here(target, bucket, ctx) is not False:
            return True
    return False


# -- LOG005: load balancer access logs ----------------------------------------------------
_ACCESS_LOGS_KEY = "access_logs.s3.enabled"


def load_balancer_access_logs(balancer: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(balancer)
    scheme, _ = lookup(focus, "Properties.Scheme")
    # The default scheme is internet-facing; internal balancers are a note (catalogue).
    level = None if scheme is ABSENT or same_value(scheme, "internet-facing") else "note"
    if _has_vended_logs(balancer, ctx):
        return
    if balancer.type == "AWS::ElasticLoadBalancing::LoadBalancer":
        found = _classic_access_logs(balancer, ctx)
    else:
        found = _v2_access_logs(balancer, ctx)
    if found is not None:
        path, detail, at_key = found
        args = {"resource": balancer.logical_id, "detail": detail}
        yield Violation(path, args, level=level, at_key=at_key)


def _has_vended_logs(resource: Resource, ctx: CheckContext) -> bool:
    """Logs delivered through CloudWatch Logs (AWS::Logs::DeliverySource)."""
    sources = ctx.query.referrers(resource.logical_id, "AWS::Logs::DeliverySource", "ResourceArn")
    return any(ctx.is_active(source) for source in sources)


# (where the finding points, what is wrong, whether it points at a key)
_Problem = tuple[Path, str, bool]


def _classic_access_logs(balancer: Resource, ctx: CheckContext) -> _Problem | None:
    enabled, path = lookup(ctx.resolved_focus(balancer), "Properties.AccessLoggingPolicy.Enabled")
    if enabled is ABSENT:
        where = _present_parent(ctx, balancer, "AccessLoggingPolicy.Enabled")
        return where, "`AccessLoggingPolicy` is not set, and access logs are off by default", True
    if contains_unknown(enabled) or same_value(enabled, True):
        return None
    return path, f"`AccessLoggingPolicy.Enabled` is `{_text(enabled)}`", False


def _v2_access_logs(balancer: Resource, ctx: CheckContext) -> _Problem | None:
    focus = ctx.resolved_focus(balancer)
    kind, _ = lookup(focus, "Properties.Type")
    # Gateway Load Balancers have no access logs; a Network Load Balancer logs only TLS
    # connections, so it is reported only when it has a TLS listener.
    application = kind is ABSENT or same_value(kind, "application")
    if not application and not (same_value(kind, "network") and _has_tls_listener(balancer, ctx)):
        return None
    attributes, path = lookup(focus, "Properties.LoadBalancerAttributes")
    if contains_unknown(attributes) and not isinstance(attributes, list):
        return None
    for index, item in enumerate(attributes if isinstance(attributes, list) else []):
        key = item.get("Key") if isinstance(item, dict) else item
        if contains_unknown(key):
            return None  # this one might be the access-log attribute
        if same_value(key, _ACCESS_LOGS_KEY):
            value, value_path = lookup(Focus(attributes, path), f"{index}.Value")
            if contains_unknown(value) or same_value(value, True):
                return None
            shown = "not set" if value is ABSENT else f"`{_text(value)}`"
            return value_path, f"`{_ACCESS_LOGS_KEY}` is {shown}", value is ABSENT
    where = path if attributes is not ABSENT else _type_path(balancer)
    return where, f"`{_ACCESS_LOGS_KEY}` is not set, and access logs are off by default", True


def _has_tls_listener(balancer: Resource, ctx: CheckContext) -> bool:
    listeners = ctx.query.referrers(
        balancer.logical_id, "AWS::ElasticLoadBalancingV2::Listener", "LoadBalancerArn"
    )
    return any(
        ctx.is_certain(listener)
        and same_value(ctx.resolved_properties(listener).get("Protocol"), "TLS")
        for listener in listeners
    )


# -- LOG006: API Gateway stage logging ----------------------------------------------------
_SAM_SECTIONS = {"AWS::Serverless::Api": "Api", "AWS::Serverless::HttpApi": "HttpApi"}
_REST_STAGES = ("AWS::ApiGateway::Stage", "AWS::ApiGateway::Deployment", "AWS::Serverless::Api")
_V2_STAGES = ("AWS::ApiGatewayV2::Stage", "AWS::Serverless::HttpApi")


def api_stage_logging(stage: Resource, ctx: CheckContext) -> Iterator[Violation]:
    prefix = ""
    if stage.type == "AWS::ApiGateway::Deployment":
        name, _ = lookup(ctx.resolved_focus(stage), "Properties.StageName")
        if name is ABSENT:
            return  # a deployment without StageName creates no stage
        prefix = "StageDescription."
    section = _SAM_SECTIONS.get(stage.type)
    setting = "AccessLogSettings" if stage.type in _V2_STAGES else "AccessLogSetting"
    dotted = f"{prefix}{setting}.DestinationArn"
    destination, _, _ = _setting(ctx, stage, dotted, section)
    if destination is ABSENT:
        detail = f"has no access logging: `{dotted}` is not set"
        where = _present_parent(ctx, stage, dotted)
        yield Violation(where, {"resource": stage.logical_id, "detail": detail}, at_key=True)
    if stage.type in _REST_STAGES:
        yield from _execution_logging(stage, ctx, prefix, section)


def _execution_logging(
    stage: Resource, ctx: CheckContext, prefix: str, section: str | None
) -> Iterator[Violation]:
    """REST stages log execution when some method setting has LoggingLevel ERROR or INFO
    (a deployment's StageDescription may also set LoggingLevel for every method)."""
    focus = ctx.resolved_focus(stage)
    levels: list[Any] = [lookup(focus, "Properties.StageDescription.LoggingLevel")[0]]
    settings, path = lookup(focus, f"Properties.{prefix}MethodSettings")
    shared = _sam_globals(ctx, section) if section else None
    inherited = lookup(shared, "MethodSettings")[0] if shared is not None else ABSENT
    for items in (settings, inherited):  # SAM adds Globals list items to the resource's
        if isinstance(items, Unknown):
            return
        for item in items if isinstance(items, list) else []:
            levels.append(item.get("LoggingLevel") if isinstance(item, dict) else item)
    if any(contains_unknown(level) for level in levels):
        return
    if any(same_value(level, "ERROR", True) or same_value(level, "INFO", True) for level in levels):
        return
    if settings is ABSENT:
        path = _present_parent(ctx, stage, f"{prefix}MethodSettings")
    detail = "has execution logging off: no `MethodSettings` item sets `LoggingLevel`"
    if prefix:
        detail = (
            "has execution logging off: neither `StageDescription.LoggingLevel` nor a "
            "`StageDescription.MethodSettings` item sets `LoggingLevel`"
        )
    detail += " to `ERROR` or `INFO`"
    yield Violation(path, {"resource": stage.logical_id, "detail": detail}, at_key=True)


# -- LOG008: CloudWatch alarms without actions --------------------------------------------
def alarm_without_actions(alarm: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(alarm)
    enabled, enabled_path = lookup(focus, "Properties.ActionsEnabled")
    actions, actions_path = lookup(focus, "Properties.AlarmActions")
    if enabled is not ABSENT and not contains_unknown(enabled) and same_value(enabled, False):
        where, detail = enabled_path, f"`ActionsEnabled` is `{_text(enabled)}`"
    elif actions is ABSENT:
        where, detail = _type_path(alarm), "`AlarmActions` is not set"
    elif isinstance(actions, list) and not actions:
        where, detail = actions_path, "`AlarmActions` is empty"
    else:
        return
    if not _alarm_used_elsewhere(alarm, ctx):
        at_key = where != enabled_path  # the AlarmActions key, or the Type line
        yield Violation(where, {"resource": alarm.logical_id, "detail": detail}, at_key=at_key)


def _alarm_used_elsewhere(alarm: Resource, ctx: CheckContext) -> bool:
    """Alarms read by something else (a composite alarm, CodeDeploy or ECS rollback, a
    Route 53 health check, an output for another stack) need no actions of their own."""
    for ref in ctx.references:
        if (
            ref.target == alarm.logical_id
            and ref.kind in ("ref", "getatt", "sub")
            and ref.source != ("Resources", alarm.logical_id)
        ):
            return True
    name, _ = lookup(ctx.resolved_focus(alarm), "Properties.AlarmName")
    raw_name = alarm.properties.get("AlarmName")
    for other in ctx.template.resources.values():
        if other is alarm or not ctx.is_active(other):
            continue
        if isinstance(raw_name, dict) and _contains_equal(other.properties, raw_name):
            return True  # the same `Fn::Sub` (or other intrinsic) written in both places
        properties = ctx.resolved_properties(other)
        if other.type == "AWS::CloudWatch::CompositeAlarm":
            rule = properties.get("AlarmRule")
            if isinstance(rule, Unknown) and _points_here(rule, alarm, ctx) is None:
                return True  # a rule built from values the template does not fix
            text = rule.partial if isinstance(rule, Unknown) else rule
            if isinstance(name, str) and isinstance(text, str) and name in text:
                return True
        if isinstance(name, str) and _mentions(properties, name):
            return True
    return False


def _contains_equal(value: Any, wanted: Any) -> bool:
    if value == wanted:
        return True
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return any(_contains_equal(item, wanted) for item in items)


def _mentions(value: Any, name: str) -> bool:
    """A string equal to the alarm name, or an alarm ARN ending in it."""
    if isinstance(value, str):
        return value == name or value.endswith(f":alarm:{name}")
    items = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return any(_mentions(item, name) for item in items)
