"""Writing a run folder, atomically.

Layout of ``<out>/``::

    scenario_resolved.yaml      the scenario with every default filled in (reproduces the run)
    dispatch_assets.parquet     asset × step: p_inject_mw, q_inject_mvar, SOC, curtailment, ...
    dispatch_parks.parquet      park × step: import/export, price, TOU period, injection per kind
    costs_parks.parquet         park: energy cost, export revenue, demand charge, asset costs, peak
    powerflow_summary.parquet   step: converged, ext-grid P/Q, losses, extreme voltages and loadings
    powerflow_vm_pu.parquet     step × bus voltage [pu]
    powerflow_line_loading_percent.parquet, powerflow_trafo_loading_percent.parquet
    powerflow_violations.parquet   (time, element, kind, value, limit)
    kpis.json                   key figures, solver status and stage timings
    dispatch.png                substation import by park, price, voltage band

Everything is written into a hidden sibling folder first and renamed into place at the end, so a
crash never leaves a folder that looks complete. ``csv=True`` writes each table as CSV too.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from scenarios.loader import dump


def _clean(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {str(k): _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if isinstance(obj, float) and (math.isnan(obj) or math.isinf(obj)):
        return None
    if hasattr(obj, "item"):  # numpy scalars
        return _clean(obj.item())
    return obj


def write_json(path: Path, data: dict[str, Any]) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(json.dumps(_clean(data), indent=2, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, path)


def _table(df: pd.DataFrame, folder: Path, name: str, csv: bool) -> None:
    df = df.copy()
    df.columns = [str(c) for c in df.columns]
    df.to_parquet(folder / f"{name}.parquet")
    if csv:
        df.to_csv(folder / f"{name}.csv", index=isinstance(df.index, pd.DatetimeIndex))


def write_tables(result, folder: Path, csv: bool = False) -> None:
    """All tables of a :class:`vpp.pipeline.RunResult` into ``folder``."""
    d = result.dispatch
    _table(d.assets, folder, "dispatch_assets", csv)
    _table(d.parks, folder, "dispatch_parks", csv)
    _table(d.costs, folder, "costs_parks", csv)
    ac = result.ac
    if ac is not None:
        _table(ac.summary, folder, "powerflow_summary", csv)
        _table(ac.vm_pu, folder, "powerflow_vm_pu", csv)
        _table(ac.line_loading_percent, folder, "powerflow_line_loading_percent", csv)
        _table(ac.trafo_loading_percent, folder, "powerflow_trafo_loading_percent", csv)
        _table(ac.violations, folder, "powerflow_violations", csv)


@contextmanager
def atomic_folder(out_dir: Path) -> Iterator[Path]:
    """Yield a hidden temporary folder beside ``out_dir``; on success it replaces ``out_dir``.

    On any exception the temporary folder is removed and ``out_dir`` is left as it was, so a crash
    never leaves a folder that looks complete.
    """
    out_dir = Path(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = out_dir.parent / f".{out_dir.name}.tmp-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        yield tmp
        if out_dir.exists():
            old = out_dir.parent / f".{out_dir.name}.old-{os.getpid()}"
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def write_run(result, out_dir: Path, csv: bool = False) -> Path:
    """Write the run folder atomically and return its path."""
    from vpp.plots import plot_dispatch

    with atomic_folder(out_dir) as tmp:
        (tmp / "scenario_resolved.yaml").write_text(dump(result.scenario), encoding="utf-8")
        write_tables(result, tmp, csv)
        write_json(tmp / "kpis.json", result.kpis)
        plot_dispatch(result, tmp / "dispatch.png")
    return Path(out_dir)
