"""The pre-commit hook, with the real `pre-commit`, in a temporary git repository.

pre-commit clones a hook repository at a revision, so the test commits a copy of this
checkout's working tree into a temporary repository and points the README's
`.pre-commit-config.yaml` snippet at it (`repo:` a local path, `rev:` that commit). The hook's
virtualenv is installed offline from a wheelhouse in the tools cache (tests/tools.py), and
HOME and PRE_COMMIT_HOME are temporary directories, as in pre-commit's own tests.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES, ROOT
from tools import hook_requirements, wheelhouse

COPY_IGNORE = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", "*.egg-info", "build", "dist"
)


def _pre_commit() -> str | None:
    local = Path(sys.executable).parent / "pre-commit"
    return str(local) if local.is_file() else shutil.which("pre-commit")


def _readme_snippet() -> dict:
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", readme, re.S)
    [snippet] = [b for b in blocks if "id: iaclint" in b and "repos:" in b]
    return yaml.safe_load(snippet)


def _git(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=check, timeout=120
    )


@pytest.fixture
def hook_env(tmp_path, monkeypatch):
    pre_commit = _pre_commit()
    if pre_commit is None:
        pytest.skip("pre-commit is not installed (pip install -e '.[test]' installs it)")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    wheels, reason = wheelhouse(hook_requirements())
    if wheels is None:
        pytest.skip(reason)
    env = {
        "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(tmp_path / "gitconfig"),
        "GIT_AUTHOR_NAME": "iaclint test",
        "GIT_AUTHOR_EMAIL": "test@example.invalid",
        "GIT_COMMITTER_NAME": "iaclint test",
        "GIT_COMMITTER_EMAIL": "test@example.invalid",
        "GIT_ALLOW_PROTOCOL": "file",
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
        # Compiling the dependencies' bytecode is half the install and buys a one-off run nothing.
        "PIP_NO_COMPILE": "1",
        "VIRTUALENV_NO_DOWNLOAD": "1",
        "NO_COLOR": "1",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    (tmp_path / "gitconfig").write_text("[init]\n\tdefaultBranch = main\n")
    return Path(pre_commit)


def _hook_repository(tmp_path: Path) -> tuple[Path, str]:
    """This checkout's working tree, committed into a throwaway repository."""
    repo = tmp_path / "hook-repo"
    shutil.copytree(ROOT, repo, ignore=COPY_IGNORE)
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "iaclint working tree")
    return repo, _git(repo, "rev-parse", "HEAD").stdout.strip()


def test_hook_blocks_a_bad_template_and_allows_a_good_one(hook_env, tmp_path):
    hook_repo, rev = _hook_repository(tmp_path)
    config = _readme_snippet()
    config["repos"][0]["repo"] = str(hook_repo)
    config["repos"][0]["rev"] = rev
    project = tmp_path / "project"
    project.mkdir()
    _git(project, "init", "-q")
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    # The hook reads the project's configuration: only the structural rules, so that rules
    # added later do not change what this test expects.
    (project / ".iaclint.yaml").write_text("select: [TPL]\n")
    install = subprocess.run(
        [str(hook_env), "install"], cwd=project, capture_output=True, text=True, check=False
    )
    assert install.returncode == 0, install.stdout + install.stderr
    # A YAML file that is not a template is passed to the hook too; it is skipped quietly.
    (project / "settings.yml").write_text("name: not a template\n")
    shutil.copy(FIXTURES / "rules" / "TPL001" / "references.yaml", project / "stack.yaml")
    _git(project, "add", "-A")
    blocked = _git(project, "commit", "-m", "bad template", check=False)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "iaclint..." in output and "Failed" in output
    assert "stack.yaml:15:16: error [TPL001] `Queue` uses DependsOn to `Topik`" in output
    assert "settings.yml" not in output
    assert _git(project, "rev-parse", "--verify", "HEAD", check=False).returncode != 0

    shutil.copy(FIXTURES / "graph" / "network.yaml", project / "stack.yaml")
    # JSON in a `.template` file, which identify tags only as `text`, reaches the hook too.
    shutil.copy(FIXTURES / "rules" / "TPL001" / "references.json", project / "extra.template")
    _git(project, "add", "-A")
    blocked = _git(project, "commit", "-m", "bad .template", check=False)
    assert blocked.returncode != 0
    assert "extra.template:7:30: error [TPL001]" in blocked.stdout + blocked.stderr

    shutil.copy(FIXTURES / "load" / "intrinsics.json", project / "extra.template")
    _git(project, "add", "-A")
    allowed = _git(project, "commit", "-m", "good template", check=False)
    assert allowed.returncode == 0, allowed.stdout + allowed.stderr
    assert re.search(r"iaclint\.+Passed", allowed.stdout + allowed.stderr)
    log = _git(project, "log", "--format=%s").stdout.split("\n")
    assert log[0] == "good template"
    assert os.environ["PIP_NO_INDEX"] == "1"  # the hook was installed offline
