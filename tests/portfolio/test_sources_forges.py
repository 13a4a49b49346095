"""GitHub organisation and GitLab group sources over real HTTP, against a local server.

The server answers with the shapes of GitHub's REST API (orgs/{org}/repos, commits/{ref} with
ETag and 304 on If-None-Match, contents/{path} base64) and GitLab's (groups/:id/projects,
repository/branches/:branch, repository/files/:path/raw), and records every request.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from aigov.portfolio.scan import ScanOptions, scan

from .conftest import TODAY, write_repo

pytest.importorskip("github")
pytest.importorskip("gitlab")


class Forge:
    """Files per repository at one head commit, and the requests received."""

    def __init__(self, root: Path) -> None:
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.heads: dict[str, str] = {}
        self.files: dict[str, dict[str, bytes]] = {}
        for name in ("alpha", "bravo"):
            folder = write_repo(root, name, "poc" if name == "alpha" else "production")
            self.files[name] = {"aigov.yaml": (folder / "aigov.yaml").read_bytes()}
            self.heads[name] = f"{name[0]}" * 40
        self.files["no-manifest"] = {}
        self.heads["no-manifest"] = "c" * 40


@contextlib.contextmanager
def _server(forge: Forge, api: str) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(
            self, status: int, body: Any = None, headers: dict[str, str] | None = None
        ) -> None:
            data = (
                b""
                if body is None
                else (body if isinstance(body, bytes) else json.dumps(body).encode())
            )
            self.send_response(status)
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            if body is not None and not isinstance(body, bytes):
                self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            forge.requests.append(("GET", self.path, dict(self.headers)))
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            parts = urlsplit(self.path)
            path, query = unquote(parts.path), parse_qs(parts.query)
            (self._github if api == "github" else self._gitlab)(base, path, query)

        def _github(self, base: str, path: str, query: dict[str, list[str]]) -> None:
            segments = path.strip("/").split("/")
            if path == "/orgs/acme":
                return self._send(200, {"login": "acme", "id": 1, "url": f"{base}/orgs/acme"})
            if path == "/orgs/acme/repos":
                repos = [
                    {
                        "id": i,
                        "name": n,
                        "full_name": f"acme/{n}",
                        "archived": False,
                        "default_branch": "main",
                        "html_url": f"{base}/acme/{n}",
                        "url": f"{base}/repos/acme/{n}",
                        "owner": {"login": "acme", "id": 1},
                    }
                    for i, n in enumerate(sorted(forge.heads), 1)
                ] + [
                    {
                        "id": 99,
                        "name": "old",
                        "full_name": "acme/old",
                        "archived": True,
                        "default_branch": "main",
                        "html_url": f"{base}/acme/old",
                        "url": f"{base}/repos/acme/old",
                        "owner": {"login": "acme", "id": 1},
                    }
                ]
                return self._send(200, repos)
            if segments[:2] == ["repos", "acme"] and segments[3:4] == ["commits"]:
                sha = forge.heads[segments[2]]
                etag = f'W/"{sha}"'
                if self.headers.get("If-None-Match") == etag:
                    return self._send(304, None, {"ETag": etag})
                return self._send(
                    200,
                    {"sha": sha, "url": f"{base}/repos/acme/{segments[2]}/commits/{sha}"},
                    {"ETag": etag},
                )
            if segments[:2] == ["repos", "acme"] and segments[3:4] == ["contents"]:
                name, file_path = segments[2], "/".join(segments[4:])
                assert query.get("ref") == [forge.heads[name]]
                content = forge.files[name].get(file_path)
                if content is None:
                    return self._send(404, {"message": "Not Found"})
                return self._send(
                    200,
                    {
                        "type": "file",
                        "encoding": "base64",
                        "name": file_path.rsplit("/", 1)[-1],
                        "path": file_path,
                        "sha": "f" * 40,
                        "size": len(content),
                        "content": base64.b64encode(content).decode(),
                        "url": f"{base}/repos/acme/{name}/contents/{file_path}",
                    },
                )
            return self._send(404, {"message": "Not Found"})

        def _gitlab(self, base: str, path: str, query: dict[str, list[str]]) -> None:
            names = sorted(forge.heads)
            if path == "/api/v4/groups/acme/projects":
                return self._send(
                    200,
                    [
                        {
                            "id": i,
                            "path": n,
                            "path_with_namespace": f"acme/{n}",
                            "default_branch": "main",
                            "web_url": f"{base}/acme/{n}",
                        }
                        for i, n in enumerate(names, 1)
                    ],
                )
            segments = path.split("/")
            if path.startswith("/api/v4/projects/") and "/repository/branches/" in path:
                name = names[int(segments[4]) - 1]
                return self._send(200, {"name": "main", "commit": {"id": forge.heads[name]}})
            if path.startswith("/api/v4/projects/") and path.endswith("/raw"):
                name = names[int(segments[4]) - 1]
                file_path = path.split("/repository/files/", 1)[1][: -len("/raw")]
                assert query.get("ref") == [forge.heads[name]]
                content = forge.files[name].get(file_path)
                if content is None:
                    return self._send(404, {"message": "404 File Not Found"})
                return self._send(200, content, {"Content-Type": "text/plain"})
            return self._send(404, {"message": "404 Not Found"})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def forge(tmp_path: Path) -> Forge:
    return Forge(tmp_path / "upstream")


def test_github_org_is_read_through_the_api_with_conditional_requests(
    forge: Forge, tmp_path: Path
) -> None:
    from aigov.portfolio.sources_github import GitHubOrgSource

    with _server(forge, "github") as url:

        def source() -> GitHubOrgSource:
            return GitHubOrgSource(
                "acme", tmp_path / "cache" / "github", base_url=url, token="t0ken", throttle_s=0
            )

        options = ScanOptions(today=TODAY, jobs=1, cache=tmp_path / "cache" / "rows.sqlite")
        first = scan(source(), options)
        rows = {r.id: r for r in first.results}
        assert sorted(rows) == ["github:acme/alpha", "github:acme/bravo", "github:acme/no-manifest"]
        assert rows["github:acme/alpha"].ok and rows["github:acme/alpha"].head == "a" * 40
        assert rows["github:acme/alpha"].project.stage == "poc"
        assert "no aigov.yaml" in (rows["github:acme/no-manifest"].error or "")
        listing = [r for r in forge.requests if r[1].startswith("/orgs/acme/repos")]
        assert "per_page=100" in listing[0][1]
        assert all(
            r[2].get("Authorization") == "token t0ken"
            or r[2].get("Authorization") == "Bearer t0ken"
            for r in forge.requests
        )

        forge.requests.clear()
        second = scan(source(), options)
        assert second.stats.cached == 2
        per_repo = [r for r in forge.requests if r[1].startswith("/repos/acme/alpha")]
        assert len(per_repo) == 1  # one conditional request for an unchanged repository
        assert per_repo[0][2].get("If-None-Match") == f'W/"{"a" * 40}"'
        assert not [r for r in forge.requests if "/contents/" in r[1] and "alpha" in r[1]]

        forge.heads["bravo"] = "d" * 40
        forge.files["bravo"]["aigov.yaml"] = forge.files["bravo"]["aigov.yaml"].replace(
            b"stage: production", b"stage: retired"
        )
        third = scan(source(), options)
        bravo = {r.id: r for r in third.results}["github:acme/bravo"]
        assert bravo.head == "d" * 40 and not bravo.cached
        assert bravo.project.stage == "retired"


def test_gitlab_group_is_read_through_the_api(forge: Forge, tmp_path: Path) -> None:
    from aigov.portfolio.sources_gitlab import GitLabGroupSource

    with _server(forge, "gitlab") as url:

        def source() -> GitLabGroupSource:
            return GitLabGroupSource("acme", tmp_path / "cache" / "gitlab", url=url, token="glpat")

        options = ScanOptions(today=TODAY, jobs=1, cache=tmp_path / "cache" / "rows.sqlite")
        first = scan(source(), options)
        rows = {r.id: r for r in first.results}
        assert sorted(rows) == ["gitlab:acme/alpha", "gitlab:acme/bravo", "gitlab:acme/no-manifest"]
        assert rows["gitlab:acme/bravo"].project.stage == "production"
        assert not rows["gitlab:acme/no-manifest"].ok
        listing = [r for r in forge.requests if r[1].startswith("/api/v4/groups/acme/projects")]
        assert (
            "include_subgroups=True" in listing[0][1] or "include_subgroups=true" in listing[0][1]
        )
        assert all(r[2].get("PRIVATE-TOKEN") == "glpat" for r in forge.requests)

        forge.requests.clear()
        second = scan(source(), options)
        assert second.stats.cached == 2
        per_project = [r for r in forge.requests if r[1].startswith("/api/v4/projects/1/")]
        assert len(per_project) == 1 and "/repository/branches/main" in per_project[0][1]
