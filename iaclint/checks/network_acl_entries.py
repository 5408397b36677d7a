"""The entries of network ACLs as a model: each `AWS::EC2::NetworkAclEntry` parsed into an
`AclEntry` (direction, number, action, protocol, ports, CIDR block; None where a field cannot
be known) and grouped by ACL once per scenario. The checks built on it live in
`network_acls.py`; CIDR parsing is shared with `network_cidrs.py`."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iaclint.checks.common import as_integer
from iaclint.checks.network_common import is_false, is_true, template_resource
from iaclint.policy.context import CheckContext
from iaclint.policy.language import Focus, contains_unknown, lookup
from iaclint.resolve.values import ABSENT

if TYPE_CHECKING:
    from iaclint.model.template import Resource

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

_ENTRY = "AWS::EC2::NetworkAclEntry"
_PROTOCOLS = {"tcp": "6", "udp": "17", "icmp": "1", "icmpv6": "58", "all": "-1"}
_PROTOCOL_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "-1": "all traffic"}


def parse_network(value: Any) -> Network | None:
    """A known CIDR block, else None (unknown, missing or malformed)."""
    if not isinstance(value, str):
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


# -- the entries of an ACL -------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class AclEntry:
    """One NACL entry as far as it is known; None marks a field that cannot be known."""

    resource: Resource
    focus: Focus
    acl: str  # the ACL's logical id, or the literal id of an ACL made elsewhere
    outbound: bool | None
    number: int | None
    allow: bool | None
    protocol: str | None  # "-1", "6", "17", "1", ... as a string
    ports: tuple[int, int] | None  # (0, 65535) when the protocol has no ports
    icmp: tuple[int, int] | None  # (type, code), -1 for any
    network: Network | None

    @property
    def known(self) -> bool:
        fields = (self.outbound, self.number, self.allow, self.protocol, self.network)
        return None not in fields and self.ports is not None and self.icmp is not None

    @property
    def direction(self) -> str:
        return "outbound" if self.outbound else "inbound"

    def describe(self) -> str:
        """`inbound tcp 443 from 0.0.0.0/0`, for messages."""
        name = _PROTOCOL_NAMES.get(self.protocol or "", f"protocol {self.protocol}")
        ports = ""
        if self.protocol in ("6", "17") and self.ports is not None:
            low, high = self.ports
            ports = f" {low}" if low == high else f" {low}-{high}"
        side = "to" if self.outbound else "from"
        return f"{self.direction} {name}{ports} {side} `{self.network}`"


def _protocol(value: Any) -> str | None:
    if contains_unknown(value) or value is ABSENT or isinstance(value, bool):
        return None
    text = str(value).strip().lower()
    return _PROTOCOLS.get(text, text)


def _pair(value: Any, low_key: str, high_key: str) -> tuple[int, int] | None:
    if not isinstance(value, dict):
        return None
    low, high = as_integer(value.get(low_key, ABSENT)), as_integer(value.get(high_key, ABSENT))
    return None if low is None or high is None else (low, high)


def _entry(ctx: CheckContext, resource: Resource) -> AclEntry | None:
    focus = ctx.resolved_focus(resource)
    acl_value, _ = lookup(focus, "Properties.NetworkAclId")
    acl = template_resource(ctx, acl_value, "AWS::EC2::NetworkAcl")
    if acl is not None:
        acl_name = acl.logical_id
    elif isinstance(acl_value, str):
        acl_name = acl_value.strip()
    else:
        return None
    egress, _ = lookup(focus, "Properties.Egress")
    outbound = False if egress is ABSENT or is_false(egress) else True if is_true(egress) else None
    action, _ = lookup(focus, "Properties.RuleAction")
    allow = action.strip().lower() == "allow" if isinstance(action, str) else None
    protocol = _protocol(lookup(focus, "Properties.Protocol")[0])
    ports: tuple[int, int] | None = (0, 65535)
    icmp: tuple[int, int] | None = (-1, -1)
    if protocol in ("6", "17"):
        ports = _pair(lookup(focus, "Properties.PortRange")[0], "From", "To")
        if ports == (-1, -1):
            ports = (0, 65535)
    elif protocol in ("1", "58"):
        raw, _ = lookup(focus, "Properties.Icmp")
        icmp = (-1, -1) if raw is ABSENT else _pair(raw, "Type", "Code")
    v4, _ = lookup(focus, "Properties.CidrBlock")
    v6, _ = lookup(focus, "Properties.Ipv6CidrBlock")
    network = parse_network(v4 if v4 is not ABSENT else v6)
    number = as_integer(lookup(focus, "Properties.RuleNumber")[0])
    return AclEntry(
        resource, focus, acl_name, outbound, number, allow, protocol, ports, icmp, network
    )


@dataclass(frozen=True, slots=True, eq=False)
class AclEntries:
    """The active entries of a template's network ACLs, by ACL."""

    by_acl: dict[str, list[AclEntry]]
    # An active entry whose ACL cannot be known: it might belong to any ACL.
    stray: bool


def acl_entries(ctx: CheckContext) -> AclEntries:
    """The active entries of every ACL, computed once per scenario."""

    def compute() -> AclEntries:
        by_acl: dict[str, list[AclEntry]] = {}
        stray = False
        for resource in ctx.template.resources.values():
            if resource.type != _ENTRY or not ctx.is_active(resource):
                continue
            entry = _entry(ctx, resource)
            if entry is None:
                stray = True
            else:
                by_acl.setdefault(entry.acl, []).append(entry)
        return AclEntries(by_acl, stray)

    found: AclEntries = ctx.memo("network_acls.entries", compute)
    return found
