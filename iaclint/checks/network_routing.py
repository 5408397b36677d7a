"""Network checks about subnets, routes and gateways: public addresses and data stores in
subnets that route to the internet, internet-facing load balancers and NAT gateways in
private subnets, NAT gateways no route uses, internet gateways that are not attached or not
routed (or routed before they are attached), VPC DNS settings of public databases, and
subnets without a route table association. A subnet without an
association uses the VPC's main route table, which a template cannot show, so the answer is
then unknown, never a finding."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from iaclint.checks.common import type_path, waits_for
from iaclint.checks.network_common import (
    DATA_STORE_SUBNETS,
    is_false,
    is_true,
    public_route_tables,
    route_tables,
    route_to_internet_gateway,
    show_resources,
    subnet_is_private,
    template_resource,
    under,
    users_of,
)
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Focus, lookup
from iaclint.resolve.values import ABSENT, Unknown, child_source

if TYPE_CHECKING:
    from iaclint.load.document import Path
    from iaclint.model.template import Resource


# -- NET011 ------------------------------------------------------------------------
def _private_subnet_maps_public_ip(
    resource: Resource, focus: Focus, ctx: CheckContext
) -> Iterator[tuple[Path, str]]:
    value, path = lookup(focus, "Properties.MapPublicIpOnLaunch")
    if not is_true(value):
        return
    tables = route_tables(ctx, resource)
    if tables is None:
        return
    for table in tables:
        if route_to_internet_gateway(ctx, table) is not False:
            return
    yield (
        path,
        f"`MapPublicIpOnLaunch` is true, but its route table {show_resources(tables)} has no route "
        "to an internet gateway, so it is a private subnet",
    )


def _load_balanced(ctx: CheckContext, group: Resource) -> bool:
    focus = ctx.resolved_focus(group)
    for prop in ("TargetGroupARNs", "LoadBalancerNames"):
        value, _ = lookup(focus, f"Properties.{prop}")
        if isinstance(value, list) and value:
            return True
    return False


def _balanced_groups(ctx: CheckContext, launcher: Resource, props: tuple[str, ...]) -> str:
    groups = [
        user
        for user, prop in users_of(ctx, launcher.logical_id)
        if user.type == "AWS::AutoScaling::AutoScalingGroup"
        and under(prop, props)
        and _load_balanced(ctx, user)
    ]
    return show_resources(groups)


def _launched_behind_load_balancer(
    resource: Resource, focus: Focus, ctx: CheckContext
) -> Iterator[tuple[Path, str]]:
    if resource.type == "AWS::EC2::LaunchTemplate":
        nics, nics_path = lookup(focus, "Properties.LaunchTemplateData.NetworkInterfaces")
        if not isinstance(nics, list):
            return
        found = [
            (child_source(nic, child_source(nics, nics_path, i), "AssociatePublicIpAddress"), i)
            for i, nic in enumerate(nics)
            if isinstance(nic, dict) and is_true(nic.get("AssociatePublicIpAddress", ABSENT))
        ]
        props: tuple[str, ...] = ("LaunchTemplate", "MixedInstancesPolicy")
    else:
        value, path = lookup(focus, "Properties.AssociatePublicIpAddress")
        found = [(path, 0)] if is_true(value) else []
        props = ("LaunchConfigurationName",)
    if not found:
        return
    groups = _balanced_groups(ctx, resource, props)
    if not groups:
        return
    for path, _ in found:
        yield (
            path,
            f"`AssociatePublicIpAddress` is true for the instances of {groups}, which serve "
            "through a load balancer",
        )


def public_ip_on_private_tier(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """Public IP addresses handed out where nothing should be reached directly: in subnets
    with no route to an internet gateway, and to instances or tasks behind a load balancer."""
    focus = ctx.resolved_focus(resource)
    found: Iterator[tuple[Path, str]] = iter(())
    if resource.type == "AWS::EC2::Subnet":
        found = _private_subnet_maps_public_ip(resource, focus, ctx)
    elif resource.type in ("AWS::EC2::LaunchTemplate", "AWS::AutoScaling::LaunchConfiguration"):
        found = _launched_behind_load_balancer(resource, focus, ctx)
    elif resource.type == "AWS::ECS::Service":
        config = "Properties.NetworkConfiguration.AwsvpcConfiguration"
        value, path = lookup(focus, f"{config}.AssignPublicIp")
        balancers, _ = lookup(focus, "Properties.LoadBalancers")
        enabled = isinstance(value, str) and value.strip().upper() == "ENABLED"
        if enabled and isinstance(balancers, list) and balancers:
            detail = "`AssignPublicIp` is `ENABLED` for tasks that serve through a load balancer"
            found = iter([(path, detail)])
    for path, detail in found:
        yield Violation(path, {"resource": resource.logical_id, "detail": detail})


# -- NET015 ------------------------------------------------------------------------
def data_store_in_public_subnet(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """Subnet groups and VPC-attached data stores that use a subnet whose route table sends
    traffic to an internet gateway."""
    prop = DATA_STORE_SUBNETS.get(resource.type)
    if prop is None:
        return
    focus = ctx.resolved_focus(resource)
    subnets, subnets_path = lookup(focus, f"Properties.{prop}")
    if not isinstance(subnets, list):
        return
    for i, item in enumerate(subnets):
        if not isinstance(item, Unknown):
            continue
        targets = [
            ctx.template.resources[r]
            for r in item.refs
            if r in ctx.template.resources and ctx.template.resources[r].type == "AWS::EC2::Subnet"
        ]
        if len(targets) != 1 or not ctx.is_active(targets[0]):
            continue
        tables = public_route_tables(ctx, targets[0])
        if tables is None:
            continue
        args = {
            "resource": resource.logical_id,
            "value": targets[0].logical_id,
            "tables": show_resources(tables),
        }
        yield Violation(child_source(subnets, subnets_path, i), args)


# -- NET021 ------------------------------------------------------------------------
def internet_facing_lb_in_private_subnet(
    resource: Resource, ctx: CheckContext
) -> Iterator[Violation]:
    """An internet-facing load balancer with a subnet that has no route to an internet
    gateway: the load balancer's node there cannot be reached."""
    focus = ctx.resolved_focus(resource)
    scheme, _ = lookup(focus, "Properties.Scheme")
    if scheme is not ABSENT and not (
        isinstance(scheme, str) and scheme.strip().lower() == "internet-facing"
    ):
        return
    lb_type, _ = lookup(focus, "Properties.Type")
    if isinstance(lb_type, str) and lb_type.strip().lower() == "gateway":
        return
    if lb_type is not ABSENT and not isinstance(lb_type, str):
        return
    found: list[tuple[Any, Path]] = []
    subnets, subnets_path = lookup(focus, "Properties.Subnets")
    if isinstance(subnets, list):
        found += [(s, child_source(subnets, subnets_path, i)) for i, s in enumerate(subnets)]
    mappings, mappings_path = lookup(focus, "Properties.SubnetMappings")
    if isinstance(mappings, list):
        for i, mapping in enumerate(mappings):
            if isinstance(mapping, dict) and "SubnetId" in mapping:
                mapping_path = child_source(mappings, mappings_path, i)
                found.append((mapping["SubnetId"], child_source(mapping, mapping_path, "SubnetId")))
    for value, path in found:
        subnet = template_resource(ctx, value, "AWS::EC2::Subnet")
        if subnet is None:
            continue
        tables = subnet_is_private(ctx, subnet)
        if tables is None:
            continue
        args = {"resource": resource.logical_id, "value": subnet.logical_id}
        args["tables"] = show_resources(tables)
        yield Violation(path, args)


# -- NET023 ------------------------------------------------------------------------
def nat_gateway_in_private_subnet(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A public NAT gateway in a subnet with no route to an internet gateway gives the
    private subnets no way out; a NAT gateway (public or private) that no route uses carries
    no traffic at all."""
    focus = ctx.resolved_focus(resource)
    connectivity, _ = lookup(focus, "Properties.ConnectivityType")
    public = connectivity is ABSENT or (
        isinstance(connectivity, str) and connectivity.strip().lower() == "public"
    )
    value, path = lookup(focus, "Properties.SubnetId")
    subnet = template_resource(ctx, value, "AWS::EC2::Subnet")
    tables = subnet_is_private(ctx, subnet) if public and subnet is not None else None
    if subnet is not None and tables is not None:
        detail = (
            f"is in subnet `{subnet.logical_id}`, whose route table {show_resources(tables)} "
            "has no route to an internet gateway, so nothing behind it reaches the internet"
        )
        yield Violation(path, {"resource": resource.logical_id, "detail": detail})
    elif _unrouted(ctx, resource):
        detail = (
            "is the target of no route (no `AWS::EC2::Route` names it in `NatGatewayId`), so "
            "no private subnet sends its traffic through it"
        )
        args = {"resource": resource.logical_id, "detail": detail}
        yield Violation(type_path(resource), args, level="warning", at_key=True)


def _unrouted(ctx: CheckContext, nat: Resource) -> bool:
    """No active route of the template names the NAT gateway, and nothing else (an output,
    a nested stack, a custom resource) might pass it on to routes elsewhere."""
    routes = [r for r in ctx.query.referrers(nat.logical_id, "AWS::EC2::Route") if ctx.is_active(r)]
    return not routes and not _referenced_elsewhere(ctx, nat.logical_id, ("AWS::EC2::Route",))


# -- NET024 ------------------------------------------------------------------------
def internet_gateway_unattached_or_unrouted(
    resource: Resource, ctx: CheckContext
) -> Iterator[Violation]:
    """An internet gateway that no VPC gateway attachment attaches, or that no route uses."""
    attachments = [
        a
        for a in ctx.query.referrers(
            resource.logical_id, "AWS::EC2::VPCGatewayAttachment", "InternetGatewayId"
        )
        if ctx.is_active(a)
    ]
    routes = [
        r
        for r in ctx.query.referrers(resource.logical_id, "AWS::EC2::Route", "GatewayId")
        if ctx.is_active(r)
    ]
    if not attachments:
        detail = "does nothing: no `AWS::EC2::VPCGatewayAttachment` attaches it to a VPC"
    elif not routes:
        detail = (
            "does nothing: no `AWS::EC2::Route` sends traffic to it, so no subnet can reach "
            "the internet"
        )
    else:
        yield from _routes_before_attachment(ctx, resource, routes, attachments)
        return
    if _referenced_elsewhere(ctx, resource.logical_id, _GATEWAY_USERS):
        return
    args = {"what": "Internet gateway", "resource": resource.logical_id, "detail": detail}
    yield Violation(type_path(resource), args, at_key=True)


def _routes_before_attachment(
    ctx: CheckContext, gateway: Resource, routes: list[Resource], attachments: list[Resource]
) -> Iterator[Violation]:
    """Routes to the gateway that CloudFormation may create before the attachment: nothing
    orders them, and EC2 rejects a route to a gateway not yet attached to the table's VPC
    ("route table ... and network gateway ... belong to different networks")."""
    for route in routes:
        # A reference or DependsOn, directly or through other resources, in any Fn::If
        # branch: a dependency that holds in some scenario is taken as there (no finding).
        if any(waits_for(ctx, route, attachment) for attachment in attachments):
            continue
        detail = (
            f"sends traffic to internet gateway `{gateway.logical_id}` but has no `DependsOn` "
            f"on its attachment {show_resources(attachments)}, so it may be created before the "
            'gateway is attached and fail ("belong to different networks")'
        )
        args = {"what": "Route", "resource": route.logical_id, "detail": detail}
        yield Violation(type_path(route), args, logical_id=route.logical_id, at_key=True)


_GATEWAY_USERS = ("AWS::EC2::VPCGatewayAttachment", "AWS::EC2::Route")


def _referenced_elsewhere(ctx: CheckContext, logical_id: str, users: tuple[str, ...]) -> bool:
    """Named by an output (another stack may attach or route it), or by a resource not of
    the `users` types (a custom resource, a nested stack's parameter)."""
    for source, refs in ctx.index.predecessors.get(("Resources", logical_id), {}).items():
        if not any(ref.kind in ("ref", "getatt", "sub") for ref in refs):
            continue
        if source[0] == "Outputs":
            return True
        user = ctx.template.resources.get(source[1]) if source[0] == "Resources" else None
        if user is not None and ctx.is_active(user) and user.type not in users:
            return True
    return False


# -- NET025 ------------------------------------------------------------------------
def _vpc_dns_problem(ctx: CheckContext, vpc: Resource) -> str | None:
    """Why the VPC cannot give an instance a public DNS name; None when it can (or when
    that cannot be known). EnableDnsSupport defaults to true, EnableDnsHostnames to false."""
    focus = ctx.resolved_focus(vpc)
    if is_false(lookup(focus, "Properties.EnableDnsSupport")[0]):
        return "`EnableDnsSupport` is false"
    hostnames, _ = lookup(focus, "Properties.EnableDnsHostnames")
    if hostnames is ABSENT:
        return "`EnableDnsHostnames` is not set (false by default)"
    if is_false(hostnames):
        return "`EnableDnsHostnames` is false"
    return None


def public_rds_without_vpc_dns(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A publicly accessible RDS instance in a VPC without DNS hostnames and resolution.
    https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html"""
    focus = ctx.resolved_focus(resource)
    public, public_path = lookup(focus, "Properties.PubliclyAccessible")
    if not is_true(public):
        return
    group_value, _ = lookup(focus, "Properties.DBSubnetGroupName")
    group = template_resource(ctx, group_value, "AWS::RDS::DBSubnetGroup")
    if group is None:
        return
    vpcs: dict[str, Resource] = {}
    for subnet in ctx.query.subnets_of(group.logical_id):
        if not ctx.is_active(subnet):
            continue
        vpc_value, _ = lookup(ctx.resolved_focus(subnet), "Properties.VpcId")
        vpc = template_resource(ctx, vpc_value, "AWS::EC2::VPC")
        if vpc is not None:
            vpcs[vpc.logical_id] = vpc
    for vpc in vpcs.values():
        detail = _vpc_dns_problem(ctx, vpc)
        if detail is None:
            continue
        args = {"resource": resource.logical_id, "vpc": vpc.logical_id, "detail": detail}
        yield Violation(public_path, args)


# -- NET026 ------------------------------------------------------------------------
def subnet_without_route_table(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A subnet that no route table association names uses the VPC's main route table."""
    named, untraced = ctx.memo("network:associated-subnets", lambda: _associated_subnets(ctx))
    # A subnet id from a parameter or another stack might be this one.
    if untraced or resource.logical_id in named:
        return
    yield Violation(type_path(resource), {"resource": resource.logical_id}, at_key=True)


def _associated_subnets(ctx: CheckContext) -> tuple[set[str], bool]:
    """The template subnets that active route table associations name, and whether one
    names a subnet that is not a template resource (once per scenario, not per subnet)."""
    template = ctx.template
    named: set[str] = set()
    untraced = False
    for association in template.of_types(("AWS::EC2::SubnetRouteTableAssociation",)):
        if not ctx.is_active(association):
            continue
        subnet, _ = lookup(ctx.resolved_focus(association), "Properties.SubnetId")
        if isinstance(subnet, Unknown):
            named.update(subnet.refs)
            untraced = untraced or not any(r in template.resources for r in subnet.refs)
    return named, untraced
