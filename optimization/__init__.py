"""Pyomo dispatch model (asset-agnostic assembly), HiGHS wrapper and result tables."""

from optimization.data import ModelData, ParkInput
from optimization.model import DispatchModel, build_model, fix_baseline
from optimization.registry import REGISTRY, AssetBlock, AssetInput, register
from optimization.solve import SolveInfo, Solver, solve

__all__ = [
    "REGISTRY",
    "AssetBlock",
    "AssetInput",
    "DispatchModel",
    "ModelData",
    "ParkInput",
    "SolveInfo",
    "Solver",
    "build_model",
    "fix_baseline",
    "register",
    "solve",
]
