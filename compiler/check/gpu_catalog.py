"""Facts about GPU models and Hugging Face models used by the model-fit estimate.

GPU memory (GiB, as NVIDIA labels it) and CUDA compute capability per model; parameter
counts for model ids whose name does not say (or says wrongly) how large they are; which
families ship bfloat16 weights. Sources: research/servers.md §4.3-§5.
"""

from __future__ import annotations

import re

# Normalised GPU model name -> (memory GiB, compute capability).
GPUS: dict[str, tuple[float, float]] = {
    "T4": (16, 7.5),
    "V100": (16, 7.0),
    "V100-32GB": (32, 7.0),
    "P100": (16, 6.0),
    "A10": (24, 8.6),
    "A10G": (24, 8.6),
    "A30": (24, 8.0),
    "A40": (48, 8.6),
    "L4": (24, 8.9),
    "L40": (48, 8.9),
    "L40S": (48, 8.9),
    "A100": (80, 8.0),
    "A100-40GB": (40, 8.0),
    "A100-80GB": (80, 8.0),
    "H100": (80, 9.0),
    "H800": (80, 9.0),
    "H200": (141, 9.0),
    "GH200": (96, 9.0),
    "B200": (180, 10.0),
    "RTX-A6000": (48, 8.6),
    "RTX-6000-ADA": (48, 8.9),
}

BF16_MIN_CAPABILITY = 8.0


def normalise_gpu(model: str) -> str:
    text = model.upper().replace("NVIDIA", "").replace("TESLA", "").replace("_", "-").replace(" ", "-").strip("-")
    text = re.sub(r"-+", "-", text)
    return text


def gpu_info(model: str) -> tuple[float, float] | None:
    """(memory GiB, compute capability) of a GPU model, or None when unknown."""
    name = normalise_gpu(model)
    if name in GPUS:
        return GPUS[name]
    for known in sorted(GPUS, key=len, reverse=True):  # "H100-SXM5-80GB" -> H100
        if name.startswith(known + "-") or name.startswith(known + " "):
            return GPUS[known]
    return None


def compute_capability(model: str) -> float | None:
    info = gpu_info(model)
    return info[1] if info else None


# Model name (lower-cased part after the organisation) pattern -> (billions of parameters,
# native bytes per parameter or None). Names without a size, MoE totals, and a few whose
# name rounds the size.
KNOWN_MODELS: list[tuple[re.Pattern, float, float | None]] = [
    (re.compile(r"^phi-3(\.5)?-mini"), 3.8, None),
    (re.compile(r"^phi-3-small"), 7.4, None),
    (re.compile(r"^phi-3(\.5)?-medium"), 14.0, None),
    (re.compile(r"^phi-3\.5-moe"), 41.9, None),
    (re.compile(r"^phi-4-mini"), 3.8, None),
    (re.compile(r"^phi-4(?!-mini)"), 14.7, None),
    (re.compile(r"^phi-2\Z"), 2.7, None),
    (re.compile(r"^mixtral-8x7b"), 46.7, None),
    (re.compile(r"^mixtral-8x22b"), 140.6, None),
    (re.compile(r"^gemma-2-2b"), 2.6, None),
    (re.compile(r"^gemma-2-9b"), 9.2, None),
    (re.compile(r"^gemma-2-27b"), 27.2, None),
    (re.compile(r"^(meta-)?llama-3(\.\d)?-70b"), 70.6, None),
    (re.compile(r"^(meta-)?llama-3\.1-405b"), 405.9, None),
    (re.compile(r"^gpt-oss-20b"), 21.0, 0.55),   # MXFP4 experts, bf16 attention
    (re.compile(r"^gpt-oss-120b"), 117.0, 0.55),
]

# Mixture-of-experts "<n>x<size>B" names without a table entry: experts share attention
# and embeddings, so the total is below n x size (Mixtral: 46.7 of 56, 140.6 of 176).
MOE_SHARED_FACTOR = 0.83

# Families whose checkpoints are stored in bfloat16 (dtype auto loads them as bf16).
BF16_FAMILIES = (
    "meta-llama/llama-3", "meta-llama/meta-llama-3", "meta-llama/llama-4", "mistralai/", "qwen/qwen2", "qwen/qwen3",
    "google/gemma", "microsoft/phi-3", "microsoft/phi-4", "deepseek-ai/", "tinyllama/", "openai/gpt-oss",
)


def ships_bf16(model_id: str) -> bool:
    lowered = model_id.lower()
    return any(lowered.startswith(prefix) for prefix in BF16_FAMILIES)
