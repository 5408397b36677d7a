"""Python checks of the limits (LIM) rules.

Only what the rule language cannot say lives here: one finding per offending property with
the bound it breaks, SAM `Globals`, a level per finding, and counts that follow AWS's own
counting rules. As everywhere, a value that cannot be known gives no finding.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from iaclint.checks.common import (
    FUNCTION_TYPES,
    active_resources,
    as_number,
    as_text,
    inherited_setting,
    outside_bounds,
    points_here,
    sam_globals,
    show_number,
    type_path,
)
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup, same_value
from iaclint.resolve.values import ABSENT, Unknown

_IPV4, _IPV6 = "IPv4", "IPv6"


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
    for function in active_resources(ctx, FUNCTION_TYPES):
        managed, _, _ = inherited_setting(ctx, function, "CapacityProviderConfig", "Function")
        for name, low, high, unit in _LAMBDA_BOUNDS:
            if name == "MemorySize" and managed is not ABSENT:
                high, unit = _MANAGED_INSTANCES_MEMORY, "MB on Lambda Managed Instances"
            value, path, inherited = inherited_setting(ctx, function, name, "Function")
            args = outside_bounds(value, low, high, unit)
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
    shared = sam_globals(ctx, "Function") if function.type == FUNCTION_TYPES[1] else None
    if shared is not None:
        inherited, shared_path = lookup(shared, "Environment.Variables")
        if isinstance(inherited, dict):  # SAM merges the two maps; the function's win
            variables.update(inherited)
            if not isinstance(own, dict):
                path, owner = shared_path, "Globals.Function"
    if isinstance(own, dict):
        variables.update(own)
    size = sum(
        len(str(k).encode()) + len(as_text(v).encode())
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
        args = outside_bounds(value, low, high, unit)
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
                path if inline is not ABSENT else type_path(group),
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
        if points_here(target, group, ctx):
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
        family, entries = properties.get("AddressFamily"), as_number(properties.get("MaxEntries"))
        if family in (_IPV4, _IPV6) and entries:
            return Counter({family: int(entries)})
    return Counter()


# -- LIM014: reserved concurrency across the template -------------------------------------
# https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html
_ACCOUNT_CONCURRENCY = 1_000
_ALWAYS_UNRESERVED = 100


def lambda_reserved_concurrency(ctx: CheckContext) -> Iterator[Violation]:
    total = 0.0
    for function in active_resources(ctx, FUNCTION_TYPES):
        if ctx.is_certain(function):  # a function that may not exist does not count
            value, _, _ = inherited_setting(
                ctx, function, "ReservedConcurrentExecutions", "Function"
            )
            total += as_number(value) or 0.0
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


# -- LIM025: SQS visibility timeout against the consuming function's timeout ---------------
# https://docs.aws.amazon.com/lambda/latest/dg/services-sqs-configure.html#events-sqs-queueconfig
_QUEUE = "AWS::SQS::Queue"
_DEFAULT_VISIBILITY = 30
_DEFAULT_FUNCTION_TIMEOUT = 3
_RECOMMENDED_FACTOR = 6


def _only(resources: list[Resource], ctx: CheckContext) -> Resource | None:
    active = [r for r in resources if ctx.is_active(r)]
    return active[0] if len(active) == 1 else None


def _mapped_function(mapping: Resource, ctx: CheckContext) -> Resource | None:
    """The function an event source mapping invokes, through an alias or version if need be."""
    query = ctx.query
    function = _only(query.targets(mapping.logical_id, FUNCTION_TYPES, "FunctionName"), ctx)
    if function is not None:
        return function
    middle = ("AWS::Lambda::Alias", "AWS::Lambda::Version")
    via = _only(query.targets(mapping.logical_id, middle, "FunctionName"), ctx)
    if via is None:
        return None
    return _only(query.targets(via.logical_id, FUNCTION_TYPES, "FunctionName"), ctx)


def _seconds(value: Any, default: int) -> float | None:
    return float(default) if value is ABSENT else as_number(value)


def _visibility_problem(
    queue: Resource, function: Resource, window: Any, ctx: CheckContext
) -> tuple[dict[str, str], str | None] | None:
    """Message arguments and level when the queue hides a message for too short a time."""
    visibility, _ = lookup(ctx.resolved_focus(queue), "Properties.VisibilityTimeout")
    timeout, _, _ = inherited_setting(ctx, function, "Timeout", "Function")
    seconds = _seconds(visibility, _DEFAULT_VISIBILITY)
    limit = _seconds(timeout, _DEFAULT_FUNCTION_TIMEOUT)
    batching = _seconds(window, 0)
    if seconds is None or limit is None or batching is None:
        return None
    args = {
        "queue": queue.logical_id,
        "function": function.logical_id,
        "visibility": show_number(seconds),
        "timeout": show_number(limit),
    }
    if seconds < limit:
        return {**args, "problem": "so Lambda rejects the event source mapping"}, None
    recommended = _RECOMMENDED_FACTOR * limit + batching
    if seconds < recommended:
        problem = (
            f"below the {show_number(recommended)} s AWS recommends (6 times the timeout plus "
            "the batching window), so messages whose processing is retried or throttled can "
            "be delivered twice"
        )
        return {**args, "problem": problem}, "warning"
    return None


def sqs_visibility_below_function_timeout(
    resource: Resource, ctx: CheckContext
) -> Iterator[Violation]:
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::Lambda::EventSourceMapping":
        queue = _only(ctx.query.targets(resource.logical_id, (_QUEUE,), "EventSourceArn"), ctx)
        function = _mapped_function(resource, ctx)
        if queue is None or function is None:
            return
        window, _ = lookup(focus, "Properties.MaximumBatchingWindowInSeconds")
        found = _visibility_problem(queue, function, window, ctx)
        if found is not None:
            _, path = lookup(focus, "Properties.EventSourceArn")
            args, level = found
            yield Violation(path, {"resource": resource.logical_id, **args}, level=level)
        return
    events, _ = lookup(focus, "Properties.Events")
    if not isinstance(events, dict):
        return
    for name, event in events.items():
        if not isinstance(event, dict) or not same_value(event.get("Type"), "SQS"):
            continue
        source, path = lookup(focus, f"Properties.Events.{name}.Properties.Queue")
        refs = (
            [r for r in source.refs if r in ctx.template.resources]
            if isinstance(source, Unknown)
            else []
        )
        queue = ctx.template.resources.get(refs[0]) if len(refs) == 1 else None
        if queue is None or queue.type != _QUEUE or not ctx.is_active(queue):
            continue
        window, _ = lookup(
            focus, f"Properties.Events.{name}.Properties.MaximumBatchingWindowInSeconds"
        )
        found = _visibility_problem(queue, resource, window, ctx)
        if found is not None:
            args, level = found
            yield Violation(path, {"resource": resource.logical_id, **args}, level=level)
