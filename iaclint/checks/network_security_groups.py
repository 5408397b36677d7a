"""NET010: resources that can run without a security group of their own. Each resource type
takes its groups in its own way (network interfaces, launch templates, Auto Scaling groups
that launch a template), and some fall back to the VPC's default group when none is given."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from iaclint.checks.common import type_path
from iaclint.checks.network_common import show_resources, unset, users_of
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Focus, lookup
from iaclint.resolve.values import ABSENT, child_source

if TYPE_CHECKING:
    from iaclint.load.document import Path
    from iaclint.model.template import Resource


# -- NET010 ------------------------------------------------------------------------
_DEFAULT_GROUP = "AWS attaches the VPC's default security group"


def _present(focus: Focus, *paths: str) -> bool:
    return any(not unset(lookup(focus, p)[0]) for p in paths)


def _at(resource: Resource, focus: Focus, path: str) -> Path:
    """Where to report an unset list: at an empty one, or at the `Type` when it is absent."""
    value, source = lookup(focus, path)
    return type_path(resource) if value is ABSENT else source


def _nics_without_groups(
    focus: Focus, path: str, groups_key: str
) -> Iterator[tuple[Path, int]] | None:
    nics, nics_path = lookup(focus, path)
    if not isinstance(nics, list):
        return None
    return (
        (child_source(nics, nics_path, i), i)
        for i, nic in enumerate(nics)
        if isinstance(nic, dict)
        and unset(nic.get(groups_key, ABSENT))
        and "NetworkInterfaceId" not in nic
    )


def _instance_without_group(resource: Resource, focus: Focus) -> Iterator[tuple[Path, str]]:
    if _present(
        focus,
        "Properties.SecurityGroupIds",
        "Properties.SecurityGroups",
        "Properties.LaunchTemplate",
    ):
        return
    nics = _nics_without_groups(focus, "Properties.NetworkInterfaces", "GroupSet")
    if nics is None:
        if lookup(focus, "Properties.NetworkInterfaces")[0] is ABSENT:
            where = _at(resource, focus, "Properties.SecurityGroupIds")
            yield where, f"it sets no `SecurityGroupIds`, so {_DEFAULT_GROUP}"
        return
    for path, index in nics:
        yield path, f"network interface {index} has no `GroupSet`, so {_DEFAULT_GROUP}"


def _launch_template_without_group(
    resource: Resource, focus: Focus, ctx: CheckContext
) -> Iterator[tuple[Path, str]]:
    data = "Properties.LaunchTemplateData"
    if _present(focus, f"{data}.SecurityGroupIds", f"{data}.SecurityGroups"):
        return
    # Whoever launches from the template may bring its own groups (an instance, EKS, Batch,
    # a fleet); only Auto Scaling groups and instances without groups of their own cannot.
    users = users_of(ctx, resource.logical_id)
    if not users:
        return
    for user, _ in users:
        if user.type == "AWS::AutoScaling::AutoScalingGroup":
            continue
        user_focus = ctx.resolved_focus(user)
        if user.type != "AWS::EC2::Instance" or _present(
            user_focus,
            "Properties.SecurityGroupIds",
            "Properties.SecurityGroups",
            "Properties.NetworkInterfaces",
        ):
            return
    launched_by = show_resources([user for user, _ in users])
    nics = _nics_without_groups(focus, f"{data}.NetworkInterfaces", "Groups")
    if nics is None:
        if lookup(focus, f"{data}.NetworkInterfaces")[0] is ABSENT:
            detail = f"it sets no `SecurityGroupIds`, so {_DEFAULT_GROUP} to the instances"
            where = _at(resource, focus, f"{data}.SecurityGroupIds")
            yield where, f"{detail} that {launched_by} launches"
        return
    for path, index in nics:
        detail = f"network interface {index} has no `Groups`, so {_DEFAULT_GROUP}"
        yield path, f"{detail} to the instances that {launched_by} launches"


def _rds_without_group(resource: Resource, focus: Focus) -> Iterator[tuple[Path, str]]:
    if resource.type == "AWS::RDS::DBCluster":
        prop = "VpcSecurityGroupIds"
        if _present(focus, f"Properties.{prop}"):
            return
    else:
        prop = "VPCSecurityGroups"
        # Aurora members take the cluster's groups; DB security groups are EC2-Classic's.
        if _present(
            focus,
            f"Properties.{prop}",
            "Properties.DBSecurityGroups",
            "Properties.DBClusterIdentifier",
        ):
            return
    yield _at(resource, focus, f"Properties.{prop}"), f"it sets no `{prop}`, so {_DEFAULT_GROUP}"


def _lambda_without_group(
    resource: Resource, focus: Focus, ctx: CheckContext
) -> Iterator[tuple[Path, str]]:
    config, config_path = lookup(focus, "Properties.VpcConfig")
    if not isinstance(config, dict):
        return
    subnets = config.get("SubnetIds", ABSENT)
    if not isinstance(subnets, list) or not subnets:
        return
    if not unset(config.get("SecurityGroupIds", ABSENT)):
        return
    if resource.type == "AWS::Serverless::Function":
        globals_ = ctx.template.data.get("Globals")
        function = globals_.get("Function") if isinstance(globals_, dict) else None
        vpc = function.get("VpcConfig") if isinstance(function, dict) else None
        if isinstance(vpc, dict) and "SecurityGroupIds" in vpc:
            return  # SAM merges the global VpcConfig into the function's
    yield (
        config_path,
        "`VpcConfig` has `SubnetIds` but no `SecurityGroupIds`, which Lambda rejects "
        "(there is no default security group for functions), so the deployment fails",
    )


def _launch_configuration_without_group(
    resource: Resource, focus: Focus
) -> Iterator[tuple[Path, str]]:
    # A configuration made from an instance (`InstanceId`) takes that instance's groups.
    if not _present(focus, "Properties.SecurityGroups", "Properties.InstanceId"):
        where = _at(resource, focus, "Properties.SecurityGroups")
        yield where, f"it sets no `SecurityGroups`, so {_DEFAULT_GROUP}"


def _load_balancer_without_group(resource: Resource, focus: Focus) -> Iterator[tuple[Path, str]]:
    # Network and gateway load balancers work without security groups.
    lb_type, _ = lookup(focus, "Properties.Type")
    if lb_type is not ABSENT and lb_type != "application":
        return
    if not _present(focus, "Properties.SecurityGroups"):
        detail = f"this application load balancer sets no `SecurityGroups`, so {_DEFAULT_GROUP}"
        yield _at(resource, focus, "Properties.SecurityGroups"), detail


def _service_without_group(resource: Resource, focus: Focus) -> Iterator[tuple[Path, str]]:
    config, path = lookup(focus, "Properties.NetworkConfiguration.AwsvpcConfiguration")
    if isinstance(config, dict) and unset(config.get("SecurityGroups", ABSENT)):
        detail = f"`AwsvpcConfiguration` sets no `SecurityGroups`, so {_DEFAULT_GROUP}"
        yield path, f"{detail} to its tasks"


def no_security_group(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """Resources that end up with the VPC's default security group because they name none
    (or, for Lambda, fail to deploy)."""
    focus = ctx.resolved_focus(resource)
    kind = resource.type
    level = None
    found: Iterator[tuple[Path, str]]
    if kind == "AWS::EC2::Instance":
        found = _instance_without_group(resource, focus)
    elif kind == "AWS::EC2::LaunchTemplate":
        found = _launch_template_without_group(resource, focus, ctx)
    elif kind == "AWS::AutoScaling::LaunchConfiguration":
        found = _launch_configuration_without_group(resource, focus)
    elif kind in ("AWS::RDS::DBInstance", "AWS::RDS::DBCluster"):
        found = _rds_without_group(resource, focus)
    elif kind in ("AWS::Lambda::Function", "AWS::Serverless::Function"):
        found, level = _lambda_without_group(resource, focus, ctx), "error"
    elif kind == "AWS::ElasticLoadBalancingV2::LoadBalancer":
        found = _load_balancer_without_group(resource, focus)
    elif kind == "AWS::ECS::Service":
        found = _service_without_group(resource, focus)
    else:
        return
    for path, detail in found:
        args = {"resource": resource.logical_id, "detail": detail}
        yield Violation(path, args, level=level, at_key=True)
