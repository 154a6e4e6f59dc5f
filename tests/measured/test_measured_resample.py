"""Energy-conserving resampling (vpp.measured.resample.resample_energy)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vpp.measured import resample_energy


def _energy(p: pd.Series, step_min: int) -> float:
    return float(p.sum() * step_min / 60.0)


def test_5_to_15_to_60_min_keeps_the_energy():
    rng = np.random.default_rng(3)
    p5 = pd.Series(rng.uniform(0.0, 4.0, 288 * 9), index=pd.date_range("2024-03-01", periods=288 * 9, freq="5min"))
    p15 = resample_energy(p5, 15)
    p60 = resample_energy(p15, 60)
    e5 = _energy(p5, 5)
    assert len(p15) == 96 * 9 and len(p60) == 24 * 9
    assert abs(_energy(p15, 15) - e5) / e5 < 1e-9
    assert abs(_energy(p60, 60) - e5) / e5 < 1e-9
    # every hour holds the mean of its twelve 5 min values
    np.testing.assert_allclose(p60.to_numpy(), p5.to_numpy().reshape(-1, 12).mean(axis=1), rtol=1e-12)
    assert p60.index[1] - p60.index[0] == pd.Timedelta(hours=1)


def test_60_to_15_min_is_a_step_profile():
    p60 = pd.Series([1.0, 3.0, 2.0], index=pd.date_range("2025-01-01", periods=3, freq="60min"))
    p15 = resample_energy(p60, 15)
    np.testing.assert_allclose(p15.to_numpy(), np.repeat([1.0, 3.0, 2.0], 4), rtol=0, atol=1e-12)
    assert p15.index[0] == pd.Timestamp("2025-01-01 00:00") and p15.index[-1] == pd.Timestamp("2025-01-01 02:45")


def test_10_to_15_min_not_a_multiple():
    p10 = pd.Series([6.0, 3.0, 0.0, 9.0, 3.0, 6.0], index=pd.date_range("2025-01-01", periods=6, freq="10min"))
    p15 = resample_energy(p10, 15)
    # [00:00, 00:15) = 10 min of 6 MW + 5 min of 3 MW; [00:15, 00:30) = 5 min of 3 + 10 min of 0 ...
    np.testing.assert_allclose(p15.to_numpy(), [5.0, 1.0, 7.0, 5.0], atol=1e-12)
    assert abs(_energy(p15, 15) - _energy(p10, 10)) < 1e-12


def test_unaligned_start_keeps_whole_target_intervals_only():
    p10 = pd.Series(1.0, index=pd.date_range("2025-01-01 00:10", periods=12, freq="10min"))  # 00:10 – 02:10
    p30 = resample_energy(p10, 30)
    assert p30.index[0] == pd.Timestamp("2025-01-01 00:30") and p30.index[-1] == pd.Timestamp("2025-01-01 01:30")
    np.testing.assert_allclose(p30.to_numpy(), 1.0)


def test_tz_aware_series_keeps_its_zone():
    idx = pd.date_range("2025-07-22", periods=96, freq="15min", tz="Asia/Shanghai")
    p = pd.Series(np.arange(96.0), index=idx)
    p60 = resample_energy(p, 60)
    assert str(p60.index.tz) == "Asia/Shanghai" and p60.index[0] == idx[0] and len(p60) == 24
    assert abs(_energy(p60, 60) - _energy(p, 15)) < 1e-9


def test_irregular_series_refused():
    idx = pd.DatetimeIndex(["2025-01-01 00:00", "2025-01-01 00:15", "2025-01-01 00:45"])
    with pytest.raises(ValueError, match="regular"):
        resample_energy(pd.Series([1.0, 2.0, 3.0], index=idx), 15)
