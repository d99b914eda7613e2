"""Volumes and volume mounts (knative-rules.md §7.3, §9)."""

from __future__ import annotations

import posixpath

from compiler.validate.admission.names import is_dns1123_label
from compiler.validate.features import VOLUME_SOURCE_FLAGS, flag_hint
from compiler.validate.paths import JsonPath

SOURCES = ("secret", "configMap", "projected", "emptyDir", "persistentVolumeClaim", "hostPath", "csi",
           "ephemeral", "image")
RESERVED_MOUNT_PATHS = ("/", "/dev", "/dev/log")
_SOURCE_NAMES = {"persistentVolumeClaim": "Persistent volume claim", "hostPath": "HostPath volume",
                 "csi": "CSI volume", "ephemeral": "Ephemeral volume", "image": "Image volume",
                 "emptyDir": "EmptyDir volume"}
PROJECTIONS = ("secret", "configMap", "serviceAccountToken", "downwardAPI")


def check_volumes(ctx, spec: JsonPath, main: list, init: list) -> None:
    volumes = ctx.get(spec + ("volumes",))
    by_name: dict[str, dict] = {}
    if isinstance(volumes, list):
        for i, volume in enumerate(volumes):
            if isinstance(volume, dict):
                _check_volume(ctx, spec + ("volumes", i), volume, by_name)
    mounted: set[str] = set()
    for field, items in (("containers", main), ("initContainers", init)):
        for i, container in enumerate(items):
            if isinstance(container, dict):
                mounted |= _check_mounts(ctx, spec + (field, i), container, by_name)
    if isinstance(volumes, list):
        for i, volume in enumerate(volumes):
            name = volume.get("name") if isinstance(volume, dict) else None
            if isinstance(name, str) and name and name not in mounted:
                ctx.error(spec + ("volumes", i, "name"), "volume-not-mounted",
                          f"volume with name \"{name}\" not mounted",
                          "mount the volume in a container (volumeMounts) or remove it")


def _check_volume(ctx, path: JsonPath, volume: dict, by_name: dict) -> None:
    name = volume.get("name")
    if not name:
        ctx.error(path, "volume-name", "missing field(s): name", "every volume needs a name")
    elif isinstance(name, str):
        if not is_dns1123_label(name):
            ctx.error(path + ("name",), "volume-name", f"invalid value: {name}",
                      "use a DNS-1123 label: at most 63 lowercase letters, digits and '-'")
        if name in by_name:
            ctx.error(path + ("name",), "volume-name", f"duplicate volume name \"{name}\"",
                      "volume names must be unique")
        else:
            by_name[name] = volume
    present = [s for s in SOURCES if volume.get(s) is not None]
    if len(present) != 1:
        ctx.error(path, "volume-source",
                  f"expected exactly one, got {'neither' if not present else 'both'}: {', '.join(SOURCES)}",
                  "give the volume exactly one source")
    for source in present:
        flag = VOLUME_SOURCE_FLAGS.get(source)
        if flag and not ctx.features.enabled(flag):
            label = _SOURCE_NAMES[source]
            detail = volume[source].get("claimName", name) if source == "persistentVolumeClaim" and isinstance(
                volume[source], dict) else name
            ctx.error(path + (source,), "volume-feature-flag",
                      f"{label} support is disabled, but found {label.lower()} {detail}; needs feature flag"
                      f" '{flag}'", flag_hint(flag), at_key=True)
    claim = volume.get("persistentVolumeClaim")
    if isinstance(claim, dict) and not claim.get("readOnly"):
        flag = "kubernetes.podspec-persistent-volume-write"
        if not ctx.features.enabled(flag):
            ctx.error(path + ("persistentVolumeClaim",), "volume-feature-flag",
                      f"Persistent volume write support is disabled, but found persistent volume claim"
                      f" {claim.get('claimName')} that is not read-only; needs feature flag '{flag}'",
                      f"set persistentVolumeClaim.readOnly: true, or {flag_hint(flag)}", at_key=True)
    empty = volume.get("emptyDir")
    if isinstance(empty, dict) and empty.get("medium") not in (None, "", "Memory"):
        ctx.error(path + ("emptyDir", "medium"), "volume-source", f"invalid value: {empty.get('medium')}",
                  "emptyDir.medium is empty (node disk) or Memory")
    for source in ("secret", "configMap"):
        _check_items(ctx, path + (source,), volume.get(source))
    projected = volume.get("projected")
    if isinstance(projected, dict):
        _check_projected(ctx, path + ("projected",), projected)


def _check_items(ctx, path: JsonPath, source) -> None:
    if not isinstance(source, dict):
        return
    for i, item in enumerate(source.get("items") or []):
        if isinstance(item, dict):
            missing = [k for k in ("key", "path") if not item.get(k)]
            if missing:
                ctx.error(path + ("items", i), "volume-items", f"missing field(s): {', '.join(missing)}",
                          "each item maps a key to a path")


def _check_projected(ctx, path: JsonPath, projected: dict) -> None:
    for i, source in enumerate(projected.get("sources") or []):
        if not isinstance(source, dict):
            continue
        spath = path + ("sources", i)
        present = [p for p in PROJECTIONS if source.get(p) is not None]
        if len(present) != 1:
            ctx.error(spath, "projected-volume",
                      f"expected exactly one, got {'neither' if not present else 'both'}: {', '.join(PROJECTIONS)}",
                      "each projected source is one of secret, configMap, serviceAccountToken, downwardAPI")
        for kind in ("secret", "configMap"):
            value = source.get(kind)
            if isinstance(value, dict):
                if not value.get("name"):
                    ctx.error(spath + (kind,), "projected-volume", "missing field(s): name",
                              f"name the {kind}")
                _check_items(ctx, spath + (kind,), value)
        token = source.get("serviceAccountToken")
        if isinstance(token, dict) and not token.get("path"):
            ctx.error(spath + ("serviceAccountToken",), "projected-volume", "missing field(s): path",
                      "set serviceAccountToken.path")
        downward = source.get("downwardAPI")
        items = downward.get("items") if isinstance(downward, dict) else None
        for j, item in enumerate(items if isinstance(items, list) else []):
            if not isinstance(item, dict):
                continue
            ipath = spath + ("downwardAPI", "items", j)
            if not item.get("path"):
                ctx.error(ipath, "projected-volume", "missing field(s): path", "set the item's path")
            refs = [r for r in ("fieldRef", "resourceFieldRef") if item.get(r) is not None]
            if len(refs) != 1:
                ctx.error(ipath, "projected-volume",
                          f"expected exactly one, got {'neither' if not refs else 'both'}: fieldRef, resourceFieldRef",
                          "Within a single item, cannot set both")


def _check_mounts(ctx, cpath: JsonPath, container: dict, by_name: dict) -> set[str]:
    mounted: set[str] = set()
    seen_paths: set[str] = set()
    mounts = container.get("volumeMounts")
    if not isinstance(mounts, list):
        return mounted
    propagation = ctx.features.allows("kubernetes.podspec-volumes-mount-propagation")
    for i, mount in enumerate(mounts):
        if not isinstance(mount, dict):
            continue
        mpath = cpath + ("volumeMounts", i)
        name = mount.get("name")
        if isinstance(name, str):
            mounted.add(name)
            if name not in by_name:
                ctx.error(mpath + ("name",), "volume-mount", "volumeMount has no matching volume",
                          f"add a volume named '{name}' to spec.volumes, or fix the name")
        if mount.get("mountPropagation"):
            if not propagation:
                flag = "kubernetes.podspec-volumes-mount-propagation"
                ctx.error(mpath + ("mountPropagation",), "pod-spec-feature-flag",
                          f"Volume Mount Propagation support is disabled, but found volume mount {name} with"
                          f" mount propagation; needs feature flag '{flag}'", flag_hint(flag), at_key=True)
            elif mount["mountPropagation"] not in ("None", "HostToContainer"):
                ctx.error(mpath + ("mountPropagation",), "volume-mount",
                          f"invalid value: {mount['mountPropagation']}", "use None or HostToContainer")
        _check_mount_path(ctx, mpath, mount.get("mountPath"), seen_paths)
        volume = by_name.get(name) if isinstance(name, str) else None
        claim = volume.get("persistentVolumeClaim") if isinstance(volume, dict) else None
        if isinstance(claim, dict) and claim.get("readOnly") and not mount.get("readOnly"):
            ctx.error(mpath, "volume-mount", "volume is readOnly but volume mount is not",
                      "set readOnly: true on the mount, or make the claim writable")
    return mounted


def _check_mount_path(ctx, mpath: JsonPath, raw, seen: set[str]) -> None:
    if not raw:
        ctx.error(mpath, "mount-path", "missing field(s): mountPath", "set an absolute mountPath")
        return
    if not isinstance(raw, str):
        return
    where = mpath + ("mountPath",)
    if not raw.startswith("/"):
        ctx.error(where, "mount-path", f"invalid value: {raw}", "mountPath must be absolute (start with '/')")
        return
    clean = "/" + posixpath.normpath(raw).lstrip("/")  # Go path.Clean: '//dev/' -> '/dev'
    if clean in RESERVED_MOUNT_PATHS:
        ctx.error(where, "reserved-mount-path", f"mountPath \"{clean}\" is a reserved path",
                  "Knative reserves /, /dev and /dev/log; mount somewhere else (/dev/shm is fine)")
    if clean in seen:
        ctx.error(where, "mount-path", f"\"{clean}\" must be unique", "mount each path only once per container")
    seen.add(clean)
