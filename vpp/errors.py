"""User-facing errors.

Every problem a user can cause (bad scenario, unknown bus, infeasible EV demand, solver failure, ...)
is raised as a :class:`VppError` subclass whose ``str()`` is one clear line naming the field or asset.
The CLI prints that line and exits with code 1; a traceback only appears with ``--debug``.
"""

from __future__ import annotations

from dataclasses import dataclass


class VppError(Exception):
    """Base class of all errors meant for the user (one line, exit code 1)."""


@dataclass(frozen=True)
class Problem:
    """One validation problem: where it is (dotted path) and what is wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ScenarioError(VppError):
    """A scenario file that cannot be used; carries every problem found, reported at once."""

    def __init__(self, source: str, problems: list[Problem]):
        self.source = source
        self.problems = list(problems)
        n = len(self.problems)
        head = f"{source}: {n} problem{'s' if n != 1 else ''}"
        if n == 1:
            super().__init__(f"{head}: {self.problems[0]}")
        else:
            super().__init__(head + "\n" + "\n".join(f"  - {p}" for p in self.problems))


class NetworkError(VppError):
    """A network that cannot be built or does not contain what the scenario refers to."""


class InfeasibleError(VppError):
    """The dispatch problem has no solution; the message names the asset and constraint."""


class SolverError(VppError):
    """The solver failed or stopped without a usable solution."""


class PowerFlowError(VppError):
    """AC power flow could not be run at all (single non-converged steps are recorded, not raised)."""


class OutputError(VppError):
    """An output folder that vpp must not or cannot write (not written by vpp, a file, read-only, busy)."""


class DataError(VppError):
    """A data file that cannot be used; the message names the file, sheet, row or timestamp."""
