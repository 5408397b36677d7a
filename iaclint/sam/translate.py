"""Run the official SAM translator (aws-sam-translator) offline.

The translator is imported here only, and this module only for templates with the SAM
transform, so plain CloudFormation runs never pay for it (tests/test_imports.py).

Offline means: the managed-policy names resolve through the map the package ships
(`samtranslator/internal/data/aws_managed_policies.json`), the region comes from iaclint's
`--region` through a boto3 Session that is never asked for credentials or a client, and the
inputs that make the translator or `sam deploy` reach out are replaced by placeholders, as
`sam validate` does for local code: a local `CodeUri`/`ContentUri`/`DefinitionUri` becomes an
S3 URI, and an `AWS::Serverless::Application` in the Serverless Application Repository gets
a template URL instead of a call to the repository (which would need credentials).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MARKER = "iaclint:sam-source"
PLACEHOLDER_BUCKET = "iaclint-placeholder"
PLACEHOLDER_ACCOUNT = "123456789012"

# (resource type, property) that must be an S3 location when the translator sees it.
_S3_LOCATIONS = {
    "AWS::Serverless::Function": "CodeUri",
    "AWS::Serverless::LayerVersion": "ContentUri",
    "AWS::Serverless::Api": "DefinitionUri",
    "AWS::Serverless::HttpApi": "DefinitionUri",
    "AWS::Serverless::StateMachine": "DefinitionUri",
}


class TranslationFailed(Exception):
    """The translator could not expand the template; the message says why."""


def _partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def _is_s3_location(value: Any) -> bool:
    return (isinstance(value, str) and value.startswith("s3://")) or (
        isinstance(value, dict) and "Bucket" in value and "Key" in value
    )


def _prepare(data: dict[str, Any]) -> dict[str, Any]:
    """A copy the translator may change, with placeholders and a marker on each serverless
    resource (passed through to what it generates: `passthrough_metadata`)."""
    data = _copied(data)
    resources = data.get("Resources")
    if not isinstance(resources, dict):
        return data
    globals_ = data.get("Globals")
    function_globals = globals_.get("Function") if isinstance(globals_, dict) else None
    if (
        isinstance(function_globals, dict)
        and "CodeUri" in function_globals
        and not _is_s3_location(function_globals["CodeUri"])
    ):
        function_globals["CodeUri"] = f"s3://{PLACEHOLDER_BUCKET}/globals"
    for logical_id, body in resources.items():
        if not isinstance(body, dict) or not str(body.get("Type", "")).startswith(
            "AWS::Serverless::"
        ):
            continue
        metadata = body.get("Metadata")
        body["Metadata"] = {**(metadata if isinstance(metadata, dict) else {}), MARKER: logical_id}
        props = body.get("Properties")
        if not isinstance(props, dict):
            continue
        rtype = body["Type"]
        key = _S3_LOCATIONS.get(rtype)
        if key and key in props and not _is_s3_location(props[key]):
            props[key] = f"s3://{PLACEHOLDER_BUCKET}/{logical_id}"
        if rtype == "AWS::Serverless::Function":
            _prepare_function(logical_id, props, function_globals)
        elif rtype == "AWS::Serverless::Application" and not (
            isinstance(props.get("Location"), str) and props["Location"].startswith("https://")
        ):
            props["Location"] = (
                f"https://{PLACEHOLDER_BUCKET}.s3.amazonaws.com/{logical_id}.template"
            )
    return data


def _copied(value: Any) -> Any:
    """A deep copy of loaded template data (dicts, lists and immutable scalars) in 40% of the
    time `copy.deepcopy` takes. A YAML alias becomes a copy of its own, which the translator
    may change without changing the anchor."""
    if type(value) is dict:
        return {key: _copied(item) for key, item in value.items()}
    if type(value) is list:
        return [_copied(item) for item in value]
    return value


def _prepare_function(logical_id: str, props: dict[str, Any], globals_: Any) -> None:
    inherited = globals_ if isinstance(globals_, dict) else {}
    if str(props.get("PackageType", inherited.get("PackageType", "Zip"))) == "Image":
        if "ImageUri" not in props and "ImageUri" not in inherited:
            # `sam build` fills it from the Docker build in Metadata.
            props["ImageUri"] = (
                f"{PLACEHOLDER_ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/{PLACEHOLDER_BUCKET}:latest"
            )
    elif not any(k in props or k in inherited for k in ("CodeUri", "InlineCode", "ImageUri")):
        # `sam build` can take the code from Metadata (e.g. an esbuild BuildMethod).
        props["CodeUri"] = f"s3://{PLACEHOLDER_BUCKET}/{logical_id}"


@dataclass(frozen=True, slots=True, eq=False)
class _Region:
    """The one attribute of a boto3 Session the translator reads."""

    region_name: str


def _refuse_sar_client() -> Any:
    raise TranslationFailed("the Serverless Application Repository is not called offline")


def _policy_templates_plugin_once() -> None:
    """The translator builds its policy-templates plugin from its bundled data for every
    translation: it reads an 80-template JSON file, validates it against its JSON Schema and
    parses every template (1.3 ms of a 9 ms translation; 39 ms on the first). Build it once
    per process and give every translation that plugin: it keeps nothing of a translation
    (it copies a template's definition before filling it in). Like `_sam_types_as_a_set`,
    deliberately process-wide and idempotent: the bundled data cannot change while we run."""
    import samtranslator.translator.translator as translator_module

    build = translator_module.make_policy_template_for_function_plugin
    if getattr(build, "iaclint_once", False):
        return
    plugin = build()

    def once() -> Any:
        return plugin

    once.iaclint_once = True  # type: ignore[attr-defined]
    translator_module.make_policy_template_for_function_plugin = once  # type: ignore[assignment]


def _sam_types_as_a_set() -> None:
    """Every plugin that walks a template asks, for each resource, whether its type is a SAM
    type, and the translator answers by iterating its enum of SAM types and reading each
    member's value: 5% of the instructions of translating the corpus's SAM templates. A set of
    the same values gives the same answers. Process-wide and idempotent, like
    `_policy_templates_plugin_once`; the translator's other behaviour is untouched."""
    from samtranslator.sdk.resource import SamResourceType

    if getattr(SamResourceType.has_value, "iaclint_set", False):
        return
    values = frozenset(item.value for item in SamResourceType)

    def has_value(cls: type, value: Any) -> bool:
        if isinstance(value, str):
            return value in values
        return any(value == known for known in values)  # unhashable: as the enum compares

    has_value.iaclint_set = True  # type: ignore[attr-defined]
    SamResourceType.has_value = classmethod(has_value)  # type: ignore[assignment,method-assign]


def translate(data: dict[str, Any], parameters: Mapping[str, str], region: str) -> dict[str, Any]:
    """The CloudFormation template SAM deploys for `data` (left unchanged), or
    TranslationFailed with the translator's reasons."""
    from iaclint.sam.offline_import import import_translator

    import_translator()
    from samtranslator.internal.managed_policies import get_bundled_managed_policy_map
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.plugins.application.serverless_app_plugin import ServerlessAppPlugin
    from samtranslator.translator.translator import Translator

    logging.getLogger("samtranslator").setLevel(logging.ERROR)
    _policy_templates_plugin_once()
    _sam_types_as_a_set()
    partition = _partition(region)
    values: dict[str, Any] = {
        "AWS::Region": region,
        "AWS::Partition": partition,
        "AWS::AccountId": PLACEHOLDER_ACCOUNT,
        "AWS::StackName": "iaclint",
        "AWS::URLSuffix": "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com",
        **parameters,
    }
    policies = get_bundled_managed_policy_map(partition) or {}
    translator = Translator(
        None,
        Parser(),
        plugins=[ServerlessAppPlugin(sar_client_creator=_refuse_sar_client)],
        # The translator reads only `region_name` from its boto3 session; a real Session costs
        # ~70 ms to build and could read the user's AWS configuration.
        boto_session=_Region(region),  # type: ignore[arg-type]
    )
    try:
        return translator.translate(
            _prepare(data),
            parameter_values=values,
            passthrough_metadata=True,
            get_managed_policy_map=lambda: policies,
        )
    except InvalidDocumentException as exc:
        reasons = [str(getattr(cause, "message", cause)) for cause in exc.causes]
        raise TranslationFailed("; ".join(dict.fromkeys(reasons)) or str(exc)) from exc
    except TranslationFailed:
        raise
    except Exception as exc:  # the translator's own bugs must not stop iaclint
        raise TranslationFailed(f"the SAM translator failed: {type(exc).__name__}: {exc}") from exc
