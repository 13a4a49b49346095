"""Download the official ODCS JSON Schemas again and verify (or rewrite) the vendored copies.

    python scripts/update_odcs_schemas.py           # verify: exit 1 if one differs or is unread
    python scripts/update_odcs_schemas.py --write   # rewrite the files and their sha256

Each entry of ``src/aigov/documents/odcs/provenance.json`` names its source: a registry package
(``package`` ``open-data-contract-standard==X`` and the wheel ``member``), fetched with
``pip download --no-deps``, or a release ``url`` (v3.0.0, which no package ships). To add a
version, add its entry (file, package and member or url) with an empty sha256 and run --write.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

FOLDER = Path(__file__).resolve().parent.parent / "src" / "aigov" / "documents" / "odcs"
PROVENANCE = FOLDER / "provenance.json"


def wheel_member(wheel: Path, member: str) -> bytes:
    """The bytes of ``member`` inside a downloaded wheel."""
    with zipfile.ZipFile(wheel) as archive:
        return archive.read(member)


def download_package(requirement: str, member: str, work: Path) -> bytes:
    """``member`` of the wheel of ``requirement`` (e.g. open-data-contract-standard==3.0.4)."""
    dest = work / requirement.replace("=", "_")
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
         "--quiet", "--dest", str(dest), requirement],
        check=True,
    )  # fmt: skip
    [wheel] = sorted(dest.glob("*.whl"))
    return wheel_member(wheel, member)


def fetch(entry: dict[str, str], work: Path) -> bytes:
    """The schema bytes from the source ``entry`` names."""
    if "package" in entry:
        return download_package(entry["package"], entry["member"], work)
    with urllib.request.urlopen(entry["url"], timeout=60) as response:
        data: bytes = response.read()
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite files and sha256")
    args = parser.parse_args(argv)
    provenance = json.loads(PROVENANCE.read_text("utf-8"))
    differ = []
    with tempfile.TemporaryDirectory() as work:
        for version, entry in provenance["schemas"].items():
            try:
                data = fetch(entry, Path(work))
            except (OSError, subprocess.CalledProcessError) as error:
                print(f"v{version}: not verified, its source cannot be read: {error}")
                differ.append(version)
                continue
            json.loads(data)  # a schema is JSON, whatever the source served
            digest = hashlib.sha256(data).hexdigest()
            target = FOLDER / entry["file"]
            current = target.read_bytes() if target.exists() else b""
            same = digest == entry["sha256"] and current == data
            print(f"v{version}: {'ok' if same else 'differs'} {digest}")
            if not same:
                differ.append(version)
                if args.write:
                    target.write_bytes(data)
                    entry["sha256"] = digest
    if args.write and differ:
        PROVENANCE.write_text(json.dumps(provenance, indent=2) + "\n", "utf-8")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
