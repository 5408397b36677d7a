"""The explicit registry of Python check functions that rule files name.

Entries are "module:function" strings, imported on first use so that a run only
imports the checks its rules need.
"""

from __future__ import annotations

from importlib import import_module
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
    # --- iam (iaclint/checks/iam.py) ---
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
    # --- encryption (iaclint/checks/encryption.py) ---
    "bucket_policy_denies_insecure_transport": (
        "iaclint.checks.encryption:bucket_policy_denies_insecure_transport"
    ),
    # --- network (iaclint/checks/network.py) ---
    "rds_publicly_accessible": "iaclint.checks.network:rds_publicly_accessible",
    "s3_public_access_block_off": "iaclint.checks.network:s3_public_access_block_off",
    "data_store_unrestricted_egress": "iaclint.checks.network:data_store_unrestricted_egress",
    "no_security_group": "iaclint.checks.network:no_security_group",
    "public_ip_on_private_tier": "iaclint.checks.network:public_ip_on_private_tier",
    "s3_cors_any_origin": "iaclint.checks.network:s3_cors_any_origin",
    # --- availability and data-protection (iaclint/checks/availability.py) ---
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
    # --- limits and logging (iaclint/checks/limits_logging.py) ---
    "lambda_function_bounds": "iaclint.checks.limits_logging:lambda_function_bounds",
    "sqs_queue_bounds": "iaclint.checks.limits_logging:sqs_queue_bounds",
    "security_group_rule_quota": "iaclint.checks.limits_logging:security_group_rule_quota",
    "lambda_reserved_concurrency": "iaclint.checks.limits_logging:lambda_reserved_concurrency",
    "dynamodb_index_counts": "iaclint.checks.limits_logging:dynamodb_index_counts",
    "cloudtrail_region_coverage": "iaclint.checks.limits_logging:cloudtrail_region_coverage",
    "s3_bucket_access_logging": "iaclint.checks.limits_logging:s3_bucket_access_logging",
    "load_balancer_access_logs": "iaclint.checks.limits_logging:load_balancer_access_logs",
    "api_stage_logging": "iaclint.checks.limits_logging:api_stage_logging",
    "alarm_without_actions": "iaclint.checks.limits_logging:alarm_without_actions",
    # --- cost (iaclint/checks/cost.py) ---
    # --- other (iaclint/checks/general.py) ---
    # --- sam (iaclint/checks/sam.py) ---
    # --- validity (iaclint/checks/validity.py) ---
}


def get_check(name: str) -> Any:
    module, _, function = CHECKS[name].partition(":")
    return getattr(import_module(module), function)


# Predicates usable as `python:` nodes inside a rule's `match`; each takes
# (evaluator, focus, node) and returns a language.Result.
PREDICATES: dict[str, str] = {
    # --- iam ---
    # --- encryption ---
    # --- network ---
    "all_ports": "iaclint.checks.network:all_ports",
    # --- availability and data-protection ---
    "named_as_dead_letter_queue": "iaclint.checks.availability_dlq:named_as_dead_letter_queue",
    "used_as_dead_letter_queue": "iaclint.checks.availability_dlq:used_as_dead_letter_queue",
    # --- limits and logging ---
    # --- cost ---
    # --- other ---
    # --- sam ---
    # --- validity ---
}


def get_predicate(name: str) -> Any:
    module, _, function = PREDICATES[name].partition(":")
    return getattr(import_module(module), function)
