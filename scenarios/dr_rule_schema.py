"""Keys of a DR programme rule file (需求响应结算规则): baseline, response measure, prices, tiers, penalty.

A rule is data: one YAML file per programme rule (shipped in ``scenarios/dr_rules/``, or any file named by
path in a programme's ``rule:`` key), read by :func:`scenarios.loader.load_dr_rule` with the strict YAML
loader (duplicate keys refused) into the frozen :class:`DRRule`. Every unknown key, non-finite number,
number written as a string, negative price, gap or overlap of the payment tiers is an error naming the
file and the field. The rule is then passed, as one small object, to the pure settlement functions
(:func:`vpp.demand_response.settlement.settle`, :func:`vpp.aggregator.settlement.settle_vpp`).

Maths (``B`` baseline, ``a`` metered net import [MW], ``C`` commitment [MW], ``D`` event duration [h]):

* **baseline**: of the last ``m_days`` days of the event day's class (working day / weekend day by the
  statutory calendar; holidays and shutdown days never count), the event days are removed
  (``exclude_event_days``) and the ``n_days`` most recent remaining are combined step by step by ``aggregate``
  (``mean`` or ``max``); ``m_days: null`` looks back until ``n_days`` are found;
* **day-of adjustment** (``baseline.adjustment``): ``k = Σ_w a / Σ_w B`` over the ``window_h`` hours
  that end ``gap_h`` hours before the event start, clipped to ``cap = [k_min, k_max]``; the settlement
  baseline is ``k · B``;
* **response measure**: ``energy`` — verified energy ``V = Σ_t max(B − a, 0) · dt`` (a step that goes
  the wrong way counts 0); ``average_mw`` — verified MW ``v̄ = max(0, mean_t (B − a))`` and ``V = v̄ · D``;
  ratio ``ρ = V / (C · D)``;
* **price** [CNY/MWh]: the first of the programme kind's ``notice_prices`` tiers (sorted by decreasing
  ``min_notice_h``, the last at 0 h) whose ``min_notice_h <= notice_h``;
* **payment** ``= price · c(ρ) · min(V, paid_ratio_max · C · D)`` with ``c`` the coefficient of the tier
  ``[from_ratio, to_ratio)`` holding ``ρ``; tiers start at 0, are contiguous and end open (``to_ratio: null``);
* **penalty** ``= π_pen · max(0, below_ratio · C · D − V)`` with ``π_pen = penalty.price_cny_per_mwh``
  or ``price_factor · price``;
* **capacity payment** only when ``ρ >= payment.capacity_min_ratio``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from scenarios.base import Fraction, Name, NonNeg, Pos, Strict

#: the sections of a rule whose provenance must be stated (``provenance`` keys)
RULE_SECTIONS = ("baseline", "baseline.adjustment", "response_measure", "notice_prices", "payment.tiers",
                 "payment.paid_ratio_max", "payment.capacity_min_ratio", "penalty")


class RuleSource(Strict):
    """A source a rule rests on: its id (domain data ``sources``, or ``ASSUMPTION``) and what it is."""

    id: Annotated[str, Field(min_length=1, max_length=64)]
    document: Annotated[str, Field(min_length=1, max_length=300)]
    confidence: Literal["L", "M", "H"]


class Adjustment(Strict):
    """Day-of adjustment factor (日内调整系数) from the hours before the event."""

    window_h: Pos = Field(description="length of the pre-event window [h]")
    gap_h: NonNeg = Field(description="hours between the window's end and the event start [h]")
    cap: tuple[float, float] = Field(description="[k_min, k_max] of the factor, 0 < k_min <= 1 <= k_max")

    @model_validator(mode="after")
    def _cap(self) -> "Adjustment":
        lo, hi = self.cap
        if not (0 < lo <= 1 <= hi):
            raise ValueError(f"cap [{lo}, {hi}] must satisfy 0 < k_min <= 1 <= k_max")
        return self


class BaselineRule(Strict):
    """N of M similar days, exclusions, mean or max, and the day-of adjustment."""

    n_days: Annotated[int, Field(ge=1, le=30)] = Field(description="N days combined")
    m_days: Annotated[int, Field(ge=1, le=60)] | None = Field(
        description="M: the last M days of the event day's class are candidates; null = look back until N are found")
    exclude_event_days: bool = Field(description="candidates that had an event of one of the parks are left out")
    aggregate: Literal["mean", "max"] = Field(description="step-by-step mean or max of the N days")
    adjustment: Adjustment | None = Field(description="day-of adjustment, or null for none")

    @model_validator(mode="after")
    def _nm(self) -> "BaselineRule":
        if self.m_days is not None and self.m_days < self.n_days:
            raise ValueError(f"m_days {self.m_days} must be at least n_days {self.n_days}")
        return self


class NoticeTier(Strict):
    """Price of verified response for events announced at least ``min_notice_h`` ahead."""

    min_notice_h: NonNeg
    price_cny_per_mwh: NonNeg


def _check_notice_tiers(tiers: list[NoticeTier], where: str) -> None:
    mins = [t.min_notice_h for t in tiers]
    if any(b >= a for a, b in zip(mins, mins[1:])):
        raise ValueError(f"{where}: min_notice_h must decrease strictly from tier to tier (got {mins})")
    if mins[-1] != 0:
        raise ValueError(f"{where}: the last tier must have min_notice_h 0 (got {mins[-1]}), so every notice has a price")


class NoticePrices(Strict):
    """Notice-time price tiers per programme kind."""

    peak_shaving: list[NoticeTier] = Field(min_length=1)
    valley_filling: list[NoticeTier] = Field(min_length=1)

    @model_validator(mode="after")
    def _order(self) -> "NoticePrices":
        _check_notice_tiers(self.peak_shaving, "peak_shaving")
        _check_notice_tiers(self.valley_filling, "valley_filling")
        return self

    def price(self, kind: str, notice_h: float) -> float:
        """Price [CNY/MWh] of the first tier with ``min_notice_h <= notice_h``."""
        for t in getattr(self, kind):
            if t.min_notice_h <= notice_h + 1e-9:
                return float(t.price_cny_per_mwh)
        raise ValueError(f"no notice tier for {notice_h} h")  # unreachable: the last tier is at 0 h


class PaymentTier(Strict):
    """Payment coefficient for a response ratio in ``[from_ratio, to_ratio)``."""

    from_ratio: NonNeg
    to_ratio: NonNeg | None = Field(description="exclusive upper end; null = no upper end (last tier)")
    coefficient: NonNeg = Field(description="share of the price paid in this tier")


class PaymentRule(Strict):
    """Payment tiers on the response ratio, the paid cap and the capacity-payment floor."""

    tiers: list[PaymentTier] = Field(min_length=1)
    paid_ratio_max: Annotated[float, Field(ge=1)] = Field(description="response above this × commitment is not paid")
    capacity_min_ratio: Fraction = Field(description="capacity payment only at a response ratio at least this")

    @model_validator(mode="after")
    def _tiers(self) -> "PaymentRule":
        t = self.tiers
        if t[0].from_ratio != 0:
            raise ValueError(f"tiers[0].from_ratio must be 0 (got {t[0].from_ratio}): every ratio needs a tier")
        for i, tier in enumerate(t):
            if tier.to_ratio is not None and tier.to_ratio <= tier.from_ratio:
                raise ValueError(f"tiers[{i}]: to_ratio {tier.to_ratio} must be above from_ratio {tier.from_ratio}")
            if i + 1 < len(t):
                if tier.to_ratio is None:
                    raise ValueError(f"tiers[{i}]: only the last tier may have to_ratio null")
                nxt = t[i + 1].from_ratio
                if nxt > tier.to_ratio:
                    raise ValueError(f"tiers[{i + 1}].from_ratio {nxt} leaves a gap after tiers[{i}].to_ratio {tier.to_ratio}")
                if nxt < tier.to_ratio:
                    raise ValueError(f"tiers[{i + 1}].from_ratio {nxt} overlaps tiers[{i}] (to_ratio {tier.to_ratio})")
        if t[-1].to_ratio is not None:
            raise ValueError(f"tiers[{len(t) - 1}].to_ratio must be null (no upper end), got {t[-1].to_ratio}")
        return self

    def coefficient(self, ratio: float) -> float:
        """Coefficient of the tier holding ``ratio`` (a ratio within 1e-9 of a boundary counts in the upper tier)."""
        for tier in self.tiers:
            if tier.to_ratio is None or ratio < tier.to_ratio - 1e-9:
                return float(tier.coefficient)
        return float(self.tiers[-1].coefficient)


class PenaltyRule(Strict):
    """Penalty on the shortfall below ``below_ratio`` × commitment."""

    below_ratio: Fraction
    price_factor: NonNeg | None = Field(None, description="penalty price = factor × the event's energy price")
    price_cny_per_mwh: NonNeg | None = Field(None, description="penalty price [CNY/MWh] (instead of price_factor)")

    @model_validator(mode="after")
    def _one(self) -> "PenaltyRule":
        if (self.price_factor is None) == (self.price_cny_per_mwh is None):
            raise ValueError("give exactly one of price_factor or price_cny_per_mwh")
        return self

    def price(self, energy_price_cny_per_mwh: float) -> float:
        if self.price_cny_per_mwh is not None:
            return float(self.price_cny_per_mwh)
        return float(self.price_factor) * float(energy_price_cny_per_mwh)


class DRRule(Strict):
    """One programme rule: name, version, sources, provenance of each section and the rule itself."""

    name: Name
    version: Annotated[str, Field(min_length=1, max_length=40)]
    description: Annotated[str, Field(min_length=1, max_length=2000)]
    sources: list[RuleSource] = Field(min_length=1)
    provenance: dict[str, str] = Field(
        description=f"per section ({', '.join(RULE_SECTIONS)}): source id(s) or 'ASSUMPTION', and confidence L/M/H")
    baseline: BaselineRule
    response_measure: Literal["energy", "average_mw"]
    notice_prices: NoticePrices
    payment: PaymentRule
    penalty: PenaltyRule

    @model_validator(mode="after")
    def _provenance(self) -> "DRRule":
        unknown = sorted(set(self.provenance) - set(RULE_SECTIONS))
        if unknown:
            raise ValueError(f"provenance: unknown section(s) {', '.join(unknown)} (sections: {', '.join(RULE_SECTIONS)})")
        need = [s for s in RULE_SECTIONS if s not in self.provenance
                and not (s == "baseline.adjustment" and self.baseline.adjustment is None)]
        if need:
            raise ValueError(f"provenance: state the source or ASSUMPTION of {', '.join(need)}")
        ids = {s.id for s in self.sources} | {"ASSUMPTION"}
        for sec, text in self.provenance.items():
            if not any(i in text for i in ids):
                raise ValueError(f"provenance.{sec}: name one of the rule's source ids ({', '.join(sorted(ids))})")
        return self

    @property
    def label(self) -> str:
        """``name version`` as printed by ``vpp dr`` and ``vpp aggregate``."""
        return f"{self.name} {self.version}"
