"""A result of several projects (``aigov check --all``), in every format."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from junitparser import JUnitXml
from tests.conftest import PROJECT_ROOT
from tests.report.conftest import (
    build_blocked_report,
    build_clean_report,
    build_hostile_report,
)

from aigov.report import FORMATS, render
from aigov.report.document import CheckReport, ProjectsReport, finding_path


@pytest.fixture
def several() -> ProjectsReport:
    return ProjectsReport.of(
        [
            build_blocked_report().model_copy(update={"folder": "apps/credit"}),
            build_clean_report().model_copy(update={"folder": "apps/clean"}),
            build_hostile_report().model_copy(update={"folder": "apps/evil <x>"}),
        ],
        repository=".",
        unchanged=["apps/untouched"],
    )


def test_json_is_valid_against_its_schema_and_round_trips(several: ProjectsReport) -> None:
    schema = json.loads(
        (PROJECT_ROOT / "schemas" / "aigov-projects-result.schema.json").read_text("utf-8")
    )
    validator = jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    data = json.loads(render("json", several))
    assert list(validator.iter_errors(data)) == []
    assert ProjectsReport.model_validate(data) == several
    assert data["decision"] == "block"
    assert data["summary"] == {
        "projects": 3,
        "blocked": sum(1 for p in several.projects if not p.passed),
        "rules_evaluated": sum(p.rules_evaluated for p in several.projects),
        "findings": sum(len(p.findings) for p in several.projects),
        "blocking": sum(len(p.blocking) for p in several.projects),
        "waived": sum(len(p.waived) for p in several.projects),
    }


def test_paths_carry_each_projects_folder(several: ProjectsReport) -> None:
    blocked = several.projects[0]
    finding = blocked.findings[0]
    assert finding_path(blocked, finding) == f"apps/credit/{finding.location.file}"
    annotations = render("github", several).splitlines()
    assert len(annotations) == sum(len(p.findings) for p in several.projects)
    levels = [line.split(" ", 1)[0] for line in annotations]
    assert levels == sorted(levels, key=["::error", "::warning", "::notice"].index)
    quality = json.loads(render("codequality", several))
    assert {issue["location"]["path"].split("/")[1] for issue in quality} <= {
        "credit",
        "evil <x>",
    }


def test_sarif_one_run_per_project(several: ProjectsReport) -> None:
    runs = json.loads(render("sarif", several))["runs"]
    ids = [run["automationDetails"]["id"] for run in runs]
    assert ids[:2] == [f"aigov/{p.project}/" for p in several.projects[:2]]
    assert ids[2] == "aigov/proj-x-team/"  # a hostile id, slugged into one path segment
    assert [run["properties"]["folder"] for run in runs] == [p.folder for p in several.projects]


def test_junit_suites_per_project(several: ProjectsReport, tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    path.write_text(render("junit", several), encoding="utf-8")
    xml = JUnitXml.fromfile(str(path))
    projects = [suite.name.split("/", 1)[0] for suite in xml]
    assert set(projects) == {p.project for p in several.projects}
    tests = sum(len(p.described_rules()) for p in several.projects)
    assert xml.tests == tests
    for suite in xml:
        assert all(case.classname == suite.name for case in suite)


def test_text_and_markdown_give_a_section_per_project(several: ProjectsReport) -> None:
    text = render("text", several)
    lines = text.splitlines()
    assert lines[0].startswith("aigov: BLOCKED: ")
    assert lines[-1] == lines[0]
    assert "== apps/credit (" in text and "== apps/clean (" in text
    assert "apps/untouched" in text
    markdown = render("markdown", several)
    assert markdown.startswith("<!-- aigov-report -->\n## ❌ aigov: 2 of 3 project(s) blocked")
    assert "apps/untouched" in markdown


def test_every_format_renders_no_project() -> None:
    empty = ProjectsReport.of([], repository=".", base="main", unchanged=["a", "b"])
    for name in FORMATS:
        assert isinstance(render(name, empty), str)
    assert render("text", empty).startswith("aigov: PASSED: no project to check")
    assert json.loads(render("sarif", empty))["runs"] == []


def test_a_single_project_renders_as_before(several: ProjectsReport) -> None:
    one: CheckReport = several.projects[0]
    assert json.loads(render("json", one))["project"] == one.project
    assert "projects" not in json.loads(render("json", one))
