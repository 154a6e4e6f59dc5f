"""Every test starts with an empty cache of read files."""

from __future__ import annotations

import pytest

from vpp.measured import clear_cache


@pytest.fixture(autouse=True)
def _fresh_cache():
    clear_cache()
    yield
    clear_cache()
