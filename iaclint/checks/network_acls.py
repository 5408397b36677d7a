"""Network ACL checks: which subnets a network ACL guards, and how its entries work together
(duplicate and packed rule numbers, return traffic, shadowed denies). Entries are separate
`AWS::EC2::NetworkAclEntry` resources, so every check here reads the ACL's entries as a set
(`network_acl_entries.py`). CIDR and route-level checks of VPCs live in `network_cidrs.py`."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import TYPE_CHECKING

from iaclint.checks.common import type_path
from iaclint.checks.network_acl_entries import AclEntry, Network, acl_entries
from iaclint.checks.network_common import (
    DATA_STORE_SUBNETS,
    show_resources,
    under,
    users_of,
)
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import lookup
from iaclint.resolve.values import Unknown

if TYPE_CHECKING:
    from iaclint.model.template import Resource


# -- NET022 ------------------------------------------------------------------------
def nacl_duplicate_rule_numbers(ctx: CheckContext) -> Iterator[Violation]:
    """Two entries of one network ACL with the same direction and rule number: the second
    one fails to create."""
    seen: dict[tuple[str, bool, int], AclEntry] = {}
    for entries in acl_entries(ctx).by_acl.values():
        for entry in entries:  # in template order: the later twin is reported
            if entry.outbound is None or entry.number is None:
                continue
            first = seen.setdefault((entry.acl, entry.outbound, entry.number), entry)
            if first is entry:
                continue
            args = {
                "resource": entry.resource.logical_id,
                "value": str(entry.number),
                "other": first.resource.logical_id,
                "direction": entry.direction,
                "acl": entry.acl,
            }
            _, number_path = lookup(entry.focus, "Properties.RuleNumber")
            yield Violation(number_path, args, entry.resource.logical_id)


# Ephemeral port ranges of common clients: ELB, NAT gateways and Lambda (1024-65535), Linux
# (32768-60999), Windows Server 2008 and later (49152-65535), older Windows (1025-5000).
# https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html
_EPHEMERAL = ((1024, 65535), (32768, 60999), (49152, 65535), (1025, 5000))
# Data stores keep their network interfaces in these subnets (NET015's list, plus file
# systems and the serverless stores).
DATA_TIER_SUBNETS = {
    **DATA_STORE_SUBNETS,
    "AWS::EFS::MountTarget": "SubnetId",
    "AWS::FSx::FileSystem": "SubnetIds",
    "AWS::ElastiCache::ServerlessCache": "SubnetIds",
    "AWS::RedshiftServerless::Workgroup": "SubnetIds",
    "AWS::DocDBElastic::Cluster": "SubnetIds",
}


def _entry_of(ctx: CheckContext, resource: Resource) -> tuple[AclEntry, list[AclEntry]] | None:
    """The resource's entry and its ACL's other entries."""
    for entries in acl_entries(ctx).by_acl.values():
        for entry in entries:
            if entry.resource is resource:
                return entry, [e for e in entries if e is not entry]
    return None


def _complete_acl(ctx: CheckContext, acl: str) -> bool:
    """Are all of the ACL's entries in view: made here, not handed to other stacks, and
    no entry of unknown ACL that might add to it?"""
    if acl not in ctx.template.resources or acl_entries(ctx).stray:
        return False
    return not any(ref.target == acl and ref.source[0] == "Outputs" for ref in ctx.references)


# -- NET040 ------------------------------------------------------------------------
def _data_users(ctx: CheckContext, subnet: Resource) -> list[Resource]:
    return [
        user
        for user, prop in users_of(ctx, subnet.logical_id)
        if (expected := DATA_TIER_SUBNETS.get(user.type)) is not None and under(prop, (expected,))
    ]


def _acl_associations(ctx: CheckContext, subnet: Resource) -> list[Resource] | None:
    """The active NACL associations of the subnet; None when one whose subnet cannot be
    known might be for it."""
    found = []
    for other in ctx.template.resources.values():
        if other.type != "AWS::EC2::SubnetNetworkAclAssociation" or not ctx.is_active(other):
            continue
        value, _ = lookup(ctx.resolved_focus(other), "Properties.SubnetId")
        if isinstance(value, Unknown):
            if subnet.logical_id in value.refs:
                found.append(other)
            elif not any(r in ctx.template.resources for r in value.refs):
                return None
    return found


def _allows_everything_inbound(entry: AclEntry, others: list[AclEntry]) -> bool:
    """An inbound allow of all traffic from anywhere with no deny before it."""
    if not (entry.known and entry.allow and not entry.outbound and entry.protocol == "-1"):
        return False
    if entry.network is None or entry.network.prefixlen != 0:
        return False
    for other in others:
        if other.outbound is not False and other.outbound is not None:
            continue
        if other.allow is not True and (other.number is None or other.number < entry.number):
            return False  # a deny (or a rule that might be one) comes first
    return True


def subnet_without_network_acl(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """Data-tier subnets left to the VPC's default network ACL, which allows everything,
    and custom ACLs of data-tier subnets that allow everything inbound just the same."""
    if resource.type == "AWS::EC2::Subnet":
        stores = _data_users(ctx, resource)
        if not stores or _acl_associations(ctx, resource) != []:
            return
        detail = (
            f"holds the data tier ({show_resources(stores)}) but has no "
            "`AWS::EC2::SubnetNetworkAclAssociation`, so the VPC's default network ACL, "
            "which allows all traffic, guards it"
        )
        yield Violation(
            type_path(resource), {"resource": resource.logical_id, "detail": detail}, at_key=True
        )
        return
    found = _entry_of(ctx, resource)
    if found is None or acl_entries(ctx).stray or not _allows_everything_inbound(*found):
        return  # an entry of unknown ACL might be a deny that comes first
    entry = found[0]
    subnets = []
    for association in ctx.query.referrers(
        entry.acl, "AWS::EC2::SubnetNetworkAclAssociation", "NetworkAclId"
    ):
        if not ctx.is_active(association):
            continue
        for subnet in ctx.query.targets(association.logical_id, "AWS::EC2::Subnet", "SubnetId"):
            if ctx.is_active(subnet) and _data_users(ctx, subnet):
                subnets.append(subnet)
    if not subnets:
        return
    detail = (
        f"allows all inbound traffic from `{entry.network}` into network ACL `{entry.acl}` "
        f"of data-tier subnet {show_resources(subnets)}, as the default network ACL does"
    )
    _, where = lookup(entry.focus, "Properties.Protocol")
    yield Violation(where, {"resource": resource.logical_id, "detail": detail})


# -- NET041 ------------------------------------------------------------------------
def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return merged


def covers_ephemeral(ranges: list[tuple[int, int]]) -> bool:
    """Do the port ranges together cover the ephemeral ports of some kind of client?"""
    merged = _merged(ranges)
    return any(
        low <= want_low and want_high <= high
        for want_low, want_high in _EPHEMERAL
        for low, high in merged
    )


def _within(network: Network, networks: list[Network]) -> bool:
    same = [n for n in networks if n.version == network.version]
    collapsed = ipaddress.collapse_addresses(same)  # type: ignore[misc]
    return any(network.subnet_of(n) for n in collapsed)  # type: ignore[arg-type]


def _returns_allowed(entry: AclEntry, opposite: list[AclEntry]) -> bool:
    """Do the opposite direction's allow rules let the replies of `entry`'s traffic pass?"""
    assert entry.network is not None
    fits = [
        (o.network, o.ports)
        for o in opposite
        if o.allow and o.protocol in ("-1", entry.protocol) and o.network and o.ports
    ]
    if _within(entry.network, [n for n, ports in fits if covers_ephemeral([ports])]):
        return True
    # Ephemeral ports split over several rules towards networks that each hold the peer.
    return covers_ephemeral([ports for n, ports in fits if _within(entry.network, [n])])


def nacl_missing_return_traffic(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """An allow rule for a service port whose replies no rule of the other direction lets
    through: network ACLs are stateless."""
    found = _entry_of(ctx, resource)
    if found is None:
        return
    entry, others = found
    if not entry.known or not entry.allow or entry.protocol not in ("6", "17"):
        return
    assert entry.ports is not None
    if covers_ephemeral([entry.ports]) or not _complete_acl(ctx, entry.acl):
        return  # a rule for return traffic itself, or entries that cannot all be seen
    opposite = [o for o in others if o.outbound is not entry.outbound]
    if any(not o.known for o in opposite):
        return  # an entry that cannot be read might be the return rule
    if _returns_allowed(entry, opposite):
        return
    other = "inbound" if entry.outbound else "outbound"
    side = "from" if entry.outbound else "to"
    args = {
        "resource": resource.logical_id,
        "rule": entry.describe(),
        "acl": entry.acl,
        "detail": f"no {other} rule allows the ephemeral ports (1024-65535) {side} "
        f"`{entry.network}`",
    }
    yield Violation(lookup(entry.focus, "Properties.PortRange")[1], args)


# -- NET042 ------------------------------------------------------------------------
def _covers(allow: AclEntry, deny: AclEntry) -> bool:
    """Does every packet `deny` matches also match `allow`? Both entries known."""
    assert allow.network is not None and deny.network is not None
    if allow.network.version != deny.network.version:
        return False
    if not deny.network.subnet_of(allow.network):  # type: ignore[arg-type]
        return False
    if allow.protocol == "-1":
        return True
    if allow.protocol != deny.protocol:
        return False
    assert allow.ports and deny.ports and allow.icmp and deny.icmp
    if allow.ports[0] > deny.ports[0] or allow.ports[1] < deny.ports[1]:
        return False
    return all(a in (-1, d) for a, d in zip(allow.icmp, deny.icmp, strict=True))


def nacl_allow_shadows_deny(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A deny entry that a lower-numbered allow entry of the same ACL and direction
    matches entirely, so it never takes effect."""
    found = _entry_of(ctx, resource)
    if found is None:
        return
    deny, others = found
    if not deny.known or deny.allow:
        return
    assert deny.number is not None
    shadows = [
        a
        for a in others
        if a.known
        and a.allow
        and a.outbound is deny.outbound
        and a.number is not None
        and a.number < deny.number
        and _covers(a, deny)
    ]
    if not shadows:
        return
    first = min(shadows, key=lambda a: a.number or 0)
    args = {
        "resource": resource.logical_id,
        "value": str(deny.number),
        "rule": deny.describe(),
        "other": first.resource.logical_id,
        "other_number": str(first.number),
        "acl": deny.acl,
    }
    yield Violation(lookup(deny.focus, "Properties.RuleNumber")[1], args)


# -- NET043 ------------------------------------------------------------------------
_MIN_GAP = 10  # AWS suggests increments of 10 or 100


def nacl_rule_numbers_packed(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """A rule number less than 10 above the ACL's previous rule in the same direction (or
    below 10 for the first), which leaves no room to insert a rule before it."""
    found = _entry_of(ctx, resource)
    if found is None:
        return
    entry, others = found
    if entry.number is None or entry.outbound is None:
        return
    below = [
        o
        for o in others
        if o.outbound is entry.outbound and o.number is not None and o.number < entry.number
    ]
    previous = max(below, key=lambda o: o.number or 0, default=None)
    low = previous.number if previous is not None and previous.number is not None else 0
    if entry.number - low >= _MIN_GAP:
        return
    if previous is None:
        detail = f"is the lowest {entry.direction} rule and below {_MIN_GAP}"
    else:
        detail = f"is only {entry.number - low} above rule {low} (`{previous.resource.logical_id}`)"
    args = {
        "resource": resource.logical_id,
        "value": str(entry.number),
        "direction": entry.direction,
        "acl": entry.acl,
        "detail": detail,
    }
    yield Violation(lookup(entry.focus, "Properties.RuleNumber")[1], args)
