"""Traffic targets of a Service or Route (knative-rules.md §10)."""

from __future__ import annotations

from compiler.validate.admission.names import DNS1035_HINT, is_dns1035_label, is_qualified_name
from compiler.validate.paths import JsonPath


def check_traffic(ctx, path: JsonPath, in_service: bool) -> None:
    targets = ctx.get(path)
    if in_service and not targets:
        return  # a Service defaults to 100% latestRevision
    if targets is None:
        targets = []  # a Route's traffic is not defaulted: no targets sum to 0
    if not isinstance(targets, list):
        return
    total = 0
    tags: dict[str, int] = {}
    for i, target in enumerate(targets):
        if not isinstance(target, dict):
            continue
        tpath = path + (i,)
        revision, configuration = target.get("revisionName"), target.get("configurationName")
        if in_service and configuration:
            ctx.error(tpath + ("configurationName",), "traffic-target", "must not set the field(s)",
                      "a Service's traffic always targets its own Configuration; use revisionName or"
                      " latestRevision: true", at_key=True)
        elif revision and configuration:
            ctx.error(tpath, "traffic-target", "expected exactly one, got both: revisionName, configurationName",
                      "target either a revision or a configuration")
        elif not in_service and not revision and not configuration:
            ctx.error(tpath, "traffic-target", "expected exactly one, got neither: revisionName, configurationName",
                      "target either a revision or a configuration")
        if target.get("url"):
            ctx.error(tpath + ("url",), "traffic-target", "must not set the field(s)",
                      "url is filled in by Knative (status only)", at_key=True)
        if revision and not is_qualified_name(revision):
            ctx.error(tpath + ("revisionName",), "traffic-target", f"invalid key name \"{revision}\"",
                      "revision names are lowercase DNS labels such as '<service>-00001'")
        latest = target.get("latestRevision")
        if latest is True and revision:
            ctx.error(tpath + ("latestRevision",), "traffic-latest-revision",
                      f"may not set revisionName \"{revision}\" when latestRevision is true",
                      "drop revisionName to follow the latest revision, or set latestRevision: false")
        elif latest is False and not revision:
            ctx.error(tpath + ("latestRevision",), "traffic-latest-revision",
                      "may not set revisionName \"\" when latestRevision is false",
                      "name the pinned revision in revisionName, or set latestRevision: true")
        percent = target.get("percent")
        if isinstance(percent, int) and not isinstance(percent, bool):
            if not 0 <= percent <= 100:
                ctx.error(tpath + ("percent",), "traffic-percent", f"expected 0 <= {percent} <= 100",
                          "percent is between 0 and 100")
            total += percent
        tag = target.get("tag")
        if isinstance(tag, str) and tag:
            if not is_dns1035_label(tag):
                ctx.error(tpath + ("tag",), "traffic-tag", f"not a DNS 1035 label: '{tag}'", DNS1035_HINT)
            if tag in tags:
                ctx.error(tpath + ("tag",), "traffic-tag", f"Multiple definitions for \"{tag}\"",
                          f"tag '{tag}' is already used by traffic[{tags[tag]}]; tags must be unique")
            else:
                tags[tag] = i
    if total != 100:
        hint = ("make the percent values of all targets add up to exactly 100" if targets else
                "a Route needs traffic targets, e.g. [{configurationName: <name>, percent: 100}]")
        ctx.error(path, "traffic-sum", f"Traffic targets sum to {total}, want 100", hint, at_key=True)
