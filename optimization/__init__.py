"""Pyomo dispatch model (asset-agnostic assembly), the HiGHS solve session and result tables."""

from optimization.data import ModelData, ParkInput
from optimization.model import DispatchModel, build_model, fix_baseline
from optimization.registry import REGISTRY, AssetBlock, AssetInput, register
from optimization.session import SolveSession, solve
from optimization.solve import SolveInfo

__all__ = [
    "REGISTRY",
    "AssetBlock",
    "AssetInput",
    "DispatchModel",
    "ModelData",
    "ParkInput",
    "SolveInfo",
    "SolveSession",
    "build_model",
    "fix_baseline",
    "register",
    "solve",
]
