"""IC215: priority and preemptibility the KAI scheduler cannot honour.

KAI groups a Knative revision's pods itself and takes the preemptibility from the
priority class (priority >= 100: non-preemptible); an explicit `preemptibility` that
says otherwise is silently ignored there.
"""

from __future__ import annotations

from typing import Iterable

from compiler.check.registry import workload_rule
from compiler.diagnostics import Diagnostic
from compiler.resolve.derived import NON_PREEMPTIBLE_FROM, priority_name, priority_value


@workload_rule
def preemptibility_follows_priority(w, ctx) -> Iterable[Diagnostic]:
    spec = w.spec
    if w.cluster.obj.spec.scheduler != "kai" or not spec.preemptibility:
        return
    value = priority_value(spec)
    follows = "preemptible" if value < NON_PREEMPTIBLE_FROM else "non-preemptible"
    if spec.preemptibility == follows:
        return
    want = spec.preemptibility
    if want == "preemptible":
        hint = "use a priority below 100 (very-low, low, medium-low, medium or medium-high) for a preemptible workload"
    else:
        hint = "use priority high or very-high (100 or more) for a non-preemptible workload"
    yield Diagnostic(
        "IC215", f"preemptibility '{want}' cannot be honoured: on KAI a Knative revision is {follows} because"
                 f" its priority '{priority_name(spec)}' is {value}",
        w.loc("preemptibility"),
        hint=hint + ", or remove preemptibility", related=(w.loc("priorityClass"),))
