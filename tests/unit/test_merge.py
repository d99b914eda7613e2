"""The merge of spec layers: maps by key, itemized lists by instance key, exclude, provenance."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from compiler.diagnostics import Location
from compiler.resolve.merge import Exclusion, merge, unwrap, wrap


def layer(data, file):
    return wrap(data, lambda path: Location(file, len(path) + 1, 1))


def merged(*layers):
    exclusions: list[Exclusion] = []
    node = None
    for data, file in layers:
        node = merge(node, layer(data, file), exclusions)
    value, prov = unwrap(node)
    return value, prov, exclusions


def test_maps_merge_and_the_later_layer_wins_with_its_location():
    value, prov, _ = merged(({"compute": {"gpuDevicesRequest": 1, "cpuCoreRequest": 4}}, "policy.yaml"),
                            ({"compute": {"gpuDevicesRequest": 2}}, "workload.yaml"))
    assert value == {"compute": {"gpuDevicesRequest": 2, "cpuCoreRequest": 4}}
    assert prov[("compute", "gpuDevicesRequest")].file == "workload.yaml"
    assert prov[("compute", "cpuCoreRequest")].file == "policy.yaml"


def test_itemized_lists_merge_by_key_and_exclude_removes_inherited_items():
    value, prov, exclusions = merged(
        ({"environmentVariables": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]}, "env.yaml"),
        ({"environmentVariables": [{"name": "A", "value": "9"}, {"name": "B", "exclude": True},
                                   {"name": "C", "value": "3"}]}, "workload.yaml"))
    assert value == {"environmentVariables": [{"name": "A", "value": "9"}, {"name": "C", "value": "3"}]}
    assert prov[("environmentVariables", 0, "value")].file == "workload.yaml"
    assert [(e.list_path, e.key) for e in exclusions] == [(("environmentVariables",), "B")]


def test_extended_resources_are_keyed_by_resource_and_other_lists_replace():
    value, _, _ = merged(({"compute": {"extendedResources": [{"resource": "a", "quantity": "1"}]},
                           "nodePools": ["h100", "l40s"]}, "asset.yaml"),
                         ({"compute": {"extendedResources": [{"resource": "a", "quantity": "2"}]},
                           "nodePools": ["l40s"]}, "workload.yaml"))
    assert value["compute"]["extendedResources"] == [{"resource": "a", "quantity": "2"}]
    assert value["nodePools"] == ["l40s"]


def test_null_inherits():
    value, _, _ = merged(({"image": "a:1"}, "env.yaml"), ({"image": None}, "workload.yaml"))
    assert value == {"image": "a:1"}


_leaf = st.one_of(st.integers(), st.text(max_size=5), st.booleans())
_spec = st.dictionaries(st.sampled_from(["image", "nodeType", "workingDir"]), _leaf, max_size=3)


@given(st.lists(_spec, min_size=1, max_size=5))
def test_scalars_take_the_last_layer_that_sets_them(layers):
    value, prov, _ = merged(*[(data, f"layer{i}.yaml") for i, data in enumerate(layers)])
    for key in value:
        last = max(i for i, data in enumerate(layers) if key in data)
        assert value[key] == layers[last][key]
        assert prov[(key,)].file == f"layer{last}.yaml"
