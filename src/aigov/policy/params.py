"""Rule parameters: what a rule lets an organisation tune, declared in the pack.

A rule declares each parameter with a type, a default and a description::

    params:
      min_auc: {type: double, default: 0.75, minimum: 0, maximum: 1,
                description: Lowest AUC accepted for a credit model}

Its expressions read ``params.min_auc``; ``aigov-org.yaml`` may set another value
(``rules: {RULE-ID: {params: {min_auc: 0.8}}}``, see :mod:`aigov.policy.tuning`). A value is
checked against the declaration here, once for the default when the pack loads and once for
each organisation's value, so a rule never runs with a parameter of the wrong type.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final, Literal

from pydantic import model_validator

from aigov.documents.types import Document, NonEmptyStr

PARAM_NAME_PATTERN: Final = r"^[a-z][a-z0-9_]*$"

ParamType = Literal["int", "double", "string", "bool", "list"]
"""CEL's names: ``int``, ``double``, ``string``, ``bool``; ``list`` is a list of strings."""


class RuleParam(Document):
    """One parameter a rule reads as ``params.<name>``."""

    type: ParamType
    default: Any
    description: NonEmptyStr
    minimum: float | None = None
    """Lowest accepted value (int and double)."""
    maximum: float | None = None
    """Highest accepted value (int and double)."""
    values: list[NonEmptyStr] | None = None
    """The accepted values (string, and each item of a list)."""

    @model_validator(mode="after")
    def _default_fits(self) -> RuleParam:
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(f"minimum {self.minimum:g} is above maximum {self.maximum:g}")
        if (self.minimum is not None or self.maximum is not None) and self.type not in (
            "int",
            "double",
        ):
            raise ValueError(f"minimum and maximum apply to int and double, not {self.type}")
        if self.values is not None and self.type not in ("string", "list"):
            raise ValueError(f"values apply to string and list, not {self.type}")
        problem = param_value_problem(self, self.default)
        if problem is not None:
            raise ValueError(f"default: {problem}")
        return self


def param_value_problem(param: RuleParam, value: Any) -> str | None:
    """Why ``value`` cannot be the parameter's value, or None when it can."""
    if not _has_type(param.type, value):
        return f"expected {_TYPE_WORDS[param.type]}, got {_described(value)}"
    if param.type in ("int", "double"):
        if param.minimum is not None and value < param.minimum:
            return f"{value!r} is below the minimum {param.minimum:g}"
        if param.maximum is not None and value > param.maximum:
            return f"{value!r} is above the maximum {param.maximum:g}"
    if param.values is not None:
        items = value if isinstance(value, list) else [value]
        outside = [item for item in items if item not in param.values]
        if outside:
            return f"'{outside[0]}' is not one of: {', '.join(param.values)}"
    return None


def param_value(param: RuleParam, value: Any) -> Any:
    """``value`` as the expressions read it: an int given for a double becomes a float (CEL
    does not compare ``int`` with ``double`` implicitly in every operator)."""
    if param.type == "double":
        return float(value)
    if param.type == "list":
        return list(value)
    return value


def default_params(params: Mapping[str, RuleParam]) -> dict[str, Any]:
    """Every declared parameter at its default value."""
    return {name: param_value(param, param.default) for name, param in params.items()}


_TYPE_WORDS: Final = {
    "int": "an integer",
    "double": "a number",
    "string": "a string",
    "bool": "true or false",
    "list": "a list of strings",
}


def _has_type(kind: ParamType, value: Any) -> bool:
    if isinstance(value, bool):
        return kind == "bool"
    if kind == "int":
        return isinstance(value, int)
    if kind == "double":
        return isinstance(value, int | float) and math.isfinite(value)
    if kind == "string":
        return isinstance(value, str)
    if kind == "list":
        return isinstance(value, list) and all(isinstance(item, str) for item in value)
    return False


def _described(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string '{value}'"
    if isinstance(value, list):
        return "a list" if all(isinstance(i, str) for i in value) else "a list of non-strings"
    return f"a {type(value).__name__}"
