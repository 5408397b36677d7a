"""What instances get from the launch template or launch configuration that launches them:
the template an Auto Scaling group, instance, EKS node group or Batch compute environment
names, and that template's security groups, network interface subnets and public IP
setting. Shared by the network checks that follow launches (NET020, NET033). A template
named by a value iaclint cannot resolve to a resource of the template is not followed."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from iaclint.checks.network_common import template_resource
from iaclint.policy.context import CheckContext
from iaclint.policy.language import Focus, Tri, contains_unknown, lookup, same_value
from iaclint.resolve.values import ABSENT, child_source

if TYPE_CHECKING:
    from iaclint.load.document import Path
    from iaclint.model.template import Resource

LAUNCH_TEMPLATE = "AWS::EC2::LaunchTemplate"
LAUNCH_CONFIGURATION = "AWS::AutoScaling::LaunchConfiguration"

# Where each launcher names its launch template (id keys, name keys) and, for Auto Scaling
# groups, its launch configuration.
_TEMPLATE_SPECS: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "AWS::AutoScaling::AutoScalingGroup": (
        ("LaunchTemplate", ("LaunchTemplateId", "LaunchTemplateName")),
        (
            "MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification",
            ("LaunchTemplateId", "LaunchTemplateName"),
        ),
    ),
    "AWS::EC2::Instance": (("LaunchTemplate", ("LaunchTemplateId", "LaunchTemplateName")),),
    "AWS::EKS::Nodegroup": (("LaunchTemplate", ("Id", "Name")),),
    "AWS::Batch::ComputeEnvironment": (
        ("ComputeResources.LaunchTemplate", ("LaunchTemplateId", "LaunchTemplateName")),
    ),
}


@dataclass(frozen=True, slots=True, eq=False)
class Launch:
    """What a launcher's instances get from its launch template or configuration."""

    source: Resource  # the launch template or launch configuration
    named_at: Path  # where the launcher names it
    groups: list[tuple[Any, Path]]  # security group references, with their paths
    subnets: list[Any]  # subnets named by the template's network interfaces
    # AssociatePublicIpAddress: TRUE, FALSE or UNKNOWN; None when it is not set, so the
    # subnet's `MapPublicIpOnLaunch` decides
    public_ip: Tri | None

    def describe(self) -> str:
        """`launch template `X`` or `launch configuration `X``, for messages."""
        kind = "launch template" if self.source.type == LAUNCH_TEMPLATE else "launch configuration"
        return f"{kind} `{self.source.logical_id}`"


def launch_of(ctx: CheckContext, launcher: Resource) -> Launch | None:
    """The launch template or configuration of the template that `launcher` uses."""
    focus = ctx.resolved_focus(launcher)
    for prop, keys in _TEMPLATE_SPECS.get(launcher.type, ()):
        spec, spec_path = lookup(focus, f"Properties.{prop}")
        if not isinstance(spec, dict):
            continue
        for key in keys:
            source = template_resource(ctx, spec.get(key, ABSENT), LAUNCH_TEMPLATE)
            if source is not None:
                return _from_template(ctx, source, child_source(spec, spec_path, key))
    if launcher.type == "AWS::AutoScaling::AutoScalingGroup":
        value, path = lookup(focus, "Properties.LaunchConfigurationName")
        source = template_resource(ctx, value, LAUNCH_CONFIGURATION)
        if source is not None:
            return _from_configuration(ctx, source, path)
    return None


def _public_ip(value: Any) -> Tri | None:
    if value is ABSENT:
        return None
    if contains_unknown(value):
        return Tri.UNKNOWN
    return Tri.TRUE if same_value(value, True) else Tri.FALSE


def _list_items(focus: Focus, dotted: str) -> list[tuple[Any, Path]]:
    value, path = lookup(focus, dotted)
    if not isinstance(value, list):
        return []
    return [(item, child_source(value, path, i)) for i, item in enumerate(value)]


def _from_template(ctx: CheckContext, source: Resource, named_at: Path) -> Launch:
    focus = ctx.resolved_focus(source)
    data = "Properties.LaunchTemplateData"
    groups = _list_items(focus, f"{data}.SecurityGroupIds")
    groups += _list_items(focus, f"{data}.SecurityGroups")
    subnets: list[Any] = []
    public_ip = None
    for index, (nic, nic_path) in enumerate(_list_items(focus, f"{data}.NetworkInterfaces")):
        if not isinstance(nic, dict):
            continue
        groups += _list_items(Focus(nic, nic_path, source), "Groups")
        if "SubnetId" in nic:
            subnets.append(nic["SubnetId"])
        device = nic.get("DeviceIndex", index)
        if same_value(device, 0) and not contains_unknown(device):
            public_ip = _public_ip(nic.get("AssociatePublicIpAddress", ABSENT))
    return Launch(source, named_at, groups, subnets, public_ip)


def _from_configuration(ctx: CheckContext, source: Resource, named_at: Path) -> Launch:
    focus = ctx.resolved_focus(source)
    public_ip = _public_ip(lookup(focus, "Properties.AssociatePublicIpAddress")[0])
    return Launch(source, named_at, _list_items(focus, "Properties.SecurityGroups"), [], public_ip)
