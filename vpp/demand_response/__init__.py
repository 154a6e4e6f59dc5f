"""Demand response (需求响应): settlement baselines, the optimised response to an event, settlement.

* :mod:`vpp.demand_response.checks`     every problem of the scenario's ``dr`` section, reported at once
* :mod:`vpp.demand_response.baseline`   similar-day settlement baseline from a simulated history
* :mod:`vpp.demand_response.settlement` verified response, payment, penalty (pure functions)
* :mod:`vpp.demand_response.event`      the response LP (no-event counterfactual + event run) and the per-park figures
* :mod:`vpp.demand_response.report`     terminal table, run folder and plot

Entry point: :func:`vpp.demand_response.event.simulate_events` (``vpp dr``). Maths and defaults: docs/demand_response.md.
"""
