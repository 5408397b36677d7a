"""Python checks of the service-quota limits rules about single values that AWS rejects or
silently caps: Lambda alias routing, alarm periods, S3 bucket names, EBS volume sizes,
parameter value sizes and Step Functions timeouts, each counted or compared the way its
service does (a version against another, a size in characters or bytes). The rules of
LIM034-LIM046 that the rule language says alone (LIM034, LIM038, LIM043) have no Python;
the capacity rules live in limits_capacity.py. A value that cannot be known gives no
finding."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from iaclint.checks.common import as_number, items_with_paths, raw_at, show_number
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Focus, contains_unknown, lookup, same_value
from iaclint.resolve.values import ABSENT, PLACEHOLDER, Unknown, child_source


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
    for query, query_path in items_with_paths(
        metrics if isinstance(metrics, list) else None, metrics_path
    ):
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
    for item, item_path in items_with_paths(mappings if isinstance(mappings, list) else None, path):
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
        for branch, branch_path in items_with_paths(
            branches, child_source(state, state_path, "Branches")
        ):
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
