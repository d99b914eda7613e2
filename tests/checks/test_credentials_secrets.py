"""IC301-IC305 (and IC008 for a missing Credential)."""

from __future__ import annotations

import pytest
from helpers import at, check, none_of, only, run, workload_doc

BASE = """
huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct}
compute: {gpuDevicesRequest: 1}
"""
CREDENTIALS = """
apiVersion: infc/v1
kind: Credential
metadata: {name: hf-token}
spec: {type: genericSecret, secretName: hf-token, keys: [HF_TOKEN]}
---
apiVersion: infc/v1
kind: Credential
metadata: {name: dockerhub}
spec: {type: dockerRegistry, secretName: dockerhub, registry: 'https://index.docker.io/v1/'}
---
apiVersion: infc/v1
kind: Credential
metadata: {name: api}
spec: {type: genericSecret, secretName: api, keys: [OPENAI_API_KEY]}
"""
FILES = {"assets/credentials.yaml": CREDENTIALS}

HF = "hf_" + "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"
SECRETS = {
    "Hugging Face token": HF,
    "NGC API key": "nvapi-" + "x1Y2z3" * 8,
    "private key": "-----BEGIN RSA PRIVATE KEY-----",
    "AWS access key id": "AKIA" + "ABCDEFGHIJKLMNOP",
    "GitHub token": "ghp_" + "a1B2c3D4e5" * 4,
    "bearer token": "Bearer " + "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig",
}


@pytest.mark.parametrize("kind", sorted(SECRETS))
def test_ic301_literal_secret_in_an_environment_asset(tmp_path, kind):
    secret = SECRETS[kind]
    env = (f"apiVersion: infc/v1\nkind: Environment\nmetadata: {{name: env}}\nspec:\n"
           f"  args: ['--api-key', \"{secret}\"]\n")
    d = only(run(tmp_path, BASE + "environment: env\n", files={"assets/env.yaml": env}), "IC301")
    check(d, f"literal {kind} in Environment 'env' at spec.args[1]", at(env, "'--api-key', |\"",
          file="assets/env.yaml"), "create a Kubernetes Secret")
    assert secret not in d.message and secret not in d.hint and secret[4:20] not in d.message + d.hint


def test_ic301_huggingface_token_field(tmp_path):
    spec = BASE.replace("Qwen2.5-0.5B-Instruct}", f"Qwen2.5-0.5B-Instruct, token: {HF}}}")
    d = only(run(tmp_path, spec), "IC301")
    check(d, "literal Hugging Face token in InferenceWorkload 'chat' at spec.huggingFace.token",
          at(workload_doc(spec), f"token: {HF}"), "create a Secret holding HF_TOKEN and reference it with"
          " huggingFace.credential")
    assert HF not in d.message + d.hint


def test_ic301_scans_policies_and_clusters(tmp_path):
    policy = ("apiVersion: infc/v1\nkind: Policy\nmetadata: {name: p}\nspec:\n  defaults:\n"
              "    annotations: [{name: aws, value: AKIAABCDEFGHIJKLMNOP}]\n")
    d = only(run(tmp_path, BASE, files={"policies/p.yaml": policy}), "IC301")
    check(d, "AWS access key id in Policy 'p' at spec.defaults.annotations[0].value",
          at(policy, "value: AKIA", file="policies/p.yaml"), "Credential")


def test_ic301_ordinary_values_pass(tmp_path):
    spec = BASE + "args: ['--hf-overrides', 'hf_small', '--api-key-file', /etc/key]\n"
    none_of(run(tmp_path, spec), "IC301")


def test_ic302_gated_model_without_credential(tmp_path):
    spec = "huggingFace: {model: meta-llama/Llama-3.2-1B-Instruct}\ncompute: {gpuDevicesRequest: 1}\n"
    d = only(run(tmp_path, spec), "IC302")
    assert d.severity.value == "warning"
    check(d, "'meta-llama/Llama-3.2-1B-Instruct' is gated", at(workload_doc(spec), "model: meta-llama"),
          "huggingFace.credential")


def test_ic302_gated_model_with_credential_or_env_secret_passes(tmp_path):
    spec = ("huggingFace: {model: google/gemma-2-2b-it, credential: hf-token}\ncompute: {gpuDevicesRequest: 1}\n")
    none_of(run(tmp_path, spec, files=FILES), "IC302", "IC303", "IC008")
    spec = ("huggingFace: {model: mistralai/Mistral-7B-Instruct-v0.3}\ncompute: {gpuDevicesRequest: 1}\n"
            "environmentVariables: [{name: HF_TOKEN, secret: {name: hf, key: token}}]\n")
    none_of(run(tmp_path / "env", spec), "IC302")


def test_ic303_credential_types_and_keys(tmp_path):
    spec = """
huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct, credential: dockerhub}
compute: {gpuDevicesRequest: 1}
imagePullSecrets: [{name: pull, credential: api}]
environmentVariables: [{name: OPENAI_API_KEY, credential: {name: api, key: API_KEY}}]
"""
    diags = run(tmp_path, spec, files=FILES)
    doc = workload_doc(spec)
    check(only(diags, "IC303", "huggingFace"), "'dockerhub' is a dockerRegistry credential",
          at(doc, "credential: dockerhub"), "genericSecret")
    check(only(diags, "IC303", "imagePullSecrets"), "credential 'api' of type genericSecret",
          at(doc, "credential: api}"), "dockerRegistry")
    check(only(diags, "IC303", "reads key"), "'OPENAI_API_KEY' reads key 'API_KEY', which credential 'api'",
          at(doc, "key: API_KEY"), "did you mean 'OPENAI_API_KEY'?")


def test_ic303_fitting_credentials_pass(tmp_path):
    spec = """
huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct, credential: hf-token}
compute: {gpuDevicesRequest: 1}
imagePullSecrets: [{name: pull, credential: dockerhub}]
environmentVariables: [{name: OPENAI_API_KEY, credential: {name: api, key: OPENAI_API_KEY}}]
"""
    none_of(run(tmp_path, spec, files=FILES), "IC303", "IC304", "IC008")


def test_ic008_missing_credential(tmp_path):
    spec = BASE.replace("Instruct}", "Instruct, credential: hf-tokn}")
    d = only(run(tmp_path, spec, files=FILES), "IC008", "Credential")
    check(d, "Credential 'hf-tokn' does not exist", at(workload_doc(spec), "credential: hf-tokn"),
          "did you mean 'hf-token'?")


@pytest.mark.parametrize("registry", ["docker.io", "https://docker.io", "index.docker.io",
                                      "https://index.docker.io/v2/"])
def test_ic304_docker_hub_registry(tmp_path, registry):
    cred = ("apiVersion: infc/v1\nkind: Credential\nmetadata: {name: hub}\n"
            f"spec: {{type: dockerRegistry, secretName: hub, registry: '{registry}'}}\n")
    d = only(run(tmp_path, BASE, files={"assets/hub.yaml": cred}), "IC304")
    check(d, f"registry '{registry}'", at(cred, "registry: ", file="assets/hub.yaml"),
          "registry: https://index.docker.io/v1/")


def test_ic304_other_registries_pass(tmp_path):
    creds = CREDENTIALS + ("---\napiVersion: infc/v1\nkind: Credential\nmetadata: {name: ngc}\n"
                           "spec: {type: dockerRegistry, secretName: ngc, registry: nvcr.io}\n")
    none_of(run(tmp_path, BASE, files={"assets/credentials.yaml": creds}), "IC304")


def test_ic305_sensitive_env_with_literal_value(tmp_path):
    spec = BASE + "environmentVariables: [{name: DB_PASSWORD, value: hunter2}, {name: TOKENIZERS_PARALLELISM, value: 'false'}]\n"
    d = only(run(tmp_path, spec), "IC305")
    assert d.severity.value == "warning"
    check(d, "'DB_PASSWORD' looks sensitive", at(workload_doc(spec), "value: hunter2"), "Kubernetes Secret")
    assert "hunter2" not in d.message + d.hint


def test_ic305_secret_reference_passes(tmp_path):
    spec = BASE + "environmentVariables: [{name: DB_PASSWORD, secret: {name: db, key: password}}]\n"
    none_of(run(tmp_path, spec), "IC305")
