"""Find the input files of a repository: every *.yaml / *.yml except the output and dot-dirs."""

from __future__ import annotations

import os
from pathlib import Path

from compiler.diagnostics import Diagnostic, Location, Severity

YAML_SUFFIXES = (".yaml", ".yml")


def discover(root: Path, exclude: list[Path]) -> tuple[list[Path], list[Diagnostic]]:
    """Input files under `root`, sorted; symlinks that leave the repository or loop are skipped."""
    root = root.resolve()
    excluded = {p.resolve() for p in exclude}
    files: list[Path] = []
    diags: list[Diagnostic] = []
    seen_dirs: set[Path] = set()

    def walk(directory: Path) -> None:
        real = directory.resolve()
        if real in seen_dirs:
            diags.append(_skip(root, directory, "symbolic link loop"))
            return
        seen_dirs.add(real)
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            diags.append(_skip(root, directory, f"cannot list directory ({exc.strerror})"))
            return
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            # Only links need resolving; the directory walked is already real.
            target = path.resolve() if entry.is_symlink() else real / entry.name
            if entry.is_symlink() and not _inside(target, root):
                diags.append(_skip(root, path, "symbolic link points outside the repository"))
                continue
            if target in excluded or any(_inside(target, e) for e in excluded):
                continue
            if entry.is_dir(follow_symlinks=True):
                walk(path)
            elif entry.name.endswith(YAML_SUFFIXES) and entry.is_file(follow_symlinks=True):
                files.append(path)

    walk(root)
    return files, diags


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _skip(root: Path, path: Path, why: str) -> Diagnostic:
    rel = path.relative_to(root).as_posix() if _inside(path.absolute(), root) else path.name
    return Diagnostic("IC001", f"{rel}: not read: {why}", Location(rel), severity=Severity.WARNING,
                      hint="keep every input file inside the repository")
