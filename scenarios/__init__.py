"""Scenario schema, loader and the shipped scenario files."""

from scenarios.loader import dump, from_dict, load, resolve, shipped
from scenarios.schema import Scenario

__all__ = ["Scenario", "dump", "from_dict", "load", "resolve", "shipped"]
