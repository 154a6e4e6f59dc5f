"""One network round (vpp.dispatch.network_round): screen, stress step and tightening by hand."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from vpp.dispatch import network_round as nr

NETWORK = SimpleNamespace(vm_min_pu=0.93, vm_max_pu=1.07, loading_max_percent=100.0)


def ops(vm, loading, converged=(True, True)):
    vm, loading = np.asarray(vm, float), np.asarray(loading, float)
    return SimpleNamespace(vm_pu=vm, bus_names=["a", "b"], end_loading_percent=loading, ends=SimpleNamespace(names=["x", "y"]),
                           converged=np.asarray(converged), index=range(vm.shape[0]), pf_mw=np.zeros_like(loading))


def test_screen_watches_what_came_near_a_limit_and_only_grows():
    o = ops([[1.00, 1.06], [0.951, 1.00]], [[50, 90], [70, 10]])
    # b: 1.06 > 1.07 - 0.02; a: 0.951 is not below 0.93 + 0.02; y: 90 % > 80 %, x: 70 % is not
    assert nr.watch(o, NETWORK) == ({"b"}, {"y"})
    assert nr.watch(o, NETWORK, {"a"}, set()) == ({"a", "b"}, {"y"})
    # the capacity study's wider screen: a (0.951 < 0.96) and x (70 % > 60 %) too
    assert nr.watch(o, NETWORK, screen_vm_pu=nr.CAPACITY_SCREEN_VM_PU,
                    screen_loading=nr.CAPACITY_SCREEN_LOADING) == ({"a", "b"}, {"x", "y"})


def test_stress_step_is_the_converged_step_with_the_largest_relative_stress():
    o = ops([[1.00, 1.06], [0.95, 1.00]], [[50, 90], [70, 10]])
    # step 0: max(0.06 / 0.07, 0.90) = 0.90; step 1: max(0.05 / 0.07, 0.70) = 0.714
    assert nr.stress_step(o, 0.93, 1.07) == 0
    assert nr.stress_step(ops(o.vm_pu, o.end_loading_percent, converged=(False, True)), 0.93, 1.07) == 1


def test_tighten_adds_the_observed_excess_plus_the_extra_at_every_step():
    o = ops([[1.00, 1.08], [0.92, 1.00]], [[50, 104], [70, 10]])
    vm, ld = nr.tighten(o, NETWORK, np.zeros((2, 2)), np.ones((2, 2)))
    # a: 0.93 - 0.92 = 0.01 below, b: 1.08 - 1.07 = 0.01 above; y: 4 % over, x: none
    assert vm == pytest.approx(np.full((2, 2), 0.01 + nr.TIGHTEN_EXTRA_PU))
    assert ld == pytest.approx(np.array([[1.0, 1.0 + 4.0 + nr.TIGHTEN_EXTRA_PERCENT]] * 2))
