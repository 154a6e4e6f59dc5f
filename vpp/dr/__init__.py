"""Demand response (需求响应): settlement baselines, the optimised response to an event, settlement.

* :mod:`vpp.dr.checks`     every problem of the scenario's ``dr`` section, reported at once
* :mod:`vpp.dr.baseline`   similar-day settlement baseline from a simulated history
* :mod:`vpp.dr.settlement` verified response, payment, penalty (pure functions)
* :mod:`vpp.dr.event`      the response LP (no-event counterfactual + event run) and the per-park figures
* :mod:`vpp.dr.report`     terminal table, run folder and plot

Entry point: :func:`vpp.dr.event.simulate_events` (``vpp dr``). Maths and defaults: docs/demand_response.md.
"""
