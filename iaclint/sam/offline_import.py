"""Import aws-sam-translator without boto3 and botocore.

The translator imports boto3 and botocore at module level (0.3 s, most of its import time)
only to create AWS clients: the Serverless Application Repository, AppConfig feature
toggles, and a session for the region when none is given. iaclint never lets it create
one (translate.py gives it the region and refuses the repository client), so while the
translator's modules are imported, placeholder modules stand in for boto3 and botocore;
anything that would really use them raises. The placeholders are removed from
`sys.modules` right after, so nothing else in the process ever sees them. If a translator
version needs more of boto3 at import than the placeholders offer, the real packages are
imported instead.

The translator also imports, at module level, the pydantic models of the resource types it
validates against a model before translating; building those classes is 30% of its import
(450 M instructions per process). Most are needed by rare types (capacity providers, microVM
images, network connectors) or by none (a Function is not validated against its model), so
they are imported when the translator first reads one instead.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from types import ModuleType
from typing import Any, NoReturn

TRANSLATOR_MODULES = (
    "samtranslator.internal.managed_policies",
    "samtranslator.model.exceptions",
    "samtranslator.parser.parser",
    "samtranslator.plugins.application.serverless_app_plugin",
    "samtranslator.translator.translator",
)


# Bound by the translator as module objects; only an attribute access loads one.
DEFERRED_MODULES = (
    "samtranslator.internal.schema_source.aws_serverless_capacity_provider",
    "samtranslator.internal.schema_source.aws_serverless_function",
    "samtranslator.internal.schema_source.aws_serverless_microvmimage",
    "samtranslator.internal.schema_source.aws_serverless_networkconnector",
)


class OfflineError(RuntimeError):
    """The translator tried to reach AWS."""


def _refuse(*_args: Any, **_kwargs: Any) -> NoReturn:
    raise OfflineError("iaclint runs the SAM translator offline: no AWS clients or sessions")


class _Refused:
    """A class the translator names (in signatures, `isinstance`) but never builds here."""

    def __init__(self, *_args: Any, **_kwargs: Any) -> None:
        _refuse()


class _ClientError(Exception):
    """Never raised: only a client could raise it."""


def _placeholders() -> dict[str, ModuleType]:
    boto3 = ModuleType("boto3")
    session = ModuleType("boto3.session")
    botocore = ModuleType("botocore")
    client = ModuleType("botocore.client")
    config = ModuleType("botocore.config")
    exceptions = ModuleType("botocore.exceptions")
    session.Session = _Refused  # type: ignore[attr-defined]
    boto3.Session = _Refused  # type: ignore[attr-defined]
    boto3.session = session  # type: ignore[attr-defined]
    boto3.client = _refuse  # type: ignore[attr-defined]
    boto3.DEFAULT_SESSION = None  # type: ignore[attr-defined]
    client.BaseClient = _Refused  # type: ignore[attr-defined]
    config.Config = _Refused  # type: ignore[attr-defined]
    exceptions.ClientError = _ClientError  # type: ignore[attr-defined]
    exceptions.EndpointConnectionError = _ClientError  # type: ignore[attr-defined]
    for name, module in (("client", client), ("config", config), ("exceptions", exceptions)):
        setattr(botocore, name, module)
    return {m.__name__: m for m in (boto3, session, botocore, client, config, exceptions)}


def import_translator() -> None:
    """Import the translator's modules that translate.py uses, once per process."""
    if all(name in sys.modules for name in TRANSLATOR_MODULES):
        return
    if "boto3" in sys.modules or "botocore" in sys.modules:
        _import_all()  # the real packages are loaded already: nothing to save
        return
    placeholders = _placeholders()
    sys.modules.update(placeholders)
    try:
        for name in DEFERRED_MODULES:
            _defer(name)
        _import_all()
    except (ImportError, AttributeError):
        _forget_translator()
        _remove(placeholders)
        _import_all()
    finally:
        _remove(placeholders)


def _defer(name: str) -> None:
    """Bind `name` to a stand-in module that imports the real one when an attribute of it is
    first read (PEP 562 `__getattr__`). Not `importlib.util.LazyLoader`: the translator lists
    its module's members with `inspect.getmembers` on every translation, and the `isinstance`
    check that does reads `__class__`, which would load a lazy module at once."""
    if name in sys.modules:
        return
    try:
        spec = importlib.util.find_spec(name)  # imports the parent packages
    except ModuleNotFoundError:
        spec = None
    if spec is None:
        return  # another translator version: nothing to defer
    stand_in = ModuleType(name)

    def load(attribute: str) -> Any:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        real = importlib.import_module(name)
        stand_in.__dict__.update(real.__dict__)  # later reads skip this function
        return getattr(real, attribute)

    stand_in.__getattr__ = load  # type: ignore[method-assign]
    sys.modules[name] = stand_in
    # `from package import module` then finds it on its package without the import system.
    parent, _, child = name.rpartition(".")
    setattr(sys.modules[parent], child, stand_in)


def _import_all() -> None:
    for name in TRANSLATOR_MODULES:
        importlib.import_module(name)


def _remove(placeholders: dict[str, ModuleType]) -> None:
    for name, module in placeholders.items():
        if sys.modules.get(name) is module:
            del sys.modules[name]


def _forget_translator() -> None:
    for name in [n for n in sys.modules if n == "samtranslator" or n.startswith("samtranslator.")]:
        del sys.modules[name]
