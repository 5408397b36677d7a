"""The explicit registry of Python check functions that rule files name.

Entries are "module:function" strings, imported on first use so that a run only
imports the checks its rules need.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import Any

CHECKS: dict[str, str] = {
    "undefined_reference": "iaclint.checks.structural:undefined_reference",
    "getatt_on_non_resource": "iaclint.checks.structural:getatt_on_non_resource",
    "circular_dependency": "iaclint.checks.structural:circular_dependency",
    "undefined_condition": "iaclint.checks.structural:undefined_condition",
    "undefined_mapping_key": "iaclint.checks.structural:undefined_mapping_key",
    "unused_parameter": "iaclint.checks.structural:unused_parameter",
    "unused_mapping": "iaclint.checks.structural:unused_mapping",
    "unused_condition": "iaclint.checks.structural:unused_condition",
    "malformed_section": "iaclint.checks.structural:malformed_section",
    "resource_count": "iaclint.checks.quotas:resource_count",
    "parameter_count": "iaclint.checks.quotas:parameter_count",
    "output_count": "iaclint.checks.quotas:output_count",
    "mapping_count": "iaclint.checks.quotas:mapping_count",
    "logical_id_form": "iaclint.checks.quotas:logical_id_form",
    "template_body_size": "iaclint.checks.quotas:template_body_size",
    # TPL100's findings come from the suppress stage, after every rule has run.
    "suppression_directives": "iaclint.suppress.meta:reported_by_suppress_stage",
    # --- iam (iaclint/checks/iam.py, iam_*.py) ---
    "ecs_execution_role": "iaclint.checks.iam_grants:ecs_execution_role",
    "identity_pool_guest_access": "iaclint.checks.iam_grants:identity_pool_guest_access",
    "allows_all_actions": "iaclint.checks.iam:allows_all_actions",
    "service_wildcard": "iaclint.checks.iam:service_wildcard",
    "allow_with_not_action": "iaclint.checks.iam:allow_with_not_action",
    "passrole_on_any_resource": "iaclint.checks.iam:passrole_on_any_resource",
    "privilege_escalation": "iaclint.checks.iam:privilege_escalation",
    "trust_allows_anyone": "iaclint.checks.iam:trust_allows_anyone",
    "resource_policy_allows_anyone": "iaclint.checks.iam:resource_policy_allows_anyone",
    "kms_key_policy_allows_anyone": "iaclint.checks.iam:kms_key_policy_allows_anyone",
    "bucket_policy_allows_anyone": "iaclint.checks.iam:bucket_policy_allows_anyone",
    "broad_managed_policy": "iaclint.checks.iam:broad_managed_policy",
    "workload_role_is_admin": "iaclint.checks.iam:workload_role_is_admin",
    "permissions_on_users": "iaclint.checks.iam:permissions_on_users",
    "role_shared_by_workloads": "iaclint.checks.iam:role_shared_by_workloads",
    "notification_target_without_permission": (
        "iaclint.checks.iam_targets:notification_target_without_permission"
    ),
    "sns_to_sqs_without_policy": "iaclint.checks.iam_targets:sns_to_sqs_without_policy",
    "event_target_without_permission": "iaclint.checks.iam_targets:event_target_without_permission",
    "api_key_without_usage_plan": "iaclint.checks.iam_apikeys:api_key_without_usage_plan",
    "hard_coded_secret": "iaclint.checks.iam_secrets:hard_coded_secret",
    "aws_credentials_in_configuration": (
        "iaclint.checks.iam_secrets:aws_credentials_in_configuration"
    ),
    "access_key_secret_exposed": "iaclint.checks.iam_secrets:access_key_secret_exposed",
    "sensitive_parameter_in_clear": "iaclint.checks.iam_secrets:sensitive_parameter_in_clear",
    # --- encryption (iaclint/checks/encryption_tls_policies.py, encryption_rds_tls.py) ---
    "bucket_policy_denies_insecure_transport": (
        "iaclint.checks.encryption_tls_policies:bucket_policy_denies_insecure_transport"
    ),
    "policy_without_tls_deny": "iaclint.checks.encryption_tls_policies:policy_without_tls_deny",
    "rds_tls_not_enforced": "iaclint.checks.encryption_rds_tls:rds_tls_not_enforced",
    # --- network (iaclint/checks/network_*.py) ---
    # exposure of data stores and instances (network_exposure.py)
    "rds_publicly_accessible": "iaclint.checks.network_exposure:rds_publicly_accessible",
    "s3_public_access_block_off": "iaclint.checks.network_exposure:s3_public_access_block_off",
    "data_store_unrestricted_egress": (
        "iaclint.checks.network_exposure:data_store_unrestricted_egress"
    ),
    "internal_resource_open_to_internet": (
        "iaclint.checks.network_exposure:internal_resource_open_to_internet"
    ),
    "instance_ssh_reachable": "iaclint.checks.network_exposure:instance_ssh_reachable",
    # resources without a security group (network_security_groups.py)
    "no_security_group": "iaclint.checks.network_security_groups:no_security_group",
    # subnets, routes and gateways (network_routing.py)
    "public_ip_on_private_tier": "iaclint.checks.network_routing:public_ip_on_private_tier",
    "data_store_in_public_subnet": "iaclint.checks.network_routing:data_store_in_public_subnet",
    "internet_facing_lb_in_private_subnet": (
        "iaclint.checks.network_routing:internet_facing_lb_in_private_subnet"
    ),
    "nat_gateway_in_private_subnet": "iaclint.checks.network_routing:nat_gateway_in_private_subnet",
    "internet_gateway_unattached_or_unrouted": (
        "iaclint.checks.network_routing:internet_gateway_unattached_or_unrouted"
    ),
    "public_rds_without_vpc_dns": "iaclint.checks.network_routing:public_rds_without_vpc_dns",
    "subnet_without_route_table": "iaclint.checks.network_routing:subnet_without_route_table",
    # entry points: APIs, CORS, WAF (network_edges.py)
    "s3_cors_any_origin": "iaclint.checks.network_edges:s3_cors_any_origin",
    "private_api_without_policy": "iaclint.checks.network_edges:private_api_without_policy",
    "api_cors_any_origin": "iaclint.checks.network_edges:api_cors_any_origin",
    "api_stage_without_throttling": "iaclint.checks.network_edges:api_stage_without_throttling",
    "public_entry_point_without_waf": "iaclint.checks.network_edges:public_entry_point_without_waf",
    # security group tiers (network_tiers.py)
    "app_group_admits_cidr": "iaclint.checks.network_tiers:app_group_admits_cidr",
    "database_group_admits_cidr": "iaclint.checks.network_tiers:database_group_admits_cidr",
    "ssh_mixed_with_application_ports": (
        "iaclint.checks.network_tiers:ssh_mixed_with_application_ports"
    ),
    # VPC placement (network_vpc_match.py, network_placement.py)
    "security_group_in_other_vpc": "iaclint.checks.network_vpc_match:security_group_in_other_vpc",
    "launched_into_default_vpc": "iaclint.checks.network_placement:launched_into_default_vpc",
    "lambda_vpc_without_need": "iaclint.checks.network_placement:lambda_vpc_without_need",
    # VPC endpoints (network_endpoints.py)
    "vpc_endpoint_misconfigured": "iaclint.checks.network_endpoints:vpc_endpoint_misconfigured",
    # Elastic IPs and DNS records (network_addresses.py)
    "elastic_ip_on_instance": "iaclint.checks.network_addresses:elastic_ip_on_instance",
    "cname_to_aws_resource": "iaclint.checks.network_addresses:cname_to_aws_resource",
    # network ACLs (network_acls.py, on network_acl_entries.py)
    "nacl_duplicate_rule_numbers": "iaclint.checks.network_acls:nacl_duplicate_rule_numbers",
    "subnet_without_network_acl": "iaclint.checks.network_acls:subnet_without_network_acl",
    "nacl_missing_return_traffic": "iaclint.checks.network_acls:nacl_missing_return_traffic",
    "nacl_allow_shadows_deny": "iaclint.checks.network_acls:nacl_allow_shadows_deny",
    "nacl_rule_numbers_packed": "iaclint.checks.network_acls:nacl_rule_numbers_packed",
    # VPC address space (network_cidrs.py)
    "vpc_without_gateway_endpoints": "iaclint.checks.network_cidrs:vpc_without_gateway_endpoints",
    "cidr_outside_vpc_or_overlapping": (
        "iaclint.checks.network_cidrs:cidr_outside_vpc_or_overlapping"
    ),
    "vpc_peering_overlapping_cidrs": "iaclint.checks.network_cidrs:vpc_peering_overlapping_cidrs",
    # --- availability and data-protection (iaclint/checks/availability*.py) ---
    # also data_protection.py and storage_backup.py
    "s3_replication_prerequisites": "iaclint.checks.data_protection:s3_replication_prerequisites",
    "instance_data_deleted_on_termination": (
        "iaclint.checks.data_protection_instances:instance_data_deleted_on_termination"
    ),
    "ebs_volume_without_backup": "iaclint.checks.storage_backup:ebs_volume_without_backup",
    "rds_backup_retention": "iaclint.checks.availability:rds_backup_retention",
    "stateful_deletion_policy": "iaclint.checks.availability:stateful_deletion_policy",
    "subnet_group_single_az": "iaclint.checks.availability_zones:subnet_group_single_az",
    "redis_without_automatic_failover": (
        "iaclint.checks.availability:redis_without_automatic_failover"
    ),
    "auto_scaling_group_single_az": (
        "iaclint.checks.availability_zones:auto_scaling_group_single_az"
    ),
    "load_balancer_single_az": "iaclint.checks.availability_zones:load_balancer_single_az",
    "async_lambda_without_dlq": "iaclint.checks.availability_dlq:async_lambda_without_dlq",
    "aurora_cluster_single_instance": (
        "iaclint.checks.availability_clusters:aurora_cluster_single_instance"
    ),
    "opensearch_domain_not_zone_aware": (
        "iaclint.checks.availability_clusters:opensearch_domain_not_zone_aware"
    ),
    # scaling (availability_scaling.py)
    "auto_scaling_group_without_policy": (
        "iaclint.checks.availability_scaling:auto_scaling_group_without_policy"
    ),
    "dynamodb_table_without_auto_scaling": (
        "iaclint.checks.availability_scaling:dynamodb_table_without_auto_scaling"
    ),
    # zone placement the graph shows (availability_placement.py)
    "instances_in_one_zone": "iaclint.checks.availability_placement:instances_in_one_zone",
    "nat_gateway_serves_other_zones": (
        "iaclint.checks.availability_placement:nat_gateway_serves_other_zones"
    ),
    "cluster_placement_group_multi_az": (
        "iaclint.checks.availability_placement:cluster_placement_group_multi_az"
    ),
    # health checks (availability_health_checks.py)
    "target_group_health_check_shallow": (
        "iaclint.checks.availability_health_checks:target_group_health_check_shallow"
    ),
    "record_without_health_check": (
        "iaclint.checks.availability_health_checks:record_without_health_check"
    ),
    # deployments and error handling (availability_deployments.py)
    "beanstalk_environment_not_production_ready": (
        "iaclint.checks.availability_deployments:beanstalk_environment_not_production_ready"
    ),
    "trigger_bypasses_alias": "iaclint.checks.availability_deployments:trigger_bypasses_alias",
    "state_machine_task_unguarded": (
        "iaclint.checks.availability_deployments:state_machine_task_unguarded"
    ),
    # --- limits and logging (iaclint/checks/limits*.py, logging_*.py) ---
    "cloudtrail_cloudwatch_logs": "iaclint.checks.logging_trails:cloudtrail_cloudwatch_logs",
    "lambda_function_bounds": "iaclint.checks.limits:lambda_function_bounds",
    "sqs_queue_bounds": "iaclint.checks.limits:sqs_queue_bounds",
    "security_group_rule_quota": "iaclint.checks.limits:security_group_rule_quota",
    "lambda_reserved_concurrency": "iaclint.checks.limits:lambda_reserved_concurrency",
    "dynamodb_index_counts": "iaclint.checks.limits:dynamodb_index_counts",
    "sqs_visibility_below_function_timeout": (
        "iaclint.checks.limits:sqs_visibility_below_function_timeout"
    ),
    # LIM035-LIM046: capacity (limits_capacity.py) and single values (limits_values.py)
    "kinesis_shared_readers": "iaclint.checks.limits_capacity:kinesis_shared_readers",
    "api_throttling_above_account": ("iaclint.checks.limits_capacity:api_throttling_above_account"),
    "aurora_capacity_range": "iaclint.checks.limits_capacity:aurora_capacity_range",
    "subnet_address_demand": "iaclint.checks.limits_capacity:subnet_address_demand",
    "lambda_alias_routing": "iaclint.checks.limits_values:lambda_alias_routing",
    "alarm_period": "iaclint.checks.limits_values:alarm_period",
    "s3_bucket_name": "iaclint.checks.limits_values:s3_bucket_name",
    "ebs_volume_size": "iaclint.checks.limits_values:ebs_volume_size",
    "parameter_value_size": "iaclint.checks.limits_values:parameter_value_size",
    "step_functions_timeout": "iaclint.checks.limits_values:step_functions_timeout",
    # logging_checks.py
    "cloudtrail_region_coverage": "iaclint.checks.logging_checks:cloudtrail_region_coverage",
    "s3_bucket_access_logging": "iaclint.checks.logging_checks:s3_bucket_access_logging",
    "load_balancer_access_logs": "iaclint.checks.logging_checks:load_balancer_access_logs",
    "api_stage_logging": "iaclint.checks.logging_checks:api_stage_logging",
    "alarm_without_actions": "iaclint.checks.logging_checks:alarm_without_actions",
    "s3_access_logs_to_itself": "iaclint.checks.logging_checks:s3_access_logs_to_itself",
    # CloudTrail (logging_trails.py)
    "cloudtrail_bucket_policy": "iaclint.checks.logging_trails:cloudtrail_bucket_policy",
    "cloudtrail_data_events": "iaclint.checks.logging_trails:cloudtrail_data_events",
    "cloudtrail_denied_calls_alarm": (
        "iaclint.checks.logging_trails:cloudtrail_denied_calls_alarm"
    ),
    # traces and function logs (logging_telemetry.py)
    "untraced_request_path": "iaclint.checks.logging_telemetry:untraced_request_path",
    "lambda_role_cannot_write_logs": (
        "iaclint.checks.logging_telemetry:lambda_role_cannot_write_logs"
    ),
    "lambda_role_cannot_write_traces": (
        "iaclint.checks.logging_telemetry:lambda_role_cannot_write_traces"
    ),
    # alarms and notifications (logging_alarms.py)
    "scaling_group_basic_monitoring": (
        "iaclint.checks.logging_alarms:scaling_group_basic_monitoring"
    ),
    "resource_without_alarm": "iaclint.checks.logging_alarms:resource_without_alarm",
    "pipeline_failure_unnotified": "iaclint.checks.logging_alarms:pipeline_failure_unnotified",
    "beanstalk_health_and_logs": "iaclint.checks.logging_alarms:beanstalk_health_and_logs",
    # --- cost (iaclint/checks/cost.py, storage_lifecycle.py) ---
    "elastic_ip_unattached": "iaclint.checks.cost:elastic_ip_unattached",
    "lifecycle_early_deletion": "iaclint.checks.storage_lifecycle:lifecycle_early_deletion",
    "resource_without_cost_tags": "iaclint.checks.cost:resource_without_cost_tags",
    # --- other (iaclint/checks/general.py, general_wiring.py, general_services.py) ---
    "template_without_resources": "iaclint.checks.general:template_without_resources",
    "unknown_template_section": "iaclint.checks.general:unknown_template_section",
    "sam_without_transform": "iaclint.checks.general:sam_without_transform",
    "duplicate_export_name": "iaclint.checks.general:duplicate_export_name",
    "volume_attachment_zone": "iaclint.checks.general_wiring:volume_attachment_zone",
    "api_deployment_wiring": "iaclint.checks.general_wiring:api_deployment_wiring",
    "pipeline_without_approval": "iaclint.checks.general_services:pipeline_without_approval",
    "ecs_fixed_host_port": "iaclint.checks.general_wiring:ecs_fixed_host_port",
    "parameter_without_aws_type": "iaclint.checks.general:parameter_without_aws_type",
    "hard_coded_environment": "iaclint.checks.general:hard_coded_environment",
    "lambda_recursion": "iaclint.checks.general_wiring:lambda_recursion",
    "website_blocked_from_public": "iaclint.checks.general_wiring:website_blocked_from_public",
    "stage_alias_without_permission": (
        "iaclint.checks.general_wiring:stage_alias_without_permission"
    ),
    # --- sam (iaclint/checks/sam.py) ---
    "api_event_without_authorization": "iaclint.checks.sam:api_event_without_authorization",
    "policy_template_on_any_resource": "iaclint.checks.sam:policy_template_on_any_resource",
    # --- validity (iaclint/checks/validity.py) ---
    "unknown_resource_type": "iaclint.checks.validity:unknown_resource_type",
    "unknown_property": "iaclint.checks.validity:unknown_property",
    "missing_required_property": "iaclint.checks.validity:missing_required_property",
    "wrong_value_type": "iaclint.checks.validity:wrong_value_type",
    "value_not_allowed": "iaclint.checks.validity:value_not_allowed",
    "string_pattern_or_length": "iaclint.checks.validity:string_pattern_or_length",
    "number_out_of_range": "iaclint.checks.validity:number_out_of_range",
    "property_combination": "iaclint.checks.validity:property_combination",
    "read_only_property": "iaclint.checks.validity:read_only_property",
    "getatt_unknown_attribute": "iaclint.checks.validity:getatt_unknown_attribute",
    "malformed_intrinsic": "iaclint.checks.validity_intrinsics:malformed_intrinsic",
}


def get_check(name: str) -> Any:
    module, _, function = CHECKS[name].partition(":")
    return getattr(_module(module), function)


# Predicates usable as `python:` nodes inside a rule's `match`; each takes
# (evaluator, focus, node) and returns a language.Result.
PREDICATES: dict[str, str] = {
    # --- iam ---
    "secret_looking_name": "iaclint.checks.iam_secrets:secret_looking_name",
    # --- encryption ---
    "secret_variables": "iaclint.checks.iam_secrets:secret_variables",
    # --- network ---
    "all_ports": "iaclint.checks.network_common:all_ports",
    # --- availability and data-protection ---
    "named_as_dead_letter_queue": "iaclint.checks.availability_dlq:named_as_dead_letter_queue",
    "used_as_dead_letter_queue": "iaclint.checks.availability_dlq:used_as_dead_letter_queue",
    # --- limits and logging ---
    # --- cost ---
    # --- other ---
    "fargate_size_invalid": "iaclint.checks.general_services:fargate_size_invalid",
    # --- sam ---
    # --- validity ---
}


def get_predicate(name: str) -> Any:
    module, _, function = PREDICATES[name].partition(":")
    return getattr(_module(module), function)


def _module(name: str) -> ModuleType:
    # Predicates are looked up each time their node is evaluated (checks once per run, by the
    # RuleSet); an imported module is found in sys.modules without import_module's locking.
    return sys.modules.get(name) or import_module(name)
