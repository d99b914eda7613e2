"""Find the input files of a repository: every *.yaml / *.yml except the output and dot-dirs."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from compiler.diagnostics import Diagnostic, Location, Severity, is_utf8, printable

YAML_SUFFIXES = (".yaml", ".yml")


def discover(root: Path, exclude: list[Path]) -> tuple[list[str], list[Diagnostic]]:
    """Paths of the input files under `root`, sorted; symlinks that leave the repository or loop
    are skipped. Plain strings: a Path per file cost a tenth of a check of 10,000 workloads."""
    root = root.resolve()
    top = str(root)
    excluded = [os.path.realpath(p) for p in exclude]
    files: list[str] = []
    diags: list[Diagnostic] = []
    seen_dirs: set[str] = set()

    def walk(directory: str, real: str) -> None:
        # `directory` is the path as reached from the root, `real` the same without links.
        if real in seen_dirs:
            diags.append(_skip(root, Path(directory), "symbolic link loop", _FIX_LINK))
            return
        seen_dirs.add(real)
        try:
            with os.scandir(directory) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError as exc:
            diags.append(_skip(root, Path(directory), f"cannot list directory ({exc.strerror})", _FIX_ACCESS))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            link = entry.is_symlink()
            # Only links need resolving; the directory walked is already real.
            target = os.path.realpath(entry.path) if link else f"{real}/{entry.name}"
            if link and not _within(target, top):
                diags.append(_skip(root, Path(entry.path), "symbolic link points outside the repository",
                                   "keep every input file inside the repository"))
                continue
            # The directory walked is not excluded: an entry in it is, only if it is an excluded path.
            if (any(_within(target, e) for e in excluded) if link else target in excluded):
                continue
            problem = None
            try:
                is_dir = entry.is_dir(follow_symlinks=True)
                is_file = not is_dir and entry.is_file(follow_symlinks=True)
            except OSError as exc:  # a link to itself, or a chain of links too long
                is_dir = is_file = False
                problem = ("symbolic link loop", _FIX_LINK) if exc.errno == errno.ELOOP else \
                    (f"cannot read ({exc.strerror})", _FIX_ACCESS)
            if (is_dir or entry.name.endswith(YAML_SUFFIXES)) and not is_utf8(entry.name):
                diags.append(_skip(root, Path(entry.path), "its name is not UTF-8", _FIX_NAME, Severity.ERROR))
            elif is_dir:
                walk(entry.path, target)
            elif entry.name.endswith(YAML_SUFFIXES):
                if is_file:
                    files.append(entry.path)
                elif problem or link:
                    diags.append(_skip(root, Path(entry.path), *(problem or ("symbolic link to nothing", _FIX_LINK))))

    if not any(_within(top, e) for e in excluded):  # (a link may make the output the root itself)
        walk(top, top)
    return files, diags


def _within(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


_FIX_LINK = "point the link at a file or directory inside the repository, or remove it"
_FIX_ACCESS = "make it readable, or move it out of the repository"
# An error, not a warning: the file may hold a workload, and infc cannot name it in the output.
_FIX_NAME = "rename it in UTF-8, as Git, Argo CD and Kubernetes expect names to be"


def _skip(root: Path, path: Path, why: str, hint: str, severity: Severity = Severity.WARNING) -> Diagnostic:
    rel = path.relative_to(root).as_posix() if _within(str(path.absolute()), str(root)) else path.name
    rel = printable(rel)
    return Diagnostic("IC001", f"{rel}: not read: {why}", Location(rel), severity=severity, hint=hint)
