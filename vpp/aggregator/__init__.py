"""Virtual power plant (虚拟电厂): aggregate parks, answer grid instructions, bid, envelope, admission.

Modules (one job each): ``checks`` (scenario problems, all at once), ``portfolio`` (members, terms,
instruction windows, settlement baselines), ``joint`` (the joint/alone/pro-rata response LPs and set-points),
``settlement`` (VPP-level settlement and its split over parks and aggregator), ``bids`` (bid curve),
``envelope`` (flexibility band at the substation), ``admission`` (Hunan entry rules and capability test),
``report`` (tables, plots, atomic run folder) and ``run`` (``vpp aggregate``). Maths: docs/vpp.md.
"""
