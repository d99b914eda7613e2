"""IC209: tolerations Kubernetes would refuse.

- `operator: Exists` matches any value: a value is not allowed;
- `operator: Equal` (the default) needs a key (only Exists may match every key);
- `seconds` (tolerationSeconds) only with `effect: NoExecute`, and at least 1;
- `effect: Any` is Run:ai's spelling of "every effect" (rendered as no effect).
"""

from __future__ import annotations

from typing import Iterable

from compiler.check.common import items, label_value_ok, qualified_name_ok
from compiler.check.registry import workload_rule
from compiler.diagnostics import Diagnostic


@workload_rule
def tolerations(w, ctx) -> Iterable[Diagnostic]:
    for i, t in items(w.spec.tolerations):
        operator = t.operator or "Equal"
        if operator == "Exists" and t.value not in (None, ""):
            yield Diagnostic(
                "IC209", f"toleration '{t.name}': operator Exists takes no value", w.loc("tolerations", i, "value"),
                hint="remove the value to tolerate every value of the key, or use operator: Equal")
        if operator == "Equal" and not t.key:
            yield Diagnostic(
                "IC209", f"toleration '{t.name}': operator Equal needs a key", w.loc("tolerations", i),
                hint="add the taint's key, or use operator: Exists without a key to tolerate every taint")
        if t.key and not qualified_name_ok(t.key):
            yield Diagnostic(
                "IC209", f"toleration '{t.name}': key '{t.key}' is not a valid taint key",
                w.loc("tolerations", i, "key"), hint="taint keys are [prefix/]name, e.g. nvidia.com/gpu")
        if t.value and not label_value_ok(str(t.value)):
            yield Diagnostic(
                "IC209", f"toleration '{t.name}': value '{t.value}' is not a valid taint value",
                w.loc("tolerations", i, "value"),
                hint="taint values have at most 63 letters, digits, '-', '_' and '.', starting and ending"
                     " with a letter or digit")
        if t.seconds is not None:
            if t.effect != "NoExecute":
                shown = f"'{t.effect}'" if t.effect else "not set"
                yield Diagnostic(
                    "IC209", f"toleration '{t.name}': seconds applies only to effect NoExecute (effect is {shown})",
                    w.loc("tolerations", i, "seconds"),
                    hint="remove seconds, or set effect: NoExecute")
            elif t.seconds < 1:
                yield Diagnostic(
                    "IC209", f"toleration '{t.name}': seconds must be at least 1 (got {t.seconds})",
                    w.loc("tolerations", i, "seconds"),
                    hint="use a positive number of seconds, or remove seconds to tolerate forever")
