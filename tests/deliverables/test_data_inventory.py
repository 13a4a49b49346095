"""The data inventory lists every contract property at any depth by its path, in both languages,
through the real ``aigov docs`` command on real files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from tests.conftest import MINIMAL_MANIFEST, CliResult

Run = Callable[..., CliResult]

CONTRACT = """\
apiVersion: v3.1.0
kind: DataContract
id: customers
name: customers
version: 1.0.0
status: active
schema:
  - name: customer_profile
    properties:
      - name: id
        logicalType: string
        required: true
      - name: customer
        logicalType: object
        properties:
          - name: address
            logicalType: object
            properties:
              - name: email
                logicalType: string
                classification: restricted
                tags: [pii]
      - name: orders
        logicalType: array
        items:
          logicalType: object
          properties:
            - name: sku
              logicalType: string
  - name: empty_table
"""


@pytest.mark.parametrize(
    ("lang", "column", "yes"),
    [("en", "| Column | Type |", "yes"), ("fr", "| Colonne | Type |", "oui")],
)
def test_nested_properties_are_listed_by_their_path(
    run_cli: Run, make_repo: Callable[..., Path], tmp_path: Path, lang: str, column: str, yes: str
) -> None:
    manifest = MINIMAL_MANIFEST + "data:\n  contracts: [contracts/customers.odcs.yaml]\n"
    root = make_repo({"aigov.yaml": manifest, "contracts/customers.odcs.yaml": CONTRACT})
    out = tmp_path / "docs"
    result = run_cli("docs", str(root), "--out", str(out), "--lang", lang, "--format", "md")
    assert result.exit_code == 0, result.stdout + result.stderr
    report = (out / "data-report.md").read_text(encoding="utf-8")
    assert column in report
    rows = [line for line in report.splitlines() if line.startswith("| ")]
    paths = [row.split(" | ")[0].removeprefix("| ") for row in rows]
    start = paths.index("id")
    assert paths[start : start + 7] == [
        "id",
        "customer",
        "customer.address",
        "customer.address.email",
        "orders",
        "orders\\[\\]",
        "orders\\[\\].sku",
    ]
    email = rows[start + 3]
    assert "restricted" in email and email.rstrip(" |").endswith(yes)
    # An object without properties is still a gap, named as before.
    assert "schema[empty_table].properties" in report.replace("\\", "")
