"""Governance records: the parts of ``aigov.yaml`` whose change can lift a block.

A pull request writes ``aigov.yaml``, so everything in it is a claim (see SECURITY.md, "Trust
model"). Most claims cannot lift a block by being false — a missing section stays missing — but
some can: a waiver, a committee approval, a loosened success criterion, a lower risk class or an
exemption, a new tracking URI or metric name. Those are **records**; this module finds the ones
a change adds or alters by comparing the base and head manifests directly (no history walk, so
no merge shape can hide a change), and says how to undo each one when it is not attested.

Kinds, and who may attest them (``aigov-org.yaml`` ``attestation.roles``):

- ``waiver``: a waiver added or rewritten;
- ``approval``: a committee decision added or rewritten (its committee's members attest it);
- ``criteria``: a success criterion loosened, redefined (direction) or removed;
- ``obligations``: any change under ``risk`` that does not plainly raise obligations, removed or
  changed ``monitoring``, a data contract dropped from ``data.contracts``;
- ``evidence``: a change of ``model.registry`` or of a criterion's ``mlflow_metric``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

RecordKind = Literal["waiver", "approval", "criteria", "obligations", "evidence"]
FieldPath = tuple[str | int, ...]

ABSENT: Final[Any] = object()
"""The value of a path that a manifest does not write."""

_CATEGORY_RANK: Final = {"minimal": 0, "limited": 1, "high": 2, "prohibited": 3}

# Leaves whose change in one direction only adds obligations: those changes need no attestation.
_MORE_WHEN_TRUE: Final[tuple[FieldPath, ...]] = (
    ("risk", "ai_act", "annex_i_safety_component"),
    ("risk", "ai_act", "prohibited_practices", "*"),
    # The four Art. 50 situations only: transparency.disclosure_made is a claim that lifts a block.
    ("risk", "ai_act", "transparency", "interacts_with_people"),
    ("risk", "ai_act", "transparency", "generates_synthetic_content"),
    ("risk", "ai_act", "transparency", "emotion_recognition_or_biometric_categorisation"),
    ("risk", "ai_act", "transparency", "deep_fake"),
    ("risk", "ai_act", "gpai", "is_gpai_model"),
    ("risk", "ai_act", "gpai", "systemic_risk"),
    ("risk", "gdpr", "personal_data"),
    ("risk", "gdpr", "special_categories", "present"),
    ("risk", "gdpr", "automated_decision", "solely_automated"),
    ("risk", "gdpr", "automated_decision", "legal_or_similar_effect"),
)
_STATUS_NOT_DONE: Final = frozenset({"not_started", "required", "in_progress"})
_MORE_WHEN_LONGER: Final[tuple[FieldPath, ...]] = (
    ("risk", "gdpr", "data_subjects"),
    ("risk", "gdpr", "data_categories"),
    ("risk", "gdpr", "special_categories", "categories"),
    ("risk", "gdpr", "dpia", "triggers"),
    ("risk", "gdpr", "transfers"),
)


@dataclass(frozen=True)
class Record:
    """One governance record a change adds or alters, and how to take it back."""

    kind: RecordKind
    path: FieldPath
    """Where the head manifest writes it (its nearest written parent when it was removed)."""
    summary: str
    """What changed, for people: ``waiver of GDPR-35-DPIA-DONE (DPO-12)``, ``… high → minimal``."""
    committee: str | None = None
    """For an approval: the committee whose members may attest it."""
    revert: Callable[[dict[str, Any]], None] = field(
        compare=False, repr=False, default=lambda _: None
    )
    """Undo the record in a copy of the head manifest's data (it is then judged without it)."""
    present: Callable[[Mapping[str, Any]], bool] = field(
        compare=False, repr=False, default=lambda _: True
    )
    """Whether a version of the manifest holds the record as the head writes it (to find the
    commit that introduced it)."""


def changed_records(base: Mapping[str, Any] | None, head: Mapping[str, Any]) -> list[Record]:
    """Records that ``head`` adds or alters against ``base`` (None: no manifest at the base).

    Both are manifests as plain data (``model_dump(mode="json", by_alias=True,
    exclude_none=True)``), so that spelling differences (``0.80`` and ``0.8``) are not changes.
    """
    before: Mapping[str, Any] = base or {}
    records: list[Record] = []
    records += _list_records("waiver", "waivers", before, head, _waiver_summary)
    records += _list_records("approval", "approvals", before, head, _approval_summary)
    records += _criteria_records(before, head)
    records += _registry_records(before, head)
    records += _obligation_records(before, head)
    return records


EVIDENCE_FILE: Final = "<evidence file>"
"""The path of a committed evidence file's record: the file is not a field of the manifest."""


def evidence_file_record(path: str, description: str) -> Record:
    """A committed evidence file (MLflow store, stored results) that the change alters.

    No version of the manifest shows it, so no commit "introduces" it for a signature: an
    approving review on the head attests it (or the org lists the store, or the check recomputes
    the results).
    """
    return Record(
        "evidence",
        (EVIDENCE_FILE, path),
        f"committed evidence {path} changed ({description})",
        present=lambda _: False,
    )


def standing_records(head: Mapping[str, Any]) -> list[Record]:
    """Every waiver and approval the manifest holds (what a run outside a change relies on)."""
    return _list_records("waiver", "waivers", {}, head, _waiver_summary) + _list_records(
        "approval", "approvals", {}, head, _approval_summary
    )


# --- waivers and approvals: items of a list --------------------------------------------------


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _list_records(
    kind: RecordKind,
    key: str,
    base: Mapping[str, Any],
    head: Mapping[str, Any],
    summary: Callable[[Mapping[str, Any]], str],
) -> list[Record]:
    before = {_canonical(item) for item in _items(base.get(key))}
    records = []
    for index, item in enumerate(_items(head.get(key))):
        text = _canonical(item)
        if text in before:
            continue
        records.append(
            Record(
                kind,
                (key, index),
                summary(item),
                committee=str(item.get("committee")) if kind == "approval" else None,
                revert=_drop_item(key, text),
                present=lambda data, key=key, text=text: any(  # type: ignore[misc]
                    _canonical(other) == text for other in _items(data.get(key))
                ),
            )
        )
    return records


def _items(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _drop_item(key: str, text: str) -> Callable[[dict[str, Any]], None]:
    def revert(data: dict[str, Any]) -> None:
        items = data.get(key)
        if isinstance(items, list):
            data[key] = [item for item in items if _canonical(item) != text]

    return revert


def _waiver_summary(waiver: Mapping[str, Any]) -> str:
    return (
        f"waiver of {waiver.get('rule')} ({waiver.get('ticket')}), approved_by "
        f"'{waiver.get('approved_by')}', expires {waiver.get('expires')}"
    )


def _approval_summary(approval: Mapping[str, Any]) -> str:
    loosened = approval.get("loosened_criteria") or []
    extra = f", accepting loosened {', '.join(map(str, loosened))}" if loosened else ""
    return (
        f"{approval.get('decision')} decision of '{approval.get('committee')}' for "
        f"{approval.get('from_stage') or '?'} → {approval.get('to_stage')} "
        f"({approval.get('reference')}){extra}"
    )


# --- success criteria ------------------------------------------------------------------------


def _criteria_by_metric(data: Mapping[str, Any]) -> dict[str, tuple[int, Mapping[str, Any]]]:
    found: dict[str, tuple[int, Mapping[str, Any]]] = {}
    for index, item in enumerate(_items(data.get("success_criteria"))):
        found.setdefault(str(item.get("metric")), (index, item))
    return found


def _criteria_records(base: Mapping[str, Any], head: Mapping[str, Any]) -> list[Record]:
    old, new = _criteria_by_metric(base), _criteria_by_metric(head)
    records = []
    for metric, (_, before) in old.items():
        if metric not in new:
            records.append(
                Record(
                    "criteria",
                    ("success_criteria",),
                    f"success criterion '{metric}' removed (threshold {before.get('threshold')})",
                    revert=_restore_criterion(before),
                    present=lambda data, metric=metric: (
                        metric  # type: ignore[misc]
                        not in _criteria_by_metric(data)
                    ),
                )
            )
            continue
        index, after = new[metric]
        loosened = _loosened(before, after)
        if loosened:
            records.append(
                Record(
                    "criteria",
                    ("success_criteria", index, loosened),
                    f"success criterion '{metric}' loosened: {loosened} "
                    f"{before.get(loosened)} → {after.get(loosened)}",
                    revert=_restore_criterion(before),
                    present=_criterion_is(metric, after, ("threshold", "direction")),
                )
            )
        if before.get("mlflow_metric") != after.get("mlflow_metric"):
            records.append(
                Record(
                    "evidence",
                    ("success_criteria", index, "mlflow_metric"),
                    f"success criterion '{metric}' now proven by MLflow metric "
                    f"'{after.get('mlflow_metric')}' instead of '{before.get('mlflow_metric')}'",
                    revert=_restore_criterion(before, only="mlflow_metric"),
                    present=_criterion_is(metric, after, ("mlflow_metric",)),
                )
            )
    return records


def _loosened(before: Mapping[str, Any], after: Mapping[str, Any]) -> str | None:
    """``direction`` or ``threshold`` when ``after`` asks less than ``before``, else None."""
    if before.get("direction") != after.get("direction"):
        return "direction"
    old, new = before.get("threshold"), after.get("threshold")
    if not isinstance(old, int | float) or not isinstance(new, int | float):
        return None if old == new else "threshold"
    lower_is_better = after.get("direction") == "lower_is_better"
    return "threshold" if (new > old if lower_is_better else new < old) else None


def _criterion_is(
    metric: str, written: Mapping[str, Any], keys: Sequence[str]
) -> Callable[[Mapping[str, Any]], bool]:
    def present(data: Mapping[str, Any]) -> bool:
        found = _criteria_by_metric(data).get(metric)
        return found is not None and all(found[1].get(k) == written.get(k) for k in keys)

    return present


def _restore_criterion(
    before: Mapping[str, Any], only: str | None = None
) -> Callable[[dict[str, Any]], None]:
    def revert(data: dict[str, Any]) -> None:
        criteria = data.setdefault("success_criteria", [])
        if not isinstance(criteria, list):
            return
        for index, item in enumerate(criteria):
            if isinstance(item, dict) and item.get("metric") == before.get("metric"):
                if only is None:
                    criteria[index] = dict(before)
                elif only in before:
                    item[only] = before[only]
                else:
                    item.pop(only, None)
                return
        criteria.append(dict(before))

    return revert


# --- the model registry ------------------------------------------------------------------------


def _registry_records(base: Mapping[str, Any], head: Mapping[str, Any]) -> list[Record]:
    path: FieldPath = ("model", "registry")
    before, after = value_at(base, path), value_at(head, path)
    if _canonical_leaf(before) == _canonical_leaf(after):
        return []
    changed = sorted(
        key for key in {*_keys(before), *_keys(after)} if _get(before, key) != _get(after, key)
    )
    detail = ", ".join(
        f"{k}: {_shown(_get(before, k))} → {_shown(_get(after, k))}" for k in changed
    )
    return [
        Record(
            "evidence",
            path,
            f"model registry changed ({detail or 'section added or removed'})",
            revert=_restore(path, before),
            present=lambda data: _canonical(value_at(data, path)) == _canonical(after),
        )
    ]


def _keys(value: Any) -> list[str]:
    return list(value) if isinstance(value, Mapping) else []


def _get(value: Any, key: str) -> Any:
    return value.get(key, ABSENT) if isinstance(value, Mapping) else ABSENT


# --- obligations: risk, monitoring, contracts ----------------------------------------------------


def _obligation_records(base: Mapping[str, Any], head: Mapping[str, Any]) -> list[Record]:
    """One record per section (``risk.ai_act``, ``risk.gdpr``, ``monitoring``) whose fields
    changed in a way that may lower obligations, listing every such field."""
    records = []
    for root in ("risk", "monitoring"):
        before = dict(_leaves(value_at(base, (root,)), (root,)))
        after = dict(_leaves(value_at(head, (root,)), (root,)))
        changed: dict[FieldPath, list[tuple[FieldPath, Any, Any]]] = {}
        for path in [*after, *(p for p in before if p not in after)]:  # the head's order first
            old, new = before.get(path, ABSENT), after.get(path, ABSENT)
            if _canonical_leaf(old) != _canonical_leaf(new) and not _raises(path, old, new):
                changed.setdefault(section_of(path), []).append((path, old, new))
        for fields in changed.values():
            records.append(
                Record(
                    "obligations",
                    fields[0][0],
                    _section_summary(fields),
                    revert=_all(_restore(path, old) for path, old, _ in fields),
                    present=lambda data, fields=fields: all(  # type: ignore[misc]
                        _canonical_leaf(value_at(data, path)) == _canonical_leaf(new)
                        for path, _, new in fields
                    ),
                )
            )
    kept = set(_strings(value_at(head, ("data", "contracts"))))
    for contract in _strings(value_at(base, ("data", "contracts"))):
        if contract not in kept:
            records.append(
                Record(
                    "obligations",
                    ("data", "contracts"),
                    f"data contract '{contract}' dropped from data.contracts",
                    revert=_re_add_contract(contract),
                    present=lambda data, c=contract: (
                        c  # type: ignore[misc]
                        not in _strings(value_at(data, ("data", "contracts")))
                    ),
                )
            )
    return records


def _section_summary(fields: Sequence[tuple[FieldPath, Any, Any]]) -> str:
    if all(old is ABSENT for _, old, _ in fields):  # a section written for the first time
        section = section_of(fields[0][0])
        names = ", ".join(_dotted(path[len(section) :]) for path, _, _ in fields)
        return f"{_dotted(section)} written ({names})"
    return "; ".join(f"{_dotted(path)}: {_shown(old)} → {_shown(new)}" for path, old, new in fields)


def section_of(path: FieldPath) -> FieldPath:
    """The section a field's record belongs to: ``risk.ai_act``, ``risk.gdpr``, ``monitoring``."""
    return path[:2] if path[:1] == ("risk",) else path[:1]


def _all(reverts: Iterable[Callable[[dict[str, Any]], None]]) -> Callable[[dict[str, Any]], None]:
    steps = list(reverts)

    def revert(data: dict[str, Any]) -> None:
        for step in steps:
            step(data)

    return revert


def _leaves(value: Any, path: FieldPath) -> Iterator[tuple[FieldPath, Any]]:
    """Scalars and lists of scalars by path; lists of mappings compared whole."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            yield from _leaves(item, (*path, str(key)))
    elif value is not ABSENT:
        yield path, value


def _canonical_leaf(value: Any) -> str:
    if isinstance(value, list):  # order carries no meaning in these lists
        return _canonical(sorted(_canonical(item) for item in value))
    return _canonical(None if value is ABSENT else value)


def _raises(path: FieldPath, old: Any, new: Any) -> bool:
    """True when the change only adds obligations (no attestation needed)."""
    if path == ("risk", "ai_act", "category"):
        return _CATEGORY_RANK.get(str(new), -1) > _CATEGORY_RANK.get(str(old), 99)
    if any(_matches(path, pattern) for pattern in _MORE_WHEN_TRUE):
        return new is True and old in (False, ABSENT, None)
    if path == ("risk", "ai_act", "art_6_3_exemption", "claimed"):
        return new is False
    if any(_matches(path, pattern) for pattern in _MORE_WHEN_LONGER):
        old_items = {_canonical(i) for i in (old if isinstance(old, list) else [])}
        new_items = {_canonical(i) for i in (new if isinstance(new, list) else [])}
        return old_items < new_items
    if path[-1:] == ("status",) and path[:1] == ("risk",):
        # An assessment said to be not done (again) adds obligations; "completed" and
        # "not_required" are the claims that lift them.
        return new in _STATUS_NOT_DONE
    if path[:1] == ("monitoring",):
        return old is ABSENT  # monitoring added; a change or removal may loosen it
    return False


def _matches(path: FieldPath, pattern: FieldPath) -> bool:
    return len(path) == len(pattern) and all(
        p in ("*", q) for p, q in zip(pattern, path, strict=True)
    )


def _strings(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


def _re_add_contract(contract: str) -> Callable[[dict[str, Any]], None]:
    def revert(data: dict[str, Any]) -> None:
        section = data.setdefault("data", {})
        if isinstance(section, dict):
            listed = section.setdefault("contracts", [])
            if isinstance(listed, list) and contract not in listed:
                listed.append(contract)

    return revert


# --- paths -------------------------------------------------------------------------------------


def value_at(data: Any, path: FieldPath) -> Any:
    """The value at ``path`` in plain data, or :data:`ABSENT`."""
    current = data
    for part in path:
        if isinstance(part, int):
            if not isinstance(current, list) or not -len(current) <= part < len(current):
                return ABSENT
            current = current[part]
        elif isinstance(current, Mapping) and part in current:
            current = current[part]
        else:
            return ABSENT
    return current


def _restore(path: FieldPath, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set ``path`` back to ``value`` (remove it when ``value`` is ABSENT)."""

    def revert(data: dict[str, Any]) -> None:
        parent: Any = data
        for part in path[:-1]:
            if not isinstance(parent, dict):
                return
            if value is ABSENT and part not in parent:
                return
            parent = parent.setdefault(str(part), {})
        if not isinstance(parent, dict):
            return
        if value is ABSENT:
            parent.pop(str(path[-1]), None)
        else:
            parent[str(path[-1])] = json.loads(_canonical(value))

    return revert


def _dotted(path: FieldPath) -> str:
    return ".".join(str(part) for part in path)


def _shown(value: Any) -> str:
    if value is ABSENT or value is None:
        return "(not set)"
    if isinstance(value, list):
        return "[" + ", ".join(map(str, value)) + "]"
    text = str(value)
    return text if len(text) <= 80 else text[:77] + "…"
