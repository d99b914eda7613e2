"""IC501-IC504: do the model's weights fit the GPU memory one replica gets?

- parameter count: `huggingFace.parameters`, else a table of known models, else the
  model id (`8B`, `0.5B`, `10.7B`, `125M`, `8x7B` experts; `A3B` active counts, `4bit`,
  `4k` and version numbers are skipped);
- bytes per parameter: the quantization (awq/gptq/int4/bnb-4bit 0.5, fp8/int8 1), else a
  quantized name suffix (-AWQ, -GPTQ, -Int4, -FP8...), else the dtype (float32 4, else 2);
- memory of a replica: devices x per-device memory (the device's memory x portion, or the
  requested GPU memory), on the smallest GPU among the workload's node pools;
- IC501 weights > memory; IC502 weights + overhead (max(1.5 GiB, 20 % of the weights) per
  device) > the server's share (vLLM --gpu-memory-utilization 0.9, capped by a fraction);
- IC503 (info) count unknown; IC504 bfloat16 on a GPU below compute capability 8.0.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from compiler.check import gpu_catalog as cat
from compiler.check.common import fmt_gib
from compiler.check.registry import workload_rule
from compiler.diagnostics import Diagnostic
from compiler.resolve.derived import cluster_pools, gpu_request, node_pools, server
from compiler.spec import quantities as q

GIB = 2**30
UTILIZATION = 0.9
MIN_OVERHEAD = 1.5 * GIB
OVERHEAD_SHARE = 0.2

_MOE = re.compile(r"^(\d+)x(\d+(?:\.\d+)?)b\Z")
_BILLIONS = re.compile(r"^(\d+(?:\.\d+)?)b\Z")
_BILLIONS_SPLIT = re.compile(r"^(\d+)b(\d+)\Z")  # bloom-7b1 = 7.1B
_MILLIONS = re.compile(r"^(\d+(?:\.\d+)?)m\Z")
_OVERRIDE = re.compile(r"^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmbt])?\s*$", re.IGNORECASE)

QUANT_BYTES = {
    "awq": 0.5, "awq_marlin": 0.5, "gptq": 0.5, "gptq_marlin": 0.5, "marlin": 0.5, "int4": 0.5,
    "bitsandbytes-nf4": 0.5, "bitsandbytes-fp4": 0.5, "nf4": 0.5, "bnb-4bit": 0.5, "exl2": 0.5,
    "mxfp4": 0.55, "fp8": 1, "fbgemm_fp8": 1, "int8": 1, "eetq": 1, "modelopt": 1, "w8a8": 1,
}
NAME_QUANT_BYTES = {"awq": 0.5, "gptq": 0.5, "int4": 0.5, "4bit": 0.5, "nf4": 0.5, "w4a16": 0.5,
                    "fp8": 1, "int8": 1, "8bit": 1, "w8a8": 1, "w8a16": 1}


@dataclass(frozen=True)
class ParamCount:
    billions: float
    source: str  # "huggingFace.parameters", "known model", "model id"
    native_bytes: float | None = None


def parse_parameters(value) -> float | None:
    """`huggingFace.parameters` in billions: 8e9, 8, '8B', '46.7B', '500M'."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number, unit = float(value), None
    else:
        match = _OVERRIDE.match(str(value))
        if not match:
            return None
        number, unit = float(match.group(1)), (match.group(2) or "").lower() or None
    if unit:
        return number * {"k": 1e-6, "m": 1e-3, "b": 1.0, "t": 1e3}[unit]
    return number / 1e9 if number >= 1e5 else number  # a bare small number means billions


def parameter_count(model_id: str) -> ParamCount | None:
    """Billions of parameters read from a Hugging Face model id, or None."""
    name = model_id.rsplit("/", 1)[-1].lower()
    for pattern, billions, native in cat.KNOWN_MODELS:
        if pattern.search(name):
            return ParamCount(billions, "known model", native)
    tokens = [t for t in re.split(r"[-_\s]+", name) if t]
    millions = None
    for token in tokens:
        if m := _MOE.match(token):
            experts, size = int(m.group(1)), float(m.group(2))
            return ParamCount(round(experts * size * cat.MOE_SHARED_FACTOR, 1), "model id")
        if m := _BILLIONS.match(token):
            return ParamCount(float(m.group(1)), "model id")
        if m := _BILLIONS_SPLIT.match(token):
            return ParamCount(float(f"{m.group(1)}.{m.group(2)}"), "model id")
        if millions is None and (m := _MILLIONS.match(token)):
            millions = float(m.group(1)) / 1000
    return ParamCount(millions, "model id") if millions is not None else None


def bytes_per_parameter(hf, count: ParamCount | None, server_name: str) -> tuple[float, str]:
    """(bytes per parameter, what decided it)."""
    quant = (hf.quantization or "").lower().strip()
    if quant == "bitsandbytes":
        # vLLM loads bitsandbytes checkpoints in 4 bit; TGI's plain bitsandbytes is 8 bit.
        return (1.0, "bitsandbytes 8-bit") if server_name == "tgi" else (0.5, "bitsandbytes 4-bit")
    if quant in QUANT_BYTES:
        return float(QUANT_BYTES[quant]), f"{quant} quantization"
    name = (hf.model or "").rsplit("/", 1)[-1].lower()
    for token in re.split(r"[-_.\s]+", name):
        if token in NAME_QUANT_BYTES:
            return float(NAME_QUANT_BYTES[token]), f"{token.upper()} weights (from the name)"
    if count and count.native_bytes:
        return count.native_bytes, "native quantized weights"
    if hf.dtype in ("float32", "float"):
        return 4.0, "float32"
    if hf.dtype in ("half", "float16"):
        return 2.0, "float16"
    return 2.0, "bfloat16" if hf.dtype == "bfloat16" else "16-bit weights"


@dataclass(frozen=True)
class Gpu:
    model: str
    memory: int  # bytes per device
    pool: str


def workload_gpus(w) -> list[Gpu]:
    """GPU models of the node pools the workload may land on (known pools only)."""
    pools = cluster_pools(w.cluster.obj.spec)
    out = []
    for name in node_pools(w.spec, w.project.obj.spec):
        pool = pools.get(name)
        if pool is None:
            continue
        for group in pool.nodes:
            if group.gpu and group.gpu.count > 0:
                out.append(Gpu(group.gpu.model, q.bytes_of(group.gpu.memory), name))
    return out


def _smallest(gpus: list[Gpu]) -> Gpu:
    return min(gpus, key=lambda g: g.memory)  # min() keeps the first of equals: pool order


@workload_rule
def model_fit(w, ctx) -> Iterable[Diagnostic]:
    hf = w.spec.huggingFace
    if not hf or not hf.model:
        return
    gr = gpu_request(w.spec)
    if gr.devices == 0:
        return
    gpus = workload_gpus(w)
    if not gpus:
        return  # no GPU in the pools: placement reports it
    where = w.loc("huggingFace", "model")
    if hf.parameters is not None:
        billions = parse_parameters(hf.parameters)
        count = ParamCount(billions, "huggingFace.parameters") if billions else None
        if count:
            known = parameter_count(hf.model)
            count = ParamCount(billions, "huggingFace.parameters", known.native_bytes if known else None)
            where = w.loc("huggingFace", "parameters")
    else:
        count = parameter_count(hf.model)
    if count is None:
        yield Diagnostic(
            "IC503", f"cannot tell the parameter count of '{hf.model}' from its name: GPU memory fit not checked",
            where, hint="set huggingFace.parameters (e.g. '8B' or 46.7e9) to have the fit checked")
        return
    per_param, why = bytes_per_parameter(hf, count, server(w.spec))
    weights = count.billions * 1e9 * per_param
    gpu = _smallest(gpus)
    devices = gr.devices
    if gr.portion is not None:
        share = gr.portion
        per_device = gpu.memory * share
        desc = f"{devices} × {share:g} of {gpu.model} ({fmt_gib(gpu.memory)})"
    elif gr.memory_bytes is not None:
        per_device = min(gr.memory_bytes, gpu.memory)
        share = per_device / gpu.memory
        desc = f"{devices} × {fmt_gib(per_device)} of {gpu.model}"
    else:
        share = 1.0
        per_device = gpu.memory
        desc = f"{devices} × {gpu.model}"
    total = devices * per_device
    pool_note = f" (node pool '{gpu.pool}')"
    unit = "byte" if per_param == 1 else "bytes"
    what = f"'{hf.model}' ({count.billions:g}B parameters × {per_param:g} {unit}: {why})"
    if weights > total:
        yield Diagnostic(
            "IC501", f"{what}: weights {fmt_gib(weights)} > {fmt_gib(total)} on {desc}{pool_note}",
            where, hint=_hint(weights, gpu, share, devices))
        return
    util = min(UTILIZATION, share - 0.02) if share < 1 else UTILIZATION
    budget = gpu.memory * util
    per_device_weights = weights / devices
    overhead = max(MIN_OVERHEAD, OVERHEAD_SHARE * per_device_weights)
    if per_device_weights + overhead > budget:
        yield Diagnostic(
            "IC502", f"{what}: weights {fmt_gib(per_device_weights)} + overhead {fmt_gib(overhead)} per device"
                     f" > {fmt_gib(budget)} usable ({util:.2g} of {fmt_gib(gpu.memory)}) on {desc}{pool_note}",
            where, hint=_hint(weights, gpu, share, devices, loads=True))


def _devices_needed(weights: float, gpu: Gpu, share: float) -> int | None:
    util = min(UTILIZATION, share - 0.02) if share < 1 else UTILIZATION
    for n in (1, 2, 4, 8):
        per = weights / n
        if per + max(MIN_OVERHEAD, OVERHEAD_SHARE * per) <= gpu.memory * util:
            return n
    return None


def _hint(weights: float, gpu: Gpu, share: float, devices: int, loads: bool = False) -> str:
    parts = []
    whole = _devices_needed(weights, gpu, 1.0)
    if share < 1 and _devices_needed(weights, gpu, share) is None and whole:
        parts.append(f"request whole GPUs (gpuDevicesRequest: {max(whole, devices)}, no portion)")
    elif whole and whole > devices:
        parts.append(f"use gpuDevicesRequest: {whole} (tensor parallel)")
    elif share < 1:
        parts.append("request a larger portion of each GPU")
    parts.append("a quantized variant (AWQ/GPTQ 4-bit or FP8)")
    parts.append("a node pool with larger GPUs")
    text = ", ".join(parts[:-1]) + " or " + parts[-1]
    if loads:
        text += "; the server may load but leave no room for the KV cache"
    return text


@workload_rule
def bf16_support(w, ctx) -> Iterable[Diagnostic]:
    hf = w.spec.huggingFace
    if not hf or not hf.model or gpu_request(w.spec).devices == 0:
        return
    if hf.dtype == "bfloat16":
        reason, where = "dtype bfloat16", w.loc("huggingFace", "dtype")
    elif hf.dtype in (None, "auto") and cat.ships_bf16(hf.model) and not hf.quantization \
            and bytes_per_parameter(hf, parameter_count(hf.model), server(w.spec))[0] == 2.0:
        reason = f"dtype {hf.dtype or 'auto'} loads '{hf.model}' in bfloat16"
        where = w.loc("huggingFace", "dtype") if hf.dtype else w.loc("huggingFace", "model")
    else:
        return
    old = []
    for g in workload_gpus(w):
        cc = cat.compute_capability(g.model)
        if cc is not None and cc < cat.BF16_MIN_CAPABILITY:
            entry = f"{g.model} (compute capability {cc:g}, node pool '{g.pool}')"
            if entry not in old:
                old.append(entry)
    if old:
        yield Diagnostic(
            "IC504", f"{reason}, which {', '.join(old)} does not support",
            where,
            hint="set huggingFace.dtype: half (float16), or use node pools with compute capability 8.0 or"
                 " newer GPUs (A10, L4, L40S, A100, H100)")
