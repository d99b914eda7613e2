"""The shapes of secrets, in one place: what IC301 refuses and what reports never show.

Shared by the checks (which refuse them in the input) and the reporters (which mask them
in code frames, whatever the diagnostic, so that a token nothing flagged cannot reach a CI
log through the context lines of a neighbouring problem).
"""

from __future__ import annotations

import re

# (kind, pattern) refused by IC301. Deliberately specific: a false alarm blocks a commit.
REFUSED: list[tuple[str, re.Pattern]] = [
    ("Hugging Face token", re.compile(r"(?<![A-Za-z0-9])hf_[A-Za-z0-9]{30,}")),
    ("NGC API key", re.compile(r"(?<![A-Za-z0-9])nvapi-[A-Za-z0-9_-]{20,}")),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----")),
    ("AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9])")),
    ("GitHub token", re.compile(r"(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})")),
    ("bearer token", re.compile(r"\bBearer\s+[A-Za-z0-9._~+/=-]{20,}")),
]

# Masked on display too, but too generic to refuse (`sk-...` also names ordinary things).
_MASKED_ONLY = re.compile(
    r"\bhf_[A-Za-z0-9]{20,}"
    r"|\bgh[pousr]_[A-Za-z0-9]{20,}"
    r"|\bsk-[A-Za-z0-9_-]{20,}"
    r"|\bxox[abposr]-[A-Za-z0-9-]{10,}"
    r"|\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}"
)
MASK = "****"
# What every shape above starts with: text without any of these holds no secret (the common
# case, found by one search instead of seven substitutions).
_MARKERS = re.compile(r"hf_|nvapi-|PRIVATE KEY|AKIA|ASIA|gh[pousr]_|github_pat_|Bearer|sk-|xox|eyJ")


def secret_kind(text: str) -> str | None:
    """The kind of the first refused secret shape found in `text`, or None."""
    for kind, pattern in REFUSED:
        if pattern.search(text):
            return kind
    return None


def mask(text: str) -> str:
    """`text` with every secret shape, refused or merely suspicious, replaced by '****'."""
    if not _MARKERS.search(text):
        return text
    for _kind, pattern in REFUSED:
        text = pattern.sub(MASK, text)
    return _MASKED_ONLY.sub(MASK, text)
