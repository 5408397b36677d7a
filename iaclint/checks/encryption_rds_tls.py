"""ENC038: RDS instances and clusters whose parameter group does not require TLS, taking
each engine's default parameter group into account when none is set."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from iaclint.model.template import Resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup
from iaclint.resolve.values import ABSENT, Unknown, child_source

# ENC038: TLS enforcement through the DB parameter group, and the defaults when none is set.
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/mysql-ssl-connections.require-ssl.html
# https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/PostgreSQL.Concepts.General.SSL.html
_FORCE_SSL = "rds.force_ssl"
_SECURE_TRANSPORT = "require_secure_transport"
_TLS_ON = {"1", "on", "true"}


def _tls_parameter(engine: str) -> str | None:
    if engine in ("postgres", "aurora-postgresql") or engine.startswith("sqlserver"):
        return _FORCE_SSL
    if engine in ("mysql", "mariadb", "aurora-mysql", "aurora"):
        return _SECURE_TRANSPORT
    return None


def _default_enforces_tls(engine: str, version: Any) -> bool | None:
    """Whether the engine's default parameter group requires TLS; None when unknown."""
    numbers = re.findall(r"\d+", version) if isinstance(version, str) else []
    if engine == "postgres":  # PostgreSQL 15 and later default to rds.force_ssl=1
        if version is ABSENT:
            return True  # the default version is newer than 15
        return int(numbers[0]) >= 15 if numbers else None
    if engine.startswith("sqlserver") or engine in ("aurora-mysql", "aurora"):
        return False
    if engine == "mysql" and numbers:  # MySQL 8.4 and lower default to OFF
        return int(numbers[0]) >= 9
    if engine == "mariadb" and len(numbers) >= 2:  # MariaDB 11.8 and later default to ON
        return (int(numbers[0]), int(numbers[1])) >= (11, 8)
    return None


def rds_tls_not_enforced(db: Resource, ctx: CheckContext) -> Iterator[Violation]:
    focus = ctx.resolved_focus(db)
    props = focus.value.get("Properties")
    if not isinstance(props, dict):
        return
    if db.type == "AWS::RDS::DBInstance" and (
        "DBClusterIdentifier" in props or "SourceDBInstanceIdentifier" in props
    ):
        return  # the cluster's parameter group, or the source's, decides
    engine = props.get("Engine")
    if not isinstance(engine, str):
        return
    engine = engine.lower()
    name = _tls_parameter(engine)
    if name is None:
        return
    key = (
        "DBParameterGroupName"
        if db.type == "AWS::RDS::DBInstance"
        else "DBClusterParameterGroupName"
    )
    group = props.get(key, ABSENT)
    props_path = child_source(focus.value, focus.path, "Properties")
    where = child_source(props, props_path, key) if key in props else (*db.path, "Type")
    value: Any = ABSENT
    source = "the default parameter group"
    if isinstance(group, Unknown):
        found = [ctx.template.resources[r] for r in group.refs if r in ctx.template.resources]
        if len(found) != 1 or not found[0].type.startswith("AWS::RDS::DB"):
            return  # a group from a parameter, an import or another stack
        parameters, _ = lookup(ctx.resolved_focus(found[0]), "Properties.Parameters")
        if not isinstance(parameters, dict):
            return
        value = parameters.get(name, ABSENT)
        source = f"parameter group `{found[0].logical_id}`"
    elif isinstance(group, str) and not group.startswith("default."):
        return  # a group created outside the template
    if isinstance(value, Unknown):
        return
    if value is ABSENT:
        if _default_enforces_tls(engine, props.get("EngineVersion", ABSENT)) is not False:
            return
        shown = f"{source} leaves `{name}` at its default, off for this engine version"
    elif str(value).strip().lower() in _TLS_ON:
        return
    else:
        shown = f"`{name}` is `{value}` in {source}"
    yield Violation(where, {"resource": db.logical_id, "detail": shown}, at_key=key not in props)
