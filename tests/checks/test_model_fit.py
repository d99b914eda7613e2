"""IC501-IC504 and the parameter-count parser."""

from __future__ import annotations

import pytest
from helpers import CLUSTER, at, check, none_of, only, run, workload_doc

from compiler.check.model_fit import parameter_count, parse_parameters

T4_CLUSTER = CLUSTER.replace(
    "    - name: l40s\n",
    "    - name: t4\n      nodes:\n        - {name: t4-node, count: 2, gpu: {model: T4, count: 1, memory: 16Gi},"
    " cpu: 8, memory: 32Gi}\n    - name: l40s\n")


@pytest.mark.parametrize("model_id, billions", [
    ("Qwen/Qwen2.5-0.5B-Instruct", 0.5),
    ("Qwen/Qwen3-0.6B", 0.6),
    ("TinyLlama/TinyLlama-1.1B-Chat-v1.0", 1.1),
    ("meta-llama/Llama-3.2-1B-Instruct", 1.0),
    ("deepseek-ai/DeepSeek-R1-Distill-Qwen-1.5B", 1.5),
    ("google/gemma-2-2b-it", 2.6),
    ("microsoft/Phi-3-mini-4k-instruct", 3.8),
    ("mistralai/Mistral-7B-Instruct-v0.3", 7.0),
    ("Qwen/Qwen2.5-7B-Instruct", 7.0),
    ("meta-llama/Llama-3.1-8B-Instruct", 8.0),
    ("google/gemma-2-9b-it", 9.2),
    ("openai/gpt-oss-20b", 21.0),
    ("Qwen/Qwen3-30B-A3B", 30.0),
    ("Qwen/Qwen3-32B", 32.0),
    ("mistralai/Mixtral-8x7B-Instruct-v0.1", 46.7),
    ("meta-llama/Llama-3.1-70B-Instruct", 70.6),
    ("Qwen/Qwen2.5-72B-Instruct", 72.0),
    ("meta-llama/Llama-3.1-405B-Instruct", 405.9),
    ("upstage/SOLAR-10.7B-Instruct-v1.0", 10.7),
    ("facebook/opt-125m", 0.125),
    ("bigscience/bloom-7b1", 7.1),
    ("unsloth/Llama-3.2-1B-Instruct-bnb-4bit", 1.0),
    ("TheBloke/Mistral-7B-v0.1-AWQ", 7.0),
    ("example/Moe-8x7B-chat", 46.5),
])
def test_parameter_count_from_model_id(model_id, billions):
    count = parameter_count(model_id)
    assert count is not None and count.billions == pytest.approx(billions)


@pytest.mark.parametrize("model_id", ["openai-community/gpt2", "deepseek-ai/DeepSeek-V3", "BAAI/bge-large-en-v1.5"])
def test_parameter_count_unknown(model_id):
    assert parameter_count(model_id) is None


@pytest.mark.parametrize("value, billions", [(8e9, 8.0), ("8B", 8.0), ("46.7B", 46.7), ("500M", 0.5), (7, 7.0),
                                             ("1.5e9", 1.5), ("x", None)])
def test_parse_parameters(value, billions):
    assert parse_parameters(value) == (pytest.approx(billions) if billions is not None else None)


def _spec(model: str, compute: str = "{gpuDevicesRequest: 1}", extra: str = "") -> str:
    return f"huggingFace: {{model: {model}{extra}}}\ncompute: {compute}\nnodePools: [h100]\n"


def test_ic501_llama_70b_on_one_h100(tmp_path):
    spec = _spec("meta-llama/Llama-3.1-70B-Instruct", extra=", credential: hf")
    d = only(run(tmp_path, spec), "IC501")
    check(d, "weights 131.5 GiB > 80 GiB on 1 × H100 (node pool 'h100')", at(workload_doc(spec), "model: meta"),
          "gpuDevicesRequest: 4")


def test_ic501_fraction_on_the_smallest_gpu_of_the_pools(tmp_path):
    spec = ("huggingFace: {model: Qwen/Qwen2.5-7B-Instruct}\n"
            "compute: {gpuDevicesRequest: 1, gpuPortionRequest: 0.25}\n")
    d = only(run(tmp_path, spec), "IC501")
    check(d, "weights 13 GiB > 12 GiB on 1 × 0.25 of L40S (48 GiB) (node pool 'l40s')",
          at(workload_doc(spec), "model: Qwen"), "request a larger portion")


def test_ic502_weights_plus_overhead(tmp_path):
    spec = _spec("meta-llama/Llama-3.1-70B-Instruct", "{gpuDevicesRequest: 2}", ", credential: hf")
    diags = run(tmp_path, spec)
    none_of(diags, "IC501")
    d = only(diags, "IC502")
    assert d.severity.value == "warning"
    check(d, "weights 65.8 GiB + overhead 13.2 GiB per device > 72 GiB usable (0.9 of 80 GiB) on 2 × H100",
          at(workload_doc(spec), "model: meta"), "gpuDevicesRequest: 4")


def test_ic501_ic502_fit_with_four_devices_or_quantized(tmp_path):
    none_of(run(tmp_path, _spec("meta-llama/Llama-3.1-70B-Instruct", "{gpuDevicesRequest: 4}")), "IC501", "IC502")
    none_of(run(tmp_path / "awq", _spec("hugging-quants/Meta-Llama-3.1-70B-Instruct-AWQ-INT4")), "IC501", "IC502")
    none_of(run(tmp_path / "fp8", _spec("example/Llama-70B", "{gpuDevicesRequest: 2}", ", quantization: fp8")), "IC501", "IC502")


def test_ic501_parameters_override(tmp_path):
    spec = _spec("example/house-model", extra=", parameters: 46.7B")
    d = only(run(tmp_path, spec), "IC501")
    check(d, "46.7B parameters", at(workload_doc(spec), "parameters: 46.7B"), "quantized variant")


def test_ic501_float32_doubles_the_weights(tmp_path):
    spec = _spec("Qwen/Qwen3-32B", extra=", dtype: float32")
    d = only(run(tmp_path, spec), "IC501")
    check(d, "32B parameters × 4 bytes: float32): weights 119.2 GiB > 80 GiB", at(workload_doc(spec), "model: Qwen"),
          "gpuDevicesRequest: 2")


def test_ic503_unknown_parameter_count(tmp_path):
    spec = _spec("openai-community/gpt2")
    d = only(run(tmp_path, spec), "IC503")
    assert d.severity.value == "info"
    check(d, "cannot tell the parameter count of 'openai-community/gpt2'", at(workload_doc(spec), "model: openai"),
          "huggingFace.parameters")
    none_of(run(tmp_path / "set", _spec("openai-community/gpt2", extra=", parameters: 124M")), "IC503")


def test_ic504_bfloat16_on_t4(tmp_path):
    spec = "huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct}\ncompute: {gpuDevicesRequest: 1}\nnodePools: [t4]\n"
    d = only(run(tmp_path, spec, files={"clusters/prod.yaml": T4_CLUSTER}), "IC504")
    assert d.severity.value == "warning"
    check(d, "dtype auto loads 'Qwen/Qwen2.5-0.5B-Instruct' in bfloat16, which T4 (compute capability 7.5",
          at(workload_doc(spec), "model: Qwen"), "dtype: half")
    spec = ("huggingFace: {model: example/small-1B, dtype: bfloat16}\ncompute: {gpuDevicesRequest: 1}\n"
            "nodePools: [h100, t4]\n")
    d = only(run(tmp_path / "explicit", spec, files={"clusters/prod.yaml": T4_CLUSTER}), "IC504")
    check(d, "dtype bfloat16, which T4", at(workload_doc(spec), "dtype: bfloat16"), "compute capability 8.0")


def test_ic504_half_on_t4_and_bf16_on_h100_pass(tmp_path):
    spec = ("huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct, dtype: half}\ncompute: {gpuDevicesRequest: 1}\n"
            "nodePools: [t4]\n")
    none_of(run(tmp_path, spec, files={"clusters/prod.yaml": T4_CLUSTER}), "IC504")
    spec = ("huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct, dtype: bfloat16}\ncompute: {gpuDevicesRequest: 1}\n"
            "nodePools: [h100]\n")
    none_of(run(tmp_path / "h100", spec, files={"clusters/prod.yaml": T4_CLUSTER}), "IC504")
