"""The input files as they are on disk: found, and each one's content digest, taken from an
earlier run while the file's status is unchanged (then it is not read)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from compiler.diagnostics import Diagnostic, Location
from compiler.file_digests import FileDigests, content_digest, read_bytes
from compiler.load.discover import discover


def find_root(start: Path) -> Path:
    """The repository root: `start` itself, or the nearest ancestor holding infc.yaml."""
    start = start.resolve()
    for directory in [start, *start.parents]:
        if (directory / "infc.yaml").is_file():
            return directory
    return start


@dataclass
class Inputs:
    """(path, content if it was read, its digest) of each input file, and the findings of
    finding and reading them."""

    read: list[tuple[str, bytes | None, str]]
    diagnostics: list[Diagnostic]

    @property
    def keys(self) -> list[str]:
        """"path|digest" of each file: the key of what is cached of it."""
        return [f"{rel}|{digest}" for rel, _, digest in self.read]


def read_inputs(root: Path, output: Path, cache=None) -> Inputs:
    """Every input file under `root` but those under the `output` directory."""
    digests = FileDigests.cached(cache, "inputs")
    inputs = scan_inputs(root, output, digests)
    digests.save()
    return inputs


def scan_inputs(root: Path, output: Path, digests: FileDigests) -> Inputs:
    """read_inputs without the cache: `digests` takes what it records (a forked scan hands it over)."""
    files, diags = discover(root, [output])
    top = len(str(root)) + 1
    found: list[tuple[str, bytes | None, str]] = []
    for path in files:
        rel = path[top:]  # discover returns paths under root
        try:
            st = os.stat(path)
        except OSError as exc:
            diags.append(_unreadable(rel, exc))
            continue
        raw, digest = None, digests.known(rel, st)
        if digest is None:
            raw = read_file(path, rel, diags, st.st_size)
            if raw is None:
                continue
            digest = content_digest(raw)
            digests.note(rel, st, digest)
        found.append((rel, raw, digest))
    return Inputs(found, diags)


def read_file(path: Path | str, rel: str, diags: list[Diagnostic], size: int = 0) -> bytes | None:
    """The file's content (`size`: its size when it was found), or None with IC001."""
    try:
        return read_bytes(str(path), size)
    except OSError as exc:
        diags.append(_unreadable(rel, exc))
        return None


def _unreadable(rel: str, exc: OSError) -> Diagnostic:
    return Diagnostic("IC001", f"cannot read file: {exc.strerror}", Location(rel), hint="check the file's permissions")
