"""A new asset kind is one file: its schema spec and its optimisation block (docs/architecture.md).

This file adds ``constant_load`` (a load drawing ``p_mw`` at every step) and nothing else: run (with the
AC check), baseline, KPIs and the rolling-horizon evaluation pick it up through the registries.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
import pyomo.environ as pyo
import pytest
import yaml
from pydantic import Field

import vpp
from optimization.registry import AssetBlock, register, set_values
from scenarios import from_dict
from scenarios.base import AssetBase, Pos
from scenarios.schema import register_asset_spec

ROOT = Path(__file__).resolve().parents[1]


@register_asset_spec
class ConstantLoad(AssetBase):
    """A load drawing ``p_mw`` at every step (site load, pandapower ``load`` element: the defaults)."""

    kind: Literal["constant_load"]
    p_mw: Pos = Field(description="power drawn [MW]")


@register
class ConstantLoadBlock(AssetBlock):
    """``injection[a,t] = -p_load_mw[a,t]``, a parameter (no decision)."""

    kind = "constant_load"

    def build(self, b) -> None:
        b.A = pyo.Set(initialize=self.names, ordered=True)
        b.T = pyo.RangeSet(0, self.data.n_t - 1)
        b.p_load_mw = pyo.Param(b.A, b.T, mutable=True, initialize=lambda b, a, t: self.by_name[a].spec.p_mw)

    def injection_mw(self, b, asset, t):
        return -b.p_load_mw[asset, t]

    def injection_range(self, asset):
        p = np.full(self.data.n_t, -self.by_name[asset].spec.p_mw)
        return p, p

    def update(self, b, data) -> None:
        self._reload(data)
        set_values(b.p_load_mw, [[self.by_name[a].spec.p_mw] * data.n_t for a in self.names])

    def result_arrays(self, b):
        p = np.array([[self.by_name[a].spec.p_mw] * self.data.n_t for a in self.names])
        return dict(p_inject_mw=-p, q_inject_mvar=np.zeros_like(p), p_load_mw=p, cost_cny=np.zeros_like(p))


def scenario(extra_mw: float | None):
    data = yaml.safe_load((ROOT / "scenarios" / "single_park.yaml").read_text(encoding="utf-8"))
    data["horizon"]["days"] = 1
    if extra_mw is not None:
        data["parks"][0]["assets"].append({"kind": "constant_load", "name": "compressor", "p_mw": extra_mw})
    return from_dict(data)


def test_a_kind_in_one_file_runs_with_ac_check_kpis_and_rolling():
    plain, toy = vpp.run(scenario(None)), vpp.run(scenario(0.4))
    a = toy.dispatch.assets
    assert set(a.loc[a.asset == "compressor", "kind"]) == {"constant_load"}
    # 0.4 MW for 24 h of site load more, and the AC check saw the element (a pandapower load)
    assert toy.kpis["load_mwh"] - plain.kpis["load_mwh"] == pytest.approx(0.4 * 24, abs=1e-9)
    assert toy.kpis["ac_steps"] == 96 and toy.kpis["ac_nonconverged_steps"] == 0
    assert toy.kpis["substation_peak_mw_ac"] > plain.kpis["substation_peak_mw_ac"]
    assert toy.prepared.elements.element["compressor"][0] == "load"
    # energy balance of the park: import - export = -(sum of injections) at every step
    inj = a.groupby("time")["p_inject_mw"].sum().to_numpy()
    net = toy.dispatch.parks["p_net_import_mw"].to_numpy()
    assert net == pytest.approx(-inj, abs=1e-6)
    assert toy.kpis["total_cost_cny"] > plain.kpis["total_cost_cny"]
    # baseline and the rolling evaluation use the kind's update and the same bill
    base = vpp.run(scenario(0.4), strategy="baseline", ac=False)
    assert base.kpis["total_cost_cny"] >= toy.kpis["total_cost_cny"] - 1e-6
    ev = vpp.evaluate(scenario(0.4), year=2025, days=2, dr=False)
    got = ev.project.assets.loc[ev.project.assets.asset == "compressor", "p_load_mw"]
    assert len(got) == 2 * 96 and got.to_numpy() == pytest.approx(0.4)
