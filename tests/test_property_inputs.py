"""Property-based: mutate the shipped single_park scenario at random; every outcome of `vpp run` is
either a valid result (finite KPIs in kpis.json) or one clean `error:` line, never a crash."""

from __future__ import annotations

import json
import math
from pathlib import Path

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cli import main

ROOT = Path(__file__).resolve().parents[1]
BASE = yaml.safe_load((ROOT / "scenarios" / "single_park.yaml").read_text(encoding="utf-8"))

VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.integers(min_value=-10**12, max_value=10**12),
    st.booleans(),
    st.none(),
    st.text(max_size=8),
    st.sampled_from(["1500", "0", "-1", "2025-02-30", "1e308", ""]),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
)


def paths(node, prefix=()):
    """Every (path, value) leaf of the scenario tree."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from paths(v, (*prefix, i))
    else:
        yield prefix


LEAVES = list(paths(BASE))


def mutate(path, value):
    data = yaml.safe_load(yaml.safe_dump(BASE))
    node = data
    for k in path[:-1]:
        node = node[k]
    node[path[-1]] = value
    return data


def finite(obj) -> bool:
    if isinstance(obj, dict):
        return all(finite(v) for v in obj.values())
    if isinstance(obj, list):
        return all(finite(v) for v in obj)
    return not (isinstance(obj, float) and not math.isfinite(obj))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.sampled_from(LEAVES), value=VALUES)
def test_a_mutated_scenario_gives_a_result_or_one_clean_error(tmp_path_factory, path, value):
    tmp = tmp_path_factory.mktemp("p")
    scn = tmp / "s.yaml"
    scn.write_text(yaml.safe_dump(mutate(path, value), sort_keys=False, allow_unicode=True), encoding="utf-8")
    out = tmp / "out"
    r = CliRunner().invoke(main, ["run", str(scn), "--no-ac", "--out", str(out)])
    assert "Traceback" not in r.output and "internal error" not in r.output, (path, value, r.output)
    if r.exit_code == 0:
        k = json.loads((out / "kpis.json").read_text(encoding="utf-8"))
        assert finite(k), (path, value)
        assert "NaN" not in (out / "kpis.json").read_text(encoding="utf-8")
    else:
        assert r.exit_code == 1, (path, value, r.output)
        errors = [line for line in r.output.splitlines() if line.startswith("error: ")]
        assert len(errors) == 1, (path, value, r.output)
        assert not out.exists()
