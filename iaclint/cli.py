"""Command-line parsing only; each command calls a plain function in iaclint.commands."""

from __future__ import annotations

import click

from iaclint import __version__


def _parse_parameters(values: tuple[str, ...]) -> dict[str, str]:
    parsed = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected Name=Value, got `{item}`", param_hint="--parameter")
        parsed[name] = value
    return parsed


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="iaclint", message="%(prog)s %(version)s")
def cli() -> None:
    """Lint AWS CloudFormation and SAM templates against AWS best practices."""


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--parameter",
    "-p",
    "parameters",
    multiple=True,
    metavar="NAME=VALUE",
    help="Value for a template parameter (overrides its Default). Repeatable.",
)
@click.option(
    "--region",
    default="us-east-1",
    show_default=True,
    help="Region used for AWS::Region, AWS::Partition and Fn::GetAZs.",
)
@click.option(
    "--fail-level",
    type=click.Choice(["error", "warning", "note"]),
    default="warning",
    show_default=True,
    help="Exit 1 when a finding at this level or above is reported.",
)
@click.option(
    "--rules-dir",
    "rules_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Directory of additional rule files. Repeatable.",
)
def check(
    paths: tuple[str, ...],
    parameters: tuple[str, ...],
    region: str,
    fail_level: str,
    rules_dirs: tuple[str, ...],
) -> int:
    """Check templates (files or directories; `-` reads standard input)."""
    from iaclint.commands.check import CheckOptions, run_check

    options = CheckOptions(
        paths=paths,
        parameters=_parse_parameters(parameters),
        region=region,
        fail_level=fail_level,
        rules_dirs=rules_dirs,
    )
    return run_check(options)


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
