"""IC213: endpoint access settings Run:ai refuses, or the cluster cannot enforce.

- `authorizedUsers` needs a users list, `authorizedGroups` a groups list,
  `authorizedUsersOrGroups` exactly one of them; the lists are mutually exclusive and
  meaningless with `public` or `authenticatedUsers`;
- every non-public serving endpoint and every non-public exposed URL needs the cluster's
  `endpointAuth: istio` with an issuer and a JWKS URI (Knative itself enforces nothing);
- `exposeExternally` and `clusterLocalAccessOnly` must not contradict each other.
"""

from __future__ import annotations

from typing import Iterable

from compiler.check.common import items
from compiler.check.registry import workload_rule
from compiler.diagnostics import Diagnostic


def _list_rules(kind: str, users: list | None, groups: list | None, where, what: str) -> Iterable[Diagnostic]:
    has_users, has_groups = bool(users), bool(groups)
    if kind == "authorizedUsers" and not has_users:
        yield Diagnostic("IC213", f"{what}: authorizationType authorizedUsers needs authorizedUsers", where(),
                         hint="list the users (e.g. emails) allowed to call the endpoint")
    if kind == "authorizedGroups" and not has_groups:
        yield Diagnostic("IC213", f"{what}: authorizationType authorizedGroups needs authorizedGroups", where(),
                         hint="list the identity-provider groups allowed to call the endpoint")
    if kind == "authorizedUsersOrGroups" and has_users == has_groups:
        got = "both" if has_users else "neither"
        yield Diagnostic("IC213", f"{what}: authorizationType authorizedUsersOrGroups needs exactly one of"
                                  f" authorizedUsers and authorizedGroups (got {got})", where(),
                         hint="keep either the users list or the groups list")
    elif has_users and has_groups:
        yield Diagnostic("IC213", f"{what}: authorizedUsers and authorizedGroups are mutually exclusive",
                         where("authorizedGroups"),
                         hint="use authorizationType authorizedUsers with users, or authorizedGroups with groups")
    if kind in ("public", "authenticatedUsers") and (has_users or has_groups):
        field = "authorizedUsers" if has_users else "authorizedGroups"
        yield Diagnostic("IC213", f"{what}: {field} is set but authorizationType is {kind}", where(field),
                         hint=f"set authorizationType to {field} (or authorizedUsersOrGroups), or remove {field}")


def _auth_unavailable(w, what: str, kind: str, where) -> Iterable[Diagnostic]:
    cluster = w.cluster.obj.spec
    cname = w.cluster.name
    if cluster.endpointAuth != "istio":
        yield Diagnostic(
            "IC213", f"{what} is restricted ({kind}) but cluster '{cname}' enforces no endpoint access"
                     f" (endpointAuth: {cluster.endpointAuth})",
            where,
            hint="make it public (with clusterLocalAccessOnly: true to keep it inside the cluster), or"
                 " (administrators) set endpointAuth: istio with istio.issuer and istio.jwksUri on the Cluster",
            related=(w.cluster.doc.loc(("spec",)),))
    elif not (cluster.istio and cluster.istio.issuer and cluster.istio.jwksUri):
        yield Diagnostic(
            "IC213", f"{what} is restricted ({kind}) but cluster '{cname}' has endpointAuth: istio without"
                     f" istio.issuer and istio.jwksUri",
            where, hint="set istio.issuer and istio.jwksUri (your identity provider) on the Cluster",
            related=(w.cluster.doc.loc(("spec", "endpointAuth")),))


@workload_rule
def serving_port_access(w, ctx) -> Iterable[Diagnostic]:
    sp = w.spec.servingPort
    kind = (sp.authorizationType if sp else None) or "public"
    if sp is not None:
        def where(field: str = "authorizationType"):
            return w.loc("servingPort", field)
        yield from _list_rules(kind, sp.authorizedUsers, sp.authorizedGroups, where, "servingPort")
        if sp.exposeExternally is not None and sp.clusterLocalAccessOnly is not None \
                and sp.exposeExternally == sp.clusterLocalAccessOnly:
            yield Diagnostic(
                "IC213", f"servingPort: exposeExternally {str(sp.exposeExternally).lower()} contradicts"
                         f" clusterLocalAccessOnly {str(sp.clusterLocalAccessOnly).lower()}",
                w.loc("servingPort", "exposeExternally"), hint="keep only clusterLocalAccessOnly")
    if kind != "public":
        yield from _auth_unavailable(w, "the serving endpoint", kind, w.loc("servingPort", "authorizationType"))


@workload_rule
def exposed_url_access(w, ctx) -> Iterable[Diagnostic]:
    for i, url in items(w.spec.exposedUrls):
        kind = url.authorizationType or "authenticatedUsers"

        def where(field: str = "authorizationType", i=i):
            return w.loc("exposedUrls", i, field)
        what = f"exposed URL '{url.name}'"
        yield from _list_rules(kind, url.authorizedUsers, url.authorizedGroups, where, what)
        if kind != "public":
            yield from _auth_unavailable(w, what, kind, where())
