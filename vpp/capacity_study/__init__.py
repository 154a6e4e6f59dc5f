"""``vpp capacity``: curtailable (down) and valley-filling (up) capacity of parks and the district.

* :mod:`~vpp.capacity_study.model`: the capacity LP of one scope and day (one solve session per sweep);
* :mod:`~vpp.capacity_study.sample`: the sampled day's scenario and model data;
* :mod:`~vpp.capacity_study.grid`: linearised feeder limits in the window LP and the AC check of windows;
* :mod:`~vpp.capacity_study.study`: settings, the sweep over scopes × samples, statistics, the folder;
* :mod:`~vpp.capacity_study.plot`: capacity–duration plots.
"""
