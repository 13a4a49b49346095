"""`aigov validate`: every bad input gets a located, explained error and exit code 2."""

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import MINIMAL_MANIFEST, CliResult, run_aigov_process, unwrapped

RunCli = Callable[..., CliResult]
MakeRepo = Callable[..., Path]
EXAMPLE_CONTRACT = "all--postgresql-adventureworks-contract.odcs.yaml"


def _invalid(run_cli: RunCli, repo: Path) -> str:
    result = run_cli("validate", str(repo))
    assert result.exit_code == 2, result.stdout
    assert "Traceback" not in result.stdout + result.stderr
    return unwrapped(result.stdout)


def test_minimal_manifest_is_valid(run_cli: RunCli, make_repo: MakeRepo) -> None:
    result = run_cli("validate", str(make_repo({"aigov.yaml": MINIMAL_MANIFEST})))
    assert result.exit_code == 0
    assert result.stdout.startswith("valid: 0 error(s), 0 warning(s)")


def test_every_problem_is_reported_at_once(run_cli: RunCli, make_repo: MakeRepo) -> None:
    manifest = MINIMAL_MANIFEST.replace("stage: ideation", "stage: pocc") + (
        "framing:\n  problem: churn\n  impact: 9\nsucces_criteria: []\n"
        "data:\n  contracts: [contracts/missing.odcs.yaml]\n"
    )
    out = _invalid(run_cli, make_repo({"aigov.yaml": manifest}))
    assert "aigov.yaml:8:1: error: stage:" in out
    assert (
        "aigov.yaml:11:3: error: framing.impact: Input should be less than or equal to 5, got 9"
        in out
    )
    assert "aigov.yaml:12:1: error: succes_criteria: unknown field 'succes_criteria'" in out
    assert "did you mean 'success_criteria'?" in out
    assert "data contract 'contracts/missing.odcs.yaml' not found" in out
    assert "invalid: 4 error(s)" in out


def test_malformed_yaml(run_cli: RunCli, make_repo: MakeRepo) -> None:
    out = _invalid(run_cli, make_repo({"aigov.yaml": MINIMAL_MANIFEST + "tags: [a, b\n"}))
    assert "aigov.yaml:10:1: error: did not find expected ',' or ']'" in out
    assert "[yaml.syntax]" in out


def test_tab_indented_file(run_cli: RunCli, make_repo: MakeRepo) -> None:
    out = _invalid(run_cli, make_repo({"aigov.yaml": MINIMAL_MANIFEST.replace("  name", "\tname")}))
    assert "aigov.yaml:5:1: error: found a tab character that violates indentation" in out
    assert "hint: YAML does not allow tabs for indentation: indent with spaces." in out


def test_wrong_type(run_cli: RunCli, make_repo: MakeRepo) -> None:
    manifest = MINIMAL_MANIFEST + "framing:\n  problem: churn\n  impact: high\n"
    out = _invalid(run_cli, make_repo({"aigov.yaml": manifest}))
    assert "aigov.yaml:11:3: error: framing.impact: Input should be a valid integer" in out
    assert "got 'high'" in out


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "ftp://grafana.example.org",
        "https://",
        "http://[abc",
        "http://x.org:99999/",
    ],
)
def test_dashboard_must_be_an_http_url(run_cli: RunCli, make_repo: MakeRepo, url: str) -> None:
    manifest = MINIMAL_MANIFEST + f"monitoring:\n  dashboard: '{url}'\n"
    out = _invalid(run_cli, make_repo({"aigov.yaml": manifest}))
    assert "monitoring.dashboard: Value error, expected an http(s) URL" in out


def test_dashboard_url_is_kept_as_written(make_repo: MakeRepo) -> None:
    from aigov.documents.repository import load_repository

    url = "https://grafana.example.org/d/churn?orgId=1"
    manifest = MINIMAL_MANIFEST + f"monitoring:\n  dashboard: '{url}'\n"
    repository = load_repository(make_repo({"aigov.yaml": manifest}))
    assert repository.manifest is not None and repository.manifest.monitoring is not None
    assert repository.manifest.monitoring.dashboard == url


def test_unknown_stage_suggests_the_closest(run_cli: RunCli, make_repo: MakeRepo) -> None:
    out = _invalid(
        run_cli,
        make_repo({"aigov.yaml": MINIMAL_MANIFEST.replace("ideation", "industrialisation")}),
    )
    assert "aigov.yaml:8:1: error: stage: Input should be 'ideation'" in out
    assert "got 'industrialisation'" in out
    assert "did you mean 'industrialization'?" in out


def test_missing_required_field_points_at_the_parent(run_cli: RunCli, make_repo: MakeRepo) -> None:
    manifest = MINIMAL_MANIFEST.replace("  owner: data-science@example.com\n", "")
    out = _invalid(run_cli, make_repo({"aigov.yaml": manifest}))
    assert "aigov.yaml:3:1: error: metadata.owner: required field 'owner' is missing" in out


def test_unknown_keys_are_named_with_the_closest_valid_name(
    run_cli: RunCli, make_repo: MakeRepo
) -> None:
    manifest = MINIMAL_MANIFEST.replace("  name:", "  stakholders: []\n  name:")
    out = _invalid(run_cli, make_repo({"aigov.yaml": manifest}))
    assert "aigov.yaml:5:3: error: metadata.stakholders: unknown field 'stakholders'" in out
    assert "did you mean 'stakeholders'?" in out


def test_duplicate_key(run_cli: RunCli, make_repo: MakeRepo) -> None:
    out = _invalid(run_cli, make_repo({"aigov.yaml": MINIMAL_MANIFEST + "stage: poc\n"}))
    assert "aigov.yaml:9:1: error: stage: duplicate key 'stage' (first defined on line 8)" in out


def test_file_over_the_size_limit(run_cli: RunCli, make_repo: MakeRepo) -> None:
    padding = "# " + "x" * 1000 + "\n"
    out = _invalid(run_cli, make_repo({"aigov.yaml": MINIMAL_MANIFEST + padding * 2200}))
    assert "aigov.yaml:1:1: error: file is 2,2" in out
    assert "the limit is 2,097,152 bytes [file.too-large]" in out


def test_alias_bomb(run_cli: RunCli, make_repo: MakeRepo) -> None:
    lines = ['l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"l{i}: &l{i} [{','.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 10)]
    out = _invalid(run_cli, make_repo({"aigov.yaml": "\n".join(lines) + "\n"}))
    assert "more than 200,000 values (alias expansion) [yaml.too-large]" in out


def test_path_with_dotdot_leaving_the_repository(run_cli: RunCli, make_repo: MakeRepo) -> None:
    manifest = MINIMAL_MANIFEST + "data:\n  contracts:\n    - ../../etc/passwd\n"
    out = _invalid(run_cli, make_repo({"aigov.yaml": manifest}))
    assert (
        "aigov.yaml:11:7: error: data.contracts[0]: '../../etc/passwd' leaves the repository ('..')"
        in out
    )


def test_symlink_pointing_outside(run_cli: RunCli, make_repo: MakeRepo, tmp_path: Path) -> None:
    secret = tmp_path / "secret.md"
    secret.write_text("---\nlicense: mit\n---\n# secret\n")
    repo = make_repo({"aigov.yaml": MINIMAL_MANIFEST})
    os.symlink(secret, repo / "MODEL_CARD.md")
    out = _invalid(run_cli, repo)
    assert "model.card: 'MODEL_CARD.md' is a symbolic link to" in out
    assert "outside the repository" in out


def test_model_card_without_front_matter_is_a_warning(run_cli: RunCli, make_repo: MakeRepo) -> None:
    repo = make_repo({"aigov.yaml": MINIMAL_MANIFEST, "MODEL_CARD.md": "# Churn model\n\nText.\n"})
    result = run_cli("validate", str(repo))
    assert result.exit_code == 0
    assert "MODEL_CARD.md:1:1: warning: model card has no YAML front matter" in result.stdout
    assert run_cli("validate", "--strict", str(repo)).exit_code == 2


def test_contract_that_is_not_odcs(run_cli: RunCli, make_repo: MakeRepo) -> None:
    manifest = MINIMAL_MANIFEST + "data:\n  contracts: [contracts/orders.yaml]\n"
    contract = "dataContractSpecification: 0.9.3\nid: orders\ninfo:\n  title: Orders\n"
    out = _invalid(run_cli, make_repo({"aigov.yaml": manifest, "contracts/orders.yaml": contract}))
    assert (
        "contracts/orders.yaml:1:1: error: dataContractSpecification: not an ODCS v3 contract: "
        "this is a Data Contract Specification 0.9.3 document (datacontract.com)"
    ) in out
    assert "datacontract export --format odcs" in out
    unknown = "id: orders\ntables: []\n"
    out = _invalid(run_cli, make_repo({"aigov.yaml": manifest, "contracts/orders.yaml": unknown}))
    assert "contracts/orders.yaml:1:1: error: not an Open Data Contract Standard document" in out


def test_contract_schema_errors_are_located(run_cli: RunCli, make_repo: MakeRepo) -> None:
    contract = (
        "apiVersion: v3.1.0\nkind: DataContract\nid: orders\nversion: 1.0.0\nstatus: active\n"
        "schema:\n  - name: orders\n    properties:\n      - name: id\n        requird: true\n"
    )
    out = _invalid(
        run_cli, make_repo({"aigov.yaml": MINIMAL_MANIFEST, "contracts/o.odcs.yaml": contract})
    )
    assert (
        "contracts/o.odcs.yaml:10:9: error: schema[0].properties[0].requird: unknown field" in out
    )
    assert "did you mean 'required'?" in out


def test_a_contract_listed_twice_is_read_once_with_a_warning(
    run_cli: RunCli, make_repo: MakeRepo, conformance: Path
) -> None:
    contract = (conformance / "odcs" / "examples" / EXAMPLE_CONTRACT).read_text("utf-8")
    manifest = MINIMAL_MANIFEST + (
        "data:\n  contracts:\n    - contracts/o.odcs.yaml\n    - ./contracts/o.odcs.yaml\n"
    )
    repo = make_repo({"aigov.yaml": manifest, "contracts/o.odcs.yaml": contract})
    result = run_cli("validate", str(repo), "-f", "json")
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    (warning,) = [p for p in data["problems"] if p["code"] == "contract.listed-twice"]
    assert warning["level"] == "warning" and warning["line"] == 12
    assert "already listed as data.contracts[0]" in warning["message"]
    assert data["files"] == ["aigov.yaml", "contracts/o.odcs.yaml"]


def test_non_utf8_bytes(run_cli: RunCli, make_repo: MakeRepo) -> None:
    raw = MINIMAL_MANIFEST.replace("Churn prediction", "Pr\xe9diction").encode("latin-1")
    out = _invalid(run_cli, make_repo({"aigov.yaml": raw}))
    assert "aigov.yaml:5:11: error: invalid UTF-8 byte 0xe9 [file.encoding]" in out


def test_empty_file(run_cli: RunCli, make_repo: MakeRepo) -> None:
    out = _invalid(run_cli, make_repo({"aigov.yaml": ""}))
    assert "aigov.yaml:1:1: error: file is empty [file.empty]" in out


def test_top_level_list(run_cli: RunCli, make_repo: MakeRepo) -> None:
    out = _invalid(run_cli, make_repo({"aigov.yaml": "- a\n- b\n"}))
    assert "expected a mapping of keys to values at the top, found a list" in out


def test_no_manifest(run_cli: RunCli, make_repo: MakeRepo) -> None:
    out = _invalid(run_cli, make_repo({"README.md": "# nothing\n"}))
    assert "aigov.yaml: error: no lifecycle manifest in this repository" in out
    assert "aigov init" in out


def test_json_format(run_cli: RunCli, make_repo: MakeRepo) -> None:
    manifest = MINIMAL_MANIFEST.replace("stage: ideation", "stage: nowhere")
    result = run_cli("validate", "--format", "json", str(make_repo({"aigov.yaml": manifest})))
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["valid"] is False and report["errors"] == 1
    [problem] = report["problems"]
    assert problem["file"] == "aigov.yaml" and problem["line"] == 8 and problem["column"] == 1
    assert problem["field"] == "stage" and problem["code"] == "schema.invalid"


def test_path_that_is_not_a_folder(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("validate", str(tmp_path / "nope"))
    assert result.exit_code == 2
    assert "is not a folder" in result.stderr


def test_usage_errors_exit_2_without_traceback() -> None:
    result = run_aigov_process("validate", "--format", "yaml")
    assert result.exit_code == 2
    assert "invalid choice: 'yaml'" in result.stderr
    assert "Traceback" not in result.stderr
    assert run_aigov_process().exit_code == 2
