"""Secrets and credentials written into a template: literal passwords, AWS keys, access-key
secrets handed to workloads, and sensitive parameters shown in clear.

A value counts as written into the template when it resolves to a non-empty string: a
literal, or a parameter's Default. Values from a `NoEcho` parameter, a `{{resolve:...}}`
dynamic reference, an `Fn::ImportValue` or a `GetAtt` are not literals and are never
reported (https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/security-best-practices.html#creds).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from iaclint.checks.common import raw_at
from iaclint.findings.finding import format_property_path
from iaclint.load.document import Path
from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import FALSE, Evaluator, Focus, Hit, Result, Tri, lookup
from iaclint.resolve.values import ABSENT, Unknown, child_source

_SECRET_WORD = re.compile(
    r"password|passwd|secret|token|api[_-]?key|private[_-]?key|credential", re.I
)
# Names for where a secret lives, or for a setting about it, not the secret itself:
# `DbPasswordSecretArn`, `TOKEN_PARAMETER_NAME`, `PasswordLength`, `TokenTtl`.
_REFERENCE_SUFFIX = re.compile(
    r"(arn|arns|name|names|id|ids|path|param|parameter|ref|length|len|type|enabled|enable"
    r"|expiry|expiration|ttl|version|url|uri|endpoint|rotation|days|bucket|prefix|file"
    r"|location|kms|kmskey|policy|role|header|source|field|attribute|mode|format|required"
    r"|store|manager|provider|validity|seconds|minutes|hours)$"
)
_SUB_VARIABLE = re.compile(r"\$\{([^}!]*)\}")
# Long-term (AKIA) and temporary (ASIA) access key ids; AWS documentation uses keys
# ending in EXAMPLE, which are not credentials.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-unique-ids
_ACCESS_KEY_ID = re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[0-9A-Z]{16}(?![A-Z0-9])")
_SECRET_KEY_ASSIGNMENT = re.compile(
    r"aws_secret_access_key\s*[=:]\s*[\"']?(?P<key>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+])", re.I
)
_CREDENTIAL_VARIABLES = frozenset(
    {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"}
)
_BEANSTALK_ENVIRONMENT = "aws:elasticbeanstalk:application:environment"


def secret_looking(name: Any) -> bool:
    """The catalogue's secret-looking names, less names of references to a secret."""
    if not isinstance(name, str) or not _SECRET_WORD.search(name):
        return False
    return not _REFERENCE_SUFFIX.search(re.sub(r"[^a-z0-9]", "", name.lower()))


def secret_looking_name(evaluator: Evaluator, focus: Focus, node: dict[str, Any]) -> Result:
    """`{python: secret_looking_name, path: P}`: the string at P is a secret-looking name."""
    value, path = lookup(focus, node.get("path", ""))
    if value is ABSENT:
        return FALSE
    if isinstance(value, Unknown):
        # `!Sub /${Env}/db/password`: the literal part may already say it.
        if value.partial is not None and secret_looking(value.partial):
            return Result(Tri.TRUE, (Hit(path, value.partial),))
        return Result(Tri.UNKNOWN)
    if secret_looking(value):
        return Result(Tri.TRUE, (Hit(path, value),))
    return FALSE


# -- is a value written into the template? ------------------------------------------------


def _names_no_echo(raw: Any, ctx: CheckContext) -> bool:
    """Does the expression as written use a NoEcho parameter?"""
    params = ctx.template.parameters
    if isinstance(raw, dict):
        ref = raw.get("Ref")
        if isinstance(ref, str) and ref in params and params[ref].no_echo:
            return True
        sub = raw.get("Fn::Sub")
        text = sub[0] if isinstance(sub, list) and sub else sub
        if isinstance(text, str):
            for name in _SUB_VARIABLE.findall(text):
                name = name.strip()
                if name in params and params[name].no_echo:
                    return True
        return any(_names_no_echo(v, ctx) for v in raw.values())
    if isinstance(raw, list):
        return any(_names_no_echo(v, ctx) for v in raw)
    return False


def written_in_template(value: Any, path: Path, ctx: CheckContext) -> bool:
    """A non-empty string that is a literal or a parameter's Default, not a NoEcho value."""
    if not isinstance(value, str) or not value.strip():
        return False
    return not _names_no_echo(raw_at(ctx.template.data, path), ctx)


# -- where the values are ------------------------------------------------------------------


def _at(focus: Focus, dotted: str) -> Iterator[tuple[Any, Path]]:
    """Values at a dotted path in which `*` stands for every item of a list."""
    head, star, rest = dotted.partition(".*")
    value, path = lookup(focus, head)
    if not star:
        if value is not ABSENT:
            yield value, path
        return
    if not isinstance(value, list):
        return
    for index, item in enumerate(value):
        item_focus = Focus(item, child_source(value, path, index), focus.resource)
        if rest:
            yield from _at(item_focus, rest[1:])
        else:
            yield item_focus.value, item_focus.path


def _variables(resource: Resource, ctx: CheckContext) -> Iterator[tuple[Any, Any, Path]]:
    """(name, value, value path) of the environment variables of a workload."""
    focus = ctx.resolved_focus(resource)
    if resource.type in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
        variables, path = lookup(focus, "Properties.Environment.Variables")
        if isinstance(variables, dict):
            for name, value in variables.items():
                yield name, value, child_source(variables, path, name)
    elif resource.type == "AWS::ECS::TaskDefinition":
        for item, path in _at(focus, "Properties.ContainerDefinitions.*.Environment.*"):
            if isinstance(item, dict):
                yield item.get("Name"), item.get("Value"), child_source(item, path, "Value")
    elif resource.type == "AWS::CodeBuild::Project":
        for item, path in _at(focus, "Properties.Environment.EnvironmentVariables.*"):
            if isinstance(item, dict) and item.get("Type", "PLAINTEXT") == "PLAINTEXT":
                yield item.get("Name"), item.get("Value"), child_source(item, path, "Value")
    elif resource.type in (
        "AWS::ElasticBeanstalk::Environment",
        "AWS::ElasticBeanstalk::ConfigurationTemplate",
    ):
        for item, path in _at(focus, "Properties.OptionSettings.*"):
            if isinstance(item, dict) and item.get("Namespace") == _BEANSTALK_ENVIRONMENT:
                yield item.get("OptionName"), item.get("Value"), child_source(item, path, "Value")


def _violation(resource: Resource, path: Path, what: str) -> Violation:
    shown = path[len(resource.path) :] if path[: len(resource.path)] == resource.path else path
    args = {"resource": resource.logical_id, "property": format_property_path(shown), "what": what}
    return Violation(path, args)


# -- IAM015: hard-coded secrets in resource properties ----------------------------------------

SECRET_PROPERTIES: dict[str, tuple[str, ...]] = {
    "AWS::RDS::DBInstance": ("Properties.MasterUserPassword",),
    "AWS::RDS::DBCluster": ("Properties.MasterUserPassword",),
    "AWS::DocDB::DBCluster": ("Properties.MasterUserPassword",),
    "AWS::Redshift::Cluster": ("Properties.MasterUserPassword",),
    "AWS::ElastiCache::ReplicationGroup": ("Properties.AuthToken",),
    "AWS::IAM::User": ("Properties.LoginProfile.Password",),
    "AWS::AmazonMQ::Broker": ("Properties.Users.*.Password",),
    "AWS::OpenSearchService::Domain": (
        "Properties.AdvancedSecurityOptions.MasterUserOptions.MasterUserPassword",
    ),
    "AWS::Elasticsearch::Domain": (
        "Properties.AdvancedSecurityOptions.MasterUserOptions.MasterUserPassword",
    ),
    "AWS::ElasticLoadBalancingV2::Listener": (
        "Properties.DefaultActions.*.AuthenticateOidcConfig.ClientSecret",
    ),
    "AWS::ElasticLoadBalancingV2::ListenerRule": (
        "Properties.Actions.*.AuthenticateOidcConfig.ClientSecret",
    ),
    "AWS::DirectoryService::MicrosoftAD": ("Properties.Password",),
    "AWS::DirectoryService::SimpleAD": ("Properties.Password",),
    "AWS::DMS::Endpoint": ("Properties.Password",),
    "AWS::Events::Connection": (
        "Properties.AuthParameters.BasicAuthParameters.Password",
        "Properties.AuthParameters.ApiKeyAuthParameters.ApiKeyValue",
        "Properties.AuthParameters.OAuthParameters.ClientParameters.ClientSecret",
    ),
}


def hard_coded_secret(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(resource)
    for dotted in SECRET_PROPERTIES.get(resource.type, ()):
        for value, path in _at(focus, dotted):
            if written_in_template(value, path, ctx):
                yield _violation(resource, path, "a password or secret")
    if resource.type in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
        # ECS and CodeBuild variables have rules of their own (IAM020, IAM021).
        for name, value, path in _variables(resource, ctx):
            if (
                secret_looking(name)
                and str(name).upper() not in _CREDENTIAL_VARIABLES  # IAM016 reports those
                and written_in_template(value, path, ctx)
                and not _ACCESS_KEY_ID.search(value)
            ):
                yield _violation(resource, path, f"the secret-looking variable `{name}`")


# -- IAM016: AWS credentials in environment variables or user data ----------------------------

USER_DATA = {
    "AWS::EC2::Instance": "Properties.UserData",
    "AWS::EC2::LaunchTemplate": "Properties.LaunchTemplateData.UserData",
    "AWS::AutoScaling::LaunchConfiguration": "Properties.UserData",
}


def _is_key_id(text: str) -> bool:
    return any("EXAMPLE" not in key for key in _ACCESS_KEY_ID.findall(text))


def _strings(raw: Any, path: Path) -> Iterator[tuple[str, Path]]:
    if isinstance(raw, str):
        yield raw, path
    elif isinstance(raw, dict):
        for key, value in raw.items():
            yield from _strings(value, (*path, key))
    elif isinstance(raw, list):
        for index, value in enumerate(raw):
            yield from _strings(value, (*path, index))


def aws_credentials_in_configuration(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    for name, value, path in _variables(resource, ctx):
        if not written_in_template(value, path, ctx):
            continue
        if _is_key_id(value):
            yield _violation(resource, path, "an AWS access key id")
        elif isinstance(name, str) and name.upper() in _CREDENTIAL_VARIABLES:
            yield _violation(resource, path, f"`{name}`")
    dotted = USER_DATA.get(resource.type)
    if dotted is None:
        return
    # User data is usually built with Fn::Sub or Fn::Join; a key is a literal part of it.
    start = (*resource.path, *dotted.split("."))
    for text, path in _strings(raw_at(ctx.template.data, start), start):
        secret = _SECRET_KEY_ASSIGNMENT.search(text)
        if _is_key_id(text) or (secret and "EXAMPLE" not in secret.group("key")):
            yield _violation(resource, path, "AWS access keys")


# -- IAM017: an access key's secret handed to outputs, user data or environment --------------

# Where a secret ends up readable by many principals; a Secrets Manager secret is the safe
# place for it and is not listed.
EXPOSING_PROPERTIES = {
    **USER_DATA,
    "AWS::Lambda::Function": "Properties.Environment",
    "AWS::Serverless::Function": "Properties.Environment",
    "AWS::ECS::TaskDefinition": "Properties.ContainerDefinitions",
    "AWS::CodeBuild::Project": "Properties.Environment.EnvironmentVariables",
    "AWS::ElasticBeanstalk::Environment": "Properties.OptionSettings",
    "AWS::SSM::Parameter": "Properties.Value",
}


def _secret_access_key_uses(raw: Any, path: Path, keys: set[str]) -> Iterator[tuple[str, Path]]:
    """(access key, path) of every `GetAtt <key>.SecretAccessKey` in an expression."""
    if isinstance(raw, dict):
        if len(raw) == 1:
            ((fn, arg),) = raw.items()
            if fn == "Fn::GetAtt":
                parts = arg.split(".", 1) if isinstance(arg, str) else arg
                if (
                    isinstance(parts, list)
                    and len(parts) == 2
                    and parts[0] in keys
                    and parts[1] == "SecretAccessKey"
                ):
                    yield parts[0], path
                    return
            if fn == "Fn::Sub":
                text = arg[0] if isinstance(arg, list) and arg else arg
                if isinstance(text, str):
                    for name in _SUB_VARIABLE.findall(text):
                        key, _, attribute = name.strip().partition(".")
                        if key in keys and attribute == "SecretAccessKey":
                            yield key, (*path, "Fn::Sub")
        for name, value in raw.items():
            yield from _secret_access_key_uses(value, (*path, name), keys)
    elif isinstance(raw, list):
        for index, value in enumerate(raw):
            yield from _secret_access_key_uses(value, (*path, index), keys)


def access_key_secret_exposed(ctx: CheckContext) -> Iterator[Violation]:
    keys = {
        r.logical_id for r in ctx.template.resources.values() if r.type == "AWS::IAM::AccessKey"
    }
    if not keys:
        return
    for resource in ctx.template.resources.values():
        dotted = EXPOSING_PROPERTIES.get(resource.type)
        if dotted is None or not ctx.is_active(resource):
            continue
        start = (*resource.path, *dotted.split("."))
        for key, path in _secret_access_key_uses(raw_at(ctx.template.data, start), start, keys):
            args = {"subject": f"resource `{resource.logical_id}`", "key": key}
            yield Violation(path, args, resource.logical_id)
    for output in ctx.template.outputs.values():
        if output.condition is not None and ctx.resolver.condition(output.condition) is False:
            continue
        start = (*output.path, "Value")
        for key, path in _secret_access_key_uses(raw_at(ctx.template.data, start), start, keys):
            yield Violation(path, {"subject": f"output `{output.name}`", "key": key})


# -- IAM018: sensitive parameters shown in clear ----------------------------------------------


def _plain_string(param: Any) -> bool:
    """A free-form string parameter; a list of allowed values is a setting, not a secret."""
    return param.type == "String" and not param.allowed_values


_SHOWN = "has a secret-looking name but is not `NoEcho`, so its value is shown in clear"
_DEFAULT = "is `NoEcho` but has a Default, so the secret is stored in the template"
_RETURNED = "returns a `NoEcho` parameter, whose value every reader of the stack sees"


def sensitive_parameter_in_clear(ctx: CheckContext) -> Iterator[Violation]:
    for param in ctx.template.parameters.values():
        if not secret_looking(param.name) or not _plain_string(param):
            continue
        if not param.no_echo:
            yield Violation(
                param.path,
                {"subject": f"Parameter `{param.name}`", "problem": _SHOWN},
                at_key=True,
            )
        elif param.has_default and isinstance(param.default, str) and param.default.strip():
            yield Violation(
                (*param.path, "Default"),
                {"subject": f"Parameter `{param.name}`", "problem": _DEFAULT},
                at_key=True,
            )
    for output in ctx.template.outputs.values():
        if output.condition is not None and ctx.resolver.condition(output.condition) is False:
            continue
        start = (*output.path, "Value")
        if _names_no_echo(raw_at(ctx.template.data, start), ctx):
            yield Violation(
                start,
                {"subject": f"Output `{output.name}`", "problem": _RETURNED},
                at_key=True,
            )


# -- ENC033: secret-looking function variables, for the CMK rule ------------------------------

_REFERENCE_VALUE = re.compile(r"^(arn:|/)")
# A dynamic reference to a secret is resolved into the variable's plaintext value.
_SECRET_REFERENCE = re.compile(r"\{\{resolve:(secretsmanager|ssm-secure):")


def secret_variables(evaluator: Evaluator, focus: Focus, node: dict[str, Any]) -> Result:
    """`{python: secret_variables, path: P}`: the map of environment variables at P holds a
    secret-looking variable with a secret value; one hit per variable."""
    variables, path = lookup(focus, node.get("path", ""))
    if isinstance(variables, Unknown):
        return Result(Tri.UNKNOWN)
    if not isinstance(variables, dict):
        return FALSE
    ctx = evaluator.ctx
    hits = []
    unknown = False
    for name, value in variables.items():
        if not secret_looking(name):
            continue
        where = child_source(variables, path, name)
        raw = raw_at(ctx.template.data, where)
        if any(_SECRET_REFERENCE.search(text) for text, _ in _strings(raw, where)):
            hits.append(Hit(where, name))
        elif isinstance(value, str):
            if value.strip() and not _REFERENCE_VALUE.match(value):
                hits.append(Hit(where, name))
        elif isinstance(value, Unknown):
            unknown = True
    if hits:
        return Result(Tri.TRUE, tuple(hits))
    return Result(Tri.UNKNOWN) if unknown else FALSE
