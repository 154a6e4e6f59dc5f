"""Write the example data files of the ``measured_park`` scenario.

SYNTHETIC DATA IN REAL FORMATS. None of these numbers was measured: they are generated here, from the
archetype shapes and the Changsha climate of the domain data, so that the scenario shows how one's own
files are read. Replace them with real exports (see docs/data.md).

* ``factory_meter_2024_96point.xlsx`` — the 96-point daily export of a metering system (用电信息采集系统):
  one row per day, a date column ``日期`` and 96 columns ``00:15`` … ``24:00`` of mean active power [kW]
  (interval-ending labels), the year 2024;
* ``cold_store_2024_long.csv`` — a long table ``数据时间, 有功功率(kW)`` at 30 min (interval-beginning
  stamps), the year 2024;
* ``charging_orders_2025.csv`` — a charging operator's order export (one row per session) for
  12 public DC chargers, the year 2025, GBK-encoded as such exports often are;
* ``changsha_typical_year.epw`` — an EnergyPlus weather file (typical year, hourly) for Changsha:
  pvlib clear sky scaled by seeded daily clearness to the monthly all-sky GHI of the domain data
  (ASHRAE basis), Erbs decomposition into DNI/DHI, monthly mean temperature with a daily swing.

Run ``python scenarios/data/measured_park/make_example_data.py`` to rewrite them (deterministic).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
TZ = "Asia/Shanghai"
SEED = 2024


def _shape_15min(archetype: str) -> np.ndarray:
    from vpp.domain import load_shape

    s = load_shape(archetype)
    xp = np.concatenate(([-0.5], np.arange(24) + 0.5, [24.5]))
    fp = np.concatenate(([s[-1]], s, [s[0]]))
    return np.interp((np.arange(96) + 0.5) / 4.0, xp, fp)


def _ar1(rng, n, rho=0.9, std=0.03):
    x = np.empty(n)
    x[0] = rng.standard_normal() * std
    eta = rng.standard_normal(n) * std * np.sqrt(1 - rho**2)
    for i in range(1, n):
        x[i] = rho * x[i - 1] + eta[i]
    return x


def factory_96point(rng) -> pd.DataFrame:
    from vpp.calendar_cn import day_type

    days = pd.date_range("2024-01-01", "2024-12-31", freq="D")
    shape = _shape_15min("auto_parts_2shift")
    rows = []
    for d in days:
        kind = day_type(d.date())
        level = {"workday": 1.0, "weekend": 0.72, "holiday": 0.35, "shutdown": 0.2}[kind]
        if dt.date(2024, 2, 8) <= d.date() <= dt.date(2024, 2, 18):  # Spring Festival shutdown
            level = 0.25
        p_kw = 2600.0 * level * shape * (1.0 + _ar1(rng, 96))
        rows.append([d.strftime("%Y-%m-%d"), *np.round(np.clip(p_kw, 0, None), 1)])
    cols = ["日期"] + [f"{(k + 1) // 4:02d}:{15 * ((k + 1) % 4):02d}" for k in range(96)]
    return pd.DataFrame(rows, columns=cols)


def cold_store_long(rng) -> pd.DataFrame:
    from vpp.domain import climate_monthly

    t_mean = np.asarray(climate_monthly()["t_mean_c"], dtype=float)
    idx = pd.date_range("2024-01-01", "2025-01-01", freq="30min", inclusive="left")
    shape = np.tile(_shape_15min("cold_chain_logistics").reshape(48, 2).mean(axis=1), len(idx) // 48)
    temp = t_mean[idx.month - 1]
    p_kw = 1200.0 * shape * (1.0 + 0.02 * (temp - 25.0)) * (1.0 + _ar1(rng, len(idx)))
    return pd.DataFrame({"数据时间": idx.strftime("%Y-%m-%d %H:%M"), "有功功率(kW)": np.round(p_kw, 1)})


def charging_orders(rng) -> pd.DataFrame:
    from vpp.domain import load_shape

    shape = load_shape("public_ev_charging")
    p_kw = 60.0
    days = pd.date_range("2025-01-01", "2025-12-31", freq="D")
    recs = []
    for d in days:
        n = rng.poisson(12 * 1.3)
        a = np.sort(rng.choice(24, size=n, p=shape / shape.sum()) + rng.uniform(size=n))
        dwell = np.clip(rng.lognormal(np.log(1.2), 0.5, n), 0.3, 4.0)
        for ah, dh in zip(a, dwell):
            arr = d + pd.Timedelta(minutes=int(round(ah * 60)))
            dep = arr + pd.Timedelta(minutes=int(round(dh * 60)))
            e = min(rng.uniform(15, 45), 0.9 * p_kw * (dep - arr).total_seconds() / 3600)
            recs.append((arr, dep, round(e, 2)))
    free = {f"CP{k:02d}": pd.Timestamp("2025-01-01") for k in range(1, 13)}
    out = []
    for arr, dep, e in recs:
        cp = next((c for c, t in free.items() if t <= arr), None)
        if cp is None:
            continue  # every charger busy: the driver goes elsewhere
        free[cp] = dep
        out.append({"订单编号": f"HN{arr:%Y%m%d%H%M}{cp[2:]}", "充电桩编号": cp,
                    "开始充电时间": f"{arr:%Y-%m-%d %H:%M:%S}", "结束充电时间": f"{dep:%Y-%m-%d %H:%M:%S}",
                    "充电电量(kWh)": e, "额定功率(kW)": p_kw})
    return pd.DataFrame(out)


def weather_epw(rng) -> str:
    import pvlib
    from scipy.stats import beta

    from vpp.domain import climate_monthly, site

    s = site()
    clim = climate_monthly()
    ghi_month = np.asarray(clim["ghi_ashrae_allsky_kwh_m2"], dtype=float)
    t_mean = np.asarray(clim["t_mean_c"], dtype=float)
    ends = pd.date_range("2025-01-01 01:00", periods=8760, freq="60min", tz=TZ)  # hour-ending stamps
    mid = ends - pd.Timedelta(minutes=30)
    loc = pvlib.location.Location(s["lat"], s["lon"], tz=TZ, altitude=s["alt"])
    sp = loc.get_solarposition(mid)
    cs = loc.get_clearsky(mid, model="ineichen", solar_position=sp)
    ghi = cs["ghi"].to_numpy().copy()
    day = mid.normalize()
    for m in range(1, 13):
        sel = mid.month == m
        clear_kwh = ghi[sel].sum() / 1000.0
        mu = float(np.clip(ghi_month[m - 1] / clear_kwh, 0.05, 0.95))
        udays = pd.unique(day[sel])
        u = (rng.permutation(len(udays)) + rng.uniform(size=len(udays))) / len(udays)
        k = beta.ppf(u, 3 * mu, 3 * (1 - mu))
        k *= mu / k.mean()
        kd = dict(zip(udays, k))
        ghi[sel] *= np.array([kd[x] for x in day[sel]])
    ghi = np.clip(ghi, 0, None)
    erbs = pvlib.irradiance.erbs(ghi, sp["zenith"].to_numpy(), mid.dayofyear.to_numpy())
    dni = np.nan_to_num(np.asarray(erbs["dni"]), nan=0.0)
    dhi = np.nan_to_num(np.asarray(erbs["dhi"]), nan=0.0)
    hour = mid.hour.to_numpy() + 0.5
    temp = t_mean[mid.month - 1] + 4.0 * np.sin((hour - 9.0) / 24.0 * 2 * np.pi) + rng.normal(0, 1.0, len(mid))
    dew = temp - 5.0
    head = [
        f"LOCATION,Changsha (SYNTHETIC example),HN,CHN,vpp-synthetic,576870,{s['lat']:.2f},{s['lon']:.2f},8.0,{s['alt']:.1f}",
        "DESIGN CONDITIONS,0", "TYPICAL/EXTREME PERIODS,0",
        "GROUND TEMPERATURES,0", "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0",
        "COMMENTS 1,SYNTHETIC typical year for the vpp measured_park example: not measured weather",
        "COMMENTS 2,pvlib Ineichen clear sky x seeded daily clearness matched to monthly all-sky GHI; Erbs DNI/DHI",
        "DATA PERIODS,1,1,Data,Wednesday, 1/ 1,12/31",
    ]
    lines = []
    for i, t in enumerate(ends):
        # EPW hour 1..24 ends at the stamp; 24:00 of a day is written as hour 24 of that day
        local_end = t - pd.Timedelta(seconds=1)
        hr = t.hour if t.hour != 0 else 24
        lines.append(
            f"2025,{local_end.month},{local_end.day},{hr},60,?9?9?9?9E0?9?9?9?9?9?9?9?9?9?9?9?9?9?9?9*9*9?9?9?9,"
            f"{temp[i]:.1f},{dew[i]:.1f},70,101000,9999,9999,9999,{ghi[i]:.0f},{dni[i]:.0f},{dhi[i]:.0f},"
            "999999,999999,999999,9999,180,2.0,5,5,9999,99999,9,999999999,20,0.1,0,88,0.2,0,1")
    return "\n".join(head + lines) + "\n"


def main() -> None:
    rng = np.random.default_rng(SEED)
    factory_96point(rng).to_excel(HERE / "factory_meter_2024_96point.xlsx", sheet_name="日负荷96点", index=False)
    cold_store_long(rng).to_csv(HERE / "cold_store_2024_long.csv", index=False, encoding="utf-8-sig")
    charging_orders(rng).to_csv(HERE / "charging_orders_2025.csv", index=False, encoding="gbk")
    (HERE / "changsha_typical_year.epw").write_text(weather_epw(rng), encoding="ascii")


if __name__ == "__main__":
    main()
