"""Model stage: a typed view of a loaded template."""

from iaclint.model.build import NotATemplate, build_template, is_template_data
from iaclint.model.template import Output, Parameter, Problem, Resource, Template

__all__ = [
    "NotATemplate",
    "Output",
    "Parameter",
    "Problem",
    "Resource",
    "Template",
    "build_template",
    "is_template_data",
]
