"""Manifest files to validate: files, directories (recursive *.yaml / *.yml) and stdin ("-")."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path

from compiler.diagnostics import Diagnostic, Location, printable, sort_diagnostics, without_repeats
from compiler.load.document import Document
from compiler.validate.core import validate_document
from compiler.validate.manifest_yaml import parse_manifests
from compiler.validate.settings import ValidationSettings

STDIN = "-"
STDIN_NAME = "stdin"
SUFFIXES = (".yaml", ".yml")


def expand(paths: list[str], root: Path) -> list[tuple[str, str]]:
    """(path, display name) of each file, in a stable order: each argument in turn, directories
    walked recursively (not into links to directories, nor dot-directories), sorted."""
    out: list[tuple[str, str]] = []
    for raw in paths:
        if raw == STDIN or not os.path.isdir(raw):
            out.append((raw, display_name(raw, root)))
            continue
        base = display_name(raw, root)  # resolved once: the files below are named from it
        found: list[str] = []
        for directory, dirs, files in os.walk(raw):
            dirs[:] = [d for d in dirs if not d.startswith(".")]
            rel_dir = os.path.relpath(directory, raw)
            for name in files:
                path = os.path.join(directory, name)
                if name.endswith(SUFFIXES) and not name.startswith(".") and os.path.isfile(path):
                    found.append(name if rel_dir == "." else f"{rel_dir}/{name}")
        found.sort(key=lambda rel: rel.split("/"))  # as paths sort: part by part
        out.extend((os.path.join(raw, rel), printable(rel if base == "." else f"{base}/{rel}")) for rel in found)
    return out


def display_name(path: str, root: Path) -> str:
    if path == STDIN:
        return STDIN_NAME
    try:
        return printable(Path(os.path.realpath(path)).relative_to(os.path.realpath(root)).as_posix())
    except ValueError:
        return printable(Path(path).as_posix())


def read(path: str) -> bytes:
    return sys.stdin.buffer.read() if path == STDIN else Path(path).read_bytes()


def validate_paths(paths: list[str], settings: ValidationSettings,
                   root: Path) -> tuple[list[Diagnostic], list[str]]:
    """Every file's diagnostics and the subjects validated, files on every core when there are many."""
    from compiler.parallel import map_ordered

    diags: list[Diagnostic] = []
    subjects: list[str] = []
    files: list[tuple[str, str, bytes | None]] = []
    for path, name in expand(paths, root):  # standard input is read here, files by their worker
        try:
            files.append((path, name, read(path) if path == STDIN else None))
        except OSError as exc:
            diags.append(_unreadable(name, exc))
    global _SETTINGS
    _SETTINGS = settings
    for file_diags, file_subjects in map_ordered(_validate_file, files):
        diags.extend(file_diags)
        subjects.extend(file_subjects)
    return sort_diagnostics(diags), subjects


_SETTINGS: ValidationSettings | None = None  # what forked workers validate with


def _validate_file(item: tuple[str, str, bytes | None]) -> tuple[list[Diagnostic], list[str]]:
    path, name, raw = item
    if raw is None:
        try:
            raw = read(path)
        except OSError as exc:
            return [_unreadable(name, exc)], []
    docs, diags = parse_manifests(raw, name)
    parsed = list(diags)
    subjects: list[str] = []
    for doc in docs:
        for subject, item in _items(doc, f"{name}#{doc.index}"):
            subjects.append(subject)
            diags.extend(d if d.subject else replace(d, subject=subject)
                         for d in without_repeats(validate_document(item, _SETTINGS), parsed))
    return diags, subjects


def _unreadable(name: str, exc: OSError) -> Diagnostic:
    return Diagnostic("IC001", f"cannot read {name}: {exc.strerror or exc}", Location(name), hint="check the path")


def _items(doc: Document, subject: str):
    """A `kind: List` (as `kubectl get -o yaml` writes) is validated item by item, each with
    its own positions; any other document as it is."""
    data = doc.data
    if not (isinstance(data, dict) and data.get("kind") == "List" and isinstance(data.get("items"), list)):
        yield subject, doc
        return
    for i, item in enumerate(data["items"]):
        prefix = ("items", i)
        yield f"{subject}.{i}", Document(
            doc.file, doc.index, item,
            {p[2:]: v for p, v in doc.positions.items() if p[:2] == prefix},
            {p[2:]: v for p, v in doc.key_positions.items() if p[:2] == prefix}, doc.digest)
