"""Turn pydantic validation errors into problems that name the file, line, field and the fix."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from aigov.documents.problems import Problem, ProblemLevel
from aigov.documents.safe_yaml import FieldPath, YamlDocument, format_path

ModelT = TypeVar("ModelT", bound=BaseModel)

_MISSING = object()


def validate_document(
    model: type[ModelT], document: YamlDocument, *, level: ProblemLevel = "error"
) -> tuple[ModelT | None, list[Problem]]:
    """Validate ``document.data`` as ``model``; on failure return every problem, located."""
    try:
        return model.model_validate(document.data), []
    except ValidationError as exc:
        return None, problems_from_validation_error(model, document, exc, level=level)


def problems_from_validation_error(
    model: type[BaseModel], document: YamlDocument, exc: ValidationError, *, level: ProblemLevel
) -> list[Problem]:
    merged: dict[tuple[FieldPath, str], list[str]] = {}
    hints: dict[tuple[FieldPath, str], str] = {}
    for error in exc.errors(include_url=False):
        path = _data_path(document.data, error["loc"], error["type"])
        kind = error["type"]
        message, hint = _explain(model, document.data, path, error)
        key = (
            path,
            "missing" if kind == "missing" else "extra" if kind == "extra_forbidden" else "value",
        )
        if message not in merged.setdefault(key, []):
            merged[key].append(message)
        if hint:
            hints.setdefault(key, hint)
    problems = []
    for (path, kind), messages in merged.items():
        code = {"missing": "schema.missing", "extra": "schema.unknown-field"}.get(
            kind, "schema.invalid"
        )
        problems.append(
            Problem(
                document.locate(path),
                code,
                " or ".join(messages) if kind == "value" else messages[0],
                field=format_path(path),
                level=level,
                hint=hints.get((path, kind), ""),
            )
        )
    return problems


def _data_path(data: Any, loc: tuple[int | str, ...], kind: str) -> FieldPath:
    """Keep the parts of pydantic's ``loc`` that exist in the data (drop union member tags)."""
    path: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        found, child = _child(current, part)
        if found:
            current = child
            path.append(part)
        elif last and kind == "missing" and isinstance(current, dict):
            path.append(part)
            current = _MISSING
    return tuple(path)


def _child(container: Any, part: int | str) -> tuple[bool, Any]:
    if isinstance(container, dict) and part in container:
        return True, container[part]
    if isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container):
        return True, container[part]
    return False, None


def _explain(model: type[BaseModel], data: Any, path: FieldPath, error: Any) -> tuple[str, str]:
    kind = error["type"]
    if kind == "missing":
        return f"required field '{path[-1]}' is missing", ""
    if kind == "extra_forbidden":
        valid = sorted(_field_names(_annotation_at(model, path[:-1])))
        close = difflib.get_close_matches(str(path[-1]), valid, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else ""
        if not close and valid:
            hint = "valid fields here: " + ", ".join(valid)
        return f"unknown field '{path[-1]}'", hint
    message = str(error["msg"])
    value = error.get("input")
    if kind in ("literal_error", "enum"):
        expected = re.findall(r"'([^']*)'", str(error.get("ctx", {}).get("expected", "")))
        close = difflib.get_close_matches(str(value), expected, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'?" if close else ""
        return f"{message}, got {_show(value)}", hint
    if not isinstance(value, dict | list):
        message = f"{message}, got {_show(value)}"
    return message, _expected(model, path)


def _expected(model: type[BaseModel], path: FieldPath) -> str:
    """The field's own description, as a hint of what the value should look like."""
    if not path or isinstance(path[-1], int):
        return ""
    for annotation in _annotation_at(model, path[:-1]):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for name, info in annotation.model_fields.items():
                if path[-1] in (name, info.alias):
                    described = info.description or _annotated_description(info.annotation)
                    return f"expected: {described}" if described else ""
    return ""


def _annotated_description(annotation: Any) -> str:
    """A description carried by an ``Annotated[..., Field(description=...)]`` inside a union."""
    if typing.get_origin(annotation) is typing.Annotated:
        for item in typing.get_args(annotation)[1:]:
            description = getattr(item, "description", None)
            if isinstance(description, str):
                return description
    for member in typing.get_args(annotation):
        found = _annotated_description(member)
        if found:
            return found
    return ""


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _unwrap(annotation: Any) -> list[Any]:
    """The types an annotation may hold: Optional/Union members, with Annotated stripped."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(annotation)[0])
    if origin is typing.Union or origin is types.UnionType:
        found: list[Any] = []
        for member in typing.get_args(annotation):
            found.extend(_unwrap(member))
        return found
    return [annotation]


def _annotation_at(model: type[BaseModel], path: FieldPath) -> list[Any]:
    current: list[Any] = [model]
    for part in path:
        following: list[Any] = []
        for annotation in current:
            origin = typing.get_origin(annotation)
            if isinstance(part, int) and origin in (list, tuple):
                following.extend(_unwrap(typing.get_args(annotation)[0]))
            elif origin is dict:
                following.extend(_unwrap(typing.get_args(annotation)[1]))
            elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
                for name, info in annotation.model_fields.items():
                    if part in (name, info.alias):
                        following.extend(_unwrap(info.annotation))
        current = following
    return current


def _field_names(annotations: list[Any]) -> set[str]:
    names: set[str] = set()
    for annotation in annotations:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            for name, info in annotation.model_fields.items():
                names.add(info.alias or name)
    return names


def suggest_field(model: type[BaseModel], path: FieldPath) -> list[str]:
    """Close matches for an unknown key at ``path`` (used for open formats' typo warnings)."""
    valid = sorted(_field_names(_annotation_at(model, path[:-1])))
    return difflib.get_close_matches(str(path[-1]), valid, n=1, cutoff=0.8)
