"""Asset kinds: one module each, registered with :mod:`optimization.registry` on import.

Adding a kind: write ``vpp/assets/<kind>.py`` with an :class:`~optimization.registry.AssetBlock`
subclass decorated with ``@register``, add its spec to ``scenarios/schema.py`` and one import here.
"""

from vpp.assets import battery, ev_charging, fixed_load, interruptible_load, pv  # noqa: F401
from vpp.assets import shiftable_load, thermal_storage  # noqa: F401
from vpp.assets import air_conditioning  # noqa: F401
from vpp.assets import data_centre, dc_building  # noqa: F401
