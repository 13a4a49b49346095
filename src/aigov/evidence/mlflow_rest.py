"""MLflow's REST API read with the standard library: the registry and tracking records that
``evidence.mlflow`` needs from an ``http(s)`` tracking server, without the mlflow package.

Importing mlflow costs ~1.2 s and installing it ~900 MB, on every pull request; the evidence needs
nine read-only calls of MLflow's documented REST API 2.0 (``registered-models/get``,
``registered-models/alias``, ``model-versions/get``, ``model-versions/search``, ``runs/get``,
``experiments/get``, ``experiments/get-by-name``, ``metrics/get-history``, ``runs/search``).
:class:`RestClient` offers them under the names and with the attributes of ``MlflowClient``'s
methods and entities, so that :mod:`aigov.evidence.mlflow` maps the answers of both clients into
evidence with one piece of code. Unset fields read as MLflow's protobuf defaults, as its entities
do.

Requests are bounded as aigov bounds MLflow's own client (:class:`RequestBounds`): a timeout per
attempt, retries on 408, 429, 5xx, refused or closed connections, timeouts and answers cut off
mid-body, urllib3's backoff, ``Retry-After`` obeyed only when asked. An answer must arrive whole
within the timeout (a server that drips bytes forever is a timeout, not a stall) and be at most
:data:`MAX_ANSWER_BYTES`. The environment's proxies are used; ``~/.netrc`` never is.
Credentials (:class:`Credentials`) go with a request only when the caller passes them, and never
follow a redirect to another host.
"""

from __future__ import annotations

import base64
import configparser
import json
import os
import random
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from aigov.errors import AigovError

if TYPE_CHECKING:
    import ssl
    import urllib.error
    import urllib.request

API = "/api/2.0/mlflow"
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
"""MLflow's client retries these (``_TRANSIENT_FAILURE_RESPONSE_CODES``)."""
RETRY_AFTER_STATUSES = frozenset({413, 429, 503})
"""Where urllib3 reads ``Retry-After`` (when obeyed)."""
MAX_ANSWER_BYTES = 100 * 1024 * 1024
METRIC_HISTORY_PAGE = 25_000
"""MLflow's own page size for a metric's history (``GET_METRIC_HISTORY_MAX_RESULTS``)."""
MODEL_VERSIONS_PAGE = 10_000
"""MLflow's default page size for ``search_model_versions``."""
_BACKOFF_MAX_S = 120  # urllib3's cap on one backoff
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class RequestBounds:
    """How long an MLflow client may insist on one request (both clients: MLflow's, this one)."""

    timeout_s: int
    max_retries: int
    backoff_factor: int
    obeys_retry_after: bool
    backoff_jitter: float = 0.0

    @property
    def attempts(self) -> int:
        return self.max_retries + 1

    @property
    def attempts_text(self) -> str:
        """``3 attempts``: how a failure says how often the request was tried."""
        return f"{self.attempts} attempt" + ("s" if self.attempts > 1 else "")

    @property
    def worst_case_seconds(self) -> int:
        """Every attempt timing out, plus urllib3's backoff (none before the first retry).

        Not a bound when ``Retry-After`` is obeyed: then the server decides.
        """
        backoff = sum(self.backoff_factor << (n - 1) for n in range(2, self.attempts))
        return self.attempts * self.timeout_s + backoff

    def backoff_s(self, retry: int) -> float:
        """urllib3's wait before retry number ``retry`` (1 is the first): none, then
        ``factor × 2^(retry-1)`` plus up to ``backoff_jitter`` at random, at most 120 s."""
        if retry <= 1:
            return 0.0
        jitter = random.uniform(0, self.backoff_jitter) if self.backoff_jitter > 0 else 0.0
        return float(min(_BACKOFF_MAX_S, self.backoff_factor * 2 ** (retry - 1) + jitter))


class RestAnswerError(AigovError):
    """The server answered, but not with what was asked: MLflow's ``error_code`` (empty when
    the answer had none) and its message, worded as MLflow's client words it."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(f"{error_code}: {message}" if error_code else message)
        self.error_code = error_code


class ServerFailed(AigovError):
    """The request failed on the network or kept failing; ``failure`` says what the server did
    (``gave no answer within 10 s (3 attempts)``)."""

    def __init__(self, failure: str) -> None:
        super().__init__(failure)
        self.failure = failure


@dataclass(frozen=True)
class Credentials:
    """What authenticates the requests, read from MLflow's own variables (:meth:`from_env`)."""

    authorization: str | None = None
    server_cert_path: str | None = None
    client_cert_path: str | None = None

    @classmethod
    def from_env(cls, environ: Mapping[str, str], home: Path | None = None) -> Credentials:
        """As MLflow's client reads them: basic auth from ``MLFLOW_TRACKING_USERNAME`` and
        ``_PASSWORD`` (else ``~/.mlflow/credentials``) before a bearer ``MLFLOW_TRACKING_TOKEN``;
        the server's CA bundle and the client certificate from ``_SERVER_CERT_PATH`` and
        ``_CLIENT_CERT_PATH``."""
        username = environ.get("MLFLOW_TRACKING_USERNAME")
        password = environ.get("MLFLOW_TRACKING_PASSWORD")
        if not (username and password) and home is not None:
            stored = _stored_credentials(home / ".mlflow" / "credentials")
            username, password = username or stored[0], password or stored[1]
        authorization = None
        if username and password:
            pair = base64.standard_b64encode(f"{username}:{password}".encode()).decode()
            authorization = f"Basic {pair}"
        elif environ.get("MLFLOW_TRACKING_TOKEN"):
            authorization = f"Bearer {environ['MLFLOW_TRACKING_TOKEN']}"
        return cls(
            authorization=authorization,
            server_cert_path=environ.get("MLFLOW_TRACKING_SERVER_CERT_PATH") or None,
            client_cert_path=environ.get("MLFLOW_TRACKING_CLIENT_CERT_PATH") or None,
        )


def _stored_credentials(path: Path) -> tuple[str | None, str | None]:
    """``mlflow_tracking_username`` and ``_password`` of MLflow's credentials file."""
    parser = configparser.ConfigParser()
    try:
        parser.read(path, encoding="utf-8")
    except (OSError, configparser.Error, UnicodeDecodeError):
        return None, None
    section = parser["mlflow"] if parser.has_section("mlflow") else {}
    return section.get("mlflow_tracking_username"), section.get("mlflow_tracking_password")


# The entities, with the attributes of MLflow's that aigov reads.


@dataclass(frozen=True)
class RegisteredModel:
    name: str
    aliases: dict[str, str]


@dataclass(frozen=True)
class ModelVersion:
    version: str
    run_id: str | None
    status: str
    creation_timestamp: int
    source: str
    description: str | None
    aliases: list[str]
    tags: dict[str, str]


@dataclass(frozen=True)
class RunInfo:
    run_id: str
    run_name: str
    experiment_id: str
    status: str
    start_time: int
    end_time: int | None


@dataclass(frozen=True)
class RunData:
    metrics: dict[str, float]
    params: dict[str, str]
    tags: dict[str, str]


@dataclass(frozen=True)
class InputTag:
    key: str
    value: str


@dataclass(frozen=True)
class Dataset:
    name: str
    digest: str
    source_type: str
    source: str


@dataclass(frozen=True)
class DatasetInput:
    dataset: Dataset
    tags: list[InputTag]


@dataclass(frozen=True)
class RunInputs:
    dataset_inputs: list[DatasetInput] = field(default_factory=list)


@dataclass(frozen=True)
class Run:
    info: RunInfo
    data: RunData
    inputs: RunInputs


@dataclass(frozen=True)
class Metric:
    key: str
    value: float
    timestamp: int
    step: int


@dataclass(frozen=True)
class Experiment:
    experiment_id: str
    name: str


class RestClient:
    """The read-only part of ``MlflowClient`` that evidence uses, over MLflow's REST API.

    ``uri`` is the tracking server's base URL (user information in it is sent as basic auth
    only with ``credentials``, as the credentials' own ``authorization`` replaces it).
    """

    def __init__(
        self, uri: str, bounds: RequestBounds, credentials: Credentials | None = None
    ) -> None:
        parts = urlsplit(uri.strip())
        self._base = urlunsplit(
            (parts.scheme, _host_and_port(parts), parts.path.rstrip("/"), "", "")
        )
        self._bounds = bounds
        self._credentials = credentials
        self._authorization = None
        if credentials is not None:
            self._authorization = credentials.authorization or _userinfo_authorization(uri)
        self._opener: urllib.request.OpenerDirector | None = None

    # -- the registry

    def get_registered_model(self, name: str) -> RegisteredModel:
        model = _object(self._get("registered-models/get", {"name": name}), "registered_model")
        aliases = {
            _text(alias, "alias"): _text(alias, "version") for alias in _objects(model, "aliases")
        }
        return RegisteredModel(name=_text(model, "name"), aliases=aliases)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        answer = self._get("registered-models/alias", {"name": name, "alias": alias})
        return _model_version(_object(answer, "model_version"))

    def get_model_version(self, name: str, version: str | int) -> ModelVersion:
        answer = self._get("model-versions/get", {"name": name, "version": str(version)})
        return _model_version(_object(answer, "model_version"))

    def search_model_versions(self, filter_string: str) -> list[ModelVersion]:
        """Every version the filter finds, page after page."""
        found: list[ModelVersion] = []
        token = ""
        while True:
            query = {"filter": filter_string, "max_results": str(MODEL_VERSIONS_PAGE)}
            answer = self._get("model-versions/search", query | _page(token))
            found.extend(_model_version(v) for v in _objects(answer, "model_versions"))
            token = _text(answer, "next_page_token")
            if not token:
                return found

    # -- tracking

    def get_run(self, run_id: str) -> Run:
        return _run(_object(self._get("runs/get", {"run_id": run_id}), "run"))

    def get_experiment(self, experiment_id: str) -> Experiment:
        answer = self._get("experiments/get", {"experiment_id": experiment_id})
        return _experiment(_object(answer, "experiment"))

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        """None when no experiment has that name (as ``MlflowClient``)."""
        try:
            answer = self._get("experiments/get-by-name", {"experiment_name": name})
        except RestAnswerError as exc:
            if exc.error_code == "RESOURCE_DOES_NOT_EXIST":
                return None
            raise
        return _experiment(_object(answer, "experiment"))

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        """Every point of the metric, page after page."""
        points: list[Metric] = []
        token = ""
        while True:
            query = {"run_id": run_id, "metric_key": key, "max_results": str(METRIC_HISTORY_PAGE)}
            answer = self._get("metrics/get-history", query | _page(token))
            points.extend(_metric(m) for m in _objects(answer, "metrics"))
            token = _text(answer, "next_page_token")
            if not token:
                return points

    def search_runs(
        self, experiment_ids: Sequence[str], filter_string: str = "", max_results: int = 1000
    ) -> list[Run]:
        """The first page of active runs, in the server's order (as ``MlflowClient``)."""
        body = {
            "experiment_ids": [str(e) for e in experiment_ids],
            "filter": filter_string,
            "run_view_type": "ACTIVE_ONLY",
            "max_results": max_results,
        }
        return [_run(run) for run in _objects(self._call("POST", "runs/search", body=body), "runs")]

    # -- HTTP

    def _get(self, endpoint: str, query: Mapping[str, str]) -> dict[str, Any]:
        return self._call("GET", f"{endpoint}?{urlencode(query)}")

    def _call(
        self, method: str, endpoint: str, body: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        """The JSON object one endpoint answers, after the retries :class:`RequestBounds` allow;
        :class:`ServerFailed` or :class:`RestAnswerError` when there is none."""
        import urllib.request

        path = f"{API}/{endpoint}"
        data = None if body is None else json.dumps(body).encode()
        retry = 0
        while True:
            request = urllib.request.Request(f"{self._base}{path}", data=data, method=method)
            request.add_header("Accept", "application/json")
            if data is not None:
                request.add_header("Content-Type", "application/json")
            if self._authorization:
                # Unredirected: a redirect carries it only where _Redirects allows.
                request.add_unredirected_header("Authorization", self._authorization)
            outcome = self._attempt(request, path.partition("?")[0])
            if isinstance(outcome, dict):
                return outcome
            failure, wait_s = outcome
            retry += 1
            if retry > self._bounds.max_retries:
                raise ServerFailed(f"{failure} ({self._bounds.attempts_text})")
            time.sleep(self._bounds.backoff_s(retry) if wait_s is None else wait_s)

    def _attempt(
        self, request: urllib.request.Request, endpoint: str
    ) -> dict[str, Any] | tuple[str, float | None]:
        """One try: the answer, or why to try again and how long to wait first (None: the
        backoff)."""
        import http.client
        import ssl
        import urllib.error

        timeout = self._bounds.timeout_s
        try:
            with self._open().open(request, timeout=timeout) as answer:
                return _json_object(_read_whole(answer, timeout), endpoint)
        except urllib.error.HTTPError as exc:
            with exc:
                if exc.code in RETRY_STATUSES or self._retry_after(exc) is not None:
                    return f"kept answering HTTP {exc.code}", self._retry_after(exc)
                try:
                    body = _read_whole(exc, timeout)
                except (OSError, http.client.HTTPException):  # the error's own body cut off
                    body = b""
                raise _answer_error(exc.code, body, endpoint) from None
        except urllib.error.URLError as exc:  # no connection: refused, unresolved, TLS
            reason = exc.reason
            if isinstance(reason, ssl.SSLError | ssl.CertificateError):
                raise ServerFailed(f"refused a TLS connection ({reason})") from None
            if isinstance(reason, TimeoutError):
                return f"gave no answer within {timeout} s", None
            if isinstance(reason, ConnectionRefusedError):
                return "is unreachable: connection refused", None
            return f"is unreachable: {_short(reason)}", None
        except TimeoutError:
            return f"gave no answer within {timeout} s", None
        except (OSError, http.client.HTTPException):  # closed, reset, cut off mid-body
            return "closed the connection before answering", None

    def _retry_after(self, answer: urllib.error.HTTPError) -> float | None:
        """The wait ``Retry-After`` asks for, when aigov obeys it and the status allows it."""
        if not self._bounds.obeys_retry_after or answer.code not in RETRY_AFTER_STATUSES:
            return None
        value = (answer.headers.get("Retry-After") or "").strip()
        if value.isdigit():
            return float(value)
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError, IndexError):
            return None

    def _open(self) -> urllib.request.OpenerDirector:
        if self._opener is None:
            import urllib.request

            self._opener = urllib.request.build_opener(
                urllib.request.HTTPSHandler(context=self._tls()),
                _redirects(self._base, self._authorization),
            )
        return self._opener

    def _tls(self) -> ssl.SSLContext:
        """Verification as MLflow's client does it: its CA bundle, else requests' variables."""
        import ssl

        credentials = self._credentials or Credentials()
        if os.environ.get("MLFLOW_TRACKING_INSECURE_TLS", "").strip().lower() in ("true", "1"):
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        else:
            bundle = (
                credentials.server_cert_path
                or os.environ.get("REQUESTS_CA_BUNDLE")
                or os.environ.get("CURL_CA_BUNDLE")
            )
            if bundle and Path(bundle).is_dir():
                context = ssl.create_default_context(capath=bundle)
            else:
                context = ssl.create_default_context(cafile=bundle or None)
        if credentials.client_cert_path:
            context.load_cert_chain(credentials.client_cert_path)
        return context


def _redirects(base: str, authorization: str | None) -> urllib.request.BaseHandler:
    """A redirect handler that follows as MLflow's client does (``MLFLOW_ALLOW_HTTP_REDIRECTS``)
    and carries the credentials on only to the server's own origin (or its https upgrade)."""
    import urllib.request

    allowed = os.environ.get("MLFLOW_ALLOW_HTTP_REDIRECTS", "true").lower() in ("true", "1")
    origin = urlsplit(base)

    class Redirects(urllib.request.HTTPRedirectHandler):
        def redirect_request(
            self,
            req: urllib.request.Request,
            fp: Any,
            code: int,
            msg: str,
            headers: Any,
            newurl: str,
        ) -> urllib.request.Request | None:
            if not allowed:
                return None
            following = super().redirect_request(req, fp, code, msg, headers, newurl)
            target = urlsplit(newurl)
            same_host = (target.hostname, target.port) == (origin.hostname, origin.port)
            upgrade = (origin.scheme, target.scheme) == ("http", "https") and (
                target.hostname == origin.hostname and target.port in (None, 443)
            )
            if following is not None and authorization and (same_host or upgrade):
                following.add_unredirected_header("Authorization", authorization)
            return following

    return Redirects()


def _host_and_port(parts: Any) -> str:
    """``host[:port]`` of a split URL, without user information."""
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{parts.port}" if parts.port else host


def _userinfo_authorization(uri: str) -> str | None:
    parts = urlsplit(uri.strip())
    if parts.username is None:
        return None
    from urllib.parse import unquote

    pair = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
    return "Basic " + base64.standard_b64encode(pair.encode()).decode()


def _read_whole(answer: Any, timeout_s: int) -> bytes:
    """The whole body, read within ``timeout_s`` (each read waits at most that long too) and
    at most :data:`MAX_ANSWER_BYTES`."""
    deadline = time.monotonic() + timeout_s
    chunks: list[bytes] = []
    size = 0
    # read1: what has arrived (at most one read of the socket); read() would wait for the lot.
    read = getattr(answer, "read1", answer.read)
    while chunk := read(_CHUNK):
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise RestAnswerError("", f"answer larger than {MAX_ANSWER_BYTES >> 20} MiB")
        if time.monotonic() > deadline:
            raise TimeoutError(f"the answer took over {timeout_s} s")
        chunks.append(chunk)
    remaining = getattr(answer, "length", None)
    if isinstance(remaining, int) and remaining > 0:  # http.client ends a short body silently
        import http.client

        raise http.client.IncompleteRead(b"".join(chunks), remaining)
    return b"".join(chunks)


def _json_object(body: bytes, endpoint: str) -> dict[str, Any]:
    try:
        answer = json.loads(body) if body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise RestAnswerError("", f"{endpoint} answered something that is not JSON") from None
    if not isinstance(answer, dict):
        raise RestAnswerError("", f"{endpoint} answered JSON that is not an object")
    return answer


def _answer_error(status: int, body: bytes, endpoint: str) -> RestAnswerError:
    """MLflow's error (``error_code``, ``message``), else MLflow's client's wording."""
    text = body.decode("utf-8", "replace")
    try:
        error = json.loads(text)
    except ValueError:
        error = None
    if isinstance(error, dict) and ("error_code" in error or "message" in error):
        return RestAnswerError(str(error.get("error_code", "")), str(error.get("message", "")))
    return RestAnswerError(
        "",
        f"API request to endpoint {endpoint} failed with error code {status} != 200. "
        f"Response body: '{text[:200]}'",
    )


def _short(reason: object) -> str:
    lines = str(reason).strip().splitlines()
    return lines[0][:200] if lines else type(reason).__name__


# -- JSON to entities: an absent field reads as the protobuf default, as MLflow's entities do.


def _object(item: Mapping[str, Any], key: str) -> dict[str, Any]:
    value = item.get(key)
    if not isinstance(value, dict):
        raise RestAnswerError("", f"the answer has no '{key}' object")
    return value


def _objects(item: Mapping[str, Any], key: str) -> list[dict[str, Any]]:
    values = item.get(key, [])
    if not isinstance(values, list) or not all(isinstance(v, dict) for v in values):
        raise RestAnswerError("", f"the answer's '{key}' is not a list of objects")
    return values


def _text(item: Mapping[str, Any], key: str, default: str = "") -> str:
    value = item.get(key, default)
    if isinstance(value, dict | list):
        raise RestAnswerError("", f"the answer's '{key}' is not a value")
    return str(value)


def _integer(item: Mapping[str, Any], key: str) -> int:
    """An int64 field: a JSON number, or a string (protobuf's own JSON form)."""
    try:
        return int(item.get(key, 0))
    except (TypeError, ValueError):
        raise RestAnswerError("", f"the answer's '{key}' is not an integer") from None


def _number(item: Mapping[str, Any], key: str) -> float:
    """A double: a JSON number or ``"NaN"``/``"Infinity"`` (protobuf's JSON form)."""
    try:
        return float(item.get(key, 0.0))
    except (TypeError, ValueError):
        raise RestAnswerError("", f"the answer's '{key}' is not a number") from None


def _pairs(item: Mapping[str, Any], key: str) -> dict[str, str]:
    """``[{"key": k, "value": v}, ...]`` (tags, params) as a dict, the last one winning."""
    return {_text(pair, "key"): _text(pair, "value") for pair in _objects(item, key)}


def _page(token: str) -> dict[str, str]:
    return {"page_token": token} if token else {}


def _model_version(item: Mapping[str, Any]) -> ModelVersion:
    aliases = item.get("aliases", [])
    if not isinstance(aliases, list):
        raise RestAnswerError("", "the answer's 'aliases' is not a list")
    return ModelVersion(
        version=_text(item, "version"),
        run_id=_text(item, "run_id") if "run_id" in item else None,
        status=_text(item, "status", "PENDING_REGISTRATION"),
        creation_timestamp=_integer(item, "creation_timestamp"),
        source=_text(item, "source"),
        description=_text(item, "description") if "description" in item else None,
        aliases=[str(a) for a in aliases],
        tags=_pairs(item, "tags"),
    )


def _run(item: Mapping[str, Any]) -> Run:
    info, data = _object(item, "info"), item.get("data", {})
    inputs = item.get("inputs", {})
    if not isinstance(data, dict) or not isinstance(inputs, dict):
        raise RestAnswerError("", "the answer's run has no 'data' or 'inputs' object")
    end = _integer(info, "end_time")
    return Run(
        info=RunInfo(
            run_id=_text(info, "run_id"),
            run_name=_text(info, "run_name"),
            experiment_id=_text(info, "experiment_id"),
            status=_text(info, "status", "RUNNING"),
            start_time=_integer(info, "start_time"),
            end_time=end or None,
        ),
        data=RunData(
            metrics={_text(m, "key"): _number(m, "value") for m in _objects(data, "metrics")},
            params=_pairs(data, "params"),
            tags=_pairs(data, "tags"),
        ),
        inputs=RunInputs(
            [
                DatasetInput(
                    dataset=_dataset(_object(entry, "dataset")),
                    tags=[
                        InputTag(_text(tag, "key"), _text(tag, "value"))
                        for tag in _objects(entry, "tags")
                    ],
                )
                for entry in _objects(inputs, "dataset_inputs")
            ]
        ),
    )


def _dataset(item: Mapping[str, Any]) -> Dataset:
    return Dataset(
        name=_text(item, "name"),
        digest=_text(item, "digest"),
        source_type=_text(item, "source_type"),
        source=_text(item, "source"),
    )


def _metric(item: Mapping[str, Any]) -> Metric:
    return Metric(
        key=_text(item, "key"),
        value=_number(item, "value"),
        timestamp=_integer(item, "timestamp"),
        step=_integer(item, "step"),
    )


def _experiment(item: Mapping[str, Any]) -> Experiment:
    return Experiment(experiment_id=_text(item, "experiment_id"), name=_text(item, "name"))
