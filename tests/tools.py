"""Real external tools for the tests: installed on demand into a cache outside the repository.

The cache is `$IACLINT_TOOLS_DIR`, else `<temp dir>/iaclint-test-tools`; `.ci/run` fills it
before the test run, so CI never skips. A tool that cannot be installed here makes its tests
skip with the reason.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SARIF_MULTITOOL_VERSION = "5.7.0"


def tools_dir() -> Path:
    default = Path(tempfile.gettempdir()) / "iaclint-test-tools"
    return Path(os.environ.get("IACLINT_TOOLS_DIR", default))


def sarif_multitool() -> tuple[Path | None, str]:
    """(path to the Sarif.Multitool binary, or None with the reason)."""
    prefix = tools_dir() / f"sarif-multitool-{SARIF_MULTITOOL_VERSION}"
    binary = _multitool_binary(prefix)
    if binary is None:
        npm = shutil.which("npm")
        if npm is None:
            return None, "npm is not installed, so the SARIF Multitool cannot be installed"
        env = {**os.environ, "npm_config_cache": str(tools_dir() / "npm-cache")}
        result = subprocess.run(
            [
                npm,
                "install",
                "--no-audit",
                "--no-fund",
                "--prefix",
                str(prefix),
                f"@microsoft/sarif-multitool@{SARIF_MULTITOOL_VERSION}",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
        )
        binary = _multitool_binary(prefix)
        if binary is None:
            tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or [""]
            return None, f"npm could not install @microsoft/sarif-multitool: {tail[0]}"
    if not os.access(binary, os.X_OK):
        binary.chmod(binary.stat().st_mode | 0o100)  # its postinstall does this, if it ran
    return binary, ""


def _multitool_binary(prefix: Path) -> Path | None:
    platform = {"linux": "linux", "darwin": "darwin", "win32": "win32"}.get(sys.platform)
    if platform is None:
        return None
    name = "Sarif.Multitool.exe" if platform == "win32" else "Sarif.Multitool"
    path = prefix / "node_modules" / "@microsoft" / f"sarif-multitool-{platform}" / name
    return path if path.is_file() else None


def wheelhouse(requirements: list[str]) -> tuple[Path | None, str]:
    """A directory of wheels for the pre-commit hook's offline install: the project's
    build backend and dependencies, downloaded once with pip into the tools cache."""
    target = tools_dir() / "wheelhouse"
    stamp = target / ".requirements"
    wanted = "\n".join(sorted(requirements))
    if stamp.is_file() and stamp.read_text() == wanted:
        return target, ""
    target.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(target), *requirements],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or [""]
        return None, f"pip could not download the hook's dependencies: {tail[0]}"
    stamp.write_text(wanted)
    return target, ""


def hook_requirements() -> list[str]:
    """What the pre-commit hook's virtualenv installs: the build backend and dependencies."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return [*project["build-system"]["requires"], *project["project"]["dependencies"]]


def main() -> int:
    """`python3 tests/tools.py`: install every tool now (.ci/run does, before the tests)."""
    multitool, reason = sarif_multitool()
    print(f"SARIF Multitool: {multitool or reason}")
    wheels, why = wheelhouse(hook_requirements())
    print(f"pre-commit wheelhouse: {wheels or why}")
    return 0 if multitool and wheels else 1


if __name__ == "__main__":
    sys.exit(main())
