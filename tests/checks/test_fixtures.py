"""Every repository in fixtures/invalid/ reports the code its directory is named after."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.build import compile_repository

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "invalid"
DIRS = sorted(p for p in FIXTURES.iterdir() if p.is_dir()) if FIXTURES.is_dir() else []


@pytest.mark.parametrize("fixture", DIRS, ids=[p.name for p in DIRS])
def test_fixture_reports_its_code(fixture: Path):
    code = fixture.name.split("-")[0].upper()
    diags = compile_repository(fixture, use_cache=False).diagnostics  # everything but writing
    found = [d for d in diags if d.code == code]
    assert found, f"{fixture.name}: no {code}; got " + ", ".join(f"{d.code} {d.message}" for d in diags)
    assert all(d.location and (d.location.line or d.code == "IC702") for d in found)
    assert all(d.hint for d in found)


def test_every_fixture_is_listed_in_the_readme():
    readme = (FIXTURES / "README.md").read_text()
    for fixture in DIRS:
        assert f"`{fixture.name}/`" in readme
