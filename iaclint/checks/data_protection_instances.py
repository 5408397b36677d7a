"""Data protection of standalone EC2 instances (DP006): EBS data volumes deleted with the
instance, and instances that terminate themselves when their operating system shuts down.
A device name, flag or behaviour iaclint cannot resolve is never a finding."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from iaclint.checks.common import items_with_paths
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import contains_unknown, lookup, same_value
from iaclint.resolve.values import ABSENT, child_source

if TYPE_CHECKING:
    from iaclint.model.template import Resource

# The usual root device names of Amazon Linux, Ubuntu and Windows AMIs.
_ROOT_DEVICES = ("/dev/xvda", "/dev/sda1", "/dev/sda", "xvda", "sda1")


def instance_data_deleted_on_termination(
    resource: Resource, ctx: CheckContext
) -> Iterator[Violation]:
    """Data volumes whose `DeleteOnTermination` is not false (true is the default), and
    `InstanceInitiatedShutdownBehavior: terminate`, which turns a shutdown from inside the
    instance into a termination that deletes those volumes and the root volume."""
    focus = ctx.resolved_focus(resource)
    mappings, mappings_path = lookup(focus, "Properties.BlockDeviceMappings")
    for mapping, path in items_with_paths(mappings, mappings_path):
        if not isinstance(mapping, dict) or mapping.get("Ebs", ABSENT) is ABSENT:
            continue
        device = mapping.get("DeviceName", ABSENT)
        if not isinstance(device, str) or device.strip() in _ROOT_DEVICES:
            continue
        ebs = mapping["Ebs"]
        if not isinstance(ebs, dict):
            continue  # the whole Ebs block is unknown
        delete = ebs.get("DeleteOnTermination", ABSENT)
        if delete is not ABSENT and (contains_unknown(delete) or same_value(delete, False)):
            continue
        detail = (
            f"deletes data volume `{device.strip()}` when it is terminated, because its "
            "`DeleteOnTermination` is not false"
        )
        where = child_source(mapping, path, "DeviceName")
        yield Violation(where, {"resource": resource.logical_id, "detail": detail})
    behaviour, path = lookup(focus, "Properties.InstanceInitiatedShutdownBehavior")
    if isinstance(behaviour, str) and behaviour.strip().lower() == "terminate":
        detail = (
            "is terminated when its operating system shuts down "
            "(`InstanceInitiatedShutdownBehavior` is `terminate`), which deletes every volume "
            "whose `DeleteOnTermination` is true, the root volume by default"
        )
        yield Violation(path, {"resource": resource.logical_id, "detail": detail})
