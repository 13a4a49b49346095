"""The expert scenario suite: small repositories judged as an expert reads the law.

Each folder ``tests/scenarios/NN-slug/`` is a repository (``aigov.yaml``, and ``MODEL_CARD.md`` or
``contracts/*.odcs.yaml`` when the case needs them) with an ``expected.yaml`` written from the
texts (GDPR, AI Act, EDPB guidelines) before aigov was run on it::

    decision: block                 # pass | block: the gate's verdict an expert gives
    stage: production               # optional: judged as `aigov gate --to STAGE` (a deployment)
    org: lifecycle                  # optional: judged with org-lifecycle/ instead of org/
    must_block: ["EU AI Act Art. 27"]
    must_not_block: ["GDPR Art. 35"]
    why: <2-4 sentences citing the articles>

Every scenario is evaluated with the built-in packs chosen by the fixed organisation config of
``tests/scenarios/org/`` (``aigov-org.yaml``) on the fixed date of ``org/suite.yaml``; a scenario
whose point only a lifecycle rule sees names ``org: lifecycle`` (``org-lifecycle/``: the same
organisation with the lifecycle pack's cross-document checks). This
module is shared by ``tests/scenarios/test_scenarios.py`` and ``benchmarks/scenarios.py``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

if TYPE_CHECKING:
    from aigov.policy.sources import PolicySet

SCENARIOS = Path(__file__).resolve().parent
ORG = SCENARIOS / "org"
EXPECTED_FILE = "expected.yaml"
_KEYS = frozenset({"decision", "stage", "org", "must_block", "must_not_block", "why", "issue"})
ORGS = {"lifecycle": SCENARIOS / "org-lifecycle"}
"""The other organisations a scenario may be judged with (``org:`` in expected.yaml)."""


class ScenarioError(ValueError):
    """An expected.yaml that does not say what the suite needs."""


@dataclass(frozen=True)
class Expected:
    decision: str
    stage: str | None
    must_block: tuple[str, ...]
    must_not_block: tuple[str, ...]
    why: str
    issue: int | None
    org: str | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path
    expected: Expected


@dataclass(frozen=True)
class Blocking:
    """A blocking finding, reduced to what the suite compares."""

    rule_id: str
    references: tuple[str, ...]


@dataclass(frozen=True)
class Outcome:
    scenario: Scenario
    decision: str
    blocking: tuple[Blocking, ...]
    missed: tuple[str, ...]
    """must_block articles no blocking finding cites."""
    unwanted: tuple[str, ...]
    """must_not_block articles a blocking finding cites."""
    false_blocks: tuple[Blocking, ...]
    """Blocking findings of a scenario that must pass (each one is a false block)."""
    error: str = ""
    """Why aigov could not judge the repository (decision ``error``): a fact the manifest
    cannot carry yet is an invalid file."""

    @property
    def agrees(self) -> bool:
        return (
            self.decision == self.scenario.expected.decision
            and not self.missed
            and not self.unwanted
        )


def suite_today() -> dt.date:
    """The fixed evaluation date of the suite (``org/suite.yaml``)."""
    data = yaml.safe_load((ORG / "suite.yaml").read_text(encoding="utf-8"))
    today = data["today"]
    if not isinstance(today, dt.date):
        raise ScenarioError(f"{ORG / 'suite.yaml'}: today must be a date, got {today!r}")
    return today


def load_scenarios(root: Path = SCENARIOS) -> list[Scenario]:
    """Every scenario folder under ``root`` (a folder holding an expected.yaml), by name."""
    folders = [folder for folder in root.iterdir() if (folder / EXPECTED_FILE).is_file()]
    folders.sort(key=lambda folder: (_number(folder.name), folder.name))
    return [Scenario(f.name, f, load_expected(f / EXPECTED_FILE)) for f in folders]


def _number(name: str) -> int:
    """The scenario's number (``07`` of ``07-slug``), so that 100 comes after 99."""
    head = name.split("-", 1)[0]
    return int(head) if head.isdigit() else 0


def load_expected(path: Path) -> Expected:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping")
    unknown = set(data) - _KEYS
    if unknown:
        raise ScenarioError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}")
    decision = data.get("decision")
    if decision not in ("pass", "block"):
        raise ScenarioError(f"{path}: decision must be pass or block, got {decision!r}")
    why = data.get("why")
    if not isinstance(why, str) or len(why.split()) < 12 or not _CITATION.search(why):
        raise ScenarioError(f"{path}: why must explain the verdict with its articles")
    org = data.get("org")
    if org is not None and org not in ORGS:
        raise ScenarioError(f"{path}: org must be one of {', '.join(sorted(ORGS))}, got {org!r}")
    must_block = tuple(_articles(path, data, "must_block"))
    if decision == "pass" and must_block:
        raise ScenarioError(f"{path}: a scenario that must pass cannot list must_block")
    return Expected(
        decision=decision,
        stage=data.get("stage"),
        must_block=must_block,
        must_not_block=tuple(_articles(path, data, "must_not_block")),
        why=" ".join(why.split()),
        issue=data.get("issue"),
        org=org,
    )


_CITATION = re.compile(r"\b(Art\. \d+|Annex [IVX]+|Recital \d+)")
_ARTICLE = re.compile(r"^(GDPR|EU AI Act) (Art\. \d+[a-z]?(\(\w+\))*|Annex [IVX]+)$")
"""An article as the packs cite it: ``GDPR Art. 35``, ``EU AI Act Art. 53(1)(a)``, ``EU AI Act
Annex III``."""


def _articles(path: Path, data: dict[str, object], key: str) -> list[str]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(
        isinstance(v, str) and _ARTICLE.match(v) for v in value
    ):
        raise ScenarioError(
            f"{path}: {key} must list articles as the packs cite them ('GDPR Art. 35', "
            f"'EU AI Act Art. 50(1)'), got {value!r}"
        )
    return list(value)


def cites(reference: str, article: str) -> bool:
    """Whether a rule's ``reference`` cites ``article`` or one of its paragraphs or points.

    ``GDPR Art. 35`` is cited by ``GDPR Art. 35(3)``; ``EU AI Act Art. 5`` is not cited by
    ``EU AI Act Art. 50(1)``, nor ``EU AI Act Annex I`` by ``EU AI Act Annex III``.
    """
    if not reference.startswith(article):
        return False
    rest = reference[len(article) :]
    return not rest or not (rest[0].isalnum() or rest[0] == ".")


class Policies:
    """The suite's organisations, each loaded once, on first use."""

    def __init__(self) -> None:
        self._loaded: dict[str | None, PolicySet] = {}

    def __getitem__(self, org: str | None) -> PolicySet:
        if org not in self._loaded:
            self._loaded[org] = load_policy(ORG if org is None else ORGS[org])
        return self._loaded[org]


def load_policy(org: Path = ORG) -> PolicySet:
    """An organisation config with the built-in packs it pins."""
    from aigov.policy.sources import load_policy_set, parse_policy_source

    return load_policy_set(parse_policy_source(str(org)))


def judge(scenario: Scenario, policies: Policies, today: dt.date) -> Outcome:
    """Check the scenario's repository as ``aigov check`` (or ``aigov gate --to STAGE``) does,
    and compare the verdict with what the scenario expects."""
    from aigov.checking import CheckInputError, CheckOptions, run_check

    expected = scenario.expected
    options = CheckOptions(
        path=scenario.path,
        policy_set=policies[expected.org],
        today=today,
        target=expected.stage,
        use_cache=False,
    )
    try:
        report = run_check(options)
    except CheckInputError as exc:
        return Outcome(scenario, "error", (), expected.must_block, (), (), error=str(exc))
    blocking = tuple(
        Blocking(finding.rule_id, tuple(finding.references))
        for finding in report.findings
        if finding.blocking
    )
    return Outcome(
        scenario=scenario,
        decision=report.decision,
        blocking=blocking,
        missed=tuple(a for a in expected.must_block if not _cited(blocking, a)),
        unwanted=tuple(a for a in expected.must_not_block if _cited(blocking, a)),
        false_blocks=blocking if expected.decision == "pass" else (),
    )


def _cited(blocking: Iterable[Blocking], article: str) -> bool:
    return any(cites(ref, article) for finding in blocking for ref in finding.references)


@dataclass(frozen=True)
class Scores:
    """Precision and recall of blocking articles over the suite.

    - true positive: a must_block article that a blocking finding cites;
    - false negative: a must_block article that none cites;
    - false positive: a must_not_block article that a blocking finding cites, and, in a scenario
      that must pass, each blocking finding whatever it cites (a false block).
    """

    true_positives: int
    false_negatives: int
    false_positives: int
    decisions_right: int
    scenarios: int

    @property
    def precision(self) -> float:
        judged = self.true_positives + self.false_positives
        return self.true_positives / judged if judged else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0


def score(outcomes: Sequence[Outcome]) -> Scores:
    tp = sum(len(o.scenario.expected.must_block) - len(o.missed) for o in outcomes)
    fn = sum(len(o.missed) for o in outcomes)
    fp = sum(len(o.unwanted) + len(o.false_blocks) for o in outcomes)
    right = sum(o.decision == o.scenario.expected.decision for o in outcomes)
    return Scores(tp, fn, fp, right, len(outcomes))


def describe(outcome: Outcome) -> str:
    """One line per scenario: verdicts, and what differs from the expectation."""
    expected = outcome.scenario.expected
    mark = "ok  " if outcome.agrees else "DIFF"
    line = f"{mark} {outcome.scenario.name}: expected {expected.decision}, got {outcome.decision}"
    details = [" ".join(outcome.error.split())[:300]] if outcome.error else []
    if outcome.missed:
        details.append("not blocked: " + "; ".join(outcome.missed))
    if outcome.unwanted:
        details.append("wrongly blocked: " + "; ".join(outcome.unwanted))
    if outcome.false_blocks or (outcome.decision == "block" and expected.decision == "pass"):
        details.append("blocking rules: " + ", ".join(b.rule_id for b in outcome.blocking))
    return line + (f" ({' | '.join(details)})" if details else "")


def replace_expected(scenario: Scenario, **changes: object) -> Scenario:
    """A scenario with other expectations (tests of the harness itself)."""
    return dataclasses.replace(scenario, expected=dataclasses.replace(scenario.expected, **changes))


_NUMBERED = re.compile(r"^\d{2,3}-[a-z0-9-]+$")


def misnamed(scenarios: Iterable[Scenario]) -> list[str]:
    """Scenario folders not named NN-slug."""
    return [s.name for s in scenarios if not _NUMBERED.match(s.name)]
