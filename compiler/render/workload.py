"""Manifests of one workload: the Knative Service and what it needs beside it.

Values are decided here; shapes live in templates/*.j2.
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler.render import presets
from compiler.render.engine import Renderer
from compiler.resolve import derived
from compiler.spec import quantities as q

MANAGED_BY = {"app.kubernetes.io/managed-by": "infc"}
SHM_VOLUME = "dshm"


@dataclass
class Rendered:
    """One output file: its name inside the workload directory and the object."""

    filename: str
    obj: dict


def _labels(w) -> dict:
    return {**MANAGED_BY, "infc/project": w.project.name, "infc/workload": w.name}


def smallest_device_bytes(w, pool_names: list[str]) -> int:
    pools = derived.cluster_pools(w.cluster.obj.spec)
    sizes = [q.bytes_of(g.gpu.memory) for name in pool_names if name in pools
             for g in pools[name].nodes if g.gpu and g.gpu.count]
    return min(sizes) if sizes else 80 * 2**30


def queue_name(owner: str, pool: str) -> str:
    """KAI queue naming: <owner>-<pool>, or <owner> alone for the default pool."""
    return owner if pool == "default" else f"{owner}-{pool}"


def credential_secret(repo, name: str | None) -> str | None:
    if not name:
        return None
    cred = repo.credentials.get(name)
    return cred.obj.spec.secretName if cred else name


def render_workload(w, repo, renderer: Renderer, pool: str, revision_name: str) -> list[Rendered]:
    spec = w.spec
    port = derived.serving_port(spec)
    pools = derived.node_pools(spec, w.project.obj.spec)
    gpu = derived.gpu_request(spec)
    hf = spec.huggingFace
    store = _model_store_path(spec, repo)
    plan = presets.server_plan(spec, name=w.name, port=port, store_path=store,
                               credential_secret=credential_secret(repo, hf.credential if hf else None),
                               smallest_device_bytes=smallest_device_bytes(w, [pool]))
    out = [Rendered("service.yaml", _service(w, repo, renderer, pool, pools, revision_name, port, gpu, plan))]
    for pvc in (spec.storage.pvc if spec.storage and spec.storage.pvc else []):
        if pvc.existingPvc is False and not pvc.ephemeral:
            out.append(Rendered(f"pvc-{pvc.name}.yaml", _pvc(w, renderer, pvc)))
    out.extend(_tools(w, renderer))
    out.extend(_access(w, renderer, port))
    return out


def _model_store_path(spec, repo) -> str | None:
    hf = spec.huggingFace
    if not hf or not hf.modelStore or not spec.storage or not spec.storage.pvc:
        return None
    ds = repo.data_sources.get(hf.modelStore)
    wanted = ds.obj.spec.pvc.name if ds and ds.obj.spec.pvc and ds.obj.spec.pvc.name else hf.modelStore
    for pvc in spec.storage.pvc:
        if pvc.name == wanted and pvc.path:
            return pvc.path
    return None


def _service(w, repo, renderer, pool, pools, revision_name, port, gpu, plan) -> dict:
    spec = w.spec
    cluster = w.cluster.obj.spec
    kai = cluster.scheduler == "kai"
    reps = derived.replicas(spec)
    labels = _labels(w) | _user_pairs(spec.labels)
    if spec.servingPort and spec.servingPort.clusterLocalAccessOnly:
        labels["networking.knative.dev/visibility"] = "cluster-local"
    annotations = {"infc/source": w.file} | _user_pairs(spec.annotations)

    template_labels = {**_labels(w)}
    template_annotations = _autoscaling_annotations(spec, reps, cluster)
    init_seconds = presets.initialization_seconds(spec)
    # The revision may take the whole startup window plus a minute to become ready, and never
    # less than the cluster's own default.
    deadline = max(init_seconds + 60, cluster.knative.progressDeadlineSeconds)
    template_annotations["serving.knative.dev/progress-deadline"] = f"{deadline}s"
    if kai:
        template_labels[cluster.queueLabelKey] = queue_name(w.project.name, pool)
        template_labels["priorityClassName"] = derived.priority_name(spec)
        template_labels["kai.scheduler/preemptibility"] = (
            "preemptible" if derived.preemptible(spec) else "non-preemptible")
        template_annotations["kai.scheduler/node-pools"] = " ".join(pools)
        if gpu.fractional:
            if gpu.memory_bytes is not None:
                template_annotations["gpu-memory"] = str(q.mib_of(gpu.memory_bytes))  # KAI: MiB
            else:
                template_annotations["gpu-fraction"] = _num(gpu.portion)
            if gpu.devices > 1:
                template_annotations["gpu-fraction-num-devices"] = str(gpu.devices)

    container = {"name": "server", "image": spec.image or presets.IMAGES[derived.server(spec)], "fields": []}
    fields = container["fields"]
    command = spec.command if spec.command else plan.command
    if command:
        fields.append(("command", command))
    fields.append(("args", plan.args + list(spec.args or [])))
    if spec.workingDir:
        fields.append(("workingDir", spec.workingDir))
    env = plan.env + _env(spec, repo)
    if gpu.fractional and spec.compute and (spec.compute.gpuPortionLimit or spec.compute.gpuMemoryLimit):
        limit = spec.compute.gpuMemoryLimit or _num(spec.compute.gpuPortionLimit)
        env.append({"name": "RUNAI_GPU_MEMORY_LIMIT", "value": str(limit)})
    if env:
        fields.append(("env", env))
    fields.append(("imagePullPolicy", spec.imagePullPolicy or "IfNotPresent"))
    fields.append(("ports", [{"containerPort": port, "name": "h2c" if _grpc(spec) else "http1"}]))
    fields.append(("readinessProbe", presets.readiness_probe(
        port, plan.health_path, spec.probes.readiness if spec.probes else None)))
    fields.append(("startupProbe", presets.startup_probe(port, plan.health_path, init_seconds)))
    fields.append(("resources", _resources(spec, gpu)))
    security = _container_security(spec)
    if security:
        fields.append(("securityContext", security))
    volumes, mounts = _volumes(spec, gpu)
    if mounts:
        fields.append(("volumeMounts", mounts))

    pod_fields = []
    reps_cc = spec.autoscaling.concurrencyHardLimit if spec.autoscaling else None
    if reps_cc:
        pod_fields.append(("containerConcurrency", reps_cc))
    if spec.servingConfiguration and spec.servingConfiguration.requestTimeoutSeconds:
        pod_fields.append(("timeoutSeconds", spec.servingConfiguration.requestTimeoutSeconds))
    if kai:
        pod_fields.append(("schedulerName", "kai-scheduler"))
        pod_fields.append(("priorityClassName", derived.priority_name(spec)))
    selector = {}
    if pool != "default":
        selector[cluster.nodePoolLabelKey] = pool
    if spec.nodeType:
        selector[cluster.nodeTypeLabelKey] = spec.nodeType
    if selector:
        pod_fields.append(("nodeSelector", selector))
    affinity = _affinity(w)
    if affinity:
        pod_fields.append(("affinity", affinity))
    tolerations = _tolerations(spec)
    if tolerations:
        pod_fields.append(("tolerations", tolerations))
    pod_security = _pod_security(spec)
    if pod_security:
        pod_fields.append(("securityContext", pod_security))
    if spec.imagePullSecrets:
        pod_fields.append(("imagePullSecrets", [{"name": s.name} for s in spec.imagePullSecrets]))

    return renderer.render(
        "service.yaml.j2", name=w.name, namespace=w.namespace, labels=labels, annotations=annotations,
        revision_name=revision_name, template_labels=template_labels,
        template_annotations=template_annotations, pod_fields=pod_fields, container=container,
        volumes=volumes)


def _num(x) -> str:
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return text or "0"


def _grpc(spec) -> bool:
    return bool(spec.servingPort and spec.servingPort.protocol == "grpc")


def _user_pairs(items) -> dict:
    return {i.name: "" if i.value is None else str(i.value).lower() if isinstance(i.value, bool) else str(i.value)
            for i in (items or [])}


def _autoscaling_annotations(spec, reps: derived.Replicas, cluster) -> dict:
    a = spec.autoscaling
    out = {
        "autoscaling.knative.dev/min-scale": str(reps.min),
        "autoscaling.knative.dev/max-scale": str(reps.max),
        "autoscaling.knative.dev/initial-scale": str(reps.initial),
    }
    if reps.activation > 1:
        out["autoscaling.knative.dev/activation-scale"] = str(reps.activation)
    metric = a.metric if a else None
    if metric in ("concurrency", "throughput"):
        out["autoscaling.knative.dev/metric"] = "concurrency" if metric == "concurrency" else "rps"
        if a.metricThresholdPercentage is not None:
            out["autoscaling.knative.dev/target-utilization-percentage"] = _num(a.metricThresholdPercentage)
    elif metric:  # latency or a custom metric: Knative's HPA class on a custom metric
        out["autoscaling.knative.dev/class"] = "hpa.autoscaling.knative.dev"
        out["autoscaling.knative.dev/metric"] = metric
    if metric and a.metricThreshold is not None:
        out["autoscaling.knative.dev/target"] = _num(a.metricThreshold)
    if a and a.scaleToZeroRetentionSeconds is not None and reps.min == 0:
        out["autoscaling.knative.dev/scale-to-zero-pod-retention-period"] = f"{a.scaleToZeroRetentionSeconds}s"
    if a and a.scaleDownDelaySeconds is not None:
        out["autoscaling.knative.dev/scale-down-delay"] = f"{a.scaleDownDelaySeconds}s"
    return out


def _env(spec, repo) -> list[dict]:
    out = []
    for e in spec.environmentVariables or []:
        if e.secret:
            out.append({"name": e.name, "valueFrom": {"secretKeyRef": {"name": e.secret.name, "key": e.secret.key}}})
        elif e.configMap:
            out.append({"name": e.name, "valueFrom": {"configMapKeyRef": {"name": e.configMap.name, "key": e.configMap.key}}})
        elif e.credential or e.userCredential:
            ref = e.credential or e.userCredential
            out.append({"name": e.name, "valueFrom": {"secretKeyRef": {
                "name": credential_secret(repo, ref.name), "key": ref.key}}})
        elif e.podFieldRef:
            out.append({"name": e.name, "valueFrom": {"fieldRef": {"fieldPath": e.podFieldRef.path}}})
        else:
            value = e.value
            text = "" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
            out.append({"name": e.name, "value": text})
    return out


def _resources(spec, gpu: derived.GpuRequest) -> dict:
    c = spec.compute
    requests: dict = {}
    limits: dict = {}
    if c and c.cpuCoreRequest is not None:
        requests["cpu"] = q.format_cores(c.cpuCoreRequest)
    if c and c.cpuMemoryRequest:
        requests["memory"] = c.cpuMemoryRequest
    if c and c.cpuCoreLimit is not None:
        limits["cpu"] = q.format_cores(c.cpuCoreLimit)
    if c and c.cpuMemoryLimit:
        limits["memory"] = c.cpuMemoryLimit
    if gpu.whole:
        requests["nvidia.com/gpu"] = str(gpu.devices)
        limits["nvidia.com/gpu"] = str(gpu.devices)
    for r in (c.extendedResources if c and c.extendedResources else []):
        if r.quantity is not None:
            requests[r.resource] = r.quantity
            limits[r.resource] = r.quantity
    out = {}
    if requests:
        out["requests"] = requests
    if limits:
        out["limits"] = limits
    return out


def _container_security(spec) -> dict:
    """Secure defaults Knative recommends (and may enforce later); the policy or user may relax them."""
    s = spec.security
    out: dict = {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]},
                 "seccompProfile": {"type": "RuntimeDefault"}}
    if not s:
        return out
    if s.readOnlyRootFilesystem is not None:
        out["readOnlyRootFilesystem"] = s.readOnlyRootFilesystem
    if s.allowPrivilegeEscalation is not None:
        out["allowPrivilegeEscalation"] = s.allowPrivilegeEscalation
    if s.runAsNonRoot is not None:
        out["runAsNonRoot"] = s.runAsNonRoot
    if s.capabilities:
        out["capabilities"]["add"] = list(s.capabilities)
    if s.seccompProfileType:
        out["seccompProfile"] = {"type": s.seccompProfileType}
    return out


def _pod_security(spec) -> dict:
    """Pod-level identity (needs kubernetes.podspec-securitycontext); the rest is per container."""
    s = spec.security
    if not s:
        return {}
    out: dict = {}
    # Run:ai applies ids only when they are not taken from the image; ids alone imply custom.
    if s.uidGidSource == "custom" or (s.uidGidSource is None and (s.runAsUid is not None or s.runAsGid is not None)):
        if s.runAsUid is not None:
            out["runAsUser"] = s.runAsUid
        if s.runAsGid is not None:
            out["runAsGroup"] = s.runAsGid
        if s.supplementalGroups:
            out["supplementalGroups"] = [int(g) for g in str(s.supplementalGroups).split(",") if g]
    return out


def _affinity(w) -> dict:
    spec = w.spec
    out: dict = {}
    if spec.nodeAffinityRequired:
        out["nodeAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": spec.nodeAffinityRequired.model_dump(exclude_none=True)}
    if spec.podAffinity:
        term = {"labelSelector": {"matchLabels": {"serving.knative.dev/service": w.name}},
                "topologyKey": spec.podAffinity.key}
        if spec.podAffinity.type == "Required":
            out["podAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": [term]}
        else:
            out["podAffinity"] = {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": 100, "podAffinityTerm": term}]}
    return out


def _tolerations(spec) -> list[dict]:
    out = []
    for t in spec.tolerations or []:
        item: dict = {"operator": t.operator or "Equal"}
        if t.key:
            item["key"] = t.key
        if t.value is not None and item["operator"] == "Equal":
            item["value"] = t.value
        if t.effect and t.effect != "Any":
            item["effect"] = t.effect
        if t.seconds is not None:
            item["tolerationSeconds"] = t.seconds
        out.append(item)
    return out


def _mode(text: str | None) -> int | None:
    return int(text, 8) if text else None


def _volumes(spec, gpu: derived.GpuRequest) -> tuple[list[dict], list[dict]]:
    volumes: list[dict] = []
    mounts: list[dict] = []
    st = spec.storage
    for p in (st.pvc if st and st.pvc else []):
        claim = p.claimName or p.name
        volumes.append({"name": p.name, "persistentVolumeClaim": {"claimName": claim, "readOnly": bool(p.readOnly)}})
        mounts.append({"name": p.name, "mountPath": p.path or f"/mnt/{p.name}", "readOnly": bool(p.readOnly)})
    for c in (st.configMapVolume if st and st.configMapVolume else []):
        vol: dict = {"name": c.configMap or c.name}
        if c.defaultMode:
            vol["defaultMode"] = _mode(c.defaultMode)
        volumes.append({"name": c.name, "configMap": vol})
        mount = {"name": c.name, "mountPath": c.mountPath or f"/etc/{c.name}", "readOnly": True}
        if c.subPath:
            mount["subPath"] = c.subPath
        mounts.append(mount)
    for s in (st.secretVolume if st and st.secretVolume else []):
        vol = {"secretName": s.secret or s.name}
        if s.defaultMode:
            vol["defaultMode"] = _mode(s.defaultMode)
        volumes.append({"name": s.name, "secret": vol})
        mounts.append({"name": s.name, "mountPath": s.mountPath or f"/etc/{s.name}", "readOnly": True})
    for e in (st.emptyDirVolume if st and st.emptyDirVolume else []):
        ed: dict = {}
        if e.medium:
            ed["medium"] = e.medium
        if e.sizeLimit:
            ed["sizeLimit"] = e.sizeLimit
        volumes.append({"name": e.name, "emptyDir": ed})
        mounts.append({"name": e.name, "mountPath": e.path or f"/mnt/{e.name}"})
    for h in (st.hostPath if st and st.hostPath else []):
        volumes.append({"name": h.name, "hostPath": {"path": h.path or "/"}})
        mount = {"name": h.name, "mountPath": h.mountPath or h.path or "/mnt", "readOnly": bool(h.readOnly)}
        if h.mountPropagation:
            mount["mountPropagation"] = h.mountPropagation
        mounts.append(mount)
    large_shm = bool(spec.compute and spec.compute.largeShmRequest)
    if (large_shm or gpu.devices > 1) and not any(m["mountPath"] == "/dev/shm" for m in mounts):
        shm: dict = {"medium": "Memory"}
        if spec.compute and spec.compute.cpuMemoryLimit:
            shm["sizeLimit"] = spec.compute.cpuMemoryLimit
        volumes.append({"name": SHM_VOLUME, "emptyDir": shm})
        mounts.append({"name": SHM_VOLUME, "mountPath": "/dev/shm"})
    return volumes, mounts


def _pvc(w, renderer, pvc) -> dict:
    info = pvc.claimInfo
    modes = info.accessModes if info and info.accessModes else None
    access = []
    if modes is None or modes.readWriteOnce or (modes.readWriteOnce is None and not modes.readOnlyMany and not modes.readWriteMany):
        access.append("ReadWriteOnce")
    if modes and modes.readOnlyMany:
        access.append("ReadOnlyMany")
    if modes and modes.readWriteMany:
        access.append("ReadWriteMany")
    return renderer.render(
        "pvc.yaml.j2", name=pvc.claimName or pvc.name, namespace=w.namespace, labels=_labels(w),
        access_modes=access, storage_class=info.storageClass if info else None,
        volume_mode=(info.volumeMode if info and info.volumeMode else "Filesystem"),
        size=(info.size if info and info.size else "10Gi"))


def tools_service_name(w) -> str:
    return f"{w.name}-tools"


def _tools(w, renderer) -> list[Rendered]:
    spec = w.spec
    ports = []
    types = set()
    for p in spec.ports or []:
        entry = {"name": p.name, "port": p.container, "targetPort": p.container, "protocol": "TCP"}
        kind = p.serviceType or "ClusterIP"
        types.add(kind)
        if kind == "NodePort" and p.external:
            entry["nodePort"] = p.external
        elif kind == "LoadBalancer" and p.external:
            entry["port"] = p.external
        ports.append(entry)
    for u in spec.exposedUrls or []:
        if not any(x["targetPort"] == u.container for x in ports):
            ports.append({"name": u.name, "port": u.container, "targetPort": u.container, "protocol": "TCP"})
    if not ports:
        return []
    # One Service carries every tool port: the most exposing type asked for wins.
    kind = "LoadBalancer" if "LoadBalancer" in types else "NodePort" if "NodePort" in types else "ClusterIP"
    out = [Rendered("tools-service.yaml", renderer.render(
        "tools-service.yaml.j2", name=tools_service_name(w), namespace=w.namespace, labels=_labels(w),
        type=kind, selector={"serving.knative.dev/service": w.name}, ports=ports))]
    domain = w.cluster.obj.spec.domain
    for u in spec.exposedUrls or []:
        host, path = derived.url_host_path(u.url) if u.url else (f"{u.name}-{w.name}-{w.namespace}.{domain}", "/")
        port = next(x["port"] for x in ports if x["targetPort"] == u.container)
        out.append(Rendered(f"ingress-{u.name}.yaml", renderer.render(
            "ingress.yaml.j2", name=f"{w.name}-{u.name}", namespace=w.namespace, labels=_labels(w),
            host=host, path=path, service=tools_service_name(w), port=port)))
    return out


def _access(w, renderer, port) -> list[Rendered]:
    """Istio objects for a restricted serving endpoint (cluster endpointAuth: istio)."""
    sp = w.spec.servingPort
    cluster = w.cluster.obj.spec
    kind = sp.authorizationType if sp else None
    if not kind or kind == "public" or cluster.endpointAuth != "istio" or not cluster.istio:
        return []
    istio = cluster.istio
    selector = {"serving.knative.dev/service": w.name}
    if kind == "authenticatedUsers":
        rules = [{"from": [{"source": {"requestPrincipals": ["*"]}}]}]
    else:
        rules = []
        if sp.authorizedUsers:
            rules.append({"from": [{"source": {"requestPrincipals": ["*"]}}],
                          "when": [{"key": f"request.auth.claims[{istio.usersClaim}]", "values": sorted(sp.authorizedUsers)}]})
        if sp.authorizedGroups:
            rules.append({"from": [{"source": {"requestPrincipals": ["*"]}}],
                          "when": [{"key": f"request.auth.claims[{istio.groupsClaim}]", "values": sorted(sp.authorizedGroups)}]})
    return [
        Rendered("request-authentication.yaml", renderer.render(
            "request-authentication.yaml.j2", name=w.name, namespace=w.namespace, labels=_labels(w),
            selector=selector, issuer=istio.issuer or "", jwks_uri=istio.jwksUri or "")),
        Rendered("authorization.yaml", renderer.render(
            "authorization.yaml.j2", name=w.name, namespace=w.namespace, labels=_labels(w),
            selector=selector, rules=rules)),
    ]
