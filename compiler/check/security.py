"""IC216: security settings that only Run:ai's submission path can fill in.

`uidGidSource: fromIdpToken` takes the uid and gid from the submitting user's token at
submission time; a GitOps repository has no submitting user.
"""

from __future__ import annotations

from typing import Iterable

from compiler.check.registry import workload_rule
from compiler.diagnostics import Diagnostic


@workload_rule
def uid_gid_source(w, ctx) -> Iterable[Diagnostic]:
    sec = w.spec.security
    if sec and sec.uidGidSource == "fromIdpToken":
        yield Diagnostic(
            "IC216", "uidGidSource fromIdpToken cannot be expressed in GitOps: there is no submitting user whose"
                     " token holds the uid and gid",
            w.loc("security", "uidGidSource"),
            hint="use uidGidSource: custom with runAsUid and runAsGid, or fromTheImage")
