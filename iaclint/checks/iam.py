"""IAM checks, built on the policy analyser in iaclint/iam."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from iaclint.iam.policies import (
    PolicyDocument,
    Statement,
    grants,
    has_restricting_condition,
    is_wildcard,
    on_every_resource,
    policy_documents,
    principal_is_everyone,
    statements,
)
from iaclint.iam.roles import effective_grants, managed_policy_name
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup, same_value
from iaclint.resolve.values import PLACEHOLDER, Unknown, child_source

# Actions that let a principal grant itself more permissions.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/access_policies_manage-attach-detach.html
ESCALATION_ACTIONS = (
    "iam:AddUserToGroup", "iam:AttachGroupPolicy", "iam:AttachRolePolicy",
    "iam:AttachUserPolicy", "iam:CreateAccessKey", "iam:CreateLoginProfile",
    "iam:CreatePolicyVersion", "iam:PutGroupPolicy", "iam:PutRolePolicy", "iam:PutUserPolicy",
    "iam:SetDefaultPolicyVersion", "iam:UpdateAssumeRolePolicy", "iam:UpdateLoginProfile",
)  # fmt: skip
SENSITIVE_SERVICES = ("iam", "kms", "sts")
WORKLOAD_ROLE_PROPERTIES = {
    "AWS::Lambda::Function": "Role",
    "AWS::ECS::TaskDefinition": "TaskRoleArn",
    "AWS::CodeBuild::Project": "ServiceRole",
    "AWS::StepFunctions::StateMachine": "RoleArn",
    "AWS::IAM::InstanceProfile": "Roles",
}


def _doc_args(doc: PolicyDocument) -> dict[str, Any]:
    return {"resource": doc.resource.logical_id, "type": doc.resource.type}


def _allow_statements(
    ctx: CheckContext, kinds: tuple[Any, ...] = ("identity", "resource")
) -> Iterator[tuple[PolicyDocument, Statement]]:
    for doc in policy_documents(ctx, kinds):
        for statement in doc.statements:
            if statement.allows:
                yield doc, statement


def _key(statement: Statement, key: str) -> Path:
    return statement.source(key)


def _shown(values: tuple[Any, ...] | None) -> str:
    return ", ".join(v for v in values or () if isinstance(v, str))


def allows_all_actions(ctx: CheckContext) -> Iterator[Violation]:
    for doc, statement in _allow_statements(ctx):
        if any(is_wildcard(a) for a in statement.actions):
            yield Violation(_key(statement, "Action"), _doc_args(doc), doc.resource.logical_id)


def _account_root(principal: Any) -> bool:
    """`{"AWS": "arn:aws:iam::123456789012:root"}` (or the account id): the default key
    policy statement that delegates to IAM, which AWS itself recommends."""
    if not isinstance(principal, dict) or set(principal) != {"AWS"}:
        return False
    for value in principal["AWS"]:
        text = value.partial if isinstance(value, Unknown) else value
        if not isinstance(text, str):
            return False
        if not (text.endswith(":root") or text.isdigit() or text == PLACEHOLDER):
            return False
    return True


def service_wildcard(ctx: CheckContext) -> Iterator[Violation]:
    for doc, statement in _allow_statements(ctx):
        if doc.resource.type == "AWS::KMS::Key" and _account_root(statement.principal):
            continue
        for action in statement.actions:
            if not isinstance(action, str) or is_wildcard(action):
                continue
            service, _, name = action.strip().partition(":")
            if name == "*":
                level = "error" if service.lower() in SENSITIVE_SERVICES else None
                yield Violation(
                    _key(statement, "Action"),
                    {**_doc_args(doc), "value": action.strip()},
                    doc.resource.logical_id,
                    level=level,
                )


def allow_with_not_action(ctx: CheckContext) -> Iterator[Violation]:
    for doc, statement in _allow_statements(ctx):
        for key, values in (
            ("NotAction", statement.not_actions),
            ("NotResource", statement.not_resources),
        ):
            if values is not None:
                yield Violation(
                    _key(statement, key),
                    {**_doc_args(doc), "key": key, "value": _shown(values)},
                    doc.resource.logical_id,
                )


def passrole_on_any_resource(ctx: CheckContext) -> Iterator[Violation]:
    for doc, statement in _allow_statements(ctx, ("identity",)):
        if any(is_wildcard(a) for a in statement.actions):
            continue  # IAM001 reports `*` already
        if grants(statement, "iam:PassRole") and on_every_resource(statement):
            yield Violation(_key(statement, "Action"), _doc_args(doc), doc.resource.logical_id)


def privilege_escalation(ctx: CheckContext) -> Iterator[Violation]:
    for doc, statement in _allow_statements(ctx, ("identity",)):
        broad = [a for a in statement.actions if is_wildcard(a) or _service_wide(a, "iam")]
        if broad or statement.not_actions is not None or not on_every_resource(statement):
            continue  # IAM001/IAM002/IAM003 report the broader grant
        found = [a for a in ESCALATION_ACTIONS if grants(statement, a)]
        if found:
            yield Violation(
                _key(statement, "Action"),
                {**_doc_args(doc), "value": ", ".join(found)},
                doc.resource.logical_id,
            )


def _service_wide(action: Any, service: str) -> bool:
    return isinstance(action, str) and action.strip().lower() == f"{service}:*"


def _open_statements(
    ctx: CheckContext, kinds: tuple[Any, ...], types: set[str] | None, exclude: set[str]
) -> Iterator[tuple[PolicyDocument, Statement]]:
    for doc, statement in _allow_statements(ctx, kinds):
        if doc.resource.type in exclude or (types is not None and doc.resource.type not in types):
            continue
        if (
            principal_is_everyone(statement.principal)
            and has_restricting_condition(statement) is False
        ):
            yield doc, statement


def trust_allows_anyone(ctx: CheckContext) -> Iterator[Violation]:
    for doc, statement in _open_statements(ctx, ("trust",), None, set()):
        yield Violation(_key(statement, "Principal"), _doc_args(doc), doc.resource.logical_id)


def resource_policy_allows_anyone(ctx: CheckContext) -> Iterator[Violation]:
    # S3 bucket policies (NET013) and KMS key policies (IAM008) have rules of their own.
    excluded = {"AWS::S3::BucketPolicy", "AWS::KMS::Key"}
    for doc, statement in _open_statements(ctx, ("resource",), None, excluded):
        yield Violation(_key(statement, "Principal"), _doc_args(doc), doc.resource.logical_id)


def kms_key_policy_allows_anyone(ctx: CheckContext) -> Iterator[Violation]:
    for doc, statement in _open_statements(ctx, ("resource",), {"AWS::KMS::Key"}, set()):
        yield Violation(_key(statement, "Principal"), _doc_args(doc), doc.resource.logical_id)


def bucket_policy_allows_anyone(ctx: CheckContext) -> Iterator[Violation]:
    for doc, statement in _open_statements(ctx, ("resource",), {"AWS::S3::BucketPolicy"}, set()):
        actions = _shown(statement.actions) or "NotAction " + _shown(statement.not_actions)
        # Public reads of a website bucket are often intended: a warning, not an error.
        level = "warning" if _read_only(statement) and _serves_website(ctx, doc.resource) else None
        yield Violation(
            _key(statement, "Principal"),
            {**_doc_args(doc), "value": actions},
            doc.resource.logical_id,
            level=level,
        )


def _read_only(statement: Statement) -> bool:
    actions = statement.actions
    return (
        statement.not_actions is None
        and bool(actions)
        and all(
            isinstance(a, str) and a.strip().lower().startswith(("s3:get", "s3:list"))
            for a in actions
        )
    )


def _serves_website(ctx: CheckContext, policy: Resource) -> bool:
    for bucket in ctx.query.targets(policy.logical_id, "AWS::S3::Bucket", "Bucket"):
        props = ctx.resolved_focus(bucket).value.get("Properties")
        if isinstance(props, dict) and "WebsiteConfiguration" in props:
            return True
    return False


# AWS managed policies that grant far more than one workload needs.
_ADMIN_POLICIES = {"AdministratorAccess"}


def broad_managed_policy(ctx: CheckContext) -> Iterator[Violation]:
    for resource in ctx.template.resources.values():
        if not ctx.is_active(resource):
            continue
        key = "Policies" if resource.type.startswith("AWS::Serverless::") else "ManagedPolicyArns"
        if resource.type not in (
            "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group",
            "AWS::Serverless::Function", "AWS::Serverless::StateMachine",
        ):  # fmt: skip
            continue
        focus = ctx.resolved_focus(resource)
        props = focus.value.get("Properties")
        if not isinstance(props, dict) or key not in props:
            continue
        props_path = child_source(focus.value, focus.path, "Properties")
        values = props[key] if isinstance(props[key], list) else [props[key]]
        base = child_source(props, props_path, key)
        for index, value in enumerate(values):
            name = managed_policy_name(value) if isinstance(value, str) else None
            if name is None or not _is_broad(name):
                continue
            path = child_source(props[key], base, index) if isinstance(props[key], list) else base
            level = "error" if name in _ADMIN_POLICIES else None
            yield Violation(
                path,
                {"resource": resource.logical_id, "value": name},
                resource.logical_id,
                level=level,
            )


def _is_broad(name: str) -> bool:
    return name in ("AdministratorAccess", "PowerUserAccess") or name.endswith("FullAccess")


def workload_role_is_admin(ctx: CheckContext) -> Iterator[Violation]:
    """A workload whose role, with everything attached to it through the graph, may do
    anything: the role's own policies, `AWS::IAM::Policy`/`ManagedPolicy` resources that
    name it in `Roles`, and AWS managed policies by ARN."""
    roles = {r.logical_id: r for r in ctx.template.resources.values() if r.type == "AWS::IAM::Role"}
    admin_source: dict[str, str | None] = {}
    for resource in ctx.template.resources.values():
        prop = WORKLOAD_ROLE_PROPERTIES.get(resource.type)
        if prop is None or not ctx.is_active(resource):
            continue
        for role in ctx.query.targets(resource.logical_id, "AWS::IAM::Role", prop):
            if role.logical_id not in admin_source:
                admin_source[role.logical_id] = _admin_grant_source(ctx, roles[role.logical_id])
            source = admin_source[role.logical_id]
            if source is None:
                continue
            focus = ctx.resolved_focus(resource)
            path = child_source(focus.value, focus.path, "Properties")
            yield Violation(
                (*path, prop),
                {"resource": resource.logical_id, "role": role.logical_id, "source": source},
                resource.logical_id,
            )


def _admin_grant_source(ctx: CheckContext, role: Resource) -> str | None:
    for grant in effective_grants(ctx, role):
        statement = grant.statement
        if not on_every_resource(statement):
            continue
        if any(is_wildcard(a) for a in statement.actions):
            return grant.source
    return None


def permissions_on_users(ctx: CheckContext) -> Iterator[Violation]:
    for resource in ctx.template.resources.values():
        if not ctx.is_active(resource):
            continue
        focus = ctx.resolved_focus(resource)
        props = focus.value.get("Properties")
        if not isinstance(props, dict):
            continue
        props_path = child_source(focus.value, focus.path, "Properties")
        keys: tuple[str, ...] = ()
        if resource.type == "AWS::IAM::User":
            keys = ("Policies", "ManagedPolicyArns")
        elif resource.type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"):
            keys = ("Users",)
        elif resource.type == "AWS::IAM::UserPolicy":
            yield Violation(
                (*resource.path, "Type"), {"resource": resource.logical_id, "key": "UserPolicy"}
            )
            continue
        for key in keys:
            value = props.get(key)
            # Any entry attaches permissions to users, even one whose name is unknown.
            if isinstance(value, list) and value:
                yield Violation(
                    child_source(props, props_path, key),
                    {"resource": resource.logical_id, "key": key},
                    at_key=True,
                )


def role_shared_by_workloads(role: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """IAM026: one role assumed by several workloads gives each the union of their needs."""
    users: dict[str, Resource] = {}
    for workload_type, prop in WORKLOAD_ROLE_PROPERTIES.items():
        for user in ctx.query.referrers(role.logical_id, workload_type, prop):
            if ctx.is_active(user) and _uses_role(user, prop, role.logical_id, ctx):
                users[user.logical_id] = user
    if len(users) < 2:
        return
    names = ", ".join(f"`{name}`" for name in sorted(users))
    yield Violation(
        (*role.path, "Type"),
        {"resource": role.logical_id, "value": names, "count": len(users)},
        at_key=True,
    )


def _uses_role(user: Resource, prop: str, role: str, ctx: CheckContext) -> bool:
    """Does the property name the role in this scenario (the graph has every `Fn::If` branch)?"""
    value, _ = lookup(ctx.resolved_focus(user), f"Properties.{prop}")
    values = value if isinstance(value, list) else [value]
    return any(isinstance(v, Unknown) and role in v.refs for v in values)


# IAM029: what an S3 event notification target must grant, by configuration key.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/grant-destinations-permissions-to-s3.html
_NOTIFICATION_TARGETS = {
    "LambdaConfigurations": ("Function", ("AWS::Lambda::Function",)),
    "QueueConfigurations": ("Queue", ("AWS::SQS::Queue",)),
    "TopicConfigurations": ("Topic", ("AWS::SNS::Topic",)),
}
_TARGET_POLICIES = {
    "AWS::SQS::Queue": ("AWS::SQS::QueuePolicy", "Queues", "sqs:SendMessage"),
    "AWS::SNS::Topic": ("AWS::SNS::TopicPolicy", "Topics", "sns:Publish"),
}


def notification_target_without_permission(
    bucket: Resource, ctx: CheckContext
) -> Iterator[Violation]:
    focus = ctx.resolved_focus(bucket)
    config, config_path = lookup(focus, "Properties.NotificationConfiguration")
    if not isinstance(config, dict):
        return
    for key, (prop, types) in _NOTIFICATION_TARGETS.items():
        entries = config.get(key)
        if not isinstance(entries, list):
            continue
        entries_path = child_source(config, config_path, key)
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                continue
            target = entry.get(prop)
            if not isinstance(target, Unknown):
                continue  # a literal ARN: its permission may live in another stack
            for ref in target.refs:
                resource = ctx.template.resources.get(ref)
                if resource is None or resource.type not in types or not ctx.is_active(resource):
                    continue
                if _target_admits(resource, "s3.amazonaws.com", ctx) is False:
                    entry_path = child_source(entries, entries_path, index)
                    yield Violation(
                        child_source(entry, entry_path, prop),
                        {"resource": bucket.logical_id, "value": ref},
                    )


def _target_admits(target: Resource, service: str, ctx: CheckContext) -> bool | None:
    """Does something in the template let the service deliver to the target? None when a
    permission or policy whose target cannot be resolved might."""
    if target.type == "AWS::Lambda::Function":
        return _lambda_permits(target, service, ctx)
    policy_type, via, action = _TARGET_POLICIES[target.type]
    maybe = False
    for policy in ctx.template.resources.values():
        if policy.type != policy_type or not ctx.is_active(policy):
            continue
        covered, _ = lookup(ctx.resolved_focus(policy), f"Properties.{via}")
        items = covered if isinstance(covered, list) else [covered]
        names = any(isinstance(i, Unknown) and target.logical_id in i.refs for i in items)
        if not names:
            # A parameter or an import might name this target; a resource is followed.
            maybe = maybe or any(
                isinstance(i, Unknown) and not any(r in ctx.template.resources for r in i.refs)
                for i in items
            )
            continue
        document, path = lookup(ctx.resolved_focus(policy), "Properties.PolicyDocument")
        if not isinstance(document, dict):
            return None
        for statement in statements(document, path):
            if grants(statement, action) and _admits(statement.principal, service) is not False:
                return True
    return None if maybe else False


def _lambda_permits(function: Resource, service: str, ctx: CheckContext) -> bool | None:
    maybe = False
    for permission in ctx.template.resources.values():
        if permission.type != "AWS::Lambda::Permission" or not ctx.is_active(permission):
            continue
        props = ctx.resolved_properties(permission)
        if not isinstance(props, dict):
            continue
        name, principal = props.get("FunctionName"), props.get("Principal")
        if isinstance(name, Unknown):
            names = function.logical_id in name.refs
            if not names and not any(r in ctx.template.resources for r in name.refs):
                maybe = True  # a parameter or import might name this function
        else:
            names = _same_function_name(name, function, ctx)
            if names is None:
                maybe = True
                continue
        if not names:
            continue
        if isinstance(principal, Unknown) or principal in (service, "*"):
            return True
    return None if maybe else False


def _admits(principal: Any, service: str) -> bool | None:
    if isinstance(principal, Unknown):
        return None
    if principal_is_everyone(principal):
        return True
    if isinstance(principal, dict):
        services = principal.get("Service", ())
        if any(isinstance(s, Unknown) for s in services):
            return None
        return service in services
    return False


def _same_function_name(name: Any, function: Resource, ctx: CheckContext) -> bool | None:
    """Does a literal FunctionName (name, ARN or partial ARN) name this function?"""
    own = ctx.resolved_properties(function).get("FunctionName")
    if own is None:
        return False  # CloudFormation generates the name; a literal cannot know it
    if not isinstance(own, str) or not isinstance(name, str):
        return None
    return name == own or name.split(":function:")[-1].split(":")[0] == own


def sns_to_sqs_without_policy(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """IAM031: an SQS subscription whose queue does not let SNS send to it."""
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::SNS::Subscription":
        found = [
            (focus.value.get("Properties"), child_source(focus.value, focus.path, "Properties"))
        ]
    else:
        entries, path = lookup(focus, "Properties.Subscription")
        items = entries if isinstance(entries, list) else []
        found = [(e, child_source(entries, path, i)) for i, e in enumerate(items)]
    for entry, path in found:
        if not isinstance(entry, dict) or str(entry.get("Protocol", "")).lower() != "sqs":
            continue
        endpoint = entry.get("Endpoint")
        if not isinstance(endpoint, Unknown):
            continue  # a literal ARN: the queue and its policy may live elsewhere
        for ref in endpoint.refs:
            queue = ctx.template.resources.get(ref)
            if queue is None or queue.type != "AWS::SQS::Queue" or not ctx.is_active(queue):
                continue
            if _target_admits(queue, "sns.amazonaws.com", ctx) is False:
                yield Violation(
                    child_source(entry, path, "Endpoint"),
                    {"resource": resource.logical_id, "value": ref},
                )


# IAM032: targets EventBridge invokes through a resource policy, and targets it reaches
# only with `RoleArn`. https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-resource-based.html
_POLICY_TARGETS = ("AWS::Lambda::Function", "AWS::SNS::Topic", "AWS::SQS::Queue")
_ROLE_TARGETS = (
    "AWS::Kinesis::Stream", "AWS::KinesisFirehose::DeliveryStream",
    "AWS::StepFunctions::StateMachine", "AWS::ECS::Cluster", "AWS::CodeBuild::Project",
    "AWS::CodePipeline::Pipeline",
)  # fmt: skip


def event_target_without_permission(rule: Resource, ctx: CheckContext) -> Iterator[Violation]:
    targets, path = lookup(ctx.resolved_focus(rule), "Properties.Targets")
    if not isinstance(targets, list):
        return
    for index, target in enumerate(targets):
        if not isinstance(target, dict) or not isinstance(target.get("Arn"), Unknown):
            continue  # a literal ARN: its permission may live in another stack
        target_path = child_source(targets, path, index)
        for ref in target["Arn"].refs:
            resource = ctx.template.resources.get(ref)
            if resource is None or not ctx.is_active(resource):
                continue
            if resource.type in _POLICY_TARGETS:
                missing = _target_admits(resource, "events.amazonaws.com", ctx) is False
            elif resource.type in _ROLE_TARGETS:
                missing = "RoleArn" not in target
            else:
                continue
            if missing:
                yield Violation(
                    child_source(target, target_path, "Arn"),
                    {"resource": rule.logical_id, "value": ref, "type": resource.type},
                )


def api_key_without_usage_plan(method: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """IAM033: a method that requires an API key, on an API no usage plan covers."""
    focus = ctx.resolved_focus(method)
    required, path = lookup(focus, "Properties.ApiKeyRequired")
    api, _ = lookup(focus, "Properties.RestApiId")
    if not same_value(required, True) or not isinstance(api, Unknown):
        return
    for ref in api.refs:
        rest_api = ctx.template.resources.get(ref)
        if rest_api is None or rest_api.type != "AWS::ApiGateway::RestApi":
            continue
        covered = _usage_plan_for(rest_api, ctx)
        if covered is False:
            yield Violation(path, {"resource": method.logical_id, "value": ref})


def _usage_plan_for(api: Resource, ctx: CheckContext) -> bool | None:
    """Is there a usage plan with a key for this API? None when one might be."""
    maybe = False
    for plan in ctx.template.resources.values():
        if plan.type != "AWS::ApiGateway::UsagePlan" or not ctx.is_active(plan):
            continue
        stages, _ = lookup(ctx.resolved_focus(plan), "Properties.ApiStages")
        if isinstance(stages, Unknown):
            maybe = True
            continue
        for stage in stages if isinstance(stages, list) else []:
            api_id = stage.get("ApiId") if isinstance(stage, dict) else stage
            if isinstance(api_id, Unknown):
                if api.logical_id in api_id.refs:
                    return _has_key(plan, ctx)
                if not any(r in ctx.template.resources for r in api_id.refs):
                    maybe = True
    return None if maybe else False


def _has_key(plan: Resource, ctx: CheckContext) -> bool | None:
    for link in ctx.query.referrers(
        plan.logical_id, "AWS::ApiGateway::UsagePlanKey", "UsagePlanId"
    ):
        if ctx.is_active(link):
            return True
    others = [
        r
        for r in ctx.template.resources.values()
        if r.type == "AWS::ApiGateway::UsagePlanKey" and ctx.is_active(r)
    ]
    # A key attached by a parameter or an import, or added outside the stack, might exist.
    return None if others else False
