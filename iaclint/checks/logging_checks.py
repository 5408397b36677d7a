"""Python checks of the logging (LOG) rules: what the rule language cannot say, such as
defaults that depend on other resources, SAM `Globals`, and log targets found through the
graph. A value that cannot be known gives no finding.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iaclint.checks.common import (
    active_resources,
    as_text,
    inherited_setting,
    points_here,
    present_parent,
    sam_globals,
    type_path,
)
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Focus, contains_unknown, lookup, same_value
from iaclint.resolve.values import ABSENT, Unknown


# -- LOG002: CloudTrail coverage ----------------------------------------------------------
def cloudtrail_region_coverage(trail: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(trail)
    multi, path = lookup(focus, "Properties.IsMultiRegionTrail")
    if multi is ABSENT:
        detail = "records one Region only: `IsMultiRegionTrail` is not set, and defaults to false"
        yield Violation(
            type_path(trail), {"resource": trail.logical_id, "detail": detail}, at_key=True
        )
    elif not contains_unknown(multi) and not same_value(multi, True):
        detail = f"records one Region only: `IsMultiRegionTrail` is `{as_text(multi)}`"
        yield Violation(path, {"resource": trail.logical_id, "detail": detail})
    include, path = lookup(focus, "Properties.IncludeGlobalServiceEvents")
    if include is not ABSENT and not contains_unknown(include) and same_value(include, False):
        detail = (
            "leaves out global service events (IAM, STS, CloudFront): "
            f"`IncludeGlobalServiceEvents` is `{as_text(include)}`"
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
    level = "note" if holds_logs_or_replicas(bucket, ctx) else None
    yield Violation(type_path(bucket), {"resource": bucket.logical_id}, level=level, at_key=True)


def holds_logs_or_replicas(bucket: Resource, ctx: CheckContext) -> bool:
    """Does another resource write logs or replicas into the bucket?"""
    name, _ = lookup(ctx.resolved_focus(bucket), "Properties.BucketName")
    raw_name = bucket.properties.get("BucketName")
    writers = ctx.memo("logging:secondary-writers", lambda: _secondary_writers(ctx))
    for writer_type, via in _SECONDARY_WRITERS:
        referrers = ctx.query.referrers(bucket.logical_id, writer_type, via)
        for writer, raw_values, values in writers[writer_type, via]:
            if writer is bucket:
                continue
            if writer in referrers:
                return True
            if isinstance(raw_name, dict) and raw_name in raw_values:
                return True  # the same intrinsic (`Ref: BucketNameParameter`) in both places
            if isinstance(name, str) and any(_names_bucket(value, name) for value in values):
                return True
    return False


_Writers = dict[tuple[str, str], list[tuple[Resource, list[Any], list[Any]]]]


def _secondary_writers(ctx: CheckContext) -> _Writers:
    """Per writer type and property, the active writers that set it, with what they set
    (as written and resolved); once per scenario, not for each bucket."""
    writers: _Writers = {}
    for writer_type, via in _SECONDARY_WRITERS:
        found = writers[writer_type, via] = []
        for writer in active_resources(ctx, (writer_type,)):
            raw_values = _values_at(writer.properties, via)
            values = _values_at(ctx.resolved_properties(writer), via)
            if raw_values or values:  # a writer that sets nothing there writes nowhere
                found.append((writer, raw_values, values))
    return writers


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
    targets = ctx.memo("logging:access-log-targets", lambda: _access_log_targets(ctx))
    for other, target in targets:
        if other is bucket:
            continue
        if isinstance(target, str):
            if target == name or contains_unknown(name):
                return True
        elif points_here(target, bucket, ctx) is not False:
            return True
    return False


def _access_log_targets(ctx: CheckContext) -> list[tuple[Resource, Any]]:
    """The active buckets that send server access logs somewhere, with the target; once
    per scenario, not for each bucket."""
    found = []
    for other in active_resources(ctx, ("AWS::S3::Bucket",)):
        target, _ = lookup(
            ctx.resolved_focus(other), "Properties.LoggingConfiguration.DestinationBucketName"
        )
        if target is not ABSENT:
            found.append((other, target))
    return found


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
        where = present_parent(ctx, balancer, "AccessLoggingPolicy.Enabled")
        return where, "`AccessLoggingPolicy` is not set, and access logs are off by default", True
    if contains_unknown(enabled) or same_value(enabled, True):
        return None
    return path, f"`AccessLoggingPolicy.Enabled` is `{as_text(enabled)}`", False


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
            shown = "not set" if value is ABSENT else f"`{as_text(value)}`"
            return value_path, f"`{_ACCESS_LOGS_KEY}` is {shown}", value is ABSENT
    where = path if attributes is not ABSENT else type_path(balancer)
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
    destination, _, _ = inherited_setting(ctx, stage, dotted, section)
    if destination is ABSENT:
        detail = f"has no access logging: `{dotted}` is not set"
        where = present_parent(ctx, stage, dotted)
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
    shared = sam_globals(ctx, section) if section else None
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
        path = present_parent(ctx, stage, f"{prefix}MethodSettings")
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
        where, detail = enabled_path, f"`ActionsEnabled` is `{as_text(enabled)}`"
    elif actions is ABSENT:
        where, detail = type_path(alarm), "`AlarmActions` is not set"
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
            if isinstance(rule, Unknown) and points_here(rule, alarm, ctx) is None:
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


# -- LOG012: S3 access logs written to the logged bucket ----------------------------------
# https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-s3-bucket-loggingconfiguration.html
# Without `DestinationBucketName`, S3 writes the access logs into the bucket itself.
def s3_access_logs_to_itself(bucket: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(bucket)
    logging, logging_path = lookup(focus, "Properties.LoggingConfiguration")
    if not isinstance(logging, dict):
        return
    target, target_path = lookup(focus, "Properties.LoggingConfiguration.DestinationBucketName")
    args = {"resource": bucket.logical_id}
    if target is ABSENT:
        yield Violation(
            logging_path, {**args, "how": "`DestinationBucketName` is not set"}, at_key=True
        )
        return
    name, _ = lookup(focus, "Properties.BucketName")
    if isinstance(target, str) and isinstance(name, str):
        if target == name:
            yield Violation(target_path, {**args, "how": f"`DestinationBucketName` is `{name}`"})
        return
    raw = bucket.properties.get("LoggingConfiguration")
    raw_target = raw.get("DestinationBucketName") if isinstance(raw, dict) else None
    raw_name = bucket.properties.get("BucketName")
    if isinstance(raw_target, dict) and raw_target == raw_name:
        # the same intrinsic in both places, e.g. `!Ref BucketName` or the same `!Sub`
        how = "`DestinationBucketName` is built like `BucketName`"
        yield Violation(target_path, {**args, "how": how})
