"""Command-line parsing only; each command calls a plain function in iaclint.commands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from iaclint import __version__

F = TypeVar("F", bound=Callable[..., Any])
LEVELS = click.Choice(["error", "warning", "note"])


def _parse_parameters(values: tuple[str, ...]) -> dict[str, str]:
    parsed = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected Name=Value, got `{item}`", param_hint="--parameter")
        parsed[name] = value
    return parsed


def _analysis_options(command: F) -> F:
    """The options `check` and `baseline write` share (they run the same analysis)."""
    options = [
        click.option(
            "--parameter",
            "-p",
            "parameters",
            multiple=True,
            metavar="NAME=VALUE",
            help="Value for a template parameter (overrides its Default). Repeatable.",
        ),
        click.option(
            "--region",
            default=None,
            help="Region for AWS::Region, AWS::Partition and Fn::GetAZs  [default: us-east-1]",
        ),
        click.option(
            "--rules-dir",
            "rules_dirs",
            multiple=True,
            type=click.Path(file_okay=False),
            help="Directory of additional rule files. Repeatable.",
        ),
        click.option(
            "--select",
            multiple=True,
            metavar="SELECTOR",
            help="Rules to run: ALL, a category, an id prefix or a rule id. Repeatable; "
            "replaces the configuration's `select`.",
        ),
        click.option(
            "--ignore",
            multiple=True,
            metavar="SELECTOR",
            help="Rules not to run; the most specific selector wins. Repeatable; replaces "
            "the configuration's `ignore`.",
        ),
        click.option(
            "--config",
            type=click.Path(dir_okay=False),
            help="Configuration file (.iaclint.yaml or pyproject.toml) instead of the one "
            "found upward from the working directory.",
        ),
        click.option(
            "--skip-non-templates",
            is_flag=True,
            help="Skip named files that are not templates, as a directory walk does "
            "(the pre-commit hook passes every YAML and JSON file).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--version",
    is_flag=True,
    expose_value=False,
    is_eager=True,
    callback=lambda ctx, _param, value: _print_version(ctx, value),
    help="Show the version and the resource schemas' date, and exit.",
)
def cli() -> None:
    """Lint AWS CloudFormation and SAM templates against AWS best practices."""


def _print_version(ctx: click.Context, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    from iaclint.schemas.store import describe_version  # reads one small JSON file

    click.echo(f"iaclint {__version__}\n{describe_version()}")
    ctx.exit()


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@_analysis_options
@click.option(
    "--fail-level",
    type=LEVELS,
    default=None,
    help="Exit 1 when a finding at this level or above is reported  [default: warning]",
)
@click.option(
    "--format",
    "formats",
    multiple=True,
    metavar="FORMAT[=FILE]",
    help="Output format: text, sarif, json, github or junit, optionally written to FILE. "
    "Repeatable.  [default: text]",
)
@click.option("--output", "-o", metavar="FILE", help="Write the format that names no file to FILE.")
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False),
    help="An earlier SARIF or JSON report: report only findings that are not in it.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print findings only: no summary or progress.")
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=0),
    default=0,
    help="Processes that check files (this one and N-1 workers); 0 picks one per core for many "
    "files and one for a few.  [default: 0]",
)
@click.option(
    "--no-cache",
    is_flag=True,
    help="Check every file again instead of reusing results cached for unchanged files.",
)
def check(
    paths: tuple[str, ...],
    parameters: tuple[str, ...],
    region: str | None,
    rules_dirs: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config: str | None,
    skip_non_templates: bool,
    fail_level: str | None,
    formats: tuple[str, ...],
    output: str | None,
    baseline: str | None,
    quiet: bool,
    jobs: int,
    no_cache: bool,
) -> int:
    """Check templates (files or directories; `-` reads standard input)."""
    from iaclint.commands.check import CheckOptions, run_check

    options = CheckOptions(
        paths=paths,
        parameters=_parse_parameters(parameters),
        region=region,
        fail_level=fail_level,
        rules_dirs=rules_dirs,
        formats=formats,
        output=output,
        select=select or None,
        ignore=ignore or None,
        config=config,
        baseline=baseline,
        quiet=quiet,
        skip_non_templates=skip_non_templates,
        jobs=jobs,
        use_cache=not no_cache,
    )
    return run_check(options)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@click.option("--config", type=click.Path(dir_okay=False), help="Configuration file.")
def rules(fmt: str, config: str | None) -> int:
    """List the rules: id, level, category and title."""
    from iaclint.commands.rules import run_rules

    return run_rules(fmt, config)


@cli.command()
@click.argument("rule_id")
@click.option("--config", type=click.Path(dir_okay=False), help="Configuration file.")
def explain(rule_id: str, config: str | None) -> int:
    """Print a rule's documentation."""
    from iaclint.commands.rules import run_explain

    return run_explain(rule_id, config)


@cli.command(name="config")
@click.option("--show", is_flag=True, help="Print the effective configuration.")
@click.option("--config", "path", type=click.Path(dir_okay=False), help="Configuration file.")
def config_command(show: bool, path: str | None) -> int:
    """Show the effective configuration (file values over defaults)."""
    from iaclint.commands.config import run_config

    return run_config(show, path)


@cli.group()
def baseline() -> None:
    """Record today's findings so that only new ones are reported."""


@baseline.command(name="write")
@click.argument("file", type=click.Path(dir_okay=False))
@click.argument("paths", nargs=-1, required=True)
@_analysis_options
def baseline_write(
    file: str,
    paths: tuple[str, ...],
    parameters: tuple[str, ...],
    region: str | None,
    rules_dirs: tuple[str, ...],
    select: tuple[str, ...],
    ignore: tuple[str, ...],
    config: str | None,
    skip_non_templates: bool,
) -> int:
    """Check PATHS and write every finding to FILE (iaclint's JSON report)."""
    from iaclint.commands.baseline import run_baseline_write
    from iaclint.commands.check import CheckOptions

    options = CheckOptions(
        paths=paths,
        parameters=_parse_parameters(parameters),
        region=region,
        rules_dirs=rules_dirs,
        select=select or None,
        ignore=ignore or None,
        config=config,
        skip_non_templates=skip_non_templates,
    )
    return run_baseline_write(file, options)


@cli.command()
@click.argument("path")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["dot", "mermaid", "json"]),
    default="mermaid",
    show_default=True,
)
def graph(path: str, fmt: str) -> int:
    """Print the resource dependency graph of one template."""
    from iaclint.commands.graph import run_graph

    return run_graph(path, fmt)
