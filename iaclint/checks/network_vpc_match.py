"""NET033: a resource whose security groups and subnets belong to different VPCs. Each
resource type names its groups and its subnets (directly, through a subnet group, or through
the launch template or configuration it launches from, `network_launch.py`) in its own way;
two VPCs are compared only when the template tells both the same way."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from iaclint.checks.network_common import AUTO_SCALING_GROUP, SECURITY_GROUP, template_resource
from iaclint.checks.network_launch import LAUNCH_TEMPLATE, Launch, launch_of
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Focus, lookup
from iaclint.resolve.values import ABSENT, child_source

if TYPE_CHECKING:
    from iaclint.load.document import Path
    from iaclint.model.template import Resource


def _subnet_group(prop: str, kind: str) -> dict[str, Any]:
    return {"subnet_group": (prop, kind)}


# Where each resource names its security groups, its subnets, a subnet group of a given
# type (whose `SubnetIds` hold the subnets) and a VPC of its own. `*` stands for every item
# of a list.
_PLACEMENT: dict[str, dict[str, Any]] = {
    "AWS::ElasticLoadBalancingV2::LoadBalancer": {
        "groups": "SecurityGroups",
        "subnets": ("Subnets", "SubnetMappings.*.SubnetId"),
    },
    "AWS::ElasticLoadBalancing::LoadBalancer": {
        "groups": "SecurityGroups",
        "subnets": ("Subnets",),
    },
    "AWS::Lambda::Function": {
        "groups": "VpcConfig.SecurityGroupIds",
        "subnets": ("VpcConfig.SubnetIds",),
    },
    "AWS::ECS::Service": {
        "groups": "NetworkConfiguration.AwsvpcConfiguration.SecurityGroups",
        "subnets": ("NetworkConfiguration.AwsvpcConfiguration.Subnets",),
    },
    "AWS::ECS::TaskSet": {
        "groups": "NetworkConfiguration.AwsVpcConfiguration.SecurityGroups",
        "subnets": ("NetworkConfiguration.AwsVpcConfiguration.Subnets",),
    },
    "AWS::EFS::MountTarget": {"groups": "SecurityGroups", "subnets": ("SubnetId",)},
    "AWS::EC2::VPCEndpoint": {"groups": "SecurityGroupIds", "subnets": ("SubnetIds",), "vpc": True},
    "AWS::EC2::NetworkInterface": {"groups": "GroupSet", "subnets": ("SubnetId",)},
    "AWS::RDS::DBInstance": {
        "groups": "VPCSecurityGroups",
        **_subnet_group("DBSubnetGroupName", "AWS::RDS::DBSubnetGroup"),
    },
    "AWS::RDS::DBCluster": {
        "groups": "VpcSecurityGroupIds",
        **_subnet_group("DBSubnetGroupName", "AWS::RDS::DBSubnetGroup"),
    },
    "AWS::DocDB::DBCluster": {
        "groups": "VpcSecurityGroupIds",
        **_subnet_group("DBSubnetGroupName", "AWS::DocDB::DBSubnetGroup"),
    },
    "AWS::Neptune::DBCluster": {
        "groups": "VpcSecurityGroupIds",
        **_subnet_group("DBSubnetGroupName", "AWS::Neptune::DBSubnetGroup"),
    },
    "AWS::Redshift::Cluster": {
        "groups": "VpcSecurityGroupIds",
        **_subnet_group("ClusterSubnetGroupName", "AWS::Redshift::ClusterSubnetGroup"),
    },
    "AWS::DMS::ReplicationInstance": {
        "groups": "VpcSecurityGroupIds",
        **_subnet_group("ReplicationSubnetGroupIdentifier", "AWS::DMS::ReplicationSubnetGroup"),
    },
    "AWS::ElastiCache::CacheCluster": {
        "groups": "VpcSecurityGroupIds",
        **_subnet_group("CacheSubnetGroupName", "AWS::ElastiCache::SubnetGroup"),
    },
    "AWS::ElastiCache::ReplicationGroup": {
        "groups": "SecurityGroupIds",
        **_subnet_group("CacheSubnetGroupName", "AWS::ElastiCache::SubnetGroup"),
    },
    "AWS::MemoryDB::Cluster": {
        "groups": "SecurityGroupIds",
        **_subnet_group("SubnetGroupName", "AWS::MemoryDB::SubnetGroup"),
    },
    "AWS::DAX::Cluster": {
        "groups": "SecurityGroupIds",
        **_subnet_group("SubnetGroupName", "AWS::DAX::SubnetGroup"),
    },
    "AWS::ElastiCache::ServerlessCache": {"groups": "SecurityGroupIds", "subnets": ("SubnetIds",)},
    "AWS::RedshiftServerless::Workgroup": {"groups": "SecurityGroupIds", "subnets": ("SubnetIds",)},
    "AWS::FSx::FileSystem": {"groups": "SecurityGroupIds", "subnets": ("SubnetIds",)},
    "AWS::AmazonMQ::Broker": {"groups": "SecurityGroups", "subnets": ("SubnetIds",)},
    "AWS::MSK::Cluster": {
        "groups": "BrokerNodeGroupInfo.SecurityGroups",
        "subnets": ("BrokerNodeGroupInfo.ClientSubnets",),
    },
    "AWS::OpenSearchService::Domain": {
        "groups": "VPCOptions.SecurityGroupIds",
        "subnets": ("VPCOptions.SubnetIds",),
    },
    "AWS::Elasticsearch::Domain": {
        "groups": "VPCOptions.SecurityGroupIds",
        "subnets": ("VPCOptions.SubnetIds",),
    },
    "AWS::EKS::Cluster": {
        "groups": "ResourcesVpcConfig.SecurityGroupIds",
        "subnets": ("ResourcesVpcConfig.SubnetIds",),
    },
    "AWS::Batch::ComputeEnvironment": {
        "groups": "ComputeResources.SecurityGroupIds",
        "subnets": ("ComputeResources.Subnets",),
    },
    "AWS::CodeBuild::Project": {
        "groups": "VpcConfig.SecurityGroupIds",
        "subnets": ("VpcConfig.Subnets",),
        "vpc": "VpcConfig.VpcId",
    },
    "AWS::SageMaker::NotebookInstance": {"groups": "SecurityGroupIds", "subnets": ("SubnetId",)},
    "AWS::AppRunner::VpcConnector": {"groups": "SecurityGroups", "subnets": ("Subnets",)},
    "AWS::Route53Resolver::ResolverEndpoint": {
        "groups": "SecurityGroupIds",
        "subnets": ("IpAddresses.*.SubnetId",),
    },
    # Groups only from the launch template; subnets of their own.
    AUTO_SCALING_GROUP: {"groups": None, "subnets": ("VPCZoneIdentifier",)},
    "AWS::EKS::Nodegroup": {"groups": None, "subnets": ("Subnets",)},
}
# Resources that may take their security groups from a launch template.
_LAUNCHERS = (
    AUTO_SCALING_GROUP,
    "AWS::EKS::Nodegroup",
    "AWS::Batch::ComputeEnvironment",
    "AWS::EC2::Instance",
)

# A VPC as far as the template tells: ("vpc", logical id) for one it creates, ("id", vpc-...)
# for a known id, ("default", "") for a security group without `VpcId`.
VpcIdentity = tuple[str, str]
# (security group references with their paths, what names them, (what, VPC) of where the
# resource is placed)
Placement = tuple[list[tuple[Any, "Path"]], str, list[tuple[str, VpcIdentity]]]


def _vpc_identity(ctx: CheckContext, value: Any) -> VpcIdentity | None:
    if isinstance(value, str) and value.strip():
        return ("id", value.strip())
    vpc = template_resource(ctx, value, "AWS::EC2::VPC")
    return ("vpc", vpc.logical_id) if vpc is not None else None


def _show_vpc(identity: VpcIdentity) -> str:
    if identity[0] == "default":
        return "the default VPC (it sets no `VpcId`)"
    return f"VPC `{identity[1]}`"


def _different(group_vpc: VpcIdentity, placed: VpcIdentity) -> bool:
    """Surely different VPCs. A VPC the template creates is never the default VPC; a
    literal id and a template VPC cannot be compared."""
    if group_vpc[0] == "default":
        return placed[0] == "vpc"
    return group_vpc[0] == placed[0] and group_vpc[1] != placed[1]


def _items(focus: Focus, dotted: str) -> list[tuple[Any, Path]]:
    """The values at a dotted path whose `*` stands for every item of a list; a single
    value (a `SubnetId`) is a list of one."""
    head, _, rest = dotted.partition(".*.")
    value, path = lookup(focus, head)
    if value is ABSENT:
        return []
    if not isinstance(value, list):
        return [] if rest else [(value, path)]
    items = [(v, child_source(value, path, i)) for i, v in enumerate(value)]
    if not rest:
        return items
    found = []
    for item, item_path in items:
        inner, inner_path = lookup(Focus(item, item_path), rest)
        if inner is not ABSENT:
            found.append((inner, inner_path))
    return found


def _subnet_vpcs(ctx: CheckContext, values: list[Any]) -> list[tuple[str, VpcIdentity]]:
    """(subnet, its VPC) for the template subnets among the values whose VPC is known."""
    found = []
    for value in values:
        subnet = template_resource(ctx, value, "AWS::EC2::Subnet")
        if subnet is None:
            continue
        vpc = _vpc_identity(ctx, lookup(ctx.resolved_focus(subnet), "Properties.VpcId")[0])
        if vpc is not None:
            found.append((f"subnet `{subnet.logical_id}`", vpc))
    return found


def _from_launch(launch: Launch) -> tuple[list[tuple[Any, Path]], str]:
    """The launch template's groups, reported where the launcher names the template."""
    return [(value, launch.named_at) for value, _ in launch.groups], f" (from {launch.describe()})"


def _instance_placements(resource: Resource, ctx: CheckContext) -> Iterator[Placement]:
    focus = ctx.resolved_focus(resource)
    nics, nics_path = lookup(focus, "Properties.NetworkInterfaces")
    if isinstance(nics, list) and nics:
        for i, nic in enumerate(nics):
            if not isinstance(nic, dict):
                continue
            nic_focus = Focus(nic, child_source(nics, nics_path, i), resource)
            groups = _items(nic_focus, "GroupSet")
            yield groups, "", _subnet_vpcs(ctx, [nic.get("SubnetId", ABSENT)])
        return
    groups = _items(focus, "Properties.SecurityGroupIds")
    subnets = [lookup(focus, "Properties.SubnetId")[0]]
    via = ""
    launch = launch_of(ctx, resource)
    if not groups and launch is not None:
        groups, via = _from_launch(launch)
        subnets += launch.subnets
    yield groups, via, _subnet_vpcs(ctx, subnets)


def _launch_template_placements(resource: Resource, ctx: CheckContext) -> Iterator[Placement]:
    """Each network interface of a launch template: its groups (and the template's) against
    its subnet."""
    focus = ctx.resolved_focus(resource)
    data = "Properties.LaunchTemplateData"
    shared = _items(focus, f"{data}.SecurityGroupIds")
    for nic, nic_path in _items(focus, f"{data}.NetworkInterfaces"):
        if isinstance(nic, dict) and "SubnetId" in nic:
            groups = shared + _items(Focus(nic, nic_path, resource), "Groups")
            yield groups, "", _subnet_vpcs(ctx, [nic["SubnetId"]])


def _placements(resource: Resource, ctx: CheckContext) -> Iterator[Placement]:
    if resource.type == "AWS::EC2::Instance":
        yield from _instance_placements(resource, ctx)
        return
    if resource.type == LAUNCH_TEMPLATE:
        yield from _launch_template_placements(resource, ctx)
        return
    spec = _PLACEMENT.get(resource.type)
    if spec is None:
        return
    focus = ctx.resolved_focus(resource)
    groups = _items(focus, f"Properties.{spec['groups']}") if spec["groups"] else []
    subnet_values = [
        v for p in spec.get("subnets", ()) for v, _ in _items(focus, f"Properties.{p}")
    ]
    via = ""
    launch = launch_of(ctx, resource) if resource.type in _LAUNCHERS else None
    if launch is not None:
        subnet_values += launch.subnets
        if not groups:
            groups, via = _from_launch(launch)
    placed = _subnet_vpcs(ctx, subnet_values)
    if "subnet_group" in spec:
        prop, kind = spec["subnet_group"]
        subnet_group = template_resource(ctx, lookup(focus, f"Properties.{prop}")[0], kind)
        if subnet_group is not None:
            ids, _ = lookup(ctx.resolved_focus(subnet_group), "Properties.SubnetIds")
            if isinstance(ids, list):
                placed = _subnet_vpcs(ctx, ids)
    if spec.get("vpc"):
        prop = spec["vpc"] if isinstance(spec["vpc"], str) else "VpcId"
        own = _vpc_identity(ctx, lookup(focus, f"Properties.{prop}")[0])
        if own is not None:
            placed.append((f"its `{prop.rpartition('.')[2]}`", own))
    yield groups, via, placed


def security_group_in_other_vpc(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A security group of one VPC attached to a resource placed in another: creating the
    resource fails."""
    for groups, via, placed in _placements(resource, ctx):
        if not placed:
            continue
        for value, path in groups:
            group = template_resource(ctx, value, SECURITY_GROUP)
            if group is None:
                continue
            raw_vpc, _ = lookup(ctx.resolved_focus(group), "Properties.VpcId")
            group_vpc = ("default", "") if raw_vpc is ABSENT else _vpc_identity(ctx, raw_vpc)
            if group_vpc is None:
                continue
            where = next(((w, v) for w, v in placed if _different(group_vpc, v)), None)
            if where is None:
                continue
            args = {
                "resource": resource.logical_id,
                "group": group.logical_id,
                "via": via,
                "group_vpc": _show_vpc(group_vpc),
                "placed": where[0],
                "placed_vpc": _show_vpc(where[1]),
            }
            yield Violation(path, args)
