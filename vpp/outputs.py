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


MARKER = ".vpp-run"  # written into every folder vpp creates; only such a folder is ever replaced
LEGACY_MARKER = "scenario_resolved.yaml"  # folders of earlier versions (no marker yet) are vpp's too


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``); False where the
    system or file system cannot, and the caller falls back to two renames."""
    try:
        import ctypes

        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return fn(at_fdcwd, os.fsencode(str(a)), at_fdcwd, os.fsencode(str(b)), rename_exchange) == 0


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def _leftovers(out_dir: Path) -> list[tuple[Path, str, int]]:
    """Hidden temp / old / lock entries of ``out_dir`` as (path, what, pid)."""
    out = []
    for p in out_dir.parent.glob(f".{out_dir.name}.*"):
        head, _, pid = p.name.rpartition("-")
        what = head[len(out_dir.name) + 2:]
        if what in ("tmp", "old", "lock") and pid.isdigit():
            out.append((p, what, int(pid)))
    return out


def check_out_dir(out_dir: str | Path, container: bool = False) -> Path:
    """Refuse, before any work, an output folder vpp must not or cannot write.

    ``out_dir`` may not exist yet (its parent must be creatable and writable), or be an empty folder,
    or a folder vpp wrote earlier (marker ``.vpp-run``, or ``scenario_resolved.yaml`` of earlier
    versions). Anything else (a file, a folder of one's own, a read-only place) is a
    :class:`~vpp.errors.OutputError` naming the path. Leftovers of killed runs are cleaned here: the
    hidden temporary folders of dead processes are removed, and a previous run that a kill left
    renamed aside is put back. ``container=True``: a folder that only receives sub-folders (one per DR
    event or VPP, each checked when it is written): it may hold other things.
    """
    from vpp.errors import OutputError

    out_dir = Path(out_dir)
    for p in [out_dir, *out_dir.parents]:
        if p.exists():
            if not p.is_dir():
                raise OutputError(f"output folder '{out_dir}': '{p}' is a file, not a folder")
            if not os.access(p, os.W_OK | os.X_OK):
                raise OutputError(f"output folder '{out_dir}': '{p}' is not writable")
            break
    if out_dir.parent.exists():
        for path, what, pid in _leftovers(out_dir):
            if pid == os.getpid():  # this process's own lock and temporary folder
                continue
            if _pid_alive(pid):
                if what == "lock":
                    raise OutputError(f"output folder '{out_dir}': another vpp process (pid {pid}) is writing it; "
                                      "wait for it or choose another --out")
                continue
            if what == "old" and not out_dir.exists():  # killed between the two renames of a swap
                os.replace(path, out_dir)
            elif path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    if not container and out_dir.is_dir() and any(out_dir.iterdir()):
        if not ((out_dir / MARKER).exists() or (out_dir / LEGACY_MARKER).exists()):
            raise OutputError(f"output folder '{out_dir}' exists and was not written by vpp (no {MARKER} marker): "
                              "refusing to replace it; choose another --out or empty it")
    return out_dir


@contextmanager
def atomic_folder(out_dir: Path) -> Iterator[Path]:
    """Yield a hidden temporary folder beside ``out_dir``; on success it replaces ``out_dir``.

    On any exception the temporary folder is removed and ``out_dir`` is left as it was, so a crash
    never leaves a folder that looks complete. Only a folder vpp wrote is replaced
    (:func:`check_out_dir`), one process at a time (a lock file beside it); the new folder carries
    the ``.vpp-run`` marker. The swap is one atomic exchange of the two folders on Linux; elsewhere two
    renames (old aside, new in place), and a kill between them is repaired by the next run
    (:func:`check_out_dir` puts the old folder back).
    """
    from vpp.errors import OutputError

    out_dir = check_out_dir(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    pid = os.getpid()
    lock = out_dir.parent / f".{out_dir.name}.lock-{pid}"
    try:
        lock.touch(exist_ok=False)
    except OSError as exc:
        raise OutputError(f"output folder '{out_dir}': cannot write beside it ({exc.strerror})") from None
    try:
        others = [p for p, what, other in _leftovers(out_dir) if what == "lock" and other != pid and _pid_alive(other)]
        if others:
            raise OutputError(f"output folder '{out_dir}': another vpp process is writing it; choose another --out")
        tmp = out_dir.parent / f".{out_dir.name}.tmp-{pid}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir()
        try:
            yield tmp
            (tmp / MARKER).write_text(json.dumps({"written_by": "vpp", "pid": pid}), encoding="utf-8")
            check_out_dir(out_dir)  # still replaceable (nothing else put a folder there meanwhile)
            if out_dir.exists():
                if _exchange(tmp, out_dir):  # one atomic step: the old run now sits in tmp
                    shutil.rmtree(tmp, ignore_errors=True)
                else:
                    old = out_dir.parent / f".{out_dir.name}.old-{pid}"
                    os.replace(out_dir, old)
                    os.replace(tmp, out_dir)
                    shutil.rmtree(old, ignore_errors=True)
            else:
                os.replace(tmp, out_dir)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    finally:
        lock.unlink(missing_ok=True)


def write_run(result, out_dir: Path, csv: bool = False) -> Path:
    """Write the run folder atomically and return its path."""
    from vpp.plots import plot_dispatch

    with atomic_folder(out_dir) as tmp:
        (tmp / "scenario_resolved.yaml").write_text(dump(result.scenario), encoding="utf-8")
        write_tables(result, tmp, csv)
        write_json(tmp / "kpis.json", result.kpis)
        plot_dispatch(result, tmp / "dispatch.png")
    return Path(out_dir)
