"""Policy expressions: CEL compiled once per rule, evaluated against plain JSON-like data.

Rules carry ``when`` and ``assert`` expressions in CEL (the Common Expression Language used by
Kubernetes admission policies and Kyverno): no loops, no side effects, no access to Python. This
package is the only one that talks to the CEL library (``common-expression-language``, a Rust
implementation: about 1 µs per evaluation against a prepared context, where ``cel-python`` takes
150 µs to 5 ms); all it lets out is a plain Python value or one of the three exceptions of
:mod:`.errors`.

Modules: :mod:`.native` loads the library; :mod:`.expression` compiles and evaluates, turning
the library's errors into ours; :mod:`.functions` holds the custom functions below;
:mod:`.context` prepares contexts; :mod:`.scan` reads an expression's text (the roots and
evidence it reads, the path of a missing field, the form it is compiled in).

Typical use by the engine::

    expression = compile_expression('manifest.risk.ai_act.category == "high"')  # cached
    prepared = prepare_context({"manifest": manifest, "today": date.today()})   # once per project
    expression.evaluate_bool(prepared)

Context conversion
    Top-level ``datetime.date``/``datetime.datetime`` values (``today``) become CEL timestamps
    (midnight UTC for a date, naive datetimes are taken as UTC). Dates anywhere deeper become ISO
    8601 strings, because documents hold dates as strings and rules read them with ``date(...)``.
    Tuples become lists; anything that is not JSON-like data is refused with ``ExpressionError``.

Custom functions (besides the CEL standard library)
    ``date(s) -> timestamp``
        An ISO 8601 date (``"2026-11-24"``) or date-time (``"2026-11-24T10:00:00+02:00"``) string,
        or a timestamp, reduced to its calendar date at midnight UTC. The time of day and the offset
        are dropped (the date as written is the date used), so ``date(x) <= today`` compares days.
    ``days_between(a, b) -> int``
        Whole calendar days from ``a`` to ``b`` (negative when ``b`` is earlier); each argument is a
        timestamp or anything ``date()`` accepts.
    ``duration_days(s) -> int``
        Length in days of an ISO 8601 duration (``"P90D"``, ``"P6M"``, ``"P1Y2M"``, ``"PT72H"``).
        Calendar units are approximated: P1Y = 365 days, P1M = 30 days, P1W = 7 days; a time part
        is floored to whole days (``PT36H`` = 1). Only non-negative integer components are accepted.
    ``is_date(s) -> bool`` / ``is_duration(s) -> bool``
        Whether ``date(s)`` / ``duration_days(s)`` would accept ``s``, so a rule can check a format
        without failing on it.

List helpers, linear in the lists they read
    This library's ``map`` and ``filter`` macros copy the list built so far at each element
    they add: quadratic in their result (``xs.map(x, x)`` over 8,000 ints takes 1.8 s), and a
    macro inside a macro over the same list is quadratic too. Rules over the lists a pull
    request writes (approvals, criteria, properties…) select and compare with these instead.

    ``pluck(list, field) -> list`` / ``pluck(list, field, conditions) -> list``
        The ``field`` of each map of ``list`` (an absent one is an error); with ``conditions``, of
        the maps only that have every field it names with one of the values it lists:
        ``pluck(manifest.approvals, "date", {"decision": ["rejected", "deferred"]})``. One call
        reads the list once (passing a list to a function converts it: ~15 µs per map).
    ``greatest(list) -> value`` / ``latest(list) -> timestamp``
        The largest element of a non-empty list of numbers, of strings or of timestamps, as
        cel-go's ``math.greatest``; ``latest`` reads each element with ``date()`` first. An empty
        list is an error: test it with ``exists`` or ``size`` first.
    ``flatten(list) -> list`` / ``contains_all(list, values) -> bool``
        ``flatten`` splices the lists a list holds into it, one level deep (cel-go's
        ``lists.flatten``); ``contains_all`` tells whether every element of ``values`` equals an
        element of ``list`` (cel-go's ``sets.contains``); both lists hold scalars.
    ``recorded(value) -> bool``
        Whether a field meant to record a measure, a reference or a notice records one: a string
        that is neither blank nor a non-answer ("none", "n/a", "TBD", "-"…); false for anything
        else. Rules use it so that text saying nothing never passes for the measure
        (``manifest.risk.gdpr.security_measures.exists(m, recorded(m))``).

Semantics worth knowing when writing rules
    - Touching an absent field, key or list index is an error (``MissingField``), exactly as in CEL:
      ``has(a.b.c)`` tests ``c`` but needs ``a.b`` to exist. ``&&`` and ``||`` absorb errors
      (``!has(a.b) || a.b.c == 1`` is safe), but this library's ``all``/``exists``/``exists_one``
      macros stop at the first error in list order (the CEL spec would let a later ``true`` win),
      so guard fields inside macros with ``has()``.
    - Map keys are iterated in an unspecified order that changes between runs (the library stores
      maps in a randomly seeded hash map): a macro over a map must not depend on the order, and
      ``map``/``filter`` over a map give lists in that order. Returned maps are sorted by key.
    - Ints and doubles do not mix in arithmetic (``1 + 2.5`` is an error) but compare fine.

Performance (``python benchmarks/bench_expressions.py``)
    Simple rules run at 1-2 million evaluations/s on a prepared context. The library copies every
    list element a macro visits (~100 ns per nested value), so a macro over large nested data is
    the expensive case: ``contracts.exists(c, c.schema.exists(...))`` over 150 properties takes
    ~230 µs. It also copies the value a field selection returns, which is why compiled programs
    read ``a.b`` as ``a["b"]`` (see :func:`.scan.index_form`).
"""

from __future__ import annotations

from aigov.policy.cel.context import PreparedContext, prepare_context
from aigov.policy.cel.errors import ExpressionError, ExpressionSyntaxError, MissingField
from aigov.policy.cel.expression import (
    MAX_EXPRESSION_LENGTH,
    CompiledExpression,
    compile_expression,
)
from aigov.policy.cel.scan import index_form

__all__ = [
    "MAX_EXPRESSION_LENGTH",
    "CompiledExpression",
    "ExpressionError",
    "ExpressionSyntaxError",
    "MissingField",
    "PreparedContext",
    "compile_expression",
    "index_form",
    "prepare_context",
]
