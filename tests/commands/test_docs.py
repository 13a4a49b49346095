"""`aigov docs`: writes every deliverable, in the language asked or the org's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import EXAMPLES, MINIMAL_MANIFEST, CliResult

RunCli = Callable[..., CliResult]


def test_writes_every_document(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli(
        "docs", str(EXAMPLES / "hr-attrition-ideation"), "--out", str(out), "--today", "2026-11-24"
    )
    assert result.exit_code == 0, result.stderr
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted(
        f"{slug}.{ext}"
        for slug in (
            "index",
            "framing-sheet",
            "data-report",
            "evaluation-report",
            "annex-iv",
            "monitoring-sla",
        )
        for ext in ("md", "html")
    )
    evaluation = (out / "evaluation-report.md").read_text(encoding="utf-8")
    assert "evaluation results are not available" in evaluation
    assert "Not available: aigov.yaml declares no model.registry" in evaluation


def test_markdown_only_in_french(run_cli: RunCli, tmp_path: Path) -> None:
    out = tmp_path / "fr"
    result = run_cli(
        "docs",
        str(EXAMPLES / "customer-chatbot"),
        "--out",
        str(out),
        "--lang",
        "fr",
        "--format",
        "md",
        "--skip-evidence",
        "mlflow",
    )
    assert result.exit_code == 0, result.stderr
    assert all(p.suffix == ".md" for p in out.iterdir())
    framing = (out / "framing-sheet.md").read_text(encoding="utf-8")
    assert framing.startswith("# Fiche de cadrage — Assistant conversationnel « Alix »")
    assert "intérêts légitimes" in (out / "data-report.md").read_text(encoding="utf-8")
    assert "Non disponible : ignorées avec --skip-evidence" in (
        out / "evaluation-report.md"
    ).read_text(encoding="utf-8")


def test_language_from_the_org_config(run_cli: RunCli, make_repo: Callable[..., Path]) -> None:
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST})
    policies = make_repo(
        {"aigov-org.yaml": "apiVersion: aigov/v1\nkind: OrgConfig\nlang: fr\n"}, "p"
    )
    result = run_cli("docs", str(root), "--policies", str(policies))
    assert result.exit_code == 0, result.stderr
    annex = (root / "docs" / "aigov" / "annex-iv.md").read_text(encoding="utf-8")
    assert "Documentation technique" in annex
    assert "Manquant : framing" not in annex  # the Annex IV draft does not read the framing


def test_invalid_repository_is_exit_2(run_cli: RunCli, make_repo: Callable[..., Path]) -> None:
    root = make_repo({"aigov.yaml": MINIMAL_MANIFEST.replace("ideation", "nope")})
    result = run_cli("docs", str(root))
    assert result.exit_code == 2
    assert "aigov validate" in result.stderr
    assert not (root / "docs").exists()


def test_real_evidence_end_to_end(
    run_cli: RunCli, credit_scoring_with_evidence: Path, tmp_path: Path
) -> None:
    """The README's set-up (MLflow store, stored data checks): the documents show that evidence."""
    out = tmp_path / "docs"
    result = run_cli("docs", str(credit_scoring_with_evidence), "--out", str(out), "--format", "md")
    assert result.exit_code == 0, result.stderr
    evaluation = (out / "evaluation-report.md").read_text(encoding="utf-8")
    assert "Not available" not in evaluation.split("## Results declared")[0]
    assert "test_oot_auc" in evaluation
    assert "consistent" in evaluation or "differs by" in evaluation
    data = (out / "data-report.md").read_text(encoding="utf-8")
    assert "no data quality evidence" not in data
    assert "credit_application | 400 |" in data
    monitoring = (out / "monitoring-sla.md").read_text(encoding="utf-8")
    assert "Recorded values" in monitoring
