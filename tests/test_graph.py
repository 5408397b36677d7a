from __future__ import annotations

import json

from helpers import template

from iaclint.graph import GraphQuery, build_graph, collect_references
from iaclint.graph.build import build_index
from iaclint.graph.export import to_dot, to_json, to_mermaid
from iaclint.resolve import Resolver, Scenario


def _query() -> GraphQuery:
    tpl = template("graph", "network.yaml")
    return GraphQuery(tpl, build_index(tpl))


def _ids(resources) -> list[str]:
    return sorted(r.logical_id for r in resources)


def test_nodes_and_typed_edges():
    tpl = template("graph", "network.yaml")
    graph = build_graph(tpl)
    assert graph.nodes[("Resources", "Vpc")] == {"kind": "resource", "type": "AWS::EC2::VPC"}
    refs = graph.edges[("Resources", "SshIngress"), ("Resources", "WebSg")]["refs"]
    assert [(r.kind, r.attribute, r.property_path) for r in refs] == [
        ("getatt", "GroupId", "GroupId")
    ]
    sub = graph.edges[("Resources", "InlinePolicy"), ("Resources", "Bucket")]["refs"][0]
    assert sub.kind == "sub" and sub.attribute == "Arn"
    assert sub.property_path == "PolicyDocument.Statement.Resource"
    assert ("Outputs", "BucketName") in graph


def test_condition_and_depends_on_edges():
    tpl = template("resolve", "conditions.yaml")
    graph = build_graph(tpl)
    assert graph.has_edge(("Resources", "ProdOnly"), ("Conditions", "IsProd"))
    assert graph.has_edge(("Conditions", "ProdAndAlice"), ("Conditions", "IsAlice"))
    assert graph.has_edge(("Conditions", "IsProd"), ("Parameters", "Environment"))
    # Fn::If in a property is a condition edge from the resource
    assert graph.has_edge(("Resources", "Database"), ("Conditions", "IsNotProd"))


def test_ingress_rules_for_security_group():
    assert _ids(_query().ingress_rules_for("WebSg")) == ["OtherIngress", "SshIngress"]


def test_policies_attached_to_role():
    assert _ids(_query().policies_attached_to("Role")) == ["InlinePolicy", "Managed"]


def test_subnets_of_db_subnet_group_and_their_azs():
    query = _query()
    subnets = query.subnets_of("DbSubnets")
    assert _ids(subnets) == ["SubnetA", "SubnetB"]
    resolver = Resolver(query.template, Scenario())
    azs = {resolver.resolve(s.properties, s.properties_path)["AvailabilityZone"] for s in subnets}
    assert azs == {"us-east-1a", "us-east-1b"}


def test_bucket_policy_of_bucket():
    assert _ids(_query().bucket_policy_of("Bucket")) == ["BucketPolicy"]


def test_referrers_filter_by_property():
    query = _query()
    assert _ids(query.referrers("WebSg", via="SourceSecurityGroupId")) == ["OtherIngress"]
    assert _ids(query.targets("SubnetA", target_type="AWS::EC2::VPC")) == ["Vpc"]
    assert query.referrers("Nope") == []


def test_references_keep_source_paths():
    tpl = template("graph", "network.yaml")
    refs = [r for r in collect_references(tpl) if r.source == ("Resources", "DbSubnets")]
    assert sorted(r.path for r in refs) == [
        ("Resources", "DbSubnets", "Properties", "SubnetIds", 0, "Ref"),
        ("Resources", "DbSubnets", "Properties", "SubnetIds", 1, "Ref"),
    ]


def test_exports():
    tpl = template("graph", "network.yaml")
    graph = build_graph(tpl)
    dot = to_dot(graph)
    assert dot.startswith("digraph template {")
    assert 'Resources_SshIngress -> Resources_WebSg [label="getatt"];' in dot
    mermaid = to_mermaid(graph)
    assert mermaid.startswith("flowchart LR")
    assert "Resources_SshIngress -->|getatt| Resources_WebSg" in mermaid
    data = json.loads(to_json(graph))
    assert data["version"] == 1
    edge = next(e for e in data["edges"] if e["source"] == "Resources/SshIngress")
    assert edge["target"] == "Resources/WebSg"
    assert edge["references"][0]["kind"] == "getatt"
