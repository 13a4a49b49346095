"""Where a contract's data is read from, and reading it into what Great Expectations validates.

The contract's ``servers`` entry names the data: a CSV or Parquet file inside the repository
(``type: local``), a SQLite file inside the repository (``type: custom``, ``format: sqlite``), or,
when chosen explicitly, a SQL database reached through SQLAlchemy. A server marked as a sample
(``customProperties: [{property: sample, value: true}]``) runs row-count and freshness checks
without enforcing them: a sample is small and does not age like the table it samples.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aigov.documents.problems import DocumentError
from aigov.evidence import EvidenceUnavailable, first_line
from aigov.evidence.data_quality.model import ServerEvidence
from aigov.evidence.data_quality.suite import DATE_TYPES, TablePlan

if TYPE_CHECKING:
    import pandas as pd  # type: ignore[import-untyped]

    from aigov.documents.contract import DataContract
    from aigov.documents.files import RepositoryRoot

FILE_FORMATS = ("csv", "parquet")
SQL_SERVER_TYPES = {
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "mysql": "mysql",
    "sqlserver": "mssql",
    "oracle": "oracle",
}


class DataQualityUnavailable(EvidenceUnavailable):
    """The data cannot be validated (no readable server, unreadable data, no GX installed)."""


@dataclass(frozen=True)
class DataSource:
    """Where a contract's data is read from."""

    server: str
    type: str
    environment: str | None
    sample: bool
    path: Path | None = None  # local files and SQLite databases
    shown_path: str | None = None
    format: str | None = None  # csv, parquet, sqlite, sql
    url: str | None = None  # SQLAlchemy URL of a remote database (credentials not shown)
    schema: str | None = None

    def to_evidence(self) -> ServerEvidence:
        """The server as the evidence names it (no URL: it may hold credentials)."""
        return ServerEvidence(
            server=self.server,
            type=self.type,
            environment=self.environment,
            sample=self.sample,
            format=self.format,
            path=self.shown_path,
            schema=self.schema,
        )


def _custom_properties(server: Mapping[str, Any]) -> dict[str, Any]:
    found = {}
    for item in server.get("customProperties") or []:
        if isinstance(item, dict) and "property" in item:
            found[str(item["property"])] = item.get("value")
    return found


def choose_source(
    contract: DataContract, root: RepositoryRoot, server_name: str | None = None
) -> DataSource:
    """The server to validate: ``server_name``, else the first file or SQLite server.

    Remote databases are used only when named, so that a CI run never reaches production by
    surprise. Paths are confined to the repository.
    """
    servers = [s for s in contract.data.get("servers") or [] if isinstance(s, dict)]
    for index, server in enumerate(servers):
        name = str(server.get("server", ""))
        if server_name is not None and name != server_name:
            continue
        kind = str(server.get("type", ""))
        sample = str(_custom_properties(server).get("sample", "")).lower() in ("true", "1", "yes")
        environment = server.get("environment")
        fmt = str(server.get("format", "")).lower()
        if kind in ("local", "custom") and server.get("path") and fmt in (*FILE_FORMATS, "sqlite"):
            where = contract.document.locate(("servers", index, "path"))
            try:
                path = root.resolve(
                    str(server["path"]), referenced_from=where, field=f"servers[{index}].path"
                )
            except DocumentError as exc:
                raise DataQualityUnavailable(exc.problem.message, where) from exc
            return DataSource(
                name,
                kind,
                environment,
                sample,
                path=path,
                shown_path=root.display(path),
                format=fmt,
                schema=server.get("schema"),
            )
        if server_name is not None and kind in SQL_SERVER_TYPES:
            return DataSource(
                name,
                kind,
                environment,
                sample,
                format="sql",
                url=_sql_url(server),
                shown_path=f"{server.get('host', '')}/{server.get('database', '')}",
                schema=server.get("schema"),
            )
    where = contract.document.locate(("servers",))
    if server_name is not None:
        raise DataQualityUnavailable(
            f"{contract.file} has no server '{server_name}' that aigov can read", where
        )
    kinds = ", ".join(sorted({str(s.get("type")) for s in servers})) or "none"
    raise DataQualityUnavailable(
        f"{contract.file} has no local data server (CSV, Parquet or SQLite file in the "
        f"repository; servers found: {kinds})",
        where,
    )


def _sql_url(server: Mapping[str, Any]) -> str:
    """A SQLAlchemy URL; credentials come from AIGOV_DB_USER/AIGOV_DB_PASSWORD, never the file."""
    from urllib.parse import quote

    dialect = SQL_SERVER_TYPES[str(server["type"])]
    user = os.environ.get("AIGOV_DB_USER", "")
    password = os.environ.get("AIGOV_DB_PASSWORD", "")
    credentials = f"{quote(user)}:{quote(password)}@" if user else ""
    port = f":{server['port']}" if server.get("port") else ""
    return f"{dialect}://{credentials}{server.get('host', '')}{port}/{server.get('database', '')}"


def _column_types(plan: TablePlan) -> tuple[list[str], list[str]]:
    strings = [str(p["name"]) for p in plan.properties if p.get("logicalType") == "string"]
    dates = [str(p["name"]) for p in plan.properties if p.get("logicalType") in DATE_TYPES]
    return strings, dates


def read_frame(source: DataSource, plan: TablePlan) -> pd.DataFrame:
    """Read a CSV or Parquet file; string columns stay strings (store codes keep leading 0s)."""
    import pandas as pd

    assert source.path is not None
    if not source.path.is_file():
        raise DataQualityUnavailable(f"data file {source.shown_path} not found")
    strings, dates = _column_types(plan)
    try:
        if source.format == "csv":
            header = pd.read_csv(source.path, nrows=0).columns
            frame = pd.read_csv(
                source.path,
                dtype={c: "string" for c in strings if c in header},
                keep_default_na=True,
            )
        else:
            frame = pd.read_parquet(source.path)
    except Exception as exc:  # pandas and pyarrow raise many kinds for a corrupt file
        raise DataQualityUnavailable(
            f"cannot read {source.shown_path} as {source.format}: {first_line(exc)}"
        ) from exc
    for column in dates:
        if column in frame.columns and not pd.api.types.is_datetime64_any_dtype(frame[column]):
            # Unparseable dates become nulls, which the not-null check then reports.
            frame[column] = pd.to_datetime(frame[column], errors="coerce", utc=True)
        elif column in frame.columns and frame[column].dt.tz is None:
            frame[column] = frame[column].dt.tz_localize("UTC")
    return frame


def file_digest(path: Path) -> str:
    """``sha256:<hex>`` of a data file: which data the evidence is about."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return "sha256:" + digest.hexdigest()
