"""A small query API over the resource graph, for rules."""

from __future__ import annotations

from collections.abc import Iterable

from iaclint.graph.build import GraphIndex, NodeKey, Reference
from iaclint.model.template import Resource, Template

IAM_POLICY_TYPES = ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::RolePolicy")


def _via_matches(refs: Iterable[Reference], via: str | None) -> bool:
    if via is None:
        return True
    return any(r.property_path == via or r.property_path.startswith(via + ".") for r in refs)


def _type_matches(resource: Resource, types: str | tuple[str, ...] | None) -> bool:
    if types is None:
        return True
    return resource.type == types if isinstance(types, str) else resource.type in types


class GraphQuery:
    def __init__(self, template: Template, graph: GraphIndex) -> None:
        self.template = template
        self.graph = graph

    def _resource(self, key: NodeKey) -> Resource | None:
        return self.template.resources.get(key[1]) if key[0] == "Resources" else None

    def referrers(
        self,
        logical_id: str,
        source_type: str | tuple[str, ...] | None = None,
        via: str | None = None,
    ) -> list[Resource]:
        """Resources that reference `logical_id` (through property `via`, if given)."""
        found = []
        for pred, refs in self.graph.predecessors.get(("Resources", logical_id), {}).items():
            resource = self._resource(pred)
            if resource is None or not _type_matches(resource, source_type):
                continue
            if _via_matches(refs, via):
                found.append(resource)
        return found

    def targets(
        self,
        logical_id: str,
        target_type: str | tuple[str, ...] | None = None,
        via: str | None = None,
    ) -> list[Resource]:
        """Resources that `logical_id` references (through property `via`, if given)."""
        found = []
        for succ, refs in self.graph.successors.get(("Resources", logical_id), {}).items():
            resource = self._resource(succ)
            if resource is None or not _type_matches(resource, target_type):
                continue
            if _via_matches(refs, via):
                found.append(resource)
        return found

    def ingress_rules_for(self, security_group: str) -> list[Resource]:
        """Separate `AWS::EC2::SecurityGroupIngress` resources whose GroupId is this group."""
        return self.referrers(security_group, "AWS::EC2::SecurityGroupIngress", "GroupId")

    def egress_rules_for(self, security_group: str) -> list[Resource]:
        return self.referrers(security_group, "AWS::EC2::SecurityGroupEgress", "GroupId")

    def policies_attached_to(self, role: str) -> list[Resource]:
        """IAM policy resources attached to this role through `Roles` or `RoleName`."""
        by_list = self.referrers(role, IAM_POLICY_TYPES, "Roles")
        by_name = self.referrers(role, IAM_POLICY_TYPES, "RoleName")
        return list({r.logical_id: r for r in [*by_list, *by_name]}.values())

    def subnets_of(self, db_subnet_group: str) -> list[Resource]:
        return self.targets(db_subnet_group, "AWS::EC2::Subnet", "SubnetIds")

    def bucket_policy_of(self, bucket: str) -> list[Resource]:
        return self.referrers(bucket, "AWS::S3::BucketPolicy", "Bucket")
