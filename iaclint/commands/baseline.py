"""`iaclint baseline write FILE PATHS`: record today's findings as a baseline."""

from __future__ import annotations

import sys
from dataclasses import replace

from iaclint.commands.check import CheckOptions, build_report, lint
from iaclint.commands.setup import UsageError, build_setup
from iaclint.exit_codes import OK, UNREADABLE, USAGE


def run_baseline_write(file: str, options: CheckOptions) -> int:
    from iaclint.report.base import Style
    from iaclint.report.json import write_report

    try:
        # A configured baseline must not filter the new one.
        setup = replace(build_setup(options.flags()), baseline=None)
        outcome = lint(setup, options)
    except UsageError as exc:
        sys.stderr.write(f"iaclint: {exc}\n")
        return USAGE
    report = build_report(outcome)
    try:
        with open(file, "w", encoding="utf-8", newline="\n") as out:
            write_report(report, out, Style())
    except OSError as exc:
        sys.stderr.write(f"iaclint: cannot write {file}: {exc.strerror or exc}\n")
        return USAGE
    sys.stderr.write(
        f"iaclint: wrote {len(report.findings)} finding(s) from "
        f"{len(report.templates)} template(s) to {file}\n"
    )
    return UNREADABLE if report.unreadable else OK
