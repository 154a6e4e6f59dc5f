"""``vpp sweep``: a grid (or Monte Carlo) of evaluations, run in parallel, collected in one Parquet table.

Parameters are ``TARGET.FIELD=start:stop:step`` (inclusive stop) or ``TARGET.FIELD=v1,v2,...``. ``TARGET`` is
an asset name, ``park.asset``, an asset kind (every asset of that kind) or a scenario section
(``economics``, ``tariff``, ``carbon``, ``plan``: e.g. ``plan.pv_rooftop_share=0.3:0.7:0.1`` re-sizes the rooftop
PV of the plan at each point; a kind target leaves the assets the plan sized alone). Field names may use kilo-units (``e_max_kwh``); they are converted
like a scenario file. ``samples = K`` evaluates every grid point with seeds ``seed + 0..K-1`` (Monte Carlo
over the stochastic profiles). A size of 0 (``e_max_mwh``, ``p_mwp``, ``p_max_mw``, ``n_chargers``,
``p_charger_mw``) removes the asset at that point.

Each point is one :func:`vpp.evaluation.year.evaluate` call on a scenario copy. Points run on a Dask cluster:
a local one (processes) by default, or the scheduler at ``scheduler`` (``tcp://host:8786``);
``scheduler='sequential'`` runs them in this process. ``eval_kwargs['size']`` (``--size pv,battery``) sizes the
project at every point; a sweep over one carbon target (``carbon.green_share_target``, ``carbon.co2_cap_t``,
``carbon.co2_intensity_cap_kg_per_kwh``) with sizing gets the marginal abatement cost columns and a PNG next to
the table (:mod:`vpp.evaluation.mac`). A failed point gets ``status = 'error'`` and its
message; the others are kept. The table is rewritten atomically after every finished point, and a rerun
skips points whose ``point_id`` is already there with ``status = 'ok'``.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from scenarios.loader import from_dict
from scenarios.schema import Scenario
from scenarios.units import convert_unit_aliases
from vpp.errors import VppError
from vpp.evaluation.mac import target_param

SECTIONS = ("economics", "tariff", "carbon", "horizon", "solver", "plan")
SIZE_FIELDS = ("e_max_mwh", "p_mwp", "p_max_mw", "n_chargers", "p_charger_mw")


def parse_param(text: str) -> tuple[str, list[float]]:
    """``'bess.e_max_kwh=0:4000:500'`` -> (``'bess.e_max_kwh'``, ``[0, 500, ..., 4000]``)."""
    if "=" not in text:
        raise VppError(f"--param '{text}': expected TARGET.FIELD=start:stop:step or =v1,v2,...")
    key, spec = text.split("=", 1)
    if "." not in key:
        raise VppError(f"--param '{text}': the key needs TARGET.FIELD (e.g. bess.e_max_kwh)")
    try:
        if ":" in spec:
            a, b, s = (float(x) for x in spec.split(":"))
            if not all(np.isfinite([a, b, s])) or s <= 0 or b < a:
                raise ValueError
            n = int((b - a) / s + 1e-9) + 1
            if n > MAX_POINTS:
                raise VppError(f"--param '{text}': {n:,} values; a sweep takes at most {MAX_POINTS:,} points")
            vals = list(np.round(np.arange(a, b + s * 1e-9, s), 10))
        else:
            vals = [float(x) for x in spec.split(",") if x.strip()]
            if not all(np.isfinite(vals)):
                raise ValueError
    except ValueError:
        raise VppError(f"--param '{text}': range must be start:stop:step with step > 0 and stop >= start, "
                       "or finite values v1,v2,...") from None
    if not vals:
        raise VppError(f"--param '{text}': no values")
    return key.strip(), [float(v) for v in vals]


def apply_updates(scn: Scenario, updates: dict[str, float]) -> Scenario:
    """A scenario copy with ``TARGET.FIELD`` values set (validated like a scenario file)."""
    data = scn.model_dump(mode="json")
    kinds = {a.kind for _, a in scn.assets()}
    for key, value in updates.items():
        parts = key.split(".")
        target, field = ".".join(parts[:-1]), parts[-1]
        if target in SECTIONS:
            if getattr(scn, target) is None:
                raise VppError(f"--param '{key}': the scenario has no '{target}' section to vary")
            cls = type(getattr(scn, target))
            conv = convert_unit_aliases({field: value}, set(cls.model_fields))
            data[target].update(conv)
            continue
        hit = False
        for p_i, (park, asset) in enumerate(scn.assets()):
            if target in kinds and target not in (asset.name, f"{park.name}.{asset.name}") and \
                    getattr(asset, "from_roof", None) is not None:
                continue  # a kind's assets sized by the rooftop plan: vary plan.* instead
            if target in (asset.name, f"{park.name}.{asset.name}") or (target in kinds and asset.kind == target):
                conv = convert_unit_aliases({field: value}, set(type(asset).model_fields))
                remove = any(k in SIZE_FIELDS and v == 0 for k, v in conv.items())
                for pd_ in data["parks"]:
                    if remove:  # a size of 0 means: no such asset at this point
                        pd_["assets"] = [ad for ad in pd_["assets"] if ad["name"] != asset.name]
                        continue
                    for ad in pd_["assets"]:
                        if ad["name"] == asset.name:
                            ad.update(conv)
                hit = True
        if not hit:
            raise VppError(f"--param '{key}': '{target}' is neither an asset, park.asset, asset kind nor section")
    return from_dict(data, source="sweep point")


def points(params: list[tuple[str, list[float]]], samples: int) -> list[dict[str, Any]]:
    """Every combination of the parameter values × sample, with a stable ``point_id``."""
    n = samples * int(np.prod([len(v) for _, v in params], dtype=float))
    if n > MAX_POINTS:
        raise VppError(f"--param / --samples: {n:,} points; a sweep takes at most {MAX_POINTS:,}")
    keys = [k for k, _ in params]
    out = []
    for combo in itertools.product(*[v for _, v in params]):
        for s in range(samples):
            upd = dict(zip(keys, combo))
            pid = "|".join(f"{k}={v:g}" for k, v in upd.items()) + f"|sample={s}"
            out.append({"point_id": pid, "updates": upd, "sample": s})
    return out


MAX_POINTS = 100_000  # points of one sweep (each is an evaluation)


def run_key(scn: Scenario, eval_kwargs: dict[str, Any]) -> str:
    """Fingerprint of what a point's result depends on besides its own updates: the scenario and the
    evaluation options (``--days``, ``--year``, ``--horizon``); a resumed sweep reuses a point only
    under the same key."""
    import hashlib
    import json

    # the report language does not change a result: left out, so older tables resume
    blob = json.dumps({"scenario": scn.model_dump(mode="json", exclude={"report"}), "options": eval_kwargs}, sort_keys=True,
                      default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]


def period_kwargs(scn: Scenario, kw: dict[str, Any]) -> dict[str, Any]:
    """The evaluation options of every point: a year (``year``, default the scenario start's; or ``days`` >= 365)
    or representative days; a shorter ``days`` is refused (a sweep compares NPVs, which need a year).
    The floating sensitivity (a second evaluation per point) is off."""
    kw = {k: v for k, v in kw.items() if v is not None or k in ("days",)}
    if not kw.get("representative_days"):
        kw.pop("representative_days", None)
        if kw.get("days") is not None and kw["days"] < 365:
            raise VppError(f"sweep: --days {kw['days']} is shorter than a year and a sweep compares NPVs; "
                           "use the whole year (default), --year YYYY or --representative-days K")
        if kw.get("days") is None and kw.get("year") is None:
            kw["year"] = scn.horizon.start.year
    elif kw.get("days") is not None:
        raise VppError("sweep: --representative-days stands for the whole year: leave out --days")
    kw.setdefault("floating_sensitivity", False)
    return kw


def evaluate_point(scn_json: dict[str, Any], point: dict[str, Any], eval_kwargs: dict[str, Any]) -> dict[str, Any]:
    """One sweep point -> one table row (never raises: failures become ``status='error'``)."""
    from scenarios.schema import Scenario as S
    from vpp.evaluation.year import evaluate

    row: dict[str, Any] = {"point_id": point["point_id"], "sample": point["sample"], **point["updates"]}
    try:
        scn = apply_updates(S.model_validate(scn_json), point["updates"])
        if point["sample"]:
            scn = scn.model_copy(update={"seed": scn.seed + int(point["sample"])})
        ev = evaluate(scn, **{"ac": False, **eval_kwargs})  # a sweep table holds economics: no AC check per point
        k = ev.kpis
        e = k["economics"]
        row.update({
            "status": "ok", "error": None,
            "project_cost_cny": k["project"]["total_cost_cny"], "baseline_cost_cny": k["baseline"]["total_cost_cny"],
            "savings_total_cny": k["savings_total_cny"],
            **{f"savings_{p}_cny": v for p, v in k["savings_cny"].items()},
            "capex_cny": e["capex_total_cny"], "npv_cny": e["npv_cny"], "irr": e["irr"],
            "simple_payback_years": e["simple_payback_years"], "discounted_payback_years": e["discounted_payback_years"],
            "lcoe_pv_cny_per_mwh": e["lcoe_pv_cny_per_mwh"], "lcos_cny_per_mwh": e["lcos_cny_per_mwh"],
            "co2_avoided_t": k["co2_avoided_t"]["scenario"],
            "substation_peak_mw": k["grid"]["project"]["substation_peak_mw"],
            **green_columns(k),
        })
    except Exception as exc:  # a failed point is a row, not a lost sweep
        row.update({"status": "error", "error": f"{type(exc).__name__}: {exc}"})
    return row


def green_columns(k: dict[str, Any]) -> dict[str, Any]:
    """Sweep-table columns of an evaluation's green figures (project, as evaluated) and, with ``--size``, of the
    sized design in the sizing LP: sizes, annual cost (LP objective [CNY/yr]), green share, CO2, purchase."""
    g = k["green"]["project"]
    out: dict[str, Any] = {"green_share": g["green_share"], "co2_t": g["co2_t"],
                           "co2_intensity_kg_per_kwh": g["co2_intensity_kg_per_kwh"],
                           "green_purchase_mwh": g["green_purchase_mwh"], "consumption_mwh": g["consumption_mwh"]}
    sz = k.get("sizing")
    if sz:
        out["design_annual_cost_cny"] = sz["objective_cny"]
        out["design_capex_cny_per_year"] = sz["annualised_capex_cny_per_year"]
        for r in sz["assets"]:
            out[f"size_{r['asset']}_{r['quantity']}"] = r["size"]
        gz = sz.get("green")
        if gz:
            out.update({"design_green_share": gz["green_share"], "design_co2_t": gz["co2_t"],
                        "design_green_purchase_mwh": gz["green_purchase_mwh"],
                        "design_consumption_mwh": gz["consumption_mwh"]})
            for sp in gz["shadow_prices"]:
                out[f"shadow_price_{sp['target']}"] = sp["shadow_price"]
    return out


def _write(rows: list[dict[str, Any]], path: Path) -> None:
    df = pd.DataFrame(rows)
    for c in df.columns:
        if df[c].dtype == object and c not in ("point_id", "status", "error", "run_key"):
            df[c] = pd.to_numeric(df[c], errors="coerce")
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    df.to_parquet(tmp)
    os.replace(tmp, path)


def scenario_path(table: Path) -> Path:
    """The resolved scenario written beside a sweep table ``T.parquet``: ``T.scenario_resolved.yaml``
    (``vpp report T.parquet`` reads its name, description and report language from it)."""
    return table.with_name(f"{table.stem}.scenario_resolved.yaml")


def write_scenario_beside(scn: Scenario, table: Path) -> Path:
    """Write :func:`scenario_path` of ``table`` atomically (the scenario the sweep's points vary)."""
    from scenarios.loader import dump

    path = scenario_path(table)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(dump(scn), encoding="utf-8")
    os.replace(tmp, path)
    return path


def sweep(
    scn: Scenario,
    params: list[str],
    out: str | Path,
    *,
    samples: int = 1,
    scheduler: str | None = None,
    n_workers: int = 2,
    eval_kwargs: dict[str, Any] | None = None,
    progress: bool = False,
    log: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """Run the sweep and return the whole table (also written to ``out``, a ``.parquet`` file)."""
    say = log or (lambda m: None)
    if samples < 1:
        raise VppError("--samples must be at least 1")
    parsed = [parse_param(p) for p in params]
    pts = points(parsed, samples)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    rows: dict[str, dict[str, Any]] = {}
    kw = period_kwargs(scn, {"days": None, "horizon": "rolling", **(eval_kwargs or {})})
    scn_json = scn.model_dump(mode="python")
    key = run_key(scn, kw)
    if out.exists():
        try:
            old = pd.read_parquet(out)
        except Exception as exc:  # a corrupt or foreign file: say so instead of failing inside pyarrow
            raise VppError(f"sweep table '{out}' cannot be read to resume ({type(exc).__name__}); "
                           "remove it or choose another --out") from None
        if "point_id" not in old or "status" not in old:
            raise VppError(f"'{out}' is not a sweep table (no point_id/status columns); choose another --out")
        for r in old.to_dict("records"):
            rows[r["point_id"]] = r
    # a finished point is reused only if it was evaluated with the same scenario and options
    todo = [p for p in pts if rows.get(p["point_id"], {}).get("status") != "ok"
            or rows[p["point_id"]].get("run_key") != key]
    say(f"{len(pts)} point(s), {len(pts) - len(todo)} already done, {len(todo)} to run")
    write_scenario_beside(scn, out)
    bar = None
    if progress and todo:
        from tqdm import tqdm

        bar = tqdm(total=len(todo), unit="point", desc="sweep")

    def done(row):
        row["run_key"] = key
        rows[row["point_id"]] = row
        _write(list(rows.values()), out)
        if bar is not None:
            bar.update(1)

    if scheduler == "sequential":
        for p in todo:
            done(evaluate_point(scn_json, p, kw))
    elif todo:
        from dask.distributed import Client, LocalCluster, as_completed

        cluster = None
        if scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cluster)
        try:
            futs = [client.submit(evaluate_point, scn_json, p, kw, key=f"vpp-sweep-{i}-{p['point_id']}", pure=False)
                    for i, p in enumerate(todo)]
            for f in as_completed(futs):
                done(f.result())
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    if bar is not None:
        bar.close()
    order = {p["point_id"]: i for i, p in enumerate(pts)}
    df = pd.read_parquet(out) if out.exists() else pd.DataFrame(rows.values())
    df = df.assign(_o=df["point_id"].map(order)).sort_values("_o").drop(columns="_o").reset_index(drop=True)
    key_t = target_param(params)
    if key_t is not None and samples == 1 and kw.get("size"):
        from vpp.evaluation.mac import marginal_costs, plot_mac

        df = marginal_costs(df, key_t)
        _write(df.to_dict("records"), out)
        if df["abatement_t"].notna().sum() >= 2:
            png = plot_mac(df, key_t, out.with_name(out.stem + "-mac.png"))
            say(f"marginal abatement cost curve: {png}")
    elif key_t is not None:
        say("no marginal abatement cost: it needs --size (the least-cost design per target) and one sample")
    n_err = int((df["status"] != "ok").sum())
    if n_err:
        say(f"{n_err} point(s) failed: " + "; ".join(f"{r.point_id}: {r.error}" for r in df[df.status != "ok"].itertuples())[:500])
    return df
