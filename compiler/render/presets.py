"""Server presets: how vLLM and TGI are started, probed and pointed at their cache.

Facts behind each choice: research/servers.md §1–§2 (entrypoints, flags, /health, HF_HOME).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from compiler.resolve import derived

# Pinned images, never `latest`: entrypoints and defaults change between releases.
IMAGES = {
    "vllm": "vllm/vllm-openai:v0.11.0",
    "tgi": "ghcr.io/huggingface/text-generation-inference:3.3.5",
}
DEFAULT_GPU_MEMORY_UTILIZATION = 0.90
DEFAULT_INITIALIZATION_SECONDS = 1800  # a model download plus load; Run:ai allows up to 60 min
STARTUP_PERIOD_SECONDS = 10
TGI_DTYPES = {"half": "float16", "float16": "float16", "bfloat16": "bfloat16"}


@dataclass
class ServerPlan:
    command: list[str] | None
    args: list[str]
    env: list[dict] = field(default_factory=list)
    health_path: str = "/health"


def gpu_fraction(gpu: derived.GpuRequest, smallest_device_bytes: int) -> float | None:
    """The share of each device the server may use, or None for whole GPUs / CPU."""
    if not gpu.fractional:
        return None
    return gpu.portion_of(smallest_device_bytes)


def _floor2(x: float) -> float:
    return math.floor(x * 100 + 1e-9) / 100


def server_plan(spec, *, name: str, port: int, store_path: str | None, credential_secret: str | None,
                smallest_device_bytes: int) -> ServerPlan:
    hf = spec.huggingFace
    server = derived.server(spec)
    gpu = derived.gpu_request(spec)
    fraction = gpu_fraction(gpu, smallest_device_bytes)
    model = hf.model if hf and hf.model else ""
    served = (hf.servedModelName if hf and hf.servedModelName else name)
    env: list[dict] = []
    if credential_secret:
        env.append({"name": "HF_TOKEN", "valueFrom": {"secretKeyRef": {"name": credential_secret, "key": "HF_TOKEN"}}})
    if store_path:
        env.append({"name": "HF_HOME", "value": store_path})
    hub_cache = f"{store_path.rstrip('/')}/hub" if store_path else None

    if server == "tgi":
        args = ["--model-id", model, "--port", str(port), "--hostname", "0.0.0.0"]
        if hf and hf.revision:
            args += ["--revision", hf.revision]
        if gpu.devices:
            args += ["--num-shard", str(gpu.devices)]
        if fraction is not None:
            args += ["--cuda-memory-fraction", f"{_floor2(fraction):.2f}"]
        if hub_cache:
            args += ["--huggingface-hub-cache", hub_cache]
        if hf and hf.maxModelLen:
            args += ["--max-total-tokens", str(hf.maxModelLen)]
        if hf and hf.dtype in TGI_DTYPES and not hf.quantization:
            args += ["--dtype", TGI_DTYPES[hf.dtype]]
        if hf and hf.quantization:
            args += ["--quantize", hf.quantization]
        if hf and hf.trustRemoteCode:
            args.append("--trust-remote-code")
        command = None  # the image's entrypoint runs text-generation-launcher
    else:
        util = DEFAULT_GPU_MEMORY_UTILIZATION if fraction is None else min(
            DEFAULT_GPU_MEMORY_UTILIZATION, _floor2(fraction * DEFAULT_GPU_MEMORY_UTILIZATION))
        args = [model, "--host", "0.0.0.0", "--port", str(port), "--served-model-name", served]
        if gpu.devices:
            args += ["--tensor-parallel-size", str(gpu.devices)]
        args += ["--gpu-memory-utilization", f"{util:.2f}"]
        if hf and hf.revision:
            args += ["--revision", hf.revision]
        if hub_cache:
            args += ["--download-dir", hub_cache]
        if hf and hf.maxModelLen:
            args += ["--max-model-len", str(hf.maxModelLen)]
        if hf and hf.dtype:
            args += ["--dtype", hf.dtype]
        if hf and hf.quantization:
            args += ["--quantization", hf.quantization]
        if hf and hf.trustRemoteCode:
            args.append("--trust-remote-code")
        command = ["vllm", "serve"]
    # The kubelet expands $(VAR) in args from the container's environment: a model or served name
    # written "$(HF_TOKEN)" would serve the token as a public name. infc's own arguments are
    # literal ($$ is Kubernetes' escape); extraArgs, like args, are the user's to expand.
    args = [a.replace("$(", "$$(") for a in args]
    if hf and hf.extraArgs:
        args += list(hf.extraArgs)
    return ServerPlan(command, args, env)


def initialization_seconds(spec) -> int:
    sc = spec.servingConfiguration
    if sc and sc.initializationTimeoutSeconds:
        return sc.initializationTimeoutSeconds
    return DEFAULT_INITIALIZATION_SECONDS


def startup_probe(port: int, path: str, init_seconds: int) -> dict:
    """Kubelet waits this long for the model to download and load before restarting the pod."""
    return {
        "httpGet": {"path": path, "port": port},
        "periodSeconds": STARTUP_PERIOD_SECONDS,
        "failureThreshold": max(1, math.ceil(init_seconds / STARTUP_PERIOD_SECONDS)),
        "timeoutSeconds": 5,
    }


def readiness_probe(port: int, path: str, user_probe=None) -> dict:
    probe = {"httpGet": {"path": path, "port": port}, "periodSeconds": 10, "failureThreshold": 3,
             "timeoutSeconds": 5}
    if user_probe is None:
        return probe
    data = user_probe.model_dump(exclude_none=True)
    handler = data.pop("handler", None)
    if handler and "httpGet" in handler:
        probe["httpGet"] = {**probe["httpGet"], **handler["httpGet"]}
    probe.update(data)
    return probe
