"""Every secret shape is masked, also where a report quotes it inside other text."""

from __future__ import annotations

import pytest

from compiler.diagnostics import Diagnostic
from compiler.secret_shapes import mask, secret_kind

# One token of each shape compiler/secret_shapes.py knows, refused (IC301) or masked only.
TOKENS = [
    ("hf_" + "Zq8LmN3pQr5StUvWxYz0123456789abcdEF", True),
    ("nvapi-" + "Ab3dEfGhIjKlMnOpQrStUvWxYz", True),
    ("-----BEGIN RSA PRIVATE KEY-----", True),
    ("AKIA" + "QWERTYUIOPASDFGH", True),
    ("ASIA" + "QWERTYUIOPASDFGH", True),
    ("ghp_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789", True),
    ("github_pat_" + "aBcDeFgHiJkLmNoPqRsTuVwX", True),
    ("Bearer " + "aBcDeFgHiJkLmNoPqRsTuVwX", True),
    ("sk-" + "aBcDeFgHiJkLmNoPqRsTuVwX", False),
    ("xoxb-" + "1234567890abc", False),
    ("eyJ" + "hbGciOiJIUzI1" + ".eyJzdWIiOiIx" + ".SflKxwRJSMeKK", False),
]


@pytest.mark.parametrize("token, refused", TOKENS, ids=[t[:6] for t, _ in TOKENS])
def test_every_shape_is_masked_in_reports_and_diagnostics(token: str, refused: bool):
    text = f"invalid value ('{token}'): not a quantity"
    assert token not in mask(text) and "****" in mask(text)
    assert (secret_kind(text) is not None) == refused
    d = Diagnostic("IC007", text, hint=f"did you mean {token}?")
    assert token not in d.message and token not in d.hint


def test_text_without_a_secret_is_left_as_it_is():
    text = "project nlp: non-preemptible GPU 10 > deserved 8 (ask for less; sk- and hf_ alone are words)"
    assert mask(text) == text
