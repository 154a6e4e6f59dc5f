"""``vpp evaluate`` and ``vpp sweep``: a year (or period) of the project against the no-project baseline.

* :mod:`~vpp.evaluation.year`: rolling or perfect-foresight schedules, bills, savings, economics, KPIs;
* :mod:`~vpp.evaluation.data`: model inputs of the period plus look-ahead;
* :mod:`~vpp.evaluation.sizing`: optimal PV / battery sizes with annualised capex;
* :mod:`~vpp.evaluation.repdays`: representative days of a year with weights (``--representative-days``);
* :mod:`~vpp.evaluation.dr_revenue`: net benefit of the scenario's DR events in the period;
* :mod:`~vpp.evaluation.outputs`: the evaluation folder;
* :mod:`~vpp.evaluation.sweep`: grids / Monte Carlo of evaluations on Dask.
"""
