"""Checks in the `other` category on how resources are wired together: volume
attachments, API deployments, load-balanced ECS services, Lambda triggers that loop, and
website buckets behind Block Public Access."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from iaclint.checks.common import active_resources
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup
from iaclint.resolve.values import ABSENT, Unknown

# -- EBS volume attachments (GEN018) ----------------------------------------------------
_SELF = object()  # an instance's own `Volumes`: the instance is the resource itself


def _target(ctx: CheckContext, value: Any, rtype: str) -> Resource | None:
    """The active template resource of type `rtype` that a resolved `Ref`/`GetAtt` names."""
    if isinstance(value, Unknown) and len(value.refs) == 1:
        target = ctx.template.resources.get(value.refs[0])
        if target is not None and target.type == rtype and ctx.is_active(target):
            return target
    return None


def _zone(ctx: CheckContext, resource: Resource) -> str | None:
    """The Availability Zone a volume or instance is known to be in; an instance without
    one is in its subnet's zone."""
    properties = ctx.resolved_focus(resource).value.get("Properties")
    if not isinstance(properties, dict):
        return None
    zone = properties.get("AvailabilityZone", ABSENT)
    if zone is ABSENT and resource.type == "AWS::EC2::Instance":
        subnet = _target(ctx, properties.get("SubnetId"), "AWS::EC2::Subnet")
        if subnet is not None:
            return _zone(ctx, subnet)
    return zone if isinstance(zone, str) and zone else None


def _zone_mismatch(
    ctx: CheckContext, volume: Resource | None, instance: Resource | None
) -> tuple[str, str] | None:
    if volume is None or instance is None:
        return None
    volume_zone, instance_zone = _zone(ctx, volume), _zone(ctx, instance)
    if volume_zone is None or instance_zone is None or volume_zone == instance_zone:
        return None
    return volume_zone, instance_zone


def volume_attachment_zone(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A volume and the instance it is attached to are in different Availability Zones
    (`VolumeAttachment`, or `Volumes` of an instance)."""
    properties = ctx.resolved_focus(resource).value.get("Properties")
    if not isinstance(properties, dict):
        return
    pairs: list[tuple[Any, Any, tuple[Any, ...]]] = []
    if resource.type == "AWS::EC2::VolumeAttachment":
        pairs.append((properties.get("VolumeId"), properties.get("InstanceId"), ("VolumeId",)))
    else:
        volumes = properties.get("Volumes")
        if isinstance(volumes, list):
            for index, item in enumerate(volumes):
                if isinstance(item, dict):
                    pairs.append((item.get("VolumeId"), _SELF, ("Volumes", index, "VolumeId")))
    for volume_ref, instance_ref, where in pairs:
        volume = _target(ctx, volume_ref, "AWS::EC2::Volume")
        instance = (
            resource if instance_ref is _SELF else _target(ctx, instance_ref, "AWS::EC2::Instance")
        )
        mismatch = _zone_mismatch(ctx, volume, instance)
        if mismatch is not None and volume is not None and instance is not None:
            yield Violation(
                (*resource.properties_path, *where),
                {
                    "volume": volume.logical_id,
                    "volume_zone": mismatch[0],
                    "instance": instance.logical_id,
                    "instance_zone": mismatch[1],
                },
                logical_id=resource.logical_id,
            )


# -- API Gateway deployments (GEN019) ---------------------------------------------------
def _dependencies(ctx: CheckContext, logical_id: str) -> set[str]:
    """Every resource `logical_id` waits for: DependsOn, Ref, GetAtt and Sub, transitively."""
    successors = ctx.index.successors
    seen: set[str] = set()
    todo = [logical_id]
    while todo:
        for section, name in successors.get(("Resources", todo.pop()), {}):
            if section == "Resources" and name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


def api_deployment_wiring(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A REST API deployment that may be created before any of the API's methods, or that
    creates a stage a separate `AWS::ApiGateway::Stage` also declares."""
    properties = ctx.resolved_focus(resource).value.get("Properties")
    if not isinstance(properties, dict):
        return
    api = _target(ctx, properties.get("RestApiId"), "AWS::ApiGateway::RestApi")
    if api is None:
        return
    api_properties = ctx.resolved_focus(api).value.get("Properties")
    if not isinstance(api_properties, dict) or any(
        key in api_properties for key in ("Body", "BodyS3Location", "CloneFrom")
    ):
        return  # the methods come from an OpenAPI definition or another API
    methods = [
        m
        for m in ctx.query.referrers(api.logical_id, "AWS::ApiGateway::Method", "RestApiId")
        if ctx.is_active(m)
    ]
    if methods and not _dependencies(ctx, resource.logical_id) & {m.logical_id for m in methods}:
        path = (*resource.path, "DependsOn") if resource.depends_on else (*resource.path, "Type")
        names = ", ".join(f"`{m.logical_id}`" for m in methods[:3])
        more = f" and {len(methods) - 3} more" if len(methods) > 3 else ""
        yield Violation(
            path,
            {
                "resource": resource.logical_id,
                "problem": f"does not depend on any method of `{api.logical_id}` "
                f"({names}{more}), so it can be created before any method exists and fail",
            },
            logical_id=resource.logical_id,
        )
    stage_name = properties.get("StageName")
    if not isinstance(stage_name, str):
        return
    for stage in ctx.query.referrers(resource.logical_id, "AWS::ApiGateway::Stage", "DeploymentId"):
        stage_properties = ctx.resolved_focus(stage).value.get("Properties")
        if (
            ctx.is_active(stage)
            and isinstance(stage_properties, dict)
            and stage_properties.get("StageName") == stage_name
        ):
            yield Violation(
                (*resource.properties_path, "StageName"),
                {
                    "resource": resource.logical_id,
                    "problem": f"creates stage `{stage_name}`, which `{stage.logical_id}` "
                    "also creates",
                },
                logical_id=resource.logical_id,
            )


# -- ECS host ports behind a load balancer (GEN022) -------------------------------------
def _number_or_none(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _fixed_host_port(task: dict[str, Any], container: str, port: float | None) -> float | None:
    """The fixed host port of the container's mapping for `port` (any mapping when the
    port is not known), or None when it is dynamic or cannot be known."""
    containers = task.get("ContainerDefinitions")
    if not isinstance(containers, list):
        return None
    for definition in containers:
        if not isinstance(definition, dict) or definition.get("Name") != container:
            continue
        mappings = definition.get("PortMappings")
        for mapping in mappings if isinstance(mappings, list) else ():
            if not isinstance(mapping, dict):
                continue
            container_port = _number_or_none(mapping.get("ContainerPort"))
            if port is not None and container_port != port:
                continue
            host_port = _number_or_none(mapping.get("HostPort"))
            if host_port is not None and host_port > 0:
                return host_port
    return None


def ecs_fixed_host_port(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A load-balanced ECS service on EC2 whose task uses bridge networking with a fixed
    host port for the container behind the load balancer."""
    focus = ctx.resolved_focus(resource)
    properties = focus.value.get("Properties")
    if not isinstance(properties, dict) or properties.get("LaunchType") == "FARGATE":
        return
    balancers = properties.get("LoadBalancers")
    task_resource = _target(ctx, properties.get("TaskDefinition"), "AWS::ECS::TaskDefinition")
    if not isinstance(balancers, list) or task_resource is None:
        return
    task = ctx.resolved_focus(task_resource).value.get("Properties")
    if not isinstance(task, dict):
        return
    compatibilities = task.get("RequiresCompatibilities")
    if isinstance(compatibilities, list) and "FARGATE" in compatibilities:
        return
    if task.get("NetworkMode", "bridge") != "bridge":  # unset means bridge on Linux
        return
    for index, balancer in enumerate(balancers):
        if not isinstance(balancer, dict) or not isinstance(balancer.get("ContainerName"), str):
            continue
        port = _number_or_none(balancer.get("ContainerPort"))
        host_port = _fixed_host_port(task, balancer["ContainerName"], port)
        if host_port is None:
            continue
        _, where = lookup(focus, f"Properties.LoadBalancers.{index}.ContainerName")
        yield Violation(
            where,
            {
                "resource": resource.logical_id,
                "container": balancer["ContainerName"],
                "task": task_resource.logical_id,
                "host_port": int(host_port),
            },
            logical_id=resource.logical_id,
        )


# -- Lambda recursion (GEN024) ----------------------------------------------------------
def _names(value: Any, logical_id: str) -> bool:
    """A resolved value is built from `logical_id` (`!Ref`, `!GetAtt`, `!Sub ${X.Arn}`)."""
    return logical_id in _named_ids(value)


def _properties(ctx: CheckContext, resource: Resource) -> dict[str, Any]:
    properties = ctx.resolved_focus(resource).value.get("Properties")
    return properties if isinstance(properties, dict) else {}


def _named_ids(value: Any) -> set[str]:
    """The logical ids a resolved value (or a list of them) is built from."""
    if isinstance(value, Unknown):
        return set(value.refs)
    if isinstance(value, list):
        return {name for item in value for name in _named_ids(item)}
    return set()


# The types whose resources can invoke a function with what it writes (GEN024).
_TRIGGER_TYPES = ("AWS::Lambda::EventSourceMapping", "AWS::SNS::Subscription", "AWS::S3::Bucket")


def _triggers(ctx: CheckContext, function: Resource) -> list[tuple[Resource, str]]:
    """(resource that invokes the function, action that would invoke it again)."""
    by_function = ctx.memo("general:lambda-triggers", lambda: _triggers_by_function(ctx))
    return by_function.get(function.logical_id, [])  # type: ignore[no-any-return]


def _triggers_by_function(ctx: CheckContext) -> dict[str, list[tuple[Resource, str]]]:
    """Every function's triggers, in template order, from one pass per scenario over the
    resources that can trigger one (a pass for each function was quadratic)."""
    found: dict[str, list[tuple[Resource, str]]] = {}
    for other in active_resources(ctx, _TRIGGER_TYPES):
        props = _properties(ctx, other)
        if other.type == "AWS::Lambda::EventSourceMapping":
            queue = _target(ctx, props.get("EventSourceArn"), "AWS::SQS::Queue")
            if queue is not None:
                for name in _named_ids(props.get("FunctionName")):
                    found.setdefault(name, []).append((queue, "sqs:SendMessage"))
        elif other.type == "AWS::SNS::Subscription" and props.get("Protocol") == "lambda":
            topic = _target(ctx, props.get("TopicArn"), "AWS::SNS::Topic")
            if topic is not None:
                for name in _named_ids(props.get("Endpoint")):
                    found.setdefault(name, []).append((topic, "sns:Publish"))
        elif other.type == "AWS::S3::Bucket":
            config = props.get("NotificationConfiguration")
            lambdas = config.get("LambdaConfigurations") if isinstance(config, dict) else None
            # a Filter may keep the function's own writes out; it cannot be judged here
            names = {
                name
                for item in (lambdas if isinstance(lambdas, list) else ())
                if isinstance(item, dict) and "Filter" not in item
                for name in _named_ids(item.get("Function"))
            }
            for name in sorted(names):
                found.setdefault(name, []).append((other, "s3:PutObject"))
    return found


def lambda_recursion(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A function that lets Lambda run recursive loops, or whose role may write to the
    queue, topic or bucket that triggers it."""
    from iaclint.iam.policies import grants
    from iaclint.iam.roles import effective_grants

    focus = ctx.resolved_focus(resource)
    props = _properties(ctx, resource)
    if props.get("RecursiveLoop") == "Allow":
        _, where = lookup(focus, "Properties.RecursiveLoop")
        yield Violation(
            where,
            {"resource": resource.logical_id, "problem": "sets `RecursiveLoop: Allow`"},
            logical_id=resource.logical_id,
        )
    role = _target(ctx, props.get("Role"), "AWS::IAM::Role")
    if role is None:
        return
    role_grants = None
    for trigger, action in _triggers(ctx, resource):
        if role_grants is None:
            role_grants = effective_grants(ctx, role)
        for grant in role_grants:
            statement = grant.statement
            if grants(statement, action) and _names(
                list(statement.resources or ()), trigger.logical_id
            ):
                yield Violation(
                    (*resource.path, "Type"),
                    {
                        "resource": resource.logical_id,
                        "problem": f"is triggered by `{trigger.logical_id}` and its role "
                        f"allows `{action}` on it ({grant.source})",
                    },
                    logical_id=resource.logical_id,
                )
                break


# -- S3 website behind Block Public Access (GEN025) -------------------------------------
def _public_read_statement(ctx: CheckContext, policy: Resource) -> Any:
    """The source path of a statement granting everyone `s3:GetObject` without a
    restricting condition, or None."""
    from iaclint.iam.policies import (
        grants,
        has_restricting_condition,
        policy_documents,
        principal_is_everyone,
    )

    for document in policy_documents(ctx, ("resource",)):
        if document.resource.logical_id != policy.logical_id:
            continue
        for statement in document.statements:
            if (
                grants(statement, "s3:GetObject")
                and principal_is_everyone(statement.principal)
                and has_restricting_condition(statement) is False
            ):
                return statement.path
    return None


def website_blocked_from_public(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A website bucket whose policy grants public reads while Block Public Access
    (explicitly, or by default when the configuration is omitted) blocks public policies."""
    props = _properties(ctx, resource)
    if "WebsiteConfiguration" not in props:
        return
    block = props.get("PublicAccessBlockConfiguration", ABSENT)
    if block is ABSENT:
        blocking = "all four settings of Block Public Access are on by default"
    elif isinstance(block, dict):
        # In a configuration that is given, an omitted setting is false.
        on = [
            k
            for k in ("BlockPublicPolicy", "RestrictPublicBuckets")
            if block.get(k) is True or str(block.get(k)).lower() == "true"
        ]
        if not on:
            return
        blocking = f"`{on[0]}` is true"
    else:
        return
    for policy in ctx.query.referrers(resource.logical_id, "AWS::S3::BucketPolicy", "Bucket"):
        if not ctx.is_active(policy):
            continue
        statement = _public_read_statement(ctx, policy)
        if statement is not None:
            yield Violation(
                statement,
                {
                    "resource": resource.logical_id,
                    "policy": policy.logical_id,
                    "blocking": blocking,
                },
                logical_id=policy.logical_id,
            )
            return


# -- Stage variables that pick a Lambda alias (GEN027) ----------------------------------
_ALIAS_VARIABLE = re.compile(r"\$\{\?\}:\$\{stageVariables\.([A-Za-z0-9_]+)\}")


def _aliased_function(ctx: CheckContext, uri: Any) -> tuple[Resource, str] | None:
    """(function, stage variable) of an integration URI
    `.../functions/<function arn>:${stageVariables.<v>}/invocations`."""
    if not isinstance(uri, Unknown) or uri.partial is None:
        return None
    match = _ALIAS_VARIABLE.search(uri.partial)
    functions = [
        ctx.template.resources[r]
        for r in uri.refs
        if r in ctx.template.resources and ctx.template.resources[r].type == "AWS::Lambda::Function"
    ]
    if match is None or len(functions) != 1:
        return None
    return functions[0], match.group(1)


def _permits_alias(ctx: CheckContext, function: Resource, alias: str) -> bool | None:
    """Does an API Gateway permission name `function:alias`? None when a permission's
    function cannot be read, so it might."""
    unreadable = False
    for permission in ctx.template.resources.values():
        if permission.type != "AWS::Lambda::Permission" or not ctx.is_active(permission):
            continue
        props = _properties(ctx, permission)
        if props.get("Principal") != "apigateway.amazonaws.com":
            if not isinstance(props.get("Principal"), str):
                unreadable = True
            continue
        name = props.get("FunctionName")
        if isinstance(name, str):
            if name.endswith(f":{alias}"):
                unreadable = True  # a literal ARN or name:alias we cannot tie to the function
            continue
        if not isinstance(name, Unknown):
            unreadable = True
            continue
        if function.logical_id in name.refs and name.partial is not None:
            if name.partial.endswith(f":{alias}"):
                return True
            continue
        target = _target(ctx, name, "AWS::Lambda::Alias")
        if target is not None:
            alias_props = _properties(ctx, target)
            if _names(alias_props.get("FunctionName"), function.logical_id) and (
                alias_props.get("Name") == alias
            ):
                return True
            if not isinstance(alias_props.get("Name"), str):
                unreadable = True
            continue
        if not any(r in ctx.template.resources for r in name.refs):
            unreadable = True  # a parameter or import: could be this alias
    return None if unreadable else False


def stage_alias_without_permission(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A stage sets the variable a Lambda integration uses as alias, and no permission
    lets API Gateway invoke that alias."""
    focus = ctx.resolved_focus(resource)
    props = _properties(ctx, resource)
    variables = props.get("Variables")
    api = _target(ctx, props.get("RestApiId"), "AWS::ApiGateway::RestApi")
    if not isinstance(variables, dict) or api is None:
        return
    reported: set[tuple[str, str]] = set()
    for method in ctx.query.referrers(api.logical_id, "AWS::ApiGateway::Method", "RestApiId"):
        if not ctx.is_active(method):
            continue
        integration = _properties(ctx, method).get("Integration")
        uri = integration.get("Uri") if isinstance(integration, dict) else None
        found = _aliased_function(ctx, uri)
        if found is None:
            continue
        function, variable = found
        alias = variables.get(variable)
        if not isinstance(alias, str) or (function.logical_id, alias) in reported:
            continue
        if _permits_alias(ctx, function, alias) is False:
            reported.add((function.logical_id, alias))
            _, where = lookup(focus, f"Properties.Variables.{variable}")
            yield Violation(
                where,
                {
                    "resource": resource.logical_id,
                    "variable": variable,
                    "alias": alias,
                    "function": function.logical_id,
                    "method": method.logical_id,
                },
                logical_id=resource.logical_id,
            )
