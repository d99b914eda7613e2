from __future__ import annotations

import io
from pathlib import Path

import pytest

from compiler.diagnostics import Diagnostic, Location
from compiler.report import emit, render, use_color


def text(diags, root: Path, color: bool = False) -> str:
    return render(diags, "text", root=root, color=color)


def test_header_frame_caret_and_hint(diags, repo):
    out = text(diags, repo)
    assert (
        "workloads/llama.yaml:6:3: error[IC006] unknown field 'replcas'\n"
        "  |\n"
        "5 | spec:\n"
        "6 |   replcas: 2\n"
        "  |   ^\n"
        "  = hint: did you mean 'replicas'?\n"
    ) in out


def test_caret_column(repo):
    d = Diagnostic("IC007", "not a model id", Location("workloads/llama.yaml", 7, 10))
    lines = text([d], repo).splitlines()
    source, caret = lines[3], lines[4]
    assert source == "7 |   model: meta-llama/Llama-3.1-8B"
    assert caret.index("^") == source.index("meta-llama")


def test_gutter_widens_for_two_digit_lines(tmp_path):
    (tmp_path / "f.yaml").write_text("".join(f"k{i}: {i}\n" for i in range(1, 12)))
    d = Diagnostic("IC006", "unknown field", Location("f.yaml", 10, 1))
    assert " 9 | k9: 9\n10 | k10: 10\n   | ^\n" in text([d], tmp_path)


def test_tabs_expanded_and_controls_escaped(tmp_path):
    (tmp_path / "f.yaml").write_text("a:\n\tb: \x1b[31mred\n")
    d = Diagnostic("IC001", "tab in indentation", Location("f.yaml", 2, 2))
    out = text([d], tmp_path)
    assert "\x1b" not in out
    assert "2 |     b: \\x1b[31mred\n  |     ^\n" in out


def test_long_line_cut_around_column(tmp_path):
    (tmp_path / "f.json").write_text("x" * 500 + "BAD" + "y" * 500 + "\n")
    d = Diagnostic("IC007", "bad", Location("f.json", 1, 501))
    frame = text([d], tmp_path).splitlines()
    source, caret = frame[2], frame[3]
    assert len(source) < 140 and source.count("…") == 2
    assert source[caret.index("^"):].startswith("BAD")


def test_without_location_header_only(diags, repo):
    out = text(diags, repo)
    assert out.startswith("info[IC503] parameter count unknown, fit not checked\n\n")


def test_missing_file_has_no_frame(diags, repo):
    out = text(diags, repo)
    assert "projects/a.yaml:3:5: error[IC008] environment 'vllm' not found\n\n" in out


def test_line_past_end_of_file_has_no_frame(repo):
    d = Diagnostic("IC001", "unexpected end", Location("workloads/llama.yaml", 99, 1))
    assert text([d], repo) == "workloads/llama.yaml:99:1: error[IC001] unexpected end\n\n1 error\n"


def test_unreadable_path_has_no_frame(tmp_path):
    (tmp_path / "dir.yaml").mkdir()
    d = Diagnostic("IC001", "x", Location("dir.yaml", 1, 1))
    assert "|" not in text([d], tmp_path)


def test_a_line_break_in_a_message_is_spelled_out_and_related_places_follow(repo):
    # Messages quote values from the repository: one with a line break stays one line.
    d = Diagnostic(
        "IC004", "duplicate Project 'a\nb'",
        related=(Location("projects/b.yaml", 2, 3),),
    )
    assert text([d], repo) == (
        "error[IC004] duplicate Project 'a\\nb'\n"
        "  = see: projects/b.yaml:2:3\n\n"
        "1 error\n"
    )


def test_summary_line(diags, repo):
    assert text(diags, repo).endswith("\n\n2 errors, 1 warning, 1 info\n")
    assert text(diags[:1], repo).endswith("\n\n1 warning\n")
    assert text([], repo) == "no problems found\n"


def test_colour_on(diags, repo):
    out = text(diags, repo, color=True)
    assert "\x1b[1;31merror[IC006]\x1b[0m" in out
    assert "\x1b[1;33mwarning[IC502]\x1b[0m" in out
    assert "\x1b[1;34minfo[IC503]\x1b[0m" in out


def test_colour_off_is_plain(diags, repo):
    assert "\x1b" not in text(diags, repo)


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_auto(monkeypatch, diags, repo):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(_Tty(), None) is True
    assert use_color(io.StringIO(), None) is False
    assert use_color(io.StringIO(), True) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(_Tty(), None) is False
    tty = _Tty()
    emit(diags, "text", root=repo, stream=tty)
    assert "\x1b" not in tty.getvalue()


def test_root_defaults_to_working_directory(monkeypatch, diags, repo):
    monkeypatch.chdir(repo)
    out = io.StringIO()
    emit(diags, "text", stream=out, color=False)
    assert "6 |   replcas: 2\n" in out.getvalue()


def test_unknown_format(diags):
    with pytest.raises(ValueError, match="unknown report format"):
        render(diags, "xml")


@pytest.mark.parametrize(
    ("line", "masked"),
    [
        ("  token: hf_x", "  token: ****"),
        ("    - name: HF_TOKEN", "    - name: ****"),
        ('  "my key": "hf_x: y"', '  "my key": ****'),
        ("  url: http://user:pw@host", "  url: ****"),
        ("    - hf_abc:def", "    - ****"),
        ('    - "hf_abc: def"', "    - ****"),
        ('{"token": "hf_x"}', "****"),
        ("    hf_plain", "    ****"),
        ("", ""),
    ],
)
def test_mask_value(line, masked):
    from compiler.report.text import mask_value

    assert mask_value(line) == masked
