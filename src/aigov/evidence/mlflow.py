"""Evidence from MLflow: what the model registry and the tracking server really recorded.

The manifest's ``model.registry`` names a tracking URI, a registered model and an alias (or a
version). This module resolves it and returns the ``evidence.mlflow`` root of the policy context:
an ``http(s)`` tracking server over MLflow's REST API with :mod:`aigov.evidence.mlflow_rest` (no
mlflow package needed or imported), a local store (and a server whose credentials only MLflow's
client can sign) with ``MlflowClient``. One mapping (:func:`_read`) turns the answers of both
clients into evidence. mlflow is imported here, lazily, and nowhere else.

The shape of ``evidence.mlflow`` is :class:`~aigov.evidence.mlflow_evidence.MlflowEvidence`
(published as ``schemas/evidence.schema.json``, listed in ``policies/README.md``).

Every failure to reach the evidence (unreachable server, missing store, model, alias or version)
raises :class:`MlflowEvidenceUnavailable` whose message starts with "evidence unavailable: ".

A tracking server that fails cannot stall the check: aigov bounds MLflow's REST client (whose own
defaults are a 120 s timeout and 7 retries, obeying any ``Retry-After``) with
:data:`DEFAULT_TIMEOUT_S` seconds per attempt, :data:`DEFAULT_MAX_RETRIES` retries (429, 5xx,
closed connections and timeouts; urllib3 waits 0 s then 2 s, backoff factor 1) and
``Retry-After`` not obeyed (a server asking for an hour would hold the CI job that long). At worst
a request gives up after 3 × 10 + 2 = 32 s, then the read stops and the rules fail closed. The
environment overrides each bound: ``MLFLOW_HTTP_REQUEST_TIMEOUT``,
``MLFLOW_HTTP_REQUEST_MAX_RETRIES``, ``MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR``,
``MLFLOW_HTTP_REQUEST_BACKOFF_JITTER`` and ``MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER`` (MLflow's
own variables) are used when set. An answer cut off mid-body, which MLflow's client does not
retry, makes aigov read again, at most as many times as a request is retried.

The tracking URI is written in the checked repository, so a pull request chooses it (see
:func:`collect`): a server is contacted only when the org config lists it, and only a listed
URI receives credentials (:data:`CREDENTIAL_VARIABLES`, any ``DATABRICKS_*`` variable and the
home folder's ``~/.netrc``, ``~/.mlflow/credentials`` and ``~/.databrickscfg`` are withheld
from every other read; requests' ``~/.netrc`` lookup is off for every read, since it would also
answer a listed server's redirect to another host). A committed SQLite store is read from a
checked private copy within a time budget (:mod:`aigov.evidence.mlflow_store`), never migrated.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import json
import logging
import os
import posixpath
import re
import subprocess
import sys
import tempfile
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit

from aigov.documents.files import RepositoryRoot
from aigov.documents.manifest import MANIFEST_FILE, Registry
from aigov.documents.problems import DocumentError, Location
from aigov.evidence import NO_REGISTRY, EvidenceUnavailable
from aigov.evidence import first_line as _first_line
from aigov.evidence.mlflow_evidence import (
    CardMetricMatch,
    Criterion,
    MetricPoint,
    MlflowEvidence,
    ModelVersion,
    Monitoring,
    Poc,
    PocCandidate,
    Run,
    RunDataset,
)
from aigov.evidence.mlflow_rest import RequestBounds
from aigov.evidence.mlflow_store import (
    START_ALLOWANCE_S,
    Deadline,
    ExpectedSchema,
    StoreRefused,
    checked_copy,
    deadline_on_connections,
)
from aigov.quiet import quiet_library

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from aigov.documents.manifest import LifecycleManifest
    from aigov.documents.repository import Repository

_T = TypeVar("_T")
DEFAULT_TIMEOUT_S = 10
"""Seconds per attempt without an answer (MLflow reads whole seconds); for a committed SQLite
store, the whole read."""
CREDENTIAL_VARIABLES = (
    "MLFLOW_TRACKING_TOKEN",
    "MLFLOW_TRACKING_USERNAME",
    "MLFLOW_TRACKING_PASSWORD",
    "MLFLOW_TRACKING_AUTH",
    "MLFLOW_TRACKING_AWS_SIGV4",
    "MLFLOW_TRACKING_CLIENT_CERT_PATH",
    "MLFLOW_TRACKING_SERVER_CERT_PATH",
)
"""MLflow's variables that authenticate its client (with any ``DATABRICKS_*``: the SDK's)."""
DEFAULT_MAX_RETRIES = 2
DEFAULT_BACKOFF_FACTOR = 1
"""urllib3's exponential backoff: no wait before the first retry, then 2 s, 4 s… (whole seconds)."""
APPROVED_TAG = "approved"
# Tags that name the approach a candidate run tried, in order of preference.
APPROACH_TAGS = ("approach", "model_type", "algorithm", "model_family", "estimator")
_MAX_RUNS = 1000
_PARALLEL_REQUESTS = 6
"""Requests the REST reader sends side by side (the run, the histories, the POC)."""
# Model-index metric types that MLflow keys commonly abbreviate.
_METRIC_SYNONYMS = {
    "roc_auc": ("roc_auc", "auc"),
    "brier_score": ("brier_score", "brier"),
    "accuracy": ("accuracy", "acc"),
    "f1": ("f1", "f1_score"),
    "mean_absolute_error": ("mean_absolute_error", "mae"),
    "mean_squared_error": ("mean_squared_error", "mse"),
}


class MlflowEvidenceUnavailable(EvidenceUnavailable):
    """The registry cannot give the evidence; the message says why, for a finding."""


@dataclass(frozen=True)
class CardMetric:
    """One value of the model card's ``model-index`` to compare with MLflow."""

    name: str
    type: str
    split: str | None
    value: float


def collect(
    repository: Repository,
    *,
    timeout_s: float | None = None,
    max_retries: int | None = None,
    trusted_uris: Sequence[str] = (),
    changed_files: Collection[str] = (),
    attested_changes: bool = False,
    criteria_histories: bool = False,
) -> MlflowEvidence:
    """The ``evidence.mlflow`` data for a loaded repository (see the module docstring).

    ``metric_history`` holds the monitored and adoption metrics' histories, and the success
    criteria's only with ``criteria_histories`` (a request per metric, for the rules that read
    them).

    ``timeout_s`` and ``max_retries`` replace the environment's or aigov's bounds when given.
    ``trusted_uris`` (the org config's ``evidence.mlflow.trusted_tracking_uris``): when given,
    a tracking URI under none of them is not read at all (:func:`is_trusted_uri`); empty, no
    server is contacted and only a store committed in the repository is read. Such a store
    among ``changed_files`` (the pull request's, relative to the repository) is not read either,
    unless ``attested_changes`` (a reviewer the org trusts approved the evidence change) or its
    URI is listed. Only a listed URI receives the environment's credentials.
    """
    manifest = repository.manifest
    registry = manifest.model.registry if manifest and manifest.model else None
    where = (
        repository.manifest_document.locate(("model", "registry"))
        if repository.manifest_document
        else Location(MANIFEST_FILE)
    )
    if manifest is None or registry is None:
        raise MlflowEvidenceUnavailable(NO_REGISTRY, where)
    uri = registry.tracking_uri
    listed = any(is_trusted_uri(uri, trusted) for trusted in trusted_uris)
    if trusted_uris and not listed:
        raise MlflowEvidenceUnavailable(
            f"tracking URI '{uri}' is not one the organisation trusts "
            "(evidence.mlflow.trusted_tracking_uris of the org config): metrics from a store "
            "the pull request chose prove nothing",
            where,
        )
    # An empty list is closed to servers: one the repository names is not contacted at all, not
    # even without credentials. Its answers would be the pull request's own claims, and the
    # request itself would lend the CI runner's network (internal hosts, cloud metadata) to the
    # PR. A store committed in the repository stays readable, so an organisation without
    # config (and the examples) still get MLflow evidence from the history the base holds.
    if not listed and _local_store(uri) is None:
        raise MlflowEvidenceUnavailable(
            f"tracking server '{uri}' is not listed in the org config's "
            "evidence.mlflow.trusted_tracking_uris: aigov contacts no server a repository "
            "names; list it there to read its evidence",
            where,
        )
    changed = (
        []
        if listed or attested_changes
        else changed_store_files(repository.root, uri, changed_files)
    )
    if changed:
        raise MlflowEvidenceUnavailable(
            f"the MLflow store {', '.join(changed)} is changed by this pull request, so its "
            "metrics are the change's own claim: they count after an approving review of the "
            "evidence change, or when the org config lists its tracking URI "
            "(evidence.mlflow.trusted_tracking_uris)",
            where,
        )
    criteria, monitoring, histories = _asked(manifest, criteria_histories)
    return read_registry(
        repository.root,
        registry,
        criteria=criteria,
        monitoring=monitoring,
        histories=histories,
        card_metrics=card_metrics(repository),
        located_at=where,
        timeout_s=timeout_s,
        max_retries=max_retries,
        send_credentials=listed,
    )


def _asked(
    manifest: LifecycleManifest, criteria_histories: bool = False
) -> tuple[list[dict[str, Any]], dict[str, Any] | None, list[str]]:
    """What the manifest asks MLflow to prove: the success criteria, the monitored performance
    metric and the metrics whose history to read too (adoption; the criteria's with
    ``criteria_histories``), as the reader's request."""
    criteria = [
        {
            "metric": c.metric,
            "mlflow_metric": c.mlflow_metric or c.metric,
            "threshold": c.threshold,
            "direction": c.direction,
        }
        for c in manifest.success_criteria
    ]
    performance = manifest.monitoring.performance if manifest.monitoring else None
    monitoring = (
        {
            "metric": performance.metric,
            "threshold": performance.threshold,
            "direction": performance.direction,
        }
        if performance
        else None
    )
    adoption = manifest.monitoring.adoption if manifest.monitoring else None
    histories = [str(c["mlflow_metric"]) for c in criteria] if criteria_histories else []
    return criteria, monitoring, histories + ([adoption.metric] if adoption else [])


def is_trusted_uri(uri: str, trusted: str) -> bool:
    """Whether ``uri`` is ``trusted`` or below it: same scheme and host (case-insensitive), and
    ``trusted``'s path a prefix of ``uri``'s on a ``/`` boundary (``https://ml.example/a`` covers
    ``https://ml.example/a/b``, not ``https://ml.example/ab``). Query and fragment must match."""
    try:
        given, allowed = urlsplit(uri.strip()), urlsplit(trusted.strip())
        hosts = (given.hostname, given.port), (allowed.hostname, allowed.port)
    except ValueError:  # a port out of range, an unclosed IPv6 bracket
        return False
    if given.scheme.lower() != allowed.scheme.lower() or hosts[0] != hosts[1]:
        return False
    if (given.username, given.password) != (allowed.username, allowed.password):
        return False
    if (given.query, given.fragment) != (allowed.query, allowed.fragment):
        return False
    # ``..`` resolved first: ``/a/../b`` is not below ``/a``.
    path, prefix = (posixpath.normpath(p or "/").rstrip("/") for p in (given.path, allowed.path))
    return path == prefix or path.startswith(prefix + "/")


def card_metrics(repository: Repository) -> list[CardMetric]:
    """The numeric ``model-index`` results of the repository's model card."""
    card = repository.model_card
    if card is None or not card.metadata.model_index:
        return []
    found = []
    for entry in card.metadata.model_index:
        for result in entry.results:
            for metric in result.metrics:
                if isinstance(metric.value, int | float) and not isinstance(metric.value, bool):
                    found.append(
                        CardMetric(
                            metric.name or metric.type,
                            metric.type,
                            result.dataset.split,
                            float(metric.value),
                        )
                    )
    return found


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_SQLITE = "sqlite:///"


def _local_store(uri: str) -> tuple[Literal["sqlite", "folder"], str] | None:
    """The kind of a local store and its path as written (relative to the repository; empty for
    a malformed ``sqlite:`` URI); None for a server (http, https, databricks, a database...)."""
    found = _SCHEME.match(uri)
    scheme = found.group(1).lower() if found else ""
    if scheme == "sqlite":
        return "sqlite", uri[len(_SQLITE) :] if uri.lower().startswith(_SQLITE) else ""
    if scheme in ("file", "") or len(scheme) == 1:  # one letter: a Windows drive, a path
        reference = uri[len("file:") :] if scheme == "file" else uri
        reference = reference.lstrip("/") if reference.startswith("//") else reference
        return "folder", str(PurePosixPath(reference))
    return None


def committed_store(uri: str) -> str | None:
    """The path (relative to the repository, normalised) of the local store ``uri`` names: the
    SQLite file or the file store's folder; None for a server or a malformed URI."""
    local = _local_store(uri)
    return posixpath.normpath(local[1]) if local is not None and local[1] else None


def changed_store_files(
    root: RepositoryRoot, uri: str, changed_files: Collection[str]
) -> list[str]:
    """The files of ``changed_files`` (relative to ``root``) that make up or replace the local
    store ``uri`` names: the SQLite file, anything under a file store's folder, or a folder or
    link on the way to them, whether the path is taken as written or with links followed."""
    written = committed_store(uri)
    if written is None or not changed_files:
        return []
    paths = {written}
    with contextlib.suppress(OSError, ValueError):
        paths.add((root.path / written).resolve().relative_to(root.path).as_posix())

    def covers(folder: str, path: str) -> bool:
        return path == folder or path.startswith(folder + "/")

    return sorted(
        file for file in changed_files if any(covers(p, file) or covers(file, p) for p in paths)
    )


def resolve_tracking_uri(root: RepositoryRoot, uri: str, located_at: Location) -> str:
    """The tracking URI to give MLflow: local stores resolved inside the repository.

    ``sqlite:///relative.db`` and plain or ``file:`` paths are relative to the repository and
    confined to it; server URIs (http, https, databricks, ...) are used as written.
    """
    field = "model.registry.tracking_uri"
    local = _local_store(uri)
    if local is None:
        return uri
    kind, reference = local
    if kind == "sqlite" and not reference:
        raise MlflowEvidenceUnavailable(f"'{uri}' is not a sqlite:///path URI", located_at)
    try:
        path = root.resolve(reference, referenced_from=located_at, field=field)
    except DocumentError as exc:
        raise MlflowEvidenceUnavailable(exc.problem.message, located_at) from exc
    if kind == "sqlite":
        if not path.is_file():
            raise MlflowEvidenceUnavailable(
                f"tracking store {root.display(path)} not found (is the example's store built?)",
                located_at,
            )
        return f"{_SQLITE}{path.as_posix()}"
    if not path.is_dir():
        raise MlflowEvidenceUnavailable(
            f"tracking folder {root.display(path)} not found", located_at
        )
    return path.as_uri()


def _whole(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


def _http_settings(timeout_s: float | None, max_retries: int | None) -> dict[str, str]:
    """MLflow's request variables for one read: arguments, else the environment, else aigov's
    bounds; with the settings every read of aigov's needs (no telemetry, no ~/.netrc...)."""

    def setting(name: str, given: object, default: object) -> str:
        if given is not None:
            return str(given)
        return os.environ.get(name) or str(default)

    return {
        "MLFLOW_HTTP_REQUEST_TIMEOUT": setting(
            "MLFLOW_HTTP_REQUEST_TIMEOUT",
            None if timeout_s is None else max(1, round(timeout_s)),
            DEFAULT_TIMEOUT_S,
        ),
        "MLFLOW_HTTP_REQUEST_MAX_RETRIES": setting(
            "MLFLOW_HTTP_REQUEST_MAX_RETRIES", max_retries, DEFAULT_MAX_RETRIES
        ),
        "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR": setting(
            "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR", None, DEFAULT_BACKOFF_FACTOR
        ),
        "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER": setting(
            "MLFLOW_HTTP_REQUEST_BACKOFF_JITTER", None, 0
        ),
        # Obeying Retry-After has no upper bound in MLflow's client (urllib3 sleeps what it says).
        "MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER": setting(
            "MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER", None, "false"
        ),
        # A file store is refused by MLflow 3 unless allowed; the manifest asked for it.
        "MLFLOW_ALLOW_FILE_STORE": "true",
        # A governance check must not report usage anywhere (read when mlflow is imported here).
        "MLFLOW_DISABLE_TELEMETRY": "true",
        # requests would add ~/.netrc's entry for any host, a redirect's target included.
        "NETRC": os.devnull,
        # No pooled connection outlives the read (a committed store is read from a copy that
        # is deleted afterwards).
        "MLFLOW_SQLALCHEMYSTORE_POOLCLASS": "NullPool",
    }


def _request_bounds(settings: Mapping[str, str]) -> RequestBounds:
    try:
        jitter = max(0.0, float(settings["MLFLOW_HTTP_REQUEST_BACKOFF_JITTER"]))
    except ValueError:
        jitter = 0.0
    return RequestBounds(
        timeout_s=_whole(settings["MLFLOW_HTTP_REQUEST_TIMEOUT"], DEFAULT_TIMEOUT_S),
        max_retries=_whole(settings["MLFLOW_HTTP_REQUEST_MAX_RETRIES"], DEFAULT_MAX_RETRIES),
        backoff_factor=_whole(
            settings["MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"], DEFAULT_BACKOFF_FACTOR
        ),
        obeys_retry_after=settings["MLFLOW_HTTP_RESPECT_RETRY_AFTER_HEADER"].strip().lower()
        in ("true", "1", "yes"),
        backoff_jitter=jitter,
    )


@contextlib.contextmanager
def _bounded_requests(
    timeout_s: float | None, max_retries: int | None, send_credentials: bool = False
) -> Iterator[RequestBounds]:
    """Bound MLflow's HTTP calls for this call only (:func:`_http_settings`), and let them
    carry credentials only when ``send_credentials``."""
    settings = _http_settings(timeout_s, max_retries)
    withheld = contextlib.nullcontext() if send_credentials else _credentials_withheld()
    # The library never prints: no "Creating tables" lines.
    with quiet_library("mlflow", logging.ERROR, settings), withheld:
        yield _request_bounds(settings)


def _is_credential(name: str) -> bool:
    return name in CREDENTIAL_VARIABLES or name.startswith("DATABRICKS_")


def _environment_without_credentials(home: str) -> dict[str, str]:
    """This process's environment without credentials, ``home`` (an empty folder) as home."""
    environment = {name: value for name, value in os.environ.items() if not _is_credential(name)}
    return environment | {"HOME": home, "USERPROFILE": home, "NETRC": os.devnull}


@contextlib.contextmanager
def _credentials_withheld() -> Iterator[None]:
    """While the block runs, MLflow's client and the Databricks SDK find no credential: their
    variables are unset and the home folder (~/.netrc, ~/.mlflow/credentials,
    ~/.databrickscfg) is an empty one."""
    saved = {name: os.environ.pop(name) for name in list(os.environ) if _is_credential(name)}
    homes = {name: os.environ.get(name) for name in ("HOME", "USERPROFILE")}
    try:
        with tempfile.TemporaryDirectory(prefix="aigov-home-") as empty:
            os.environ.update(dict.fromkeys(homes, empty))
            yield
    finally:
        for name, value in homes.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        os.environ.update(saved)


def expected_schema() -> ExpectedSchema:
    """The schema revision and tables the installed MLflow reads without migrating a store."""
    import mlflow

    # Both modules declare their tables on Base when imported.
    import mlflow.store.model_registry.dbmodels.models
    import mlflow.store.tracking.dbmodels.models
    from mlflow.store.db.base_sql_model import Base
    from mlflow.store.db.utils import _get_latest_schema_revision

    return ExpectedSchema(
        revision=str(_get_latest_schema_revision()),  # type: ignore[no-untyped-call]
        tables=frozenset(Base.metadata.tables),
        computed_columns=frozenset(
            f"{table.name}.{column.name}"
            for table in Base.metadata.tables.values()
            for column in table.columns
            if column.computed is not None
        ),
        mlflow_version=mlflow.__version__,
    )


def read_registry(
    root: RepositoryRoot,
    registry: Registry,
    *,
    criteria: Sequence[Mapping[str, Any]] = (),
    monitoring: Mapping[str, Any] | None = None,
    histories: Sequence[str] = (),
    card_metrics: Sequence[CardMetric] = (),
    located_at: Location | None = None,
    timeout_s: float | None = None,
    max_retries: int | None = None,
    send_credentials: bool = False,
    http_client: Literal["rest", "mlflow"] = "rest",
) -> MlflowEvidence:
    """Read one registered model version and its runs; see the module docstring for the shape.

    Raises :class:`MlflowEvidenceUnavailable` when the store, model, alias or version cannot be
    reached, within ``timeout_s`` per attempt and ``max_retries`` retries (None: the
    environment's, else aigov's bounds). ``histories`` names more metrics whose history to read
    (the daily adoption metric of ``monitoring.adoption``). The environment's credentials go
    with the requests only when ``send_credentials`` (the caller checked that the org config
    lists the URI). A committed SQLite store is read by another process from a checked copy,
    within ``timeout_s`` (default :data:`DEFAULT_TIMEOUT_S`) in all
    (:mod:`aigov.evidence.mlflow_store`). An ``http(s)`` server is read over MLflow's REST API
    without the mlflow package (:mod:`aigov.evidence.mlflow_rest`) unless ``http_client`` is
    ``"mlflow"`` or the credentials need MLflow's client (:func:`_over_rest`).
    """
    where = located_at or Location(MANIFEST_FILE)
    uri = resolve_tracking_uri(root, registry.tracking_uri, where)
    if uri.startswith(_SQLITE):
        store = Path(uri[len(_SQLITE) :])
        request = {
            "store": str(store),
            "shown": root.display(store),
            "budget_s": timeout_s or DEFAULT_TIMEOUT_S,
            "registry": registry.model_dump(mode="json"),
            "criteria": [dict(c) for c in criteria],
            "monitoring": dict(monitoring) if monitoring else None,
            "histories": list(histories),
            "card_metrics": [dataclasses.asdict(m) for m in card_metrics],
        }
        try:
            with tempfile.TemporaryDirectory(prefix="aigov-home-") as home:
                return read_in_child(request, _environment_without_credentials(home))
        except StoreRefused as exc:
            raise MlflowEvidenceUnavailable(exc.reason, where) from exc
    asked = (criteria, monitoring, card_metrics, histories)
    if http_client != "mlflow" and _over_rest(uri, send_credentials):
        bounds = _request_bounds(_http_settings(timeout_s, max_retries))
        return _read_over_rest(uri, registry, asked, where, bounds, send_credentials)
    with _bounded_requests(timeout_s, max_retries, send_credentials) as bounds:
        return _read_with_client(uri, registry, *asked, where, bounds)


_Asked = tuple[
    Sequence[Mapping[str, Any]], Mapping[str, Any] | None, Sequence[CardMetric], Sequence[str]
]
"""What a read asks for: criteria, monitoring, card metrics, more histories."""


def _over_rest(uri: str, send_credentials: bool) -> bool:
    """Whether the server is read with :mod:`aigov.evidence.mlflow_rest` (no mlflow package):
    every ``http(s)`` URI, except when its credentials are an auth plugin or AWS SigV4
    (``MLFLOW_TRACKING_AUTH``, ``MLFLOW_TRACKING_AWS_SIGV4``), which only MLflow's client signs."""
    if urlsplit(uri).scheme.lower() not in ("http", "https"):
        return False
    signed = os.environ.get("MLFLOW_TRACKING_AUTH") or os.environ.get(
        "MLFLOW_TRACKING_AWS_SIGV4", ""
    ).strip().lower() in ("true", "1")
    return not (send_credentials and signed)


def _read_over_rest(
    uri: str,
    registry: Registry,
    asked: _Asked,
    where: Location,
    bounds: RequestBounds,
    send_credentials: bool,
) -> MlflowEvidence:
    """Read with :class:`~aigov.evidence.mlflow_rest.RestClient`; the same evidence and the same
    reasons as :func:`_read_with_client` gives for the same server."""
    from concurrent.futures import ThreadPoolExecutor

    from aigov.evidence.mlflow_rest import Credentials, RestAnswerError, RestClient, ServerFailed

    credentials = Credentials.from_env(os.environ, Path.home()) if send_credentials else None
    criteria, monitoring, card, histories = asked
    try:
        client = RestClient(uri, bounds, credentials)
        with ThreadPoolExecutor(max_workers=_PARALLEL_REQUESTS) as pool:
            return _read(client, registry, criteria, monitoring, card, where, histories, pool)
    except ServerFailed as exc:
        reason = f"MLflow tracking server {registry.tracking_uri} {exc.failure}"
        raise MlflowEvidenceUnavailable(reason, where) from exc
    except RestAnswerError as exc:
        reason = _explain_answer(exc.error_code, _first_line(exc), registry)
        raise MlflowEvidenceUnavailable(reason, where) from exc
    except (OSError, ValueError) as exc:  # a client certificate or CA bundle that cannot load
        raise MlflowEvidenceUnavailable(
            f"cannot read MLflow at {registry.tracking_uri}: {_first_line(exc)}", where
        ) from exc


def read_checked_copy(request: Mapping[str, Any], *, into: Path) -> MlflowEvidence:
    """In the reader process (:func:`read_in_child`): the evidence
    of the committed store ``request`` names, read from a checked copy in the folder ``into``
    within the request's budget."""
    shown = str(request["shown"])
    where = Location(MANIFEST_FILE)  # the parent process locates the reasons
    with _bounded_requests(None, None) as bounds:
        expected = expected_schema()
        deadline = Deadline.after(float(request["budget_s"]))
        copy = checked_copy(Path(request["store"]), into, shown, expected, deadline)
        with deadline_on_connections(copy, deadline), deadline.alarm():
            return _read_with_client(
                f"{_SQLITE}{copy.as_posix()}",
                Registry.model_validate(request["registry"]),
                request["criteria"],
                request["monitoring"],
                [CardMetric(**metric) for metric in request["card_metrics"]],
                request["histories"],
                where,
                bounds,
                deadline=deadline,
                shown=shown,
            )


def read_in_child(request: Mapping[str, Any], environment: Mapping[str, str]) -> MlflowEvidence:
    """Run :func:`read_checked_copy` on ``request`` (plain data: the store, its name ``shown``,
    ``budget_s`` and what to read) in a fresh interpreter with ``environment``; its evidence, or
    :class:`~aigov.evidence.mlflow_store.StoreRefused` with the reason.

    A process, because a deadline inside one cannot stop everything: the progress handler stops
    SQLite's loops and an alarm stops Python code, but only a kill stops a read stuck elsewhere.
    It is killed :data:`~aigov.evidence.mlflow_store.START_ALLOWANCE_S` after the budget.
    Nothing it does outlives it.
    """
    shown, budget_s = str(request["shown"]), float(request["budget_s"])
    with tempfile.TemporaryDirectory(prefix="aigov-mlflow-") as folder:
        asked, answer = Path(folder, "request.json"), Path(folder, "answer.json")
        asked.write_text(json.dumps(request), encoding="utf-8")
        entry = "from aigov.evidence.mlflow import child; child()"
        try:
            finished = subprocess.run(
                [sys.executable, "-P", "-c", entry, str(asked), str(answer)],
                cwd=folder,
                env=dict(environment),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=START_ALLOWANCE_S + budget_s,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise Deadline(budget_s, 0).exceeded(shown) from exc
        if not answer.is_file():
            lines = finished.stderr.decode("utf-8", "replace").strip().splitlines()
            raise StoreRefused(
                f"the reader of the MLflow store {shown} stopped (exit {finished.returncode}): "
                + (lines[-1][:300] if lines else "no answer")
            )
        result = json.loads(answer.read_text(encoding="utf-8"))
    if "unavailable" in result:
        raise StoreRefused(str(result["unavailable"]))
    return MlflowEvidence.model_validate(result["evidence"])


def child() -> None:
    """The reader process: ``request.json`` in, ``answer.json`` out (see :func:`read_in_child`)."""
    asked, answer = (Path(argument) for argument in sys.argv[1:3])
    request = json.loads(asked.read_text(encoding="utf-8"))
    result: dict[str, Any]
    try:
        result = {"evidence": read_checked_copy(request, into=asked.parent).plain()}
    except (EvidenceUnavailable, StoreRefused) as exc:
        result = {"unavailable": exc.reason}
    answer.write_text(json.dumps(result), encoding="utf-8")


def _read_with_client(
    uri: str,
    registry: Registry,
    criteria: Sequence[Mapping[str, Any]],
    monitoring: Mapping[str, Any] | None,
    card: Sequence[CardMetric],
    histories: Sequence[str],
    where: Location,
    bounds: RequestBounds,
    *,
    deadline: Deadline | None = None,
    shown: str = "",
) -> MlflowEvidence:
    """Read with ``MlflowClient`` at ``uri``; an answer cut off mid-body is read again."""
    try:
        from mlflow import MlflowClient
        from mlflow.exceptions import MlflowException
    except ImportError as exc:
        raise MlflowEvidenceUnavailable(
            "mlflow is not installed (pip install 'aigov[mlflow]')", where
        ) from exc
    read_again = bounds.max_retries
    while True:
        try:
            client = MlflowClient(tracking_uri=uri, registry_uri=uri)
            return _read(client, registry, criteria, monitoring, card, where, histories)
        except MlflowEvidenceUnavailable:
            raise
        except Exception as exc:  # network and driver errors come in many classes
            if deadline is not None and deadline.passed():
                raise MlflowEvidenceUnavailable(deadline.exceeded(shown).reason, where) from exc
            if not isinstance(exc, MlflowException):
                raise MlflowEvidenceUnavailable(
                    f"cannot read MLflow at {registry.tracking_uri}: {_first_line(exc)}", where
                ) from exc
            if read_again > 0 and _cut_off(exc):
                read_again -= 1  # reads are idempotent: read again
                continue
            raise MlflowEvidenceUnavailable(_explain(exc, registry, bounds), where) from exc


def _causes(exc: BaseException) -> Iterator[BaseException]:
    """``exc``, what it was raised from or during, and the reasons urllib3 gives, in order."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        for argument in current.args:
            if isinstance(argument, BaseException):
                yield argument
                reason = getattr(argument, "reason", None)
                if isinstance(reason, BaseException):
                    yield reason
        current = current.__cause__ or current.__context__


def _cut_off(exc: BaseException) -> bool:
    """Whether an answer broke off mid-body (requests reads it after urllib3's retries)."""
    from requests.exceptions import ChunkedEncodingError

    return any(isinstance(cause, ChunkedEncodingError) for cause in _causes(exc))


def _network_failure(exc: BaseException, bounds: RequestBounds) -> str | None:
    """What the server did, when the request failed on the network or its retries ran out."""
    from urllib3.exceptions import NewConnectionError, ProtocolError, ReadTimeoutError

    attempts = bounds.attempts_text
    for cause in _causes(exc):
        if isinstance(cause, NewConnectionError):
            return f"is unreachable: connection refused ({attempts})"
        if isinstance(cause, ReadTimeoutError):
            return f"gave no answer within {bounds.timeout_s} s ({attempts})"
        if isinstance(cause, ProtocolError):
            return f"closed the connection before answering ({attempts})"
        found = re.search(r"too many (\d{3}) error responses", str(cause))
        if found:
            return f"kept answering HTTP {found.group(1)} ({attempts})"
    return None


def _explain(exc: Exception, registry: Registry, bounds: RequestBounds) -> str:
    failure = _network_failure(exc, bounds)
    if failure is not None:
        return f"MLflow tracking server {registry.tracking_uri} {failure}"
    return _explain_answer(str(getattr(exc, "error_code", "")), _first_line(exc), registry)


def _explain_answer(code: str, message: str, registry: Registry) -> str:
    """The reason for an answer that is not the record asked for (MLflow's ``error_code`` and
    message), the same whichever client read it."""
    if code == "RESOURCE_DOES_NOT_EXIST" and "Registered Model" in message:
        return (
            f"registered model '{registry.registered_model}' not found in {registry.tracking_uri}"
        )
    if "alias" in message.lower() and "not found" in message.lower():
        return (
            f"alias '{registry.alias}' of registered model '{registry.registered_model}' "
            f"not found in {registry.tracking_uri}"
        )
    if code == "RESOURCE_DOES_NOT_EXIST" and "Version" in message:
        return (
            f"version {registry.version} of registered model '{registry.registered_model}' "
            f"not found in {registry.tracking_uri}"
        )
    if "Max retries" in message or "Connection" in message or "timed out" in message.lower():
        return f"MLflow tracking server {registry.tracking_uri} is unreachable ({message})"
    return f"MLflow at {registry.tracking_uri} answered: {message}"


def _iso(ms: int | None) -> str | None:
    if ms is None:
        return None
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC).isoformat(timespec="seconds")


def _read(
    client: Any,
    registry: Registry,
    criteria: Sequence[Mapping[str, Any]],
    monitoring: Mapping[str, Any] | None,
    card: Sequence[CardMetric],
    where: Location,
    more_histories: Sequence[str] = (),
    pool: Executor | None = None,
) -> MlflowEvidence:
    """The evidence ``client`` (``MlflowClient`` or :class:`~aigov.evidence.mlflow_rest.RestClient`)
    reads; with a ``pool``, the requests that wait on no other (the run, each history, the POC)
    run side by side, a server's latency paid once instead of once per request."""
    model = client.get_registered_model(registry.registered_model)
    aliases = {str(k): str(v) for k, v in (model.aliases or {}).items()}
    if registry.alias is not None:
        version = client.get_model_version_by_alias(registry.registered_model, registry.alias)
    elif registry.version is not None:
        version = client.get_model_version(registry.registered_model, registry.version)
    else:
        versions = client.search_model_versions(f"name='{_quote(registry.registered_model)}'")
        if not versions:
            raise MlflowEvidenceUnavailable(
                f"registered model '{registry.registered_model}' has no version", where
            )
        version = max(versions, key=lambda v: int(v.version))
    tags = {str(k): str(v) for k, v in (version.tags or {}).items()}
    keys = [str(monitoring["metric"])] if monitoring else []
    keys.extend(more_histories)
    run_id = version.run_id
    started_run = _start(pool, _run, client, run_id) if run_id else None
    started_histories = {
        key: _start(pool, client.get_metric_history, run_id, key)
        for key in (dict.fromkeys(keys) if run_id else ())
    }
    started_poc = _start(pool, _poc, client, registry.experiment) if registry.experiment else None
    # Results are taken in this order either way: the first failure is the same one.
    run = started_run() if started_run else None
    metrics: dict[str, float] = run.metrics if run else {}
    checked = [_criterion(c, metrics) for c in criteria]
    histories = {
        key: [_point(m) for m in sorted(history(), key=lambda m: (m.timestamp, m.step))]
        for key, history in started_histories.items()
    }
    return MlflowEvidence(
        tracking_uri=registry.tracking_uri,
        registered_model=registry.registered_model,
        alias=registry.alias,
        aliases=aliases,
        version=ModelVersion(
            version=str(version.version),
            run_id=version.run_id or None,
            status=str(version.status),
            created=_iso(version.creation_timestamp),
            source=version.source or "",
            description=version.description or "",
            aliases=[str(a) for a in version.aliases or []],
            tags=tags,
        ),
        approved=tags.get(APPROVED_TAG, "").strip().lower() == "true",
        run=run,
        criteria=checked,
        criteria_met=bool(checked) and all(c.met is True for c in checked),
        card_metrics=[_card_metric(m, metrics) for m in card],
        metric_history=histories,
        monitoring=_monitoring(monitoring, histories) if monitoring else None,
        poc=started_poc() if started_poc else None,
    )


def _start(pool: Executor | None, function: Callable[..., _T], *args: Any) -> Callable[[], _T]:
    """``function(*args)`` begun on ``pool`` now, or without a pool run when its result is asked
    for; either way a call that gives the result (or raises the function's error)."""
    if pool is None:
        return functools.partial(function, *args)
    return pool.submit(function, *args).result


def _quote(name: str) -> str:
    return name.replace("'", "\\'")


def _run(client: Any, run_id: str) -> Run:
    run = client.get_run(run_id)
    experiment = client.get_experiment(run.info.experiment_id)
    datasets = []
    for item in run.inputs.dataset_inputs if run.inputs else []:
        context = next((t.value for t in item.tags if t.key == "mlflow.data.context"), None)
        datasets.append(
            RunDataset(
                name=item.dataset.name,
                digest=item.dataset.digest,
                source_type=item.dataset.source_type,
                source=item.dataset.source,
                context=context,
            )
        )
    return Run(
        run_id=run.info.run_id,
        name=run.info.run_name,
        experiment_id=run.info.experiment_id,
        experiment=experiment.name if experiment else None,
        status=run.info.status,
        start=_iso(run.info.start_time),
        end=_iso(run.info.end_time),
        metrics={str(k): float(v) for k, v in run.data.metrics.items()},
        params={str(k): str(v) for k, v in run.data.params.items()},
        tags={str(k): str(v) for k, v in run.data.tags.items() if not str(k).startswith("mlflow.")},
        datasets=datasets,
    )


def _meets(value: float, threshold: float, direction: str) -> bool:
    return value >= threshold if direction == "higher_is_better" else value <= threshold


def _criterion(criterion: Mapping[str, Any], metrics: Mapping[str, float]) -> Criterion:
    value = metrics.get(str(criterion["mlflow_metric"]))
    met = (
        None
        if value is None
        else _meets(value, float(criterion["threshold"]), str(criterion["direction"]))
    )
    return Criterion.model_validate({**criterion, "value": value, "met": met})


def _card_metric(metric: CardMetric, metrics: Mapping[str, float]) -> CardMetricMatch:
    key = match_card_metric(metric, metrics)
    value = metrics.get(key) if key else None
    return CardMetricMatch(
        name=metric.name,
        type=metric.type,
        split=metric.split,
        card_value=metric.value,
        mlflow_metric=key,
        mlflow_value=value,
        abs_difference=None if value is None else round(abs(value - metric.value), 9),
    )


def match_card_metric(metric: CardMetric, metrics: Mapping[str, float]) -> str | None:
    """The MLflow key that records a model-index metric, when exactly one candidate fits.

    Candidates, most precise first: ``<split>_<type>``, a single ``<split>_<type>_*``, then
    ``<type>`` itself, with the usual abbreviations (roc_auc/auc, brier_score/brier). No match
    or an ambiguous one is None: the rule then sees an unverified value, never a wrong pair.
    """
    names = _METRIC_SYNONYMS.get(metric.type.lower(), (metric.type.lower(),))
    split = (metric.split or "").lower()
    lowered = {key.lower(): key for key in metrics}
    for name in names:
        if split:
            stem = f"{split}_{name}"
            if stem in lowered:
                return lowered[stem]
            prefixed = [key for low, key in lowered.items() if low.startswith(stem + "_")]
            if len(prefixed) > 1:
                return None
            if prefixed:
                return prefixed[0]
        if name in lowered:
            return lowered[name]
    return None


def _point(metric: Any) -> MetricPoint:
    stamp = _iso(metric.timestamp)
    return MetricPoint(
        timestamp=stamp,
        date=stamp[:10] if stamp else None,
        step=int(metric.step),
        value=float(metric.value),
    )


def _monitoring(
    monitoring: Mapping[str, Any], histories: Mapping[str, list[MetricPoint]]
) -> Monitoring:
    points = histories.get(str(monitoring["metric"]), [])
    threshold, direction = float(monitoring["threshold"]), str(monitoring["direction"])
    breaches = [p for p in points if not _meets(p.value, threshold, direction)]
    return Monitoring.model_validate(
        {
            **monitoring,
            "points": len(points),
            "latest": points[-1] if points else None,
            "breaches": breaches,
            "last_breach": breaches[-1].date if breaches else None,
        }
    )


def _approach(run: Any) -> str:
    tags = run.data.tags
    for key in APPROACH_TAGS:
        if tags.get(key):
            return str(tags[key])
    return str(run.info.run_name or run.info.run_id)


def _poc(client: Any, experiment_name: str) -> Poc:
    experiment = client.get_experiment_by_name(experiment_name)
    if experiment is None:
        return Poc(
            experiment=experiment_name,
            found=False,
            runs=0,
            approaches=[],
            approach_count=0,
            first_run_start=None,
            candidates=[],
        )
    runs = client.search_runs([experiment.experiment_id], filter_string="", max_results=_MAX_RUNS)
    candidates = [
        PocCandidate(
            run_id=run.info.run_id,
            name=run.info.run_name,
            approach=_approach(run),
            status=run.info.status,
            start=_iso(run.info.start_time),
            metrics={str(k): float(v) for k, v in run.data.metrics.items()},
        )
        for run in runs
        if run.info.status != "FAILED"
    ]
    approaches = sorted({c.approach for c in candidates})
    starts = sorted(c.start for c in candidates if c.start is not None)
    return Poc(
        experiment=experiment_name,
        found=True,
        runs=len(candidates),
        approaches=approaches,
        approach_count=len(approaches),
        first_run_start=starts[0] if starts else None,
        candidates=candidates,
    )
