"""IC209 tolerations, IC210 node types, IC211 node pools, IC212 NodePorts, IC213 access,
IC215 priority, IC216 uid/gid source."""

from __future__ import annotations

from helpers import CLUSTER, ORG, at, check, none_of, only, run, workload_doc

BASE = """
huggingFace: {model: Qwen/Qwen2.5-0.5B-Instruct}
compute: {gpuDevicesRequest: 1}
"""
ISTIO = CLUSTER.replace("  domain: inference.example.com\n", "  domain: inference.example.com\n  endpointAuth: istio\n"
                        "  istio: {issuer: 'https://idp.example.com', jwksUri: 'https://idp.example.com/jwks'}\n")
NODE_TYPE_RULE = ORG.replace("  cluster: prod\n  resources:", "  cluster: prod\n  schedulingRules: {nodeTypes: [dgx-h100]}\n"
                             "  resources:", 1)


def test_ic209_invalid_tolerations(tmp_path):
    spec = BASE + """
tolerations:
  - {name: any-value, operator: Exists, key: nvidia.com/gpu, value: present}
  - {name: no-key, operator: Equal, value: x}
  - {name: early, key: spot, operator: Exists, effect: NoSchedule, seconds: 30}
  - {name: spaced, key: pool, value: "a b", effect: NoSchedule}
"""
    diags = run(tmp_path, spec)
    doc = workload_doc(spec)
    check(only(diags, "IC209", "spaced"), "value 'a b' is not a valid taint value", at(doc, 'value: "a b"'),
          "at most 63")
    check(only(diags, "IC209", "any-value"), "operator Exists takes no value", at(doc, "value: present"),
          "remove the value")
    check(only(diags, "IC209", "no-key"), "operator Equal needs a key", at(doc, "- |{name: no-key"),
          "operator: Exists")
    check(only(diags, "IC209", "early"), "seconds applies only to effect NoExecute (effect is 'NoSchedule')",
          at(doc, "seconds: 30"), "effect: NoExecute")


def test_ic209_valid_tolerations_pass(tmp_path):
    spec = BASE + """
tolerations:
  - {name: gpu, operator: Exists, key: nvidia.com/gpu, effect: NoSchedule}
  - {name: all, operator: Exists, effect: Any}
  - {name: drain, key: node.kubernetes.io/unreachable, operator: Exists, effect: NoExecute, seconds: 300}
  - {name: valued, key: pool, value: team-a_1.x, effect: NoSchedule}
"""
    none_of(run(tmp_path, spec), "IC209")


def test_ic210_node_type_required_by_department_rule(tmp_path):
    d = only(run(tmp_path, BASE, files={"org/research.yaml": NODE_TYPE_RULE}), "IC210")
    check(d, "requires a nodeType", at(workload_doc(BASE), "  |huggingFace"), "nodeType: one of dgx-h100")


def test_ic210_node_type_not_allowed(tmp_path):
    spec = BASE + "nodeType: l40s-node\n"
    d = only(run(tmp_path, spec, files={"org/research.yaml": NODE_TYPE_RULE}), "IC210")
    check(d, "node type 'l40s-node' is not allowed in project 'nlp'", at(workload_doc(spec), "nodeType: l40s-node"),
          "allowed: dgx-h100")


def test_ic210_project_widens_department(tmp_path):
    org = NODE_TYPE_RULE.replace("  defaultNodePools: [h100, l40s]\n",
                                 "  defaultNodePools: [h100, l40s]\n  schedulingRules: {nodeTypes: [dgx-h100, l40s-node]}\n")
    diags = run(tmp_path, BASE + "nodeType: dgx-h100\nnodePools: [h100]\n", files={"org/research.yaml": org})
    d = only(diags, "IC210")
    check(d, "project 'nlp' allows node type 'l40s-node', which its department 'research' does not allow",
          at(org, "l40s-node", file="org/research.yaml"), "only narrow")


def test_ic210_node_type_absent_from_pools(tmp_path):
    spec = BASE + "nodeType: dgx-h100\nnodePools: [l40s]\n"
    d = only(run(tmp_path, spec), "IC210")
    check(d, "no node in node pool(s) l40s has run.ai/type=dgx-h100", at(workload_doc(spec), "nodeType: dgx-h100"),
          "no node carries the label run.ai/type")


def test_ic210_allowed_node_type_present_passes(tmp_path):
    spec = BASE + "nodeType: dgx-h100\nnodePools: [h100]\n"
    none_of(run(tmp_path, spec, files={"org/research.yaml": NODE_TYPE_RULE}), "IC210")


def test_ic211_unknown_workload_pool(tmp_path):
    spec = BASE + "nodePools: [h100, a100]\n"
    d = only(run(tmp_path, spec), "IC211")
    check(d, "node pool 'a100' does not exist on cluster 'prod'", at(workload_doc(spec), "nodePools: [h100, |a100"),
          "did you mean 'h100'?")


def test_ic211_unknown_project_default_pool(tmp_path):
    org = ORG.replace("defaultNodePools: [h100, l40s]", "defaultNodePools: [h100, l4]")
    d = only(run(tmp_path, BASE, files={"org/research.yaml": org}), "IC211")
    check(d, "node pool 'l4' does not exist", at(org, "[h100, |l4]", file="org/research.yaml"), "did you mean 'l40s'?")


def test_ic211_known_pools_pass(tmp_path):
    none_of(run(tmp_path, BASE + "nodePools: [l40s, default]\n"), "IC211")


def _tool(name: str, port: int) -> str:
    return workload_doc(BASE + f"ports: [{{name: ui, container: 7860, serviceType: NodePort, external: {port}}}]\n",
                        name=name)


def test_ic212_node_port_out_of_range(tmp_path):
    text = _tool("chat", 20000)
    d = only(run(tmp_path, None, files={"workloads/nlp/chat.yaml": text}), "IC212")
    check(d, "NodePort 20000 of port 'ui' is outside 30000-32767", at(text, "external: 20000"), "between 30000")


def test_ic212_node_port_used_twice_on_the_cluster(tmp_path):
    a, b = _tool("alpha", 30080), _tool("beta", 30080)
    diags = run(tmp_path, None, files={"workloads/nlp/alpha.yaml": a, "workloads/nlp/beta.yaml": b})
    d = only(diags, "IC212")
    check(d, "NodePort 30080 of port 'ui' is already used by workload nlp/alpha",
          at(b, "external: 30080", file="workloads/nlp/beta.yaml"), "pick another port")
    assert d.subject == "nlp/beta"


def test_ic212_distinct_node_ports_pass(tmp_path):
    diags = run(tmp_path, None, files={"workloads/nlp/alpha.yaml": _tool("alpha", 30080),
                                       "workloads/nlp/beta.yaml": _tool("beta", 30081)})
    none_of(diags, "IC212")


def test_ic213_user_and_group_lists(tmp_path):
    spec = BASE + "servingPort: {container: 8000, authorizationType: authorizedUsers}\n"
    d = only(run(tmp_path, spec, files={"clusters/prod.yaml": ISTIO}), "IC213")
    check(d, "authorizationType authorizedUsers needs authorizedUsers", at(workload_doc(spec),
          "authorizationType: authorizedUsers"), "list the users")
    spec = BASE + ("servingPort: {container: 8000, authorizationType: authorizedUsersOrGroups,"
                   " authorizedUsers: [a@example.com], authorizedGroups: [ml]}\n")
    d = only(run(tmp_path / "both", spec, files={"clusters/prod.yaml": ISTIO}), "IC213")
    check(d, "exactly one of authorizedUsers and authorizedGroups (got both)",
          at(workload_doc(spec), "authorizationType: authorizedUsersOrGroups"), "either")
    spec = BASE + "servingPort: {container: 8000, authorizationType: public, authorizedGroups: [ml]}\n"
    d = only(run(tmp_path / "public", spec), "IC213")
    check(d, "authorizedGroups is set but authorizationType is public", at(workload_doc(spec),
          "authorizedGroups: [ml]"), "remove authorizedGroups")


def test_ic213_restricted_endpoint_needs_istio(tmp_path):
    spec = BASE + "servingPort: {container: 8000, authorizationType: authorizedGroups, authorizedGroups: [ml]}\n"
    d = only(run(tmp_path, spec), "IC213")
    check(d, "cluster 'prod' enforces no endpoint access (endpointAuth: none)",
          at(workload_doc(spec), "authorizationType: authorizedGroups"), "endpointAuth: istio")
    none_of(run(tmp_path / "istio", spec, files={"clusters/prod.yaml": ISTIO}), "IC213")


def test_ic213_istio_without_jwks(tmp_path):
    cluster = ISTIO.replace(", jwksUri: 'https://idp.example.com/jwks'", "")
    spec = BASE + "exposedUrls: [{name: ui, container: 7860}]\n"
    d = only(run(tmp_path, spec, files={"clusters/prod.yaml": cluster}), "IC213")
    check(d, "exposed URL 'ui' is restricted (authenticatedUsers)", at(workload_doc(spec), "exposedUrls: [|{"),
          "istio.jwksUri")


def test_ic213_public_grpc_cluster_local_passes(tmp_path):
    spec = BASE + "servingPort: {container: 8000, protocol: grpc, clusterLocalAccessOnly: true}\n"
    none_of(run(tmp_path, spec), "IC213")


def test_ic215_preemptibility_contradicts_priority(tmp_path):
    spec = BASE + "priorityClass: very-high\npreemptibility: preemptible\n"
    d = only(run(tmp_path, spec), "IC215")
    check(d, "on KAI a Knative revision is non-preemptible because its priority 'very-high' is 150",
          at(workload_doc(spec), "preemptibility: preemptible"), "below 100")
    spec = BASE + "priorityClass: low\npreemptibility: non-preemptible\n"
    d = only(run(tmp_path / "low", spec), "IC215")
    check(d, "is preemptible because its priority 'low' is 40", at(workload_doc(spec),
          "preemptibility: non-preemptible"), "high or very-high")


def test_ic215_consistent_priority_passes(tmp_path):
    none_of(run(tmp_path, BASE + "priorityClass: low\npreemptibility: preemptible\n"), "IC215")


def test_ic216_uid_gid_from_idp_token(tmp_path):
    spec = BASE + "security: {uidGidSource: fromIdpToken}\n"
    d = only(run(tmp_path, spec), "IC216")
    check(d, "fromIdpToken cannot be expressed in GitOps", at(workload_doc(spec), "uidGidSource: fromIdpToken"),
          "uidGidSource: custom")


def test_ic216_custom_uid_passes(tmp_path):
    none_of(run(tmp_path, BASE + "security: {uidGidSource: custom, runAsUid: 1000, runAsGid: 1000}\n"), "IC216")
