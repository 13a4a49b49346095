"""Data contracts in another format than ODCS v3 are refused by name, with the way to convert."""

from __future__ import annotations

from pathlib import Path

import pytest

from aigov.documents.contract import validate_contract
from aigov.documents.repository import load_yaml_file
from aigov.documents.safe_yaml import parse_yaml


def _refusal(text: str) -> tuple[str, str, str]:
    contract, problems = validate_contract(parse_yaml(text, "contracts/c.yaml"))
    assert contract is None
    (problem,) = problems
    return str(problem.location), problem.message, problem.hint


def test_a_data_contract_specification_file_is_named_with_its_version_and_the_conversion() -> None:
    where, message, hint = _refusal(
        "id: orders\ninfo:\n  title: Orders\ndataContractSpecification: 1.2.1\nmodels: {}\n"
    )
    assert where == "contracts/c.yaml:4:1"
    assert message == (
        "not an ODCS v3 contract: this is a Data Contract Specification 1.2.1 document "
        "(datacontract.com)"
    )
    assert "datacontract export --format odcs" in hint


@pytest.mark.parametrize(
    ("text", "line", "found"),
    [
        ("kind: DataContract\napiVersion: v2.2.2\ndataset: []\n", 2, "an ODCS v2.2.2 document"),
        ("version: 1.0.0\nstandardVersion: 2.2.0\nkind: managedDataset\n", 2, "ODCS v2.2.0"),
        ("templateVersion: 2.0.0\ndatasetName: x\n", 1, "an ODCS v2.0.0 document"),
        ("quantumName: q\ndataset:\n  - table: t\n", 2, "an ODCS v2 document (a 'dataset' list"),
    ],
)
def test_an_odcs_v2_file_is_named_and_told_how_v3_differs(text: str, line: int, found: str) -> None:
    where, message, hint = _refusal(text)
    assert where == f"contracts/c.yaml:{line}:1"
    assert message.startswith("not an ODCS v3 contract: this is ") and found in message
    assert "apiVersion: v3.1.0" in hint and "dataset -> schema" in hint


def test_a_v3_contract_is_not_taken_for_another_format() -> None:
    text = "apiVersion: v3.1.0\nkind: DataContract\nid: c\nversion: 1.0.0\nstatus: active\n"
    contract, problems = validate_contract(parse_yaml(text, "contracts/c.yaml"))
    assert not [p for p in problems if p.code == "contract.other-format"]
    assert contract is not None


OTHER_FORMATS = {
    "bitol-v2.2.2-full-example.yaml": "ODCS v2.2.2",
    "bitol-v2.2.2-postgresql-adventureworks.yaml": "ODCS v2.2.0",
    "dcat-odcs-v2.3.0-full-example.odcs.yaml": "ODCS v2.3.0",
    "dcc-dcs-1.2.1-export.yaml": "Data Contract Specification 1.2.1",
    "dcc-dcs-0.9.1-great-expectations.yaml": "Data Contract Specification 0.9.1",
    "dcc-dcs-1.2.1-quality.yaml": "Data Contract Specification 1.2.1",
}


@pytest.mark.parametrize(("name", "found"), OTHER_FORMATS.items())
def test_the_real_files_of_other_formats_are_named(
    conformance: Path, name: str, found: str
) -> None:
    path = conformance / "realworld" / "contracts" / name
    contract, problems = validate_contract(load_yaml_file(path, name))
    assert contract is None
    (problem,) = problems
    assert problem.code == "contract.other-format" and found in problem.message
