"""`iaclint graph`: print a template's resource graph."""

from __future__ import annotations

import sys

from iaclint.exit_codes import OK, UNREADABLE


def run_graph(path: str, fmt: str) -> int:
    from iaclint.graph.build import build_graph
    from iaclint.graph.export import to_dot, to_json, to_mermaid
    from iaclint.load.document import LoadError
    from iaclint.load.reader import load_path, load_text
    from iaclint.model.build import NotATemplate, build_template
    from iaclint.report.text import diagnostic_line

    try:
        doc = load_text(sys.stdin.read(), "-") if path == "-" else load_path(path)
        template = build_template(doc)
    except LoadError as exc:
        sys.stderr.write(diagnostic_line(exc.diagnostic) + "\n")
        return UNREADABLE
    except NotATemplate as exc:
        sys.stderr.write(f"{path}: {exc}\n")
        return UNREADABLE
    render = {"dot": to_dot, "mermaid": to_mermaid, "json": to_json}[fmt]
    sys.stdout.write(render(build_graph(template)))
    return OK
