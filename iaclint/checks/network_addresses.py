"""Network checks about how an application is addressed from outside: Elastic IPs on
instances, and DNS records that point at AWS resources with a CNAME instead of an alias."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from iaclint.checks.common import raw_at
from iaclint.checks.network_common import is_false, template_resource
from iaclint.policy.context import CheckContext, Violation
from iaclint.policy.language import Focus, lookup
from iaclint.resolve.values import Unknown, child_source

if TYPE_CHECKING:
    from iaclint.model.template import Resource


# -- NET036 ------------------------------------------------------------------------
def _routes_through(ctx: CheckContext, instance: Resource) -> bool:
    return any(
        ctx.is_active(r) for r in ctx.query.referrers(instance.logical_id, "AWS::EC2::Route")
    )


def elastic_ip_on_instance(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """An Elastic IP address given to an EC2 instance, unless the instance forwards traffic
    (a NAT, VPN or firewall appliance: source/destination check off, or a route target)."""
    value, path = lookup(ctx.resolved_focus(resource), "Properties.InstanceId")
    instance = template_resource(ctx, value, "AWS::EC2::Instance")
    if instance is None:
        return
    check, _ = lookup(ctx.resolved_focus(instance), "Properties.SourceDestCheck")
    if is_false(check) or isinstance(check, Unknown):
        return  # a NAT, VPN or firewall appliance (or maybe one)
    if _routes_through(ctx, instance):
        return
    yield Violation(path, {"resource": resource.logical_id, "instance": instance.logical_id})


# -- NET037 ------------------------------------------------------------------------
# What an alias record can name, with the words for a message. S3 only for website endpoints.
_ALIAS_TARGETS = {
    "AWS::ElasticLoadBalancingV2::LoadBalancer": "load balancer",
    "AWS::ElasticLoadBalancing::LoadBalancer": "Classic Load Balancer",
    "AWS::CloudFront::Distribution": "CloudFront distribution",
    "AWS::ApiGateway::DomainName": "API Gateway domain name",
    "AWS::ApiGatewayV2::DomainName": "API Gateway domain name",
    "AWS::ElasticBeanstalk::Environment": "Elastic Beanstalk environment",
    "AWS::GlobalAccelerator::Accelerator": "Global Accelerator",
    "AWS::S3::Bucket": "S3 website endpoint",
}


def _alias_target(ctx: CheckContext, value: Any, raw: Any) -> Resource | None:
    if not isinstance(value, Unknown):
        return None
    found = [
        ctx.template.resources[r]
        for r in dict.fromkeys(value.refs)
        if r in ctx.template.resources
        and ctx.template.resources[r].type in _ALIAS_TARGETS
        and ctx.is_active(ctx.template.resources[r])
    ]
    if len(found) != 1:
        return None
    if found[0].type == "AWS::S3::Bucket":
        text = json.dumps(raw)
        if "WebsiteURL" not in text and "s3-website" not in text:
            return None
    return found[0]


def cname_to_aws_resource(resource: Resource, ctx: CheckContext) -> Iterator[Violation]:
    """CNAME records whose value is the DNS name of a resource an alias record can name."""
    focus = ctx.resolved_focus(resource)
    if resource.type == "AWS::Route53::RecordSetGroup":
        sets, sets_path = lookup(focus, "Properties.RecordSets")
        records = (
            [Focus(s, child_source(sets, sets_path, i), resource) for i, s in enumerate(sets)]
            if isinstance(sets, list)
            else []
        )
    else:
        properties, properties_path = lookup(focus, "Properties")
        records = [Focus(properties, properties_path, resource)]
    for record in records:
        if not isinstance(record.value, dict):
            continue
        kind, _ = lookup(record, "Type")
        if not (isinstance(kind, str) and kind.strip().upper() == "CNAME"):
            continue
        name, _ = lookup(record, "Name")
        values, values_path = lookup(record, "ResourceRecords")
        if not isinstance(values, list):
            continue
        for i, value in enumerate(values):
            where = child_source(values, values_path, i)
            target = _alias_target(ctx, value, raw_at(ctx.template.data, where))
            if target is None:
                continue
            args = {
                "resource": resource.logical_id,
                "name": name.strip() if isinstance(name, str) else resource.logical_id,
                "kind": _ALIAS_TARGETS[target.type],
                "target": target.logical_id,
            }
            yield Violation(where, args)
