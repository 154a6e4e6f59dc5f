"""Scenario schema (pydantic v2): every key, its unit, range and default.

A scenario is a YAML file validated against :class:`Scenario`. Unknown keys are rejected, kilo-units
are accepted and converted (see :mod:`scenarios.units`), and all problems are reported at once.
Defaults come from ``vpp/data/hunan_yuhua.yaml`` (a copy of the project's sourced domain data); the
source key and confidence of each default is given in the field description.

Sign convention: powers of assets are magnitudes (non-negative); in the optimisation, injection into
the grid is positive.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, ClassVar, Literal, Union

from pydantic import Field, model_validator

from scenarios.base import LOAD_ARCHETYPES, Archetype, AssetBase, Fraction, Name, NonNeg, Pos, Strict  # noqa: F401
from scenarios.billing_schema import ParkBilling
from scenarios.capacity_schema import CapacityStudy
from scenarios.carbon_schema import Carbon  # noqa: F401 (re-exported)
from scenarios.data_centre_schema import DataCentre
from scenarios.dc_building_schema import DCBuilding
from scenarios.dr_schema import DRConfig
from scenarios.economics_schema import Economics
from scenarios.flex_schema import ShiftableLoad, ThermalStorage
from scenarios.hvac_schema import AirConditioning
from scenarios.data_schema import ProfileFile
from scenarios.load_base import ProfileLoad
from scenarios.pv_data_schema import SessionsFile, WeatherFile
from scenarios.roof_schema import Plan, Roof, RoofSizing
from scenarios.network_schema import NetworkConstraints
from scenarios.vpp_schema import VPP


# --------------------------------------------------------------------------------------------- time
class Horizon(Strict):
    """Simulated period. Time index is tz-aware Asia/Shanghai, interval-beginning labels."""

    start: dt.date = Field(dt.date(2025, 7, 22), ge=dt.date(1990, 1, 1), le=dt.date(2100, 12, 31),
                           description="first simulated day (local date), 1990-2100")
    days: int = Field(1, ge=1, le=400, description="number of simulated days")
    resolution_min: Literal[5, 10, 15, 30, 60] = Field(15, description="step length [min]; 15 = DR/metering settlement")


#: default smoothing weight [CNY per MW of power change]; chosen by measurement (docs/architecture.md)
SMOOTHING_CNY_PER_MW = 0.1


class Solver(Strict):
    """HiGHS options and the dispatch LP's tie-break."""

    time_limit_s: Pos = 300.0
    mip_rel_gap: Annotated[float, Field(ge=0, le=1)] = 1e-4
    smoothing_cny_per_mw: NonNeg = Field(
        SMOOTHING_CNY_PER_MW,
        description="weight of the smoothing term [CNY per MW of change of a battery's or EV group's power between "
                    "consecutive steps]: among schedules of equal bill the LP prefers the smooth one; not billed "
                    "(reported as smoothing_penalty_cny); 0 = off. ASSUMPTION, confidence L: a modelling weight, "
                    "chosen so that the bill of every shipped scenario moves by < 0.01 % (docs/architecture.md)")


# ------------------------------------------------------------------------------------------ network
class FeederNode(Strict):
    """One 10 kV node (ring-main unit / park connection point) along a radial cable feeder."""

    bus: Name = Field(description="name of the 10 kV bus created at the end of this cable section")
    length_km: Pos = Field(description="cable length from the previous node [km]")
    cable_type: str | None = Field(None, description="std type of this section; default: the feeder's")


class Feeder(Strict):
    name: Name
    section: int = Field(1, ge=1, description="10 kV busbar section (one per main transformer)")
    cable_type: str = Field("YJV22-8.7/15-3x300", description="trunk cable std type (S_IEC60228, confidence M)")
    nodes: list[FeederNode] = Field(min_length=1)


class Substation(Strict):
    name: Name = "substation"
    transformer_type: str = Field("SZ11-50000/110", description="110/10 kV std type (S_GB20052, confidence M/L)")
    n_transformers: int = Field(2, ge=1, le=4, description="one 10 kV busbar section per transformer")
    vn_hv_kv: Pos = 110.0
    vm_pu: Pos = Field(1.0, description="voltage set-point of the 110 kV external grid [pu]")
    tap_pos: int = Field(0, description="main transformer tap position (OLTC)")


class Network(Strict):
    """The grid. ``radial_district`` is built from feeders listed here; others are loaded."""

    kind: Literal["radial_district", "case33bw", "pandapower_json"] = "radial_district"
    substation: Substation = Substation()
    feeders: list[Feeder] = Field(default_factory=list)
    path: str | None = Field(None, description="pandapower JSON file (kind pandapower_json), relative to the scenario")
    vm_min_pu: Pos = Field(0.93, description="GB/T 12325-2008 lower limit for <=20 kV (S_GBT12325, H)")
    vm_max_pu: Pos = Field(1.07, description="GB/T 12325-2008 upper limit for <=20 kV (S_GBT12325, H)")
    loading_max_percent: Pos = Field(100.0, description="cable and transformer thermal limit [%]")

    @model_validator(mode="after")
    def _check(self) -> "Network":
        if self.kind == "radial_district" and not self.feeders:
            raise ValueError("kind 'radial_district' needs at least one feeder")
        if self.kind == "pandapower_json" and not self.path:
            raise ValueError("kind 'pandapower_json' needs 'path'")
        if self.kind != "radial_district" and self.feeders:
            raise ValueError(f"'feeders' build a radial_district network; kind '{self.kind}' brings its own "
                             "lines (remove 'feeders' or use kind radial_district)")
        if self.kind != "pandapower_json" and self.path:
            raise ValueError(f"'path' is read for kind 'pandapower_json' only (kind is '{self.kind}')")
        if self.vm_min_pu >= self.vm_max_pu:
            raise ValueError("vm_min_pu must be below vm_max_pu")
        for f in self.feeders:
            if f.section > self.substation.n_transformers:
                raise ValueError(
                    f"feeder '{f.name}' is on section {f.section} but the substation has "
                    f"{self.substation.n_transformers} transformer(s)"
                )
        return self


# ------------------------------------------------------------------------------------------- tariff
MAX_PRICE_CNY_PER_MWH = 100_000.0  # 100 CNY/kWh: far above any tariff (Hunan peaks are ~1.2 CNY/kWh)

class Tariff(Strict):
    """Hunan industrial & commercial tariff, TOU periods of 湘发改价调〔2025〕385号 (S_TOU_HN_2025, H).

    Price levels are ASSUMPTIONS (confidence L, domain README §1.3): replace them with the current
    State Grid Hunan agency-purchase table.
    """

    kind: Literal["hunan_tou_2025"] = "hunan_tou_2025"
    billing: Literal["two_part_demand", "two_part_capacity", "single_part"] = Field(
        "two_part_demand", description="two-part with demand (需量) or capacity (容量) charge, or single-part"
    )
    flat_price_cny_per_mwh: Pos | None = Field(
        None, le=MAX_PRICE_CNY_PER_MWH,
        description="flat-period price; default 600 (two-part) or 650 (single-part) CNY/MWh, ASSUMPTION L"
    )
    floating: Literal["whole", "energy_only"] = Field(
        "whole", description="'whole': the whole price floats with the TOU ratio; 'energy_only': only the part above non_floating"
    )
    non_floating_cny_per_mwh: NonNeg = Field(250.0, le=MAX_PRICE_CNY_PER_MWH, description="T&D + funds + system charges that do not float (ASSUMPTION L)")
    demand_charge_cny_per_mw_month: NonNeg = Field(33000.0, le=1e6, description="33 CNY/kW·month on max demand (ASSUMPTION L)")
    capacity_charge_cny_per_mva_month: NonNeg = Field(22000.0, le=1e6, description="22 CNY/kVA·month on transformer kVA (ASSUMPTION L)")
    export_price_cny_per_mwh: float = Field(350.0, ge=-MAX_PRICE_CNY_PER_MWH, le=MAX_PRICE_CNY_PER_MWH, description="PV export price, 0.35 CNY/kWh (ASSUMPTION L; coal benchmark 0.45, S_COAL_BENCH)")
    multipliers: dict[Literal["valley", "flat", "peak", "critical"], Pos] = Field(
        default_factory=lambda: {"valley": 0.4, "flat": 1.0, "peak": 1.6, "critical": 1.92},
        description="price ratio to flat per period (S_TOU_HN_2025, H)",
    )

    @property
    def flat_cny_per_mwh(self) -> float:
        if self.flat_price_cny_per_mwh is not None:
            return self.flat_price_cny_per_mwh
        return 650.0 if self.billing == "single_part" else 600.0


# ------------------------------------------------------------------------------------------- assets
#: physical ranges of a park asset (far above any industrial park: a typo of units, not a design)
MAX_ASSET_MW = 10_000.0
MAX_ASSET_MWH = 100_000.0

class FixedLoad(ProfileLoad):
    """Inflexible consumption: archetype shape (domain §6.2, ASSUMPTION L) × peak with seeded noise, or a
    measured file (``profile``)."""

    kind: Literal["fixed_load"]
    peak_load: ClassVar[bool] = True
    q_from_cos_phi: ClassVar[bool] = True
    p_peak_mw: Pos = Field(le=MAX_ASSET_MW, description="peak of the daily shape [MW]")
    cos_phi: Annotated[float, Field(gt=0, le=1)] = 0.95
    noise_std_pu: Annotated[float, Field(ge=0, le=0.5)] = 0.03
    weekend_factor: Annotated[float, Field(ge=0, le=1.5)] | None = Field(None, description="default by archetype")


class PV(AssetBase):
    """Rooftop PV: pvlib clear-sky on Changsha, scaled to the monthly resource, seeded cloudiness; or
    measured AC output (``production``), or the output a weather file gives through pvlib (``weather``)."""

    kind: Literal["pv"]
    profile_builder: ClassVar[str | None] = "pv"
    pp_table: ClassVar[str] = "sgen"
    site_load: ClassVar[bool] = False
    p_mwp: Pos = Field(le=MAX_ASSET_MW, description="DC peak power [MWp]")
    dc_ac_ratio: Annotated[float, Field(ge=0.8, le=2.0)] = 1.1
    tilt_deg: Annotated[float, Field(ge=0, le=90)] = 20.0
    azimuth_deg: Annotated[float, Field(ge=0, lt=360)] = 180.0
    annual_yield_kwh_per_kwp: Pos = Field(975.0, description="target AC yield of the synthetic model (S_PVLIB_CALC+S_HN_TOOL, M); "
                                          "not used with `production` or `weather`")
    curtailment_cost_cny_per_mwh: NonNeg = 0.0
    s_max_mva: Pos | None = Field(
        None, description="inverter apparent-power rating [MVA] for reactive control; default 1.1 × p_ac_max_mw "
        "(string inverters' max apparent power, ASSUMPTION L)")
    production: ProfileFile | None = Field(
        None, description="measured AC output of a PV plant (inverter or meter export, docs/data.md); replaces the "
        "synthetic model")
    production_p_mwp: Pos | None = Field(
        None, le=MAX_ASSET_MW, description="DC size of the plant whose output `production` holds [MWp]; the output is "
        "scaled by p_mwp / production_p_mwp (default: the file is this asset's own output, no scaling)")
    weather: WeatherFile | None = Field(
        None, description="weather file (EPW, TMY3, CSV) turned into AC output with pvlib (docs/data.md); replaces "
        "the synthetic model")
    from_roof: RoofSizing | None = Field(
        None, description="set by the scenario's rooftop plan (scenarios/plan.py): the roof and figures p_mwp was "
        "sized from; p_mwp must equal them (remove from_roof to size the asset by hand)")

    @model_validator(mode="after")
    def _one_source(self) -> "PV":
        if self.production is not None and self.weather is not None:
            raise ValueError("give production (measured output) or weather (a weather file), not both")
        if self.production_p_mwp is not None and self.production is None:
            raise ValueError("production_p_mwp is set but there is no production file")
        if self.from_roof is not None and abs(self.p_mwp - self.from_roof.p_mwp) > 1e-9 * max(1.0, self.p_mwp):
            raise ValueError(f"p_mwp {self.p_mwp:g} differs from its roof sizing {self.from_roof.p_mwp:g} MWp "
                             "(from_roof); remove from_roof to size the asset by hand")
        return self

    @property
    def p_ac_max_mw(self) -> float:
        return self.p_mwp / self.dc_ac_ratio

    @property
    def s_rated_mva(self) -> float:
        """Inverter apparent-power rating [MVA] (network constraints: p² + q² <= s²)."""
        return self.s_max_mva if self.s_max_mva is not None else 1.1 * self.p_ac_max_mw


class Battery(AssetBase):
    """Battery storage. Round-trip efficiency 0.85 AC-AC (S_NREL_ATB, H) split evenly by default."""

    kind: Literal["battery"]
    pp_table: ClassVar[str] = "storage"
    site_load: ClassVar[bool] = False
    p_max_mw: Pos = Field(le=MAX_ASSET_MW, description="charge and discharge power limit [MW]")
    e_max_mwh: Pos = Field(le=MAX_ASSET_MWH, description="usable nameplate energy [MWh]")
    soc_min: Fraction = 0.1
    soc_max: Fraction = 0.95
    soc_init: Fraction = 0.5
    soc_end: Fraction | None = Field(None, description="minimum SOC at the end of the horizon; default soc_init")
    eta_charge: Annotated[float, Field(gt=0, le=1)] = 0.922
    eta_discharge: Annotated[float, Field(gt=0, le=1)] = 0.922
    degradation_cost_cny_per_mwh: NonNeg = Field(0.0, description="cost per MWh discharged (throughput)")
    s_max_mva: Pos | None = Field(
        None, description="converter (PCS) apparent-power rating [MVA] for reactive control; default p_max_mw (ASSUMPTION L)")

    @property
    def s_rated_mva(self) -> float:
        """Converter apparent-power rating [MVA] (network constraints: p² + q² <= s²)."""
        return self.s_max_mva if self.s_max_mva is not None else self.p_max_mw

    @model_validator(mode="after")
    def _soc(self) -> "Battery":
        if self.soc_min > self.soc_max:
            raise ValueError(f"soc_min {self.soc_min} is above soc_max {self.soc_max}")
        for f in ("soc_init", "soc_end"):
            v = getattr(self, f)
            if v is not None and not (self.soc_min <= v <= self.soc_max):
                raise ValueError(f"{f} {v} is outside [soc_min, soc_max] = [{self.soc_min}, {self.soc_max}]")
        return self


class EVSession(Strict):
    """One charging session. Times are local; departure may be on a later day."""

    arrival: dt.datetime
    departure: dt.datetime
    e_mwh: Pos = Field(description="energy the vehicle needs by departure [MWh]")
    p_max_mw: Pos | None = Field(None, description="vehicle limit; default the charger's power")

    @model_validator(mode="after")
    def _order(self) -> "EVSession":
        if self.departure <= self.arrival:
            raise ValueError("departure must be after arrival")
        return self


class EVCharging(AssetBase):
    """A group of chargers. Sessions are generated (seeded) from ``profile`` or listed explicitly."""

    kind: Literal["ev_charging"]
    profile_builder: ClassVar[str | None] = "ev_sessions"
    site_load: ClassVar[bool] = False
    n_chargers: int = Field(ge=1, le=100_000)
    p_charger_mw: Pos = Field(le=10.0, description="power per charger [MW]; public DC avg 45 kW (S_NEA_EV_2025, H)")
    profile: Literal["workplace", "public", "bus_depot", "logistics_fleet"] = "public"
    sessions_per_charger_per_day: Annotated[float, Field(ge=0, le=10)] = 1.0
    e_session_min_mwh: Pos = 0.010
    e_session_max_mwh: Pos = 0.050
    sessions: list[EVSession] | None = Field(None, description="explicit sessions; replaces generation")
    sessions_file: SessionsFile | None = Field(
        None, description="the charging operator's session records (CSV/Excel, docs/data.md); replaces generation")
    model: Literal["sessions", "envelope", "auto"] = Field(
        "auto", description="per-session variables, or an aggregated energy envelope ('auto': envelope above 200 sessions)"
    )
    unmet_penalty_cny_per_mwh: NonNeg = 20000.0
    # flexibility as it is (vpp/assets/ev_charging.py, docs/ev.md)
    participation_share: Fraction = Field(
        1.0, description="share of sessions whose drivers opted in to managed charging; the others charge at full "
        "power from arrival (drawn per session, reproducibly; ASSUMPTION: 1.0 = every driver opted in)")
    departure_uncertainty_h: float = Field(
        0.0, ge=0, le=24, description="drivers may leave up to this many hours before the recorded departure: the "
        "energy is planned by departure minus this (robust, worst-case early departure); public/workplace only")
    v2g: bool = Field(False, description="bidirectional chargers: vehicles may discharge to the park while plugged "
                      "in (bus_depot and logistics_fleet only)")
    v2g_p_max_mw: Pos | None = Field(None, le=10.0, description="discharge power per charger [MW]; default p_charger_mw")
    v2g_battery_mwh: Pos | None = Field(
        None, le=10.0, description="usable battery per vehicle [MWh]; vehicles leave full, so one arrives with "
        "battery minus its session energy; default: unknown, the vehicle never goes below its plug-in level")
    v2g_soc_min: Fraction = Field(0.2, description="lowest state of charge V2G may leave a vehicle at, as a share of "
                                  "v2g_battery_mwh (ASSUMPTION L: operators keep a 20 % reserve)")
    battery_wear_cost_cny_per_mwh: NonNeg = Field(
        100.0, le=MAX_PRICE_CNY_PER_MWH, description="vehicle battery wear per MWh discharged to the park (V2G): "
        "0.4646 CNY/Wh pack cost (bess.system_2h_tender_ceec, S_BESS_CEEC_2025, H) / (6000 cycles × 0.8 depth, "
        "bess.cycle_life, M) = 97 -> 100 CNY/MWh, ASSUMPTION L (a vehicle pack costs more and cycles less)")

    @model_validator(mode="after")
    def _range(self) -> "EVCharging":
        if self.e_session_min_mwh > self.e_session_max_mwh:
            raise ValueError("e_session_min_mwh is above e_session_max_mwh")
        if self.sessions is not None and self.sessions_file is not None:
            raise ValueError("give sessions (listed in the scenario) or sessions_file (records in a file), not both")
        fleet = self.profile in ("bus_depot", "logistics_fleet")
        if self.departure_uncertainty_h > 0 and fleet:
            raise ValueError(f"departure_uncertainty_h is for public and workplace charging; {self.profile} "
                             "vehicles keep their hard departure times (set it to 0)")
        if self.v2g and not fleet:
            raise ValueError(f"v2g is offered for bus_depot and logistics_fleet chargers only (profile is "
                             f"'{self.profile}'): a scheduled fleet knows when its vehicles leave")
        if self.v2g and self.model == "envelope":
            raise ValueError("v2g needs per-session variables: model 'sessions' or 'auto' (the envelope has no "
                             "vehicle energy state)")
        for f in ("v2g_p_max_mw", "v2g_battery_mwh"):
            if getattr(self, f) is not None and not self.v2g:
                raise ValueError(f"{f} is set but v2g is false")
        if self.v2g_p_max_mw is not None and self.v2g_p_max_mw > self.p_charger_mw:
            raise ValueError(f"v2g_p_max_mw {self.v2g_p_max_mw} is above p_charger_mw {self.p_charger_mw} "
                             "(one charger rating for both directions)")
        return self

    @property
    def v2g_p_mw(self) -> float:
        """Discharge power per charger [MW] (V2G)."""
        return self.v2g_p_max_mw if self.v2g_p_max_mw is not None else self.p_charger_mw


class InterruptibleLoad(ProfileLoad):
    """Load with an interruptible contract: up to ``p_curtail_max_mw`` may be cut inside windows.
    Consumption from an archetype or a measured file (``profile``)."""

    kind: Literal["interruptible_load"]
    peak_load: ClassVar[bool] = True
    q_from_cos_phi: ClassVar[bool] = True
    p_peak_mw: Pos = Field(le=MAX_ASSET_MW, description="peak consumption of this load [MW]")
    p_curtail_max_mw: Pos = Field(description="contracted curtailable power [MW]")
    windows_h: list[tuple[float, float]] = Field(
        default_factory=lambda: [(0.0, 24.0)], description="local hours [start, end) when curtailment is allowed"
    )
    max_hours_per_day: Annotated[float, Field(gt=0, le=24)] = 4.0
    cost_cny_per_mwh: NonNeg = Field(6000.0, description="value of lost load / compensation, 6 CNY/kWh (ASSUMPTION L)")
    cos_phi: Annotated[float, Field(gt=0, le=1)] = 0.95
    noise_std_pu: Annotated[float, Field(ge=0, le=0.5)] = 0.03
    use: Literal["grid", "self"] = Field(
        "grid", description="'grid' (default): curtailed only when the grid calls it (DR events, capacity down windows, "
        "VPP instructions), never to lower the park's own bill; 'self': the park may also curtail it for its own bill")
    max_calls_per_year: Annotated[int, Field(ge=0, le=366)] | None = Field(
        None, description="most calls of the contract per calendar year (`vpp dr` refuses events that call it more often)")

    @model_validator(mode="after")
    def _contract(self) -> "InterruptibleLoad":
        if self.p_curtail_max_mw > self.p_peak_mw:
            raise ValueError(f"p_curtail_max_mw {self.p_curtail_max_mw} is above p_peak_mw {self.p_peak_mw}")
        for a, b in self.windows_h:
            if not (0 <= a < b <= 24):
                raise ValueError(f"window [{a}, {b}] must satisfy 0 <= start < end <= 24")
        return self


#: asset kind -> its schema class (see AssetBase for what a kind declares)
ASSET_SPECS: dict[str, type[AssetBase]] = {
    c.model_fields["kind"].annotation.__args__[0]: c
    for c in (FixedLoad, PV, Battery, EVCharging, InterruptibleLoad, ThermalStorage, ShiftableLoad, AirConditioning,
              DataCentre, DCBuilding)
}


def _asset_union():
    return Annotated[Union[tuple(ASSET_SPECS.values())], Field(discriminator="kind")]


Asset = _asset_union()


# -------------------------------------------------------------------------------------------- parks
class Connection(Strict):
    """Where and how a park connects: a 10 kV bus, optionally through its own 10/0.4 kV transformers."""

    bus: str = Field(description="name of the network bus the park connects to")
    transformer_type: str | None = Field(None, description="e.g. 'S13-M-2500/10' or 'SCB13-1600/10'; none: assets sit on the bus")
    n_transformers: int = Field(1, ge=1, le=20)
    p_import_max_mw: Pos | None = Field(None, description="default: n × Sn × 0.95")
    p_export_max_mw: NonNeg | None = Field(None, description="default: same as import")
    no_reverse_flow: bool = Field(False, description="防逆流: export forbidden")
    pf_min: Annotated[float, Field(gt=0, le=1)] | None = Field(
        None, description="minimum power factor at the park bus, |Q| <= tan(acos pf_min)·|P| (network_constraints linear only)")


class Park(Strict):
    name: Name
    description: str = ""
    connection: Connection
    assets: list[Asset] = Field(min_length=1)
    shutdown_days: list[Annotated[dt.date, Field(ge=dt.date(1990, 1, 1), le=dt.date(2100, 12, 31))]] = Field(
        default_factory=list,
        description="park shutdown days (停产检修): non-working days for this park's archetype loads and DR baselines")
    billing: ParkBilling = Field(
        default_factory=ParkBilling,
        description="basic-charge basis, month's peak so far, power-factor adjustment (docs/billing.md)")
    roofs: list[Roof] = Field(
        default_factory=list, description="roofs that may carry PV; the scenario's `plan` sizes PV on them "
        "(scenarios/roof_schema.py, docs/yuhua_plan.md)")

    @model_validator(mode="after")
    def _roof_names(self) -> "Park":
        names = [r.name for r in self.roofs]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"park '{self.name}': roof name(s) {', '.join(twice)} used twice")
        return self


class Outputs(Strict):
    """Where result folders go: ``dir`` relative to the working folder (or absolute)."""

    dir: str = "runs"
    csv: bool = False

    @model_validator(mode="after")
    def _inside(self) -> "Outputs":
        from pathlib import PurePath

        if ".." in PurePath(self.dir).parts:
            raise ValueError(f"dir '{self.dir}': '..' would leave the working folder; give a folder below it "
                             "or an absolute path")
        return self


class ACCheck(Strict):
    enabled: bool = True
    engine: Literal["pandapower", "power_grid_model"] = Field(
        "power_grid_model",
        description="'power_grid_model' (default): one multi-threaded batch calculation of all steps "
        "(network_models/batch.py), same results as pandapower to ~1e-9 pu, ~100x faster on long horizons; "
        "'pandapower': one Newton-Raphson per step (the reference; needed for nets with gen, dcline, xward, "
        "impedance or motor elements, which the batch engine refuses)",
    )




class Report(Strict):
    """How ``vpp report`` writes this scenario's reports: ``lang`` is the default language of every label,
    title and sentence (``zh`` = simplified Chinese, ``en`` = English; ``--lang`` overrides it)."""

    lang: Literal["zh", "en"] = "en"


class Scenario(Strict):
    """A complete simulation case."""

    name: Name
    description: str = ""
    synthetic: bool = Field(True, description="True when the grid/loads are illustrative, not surveyed data")
    seed: int = 42
    horizon: Horizon = Horizon()
    network: Network
    tariff: Tariff = Tariff()
    carbon: Carbon = Carbon()
    parks: list[Park] = Field(min_length=1)
    solver: Solver = Solver()
    ac_check: ACCheck = ACCheck()
    outputs: Outputs = Outputs()
    economics: Economics = Economics()
    dr: DRConfig | None = Field(None, description="demand-response programmes and events (`vpp dr`; ignored by `vpp run`)")
    capacity: CapacityStudy = Field(default_factory=CapacityStudy, description="curtailable-capacity study defaults (`vpp capacity`)")
    network_constraints: NetworkConstraints = Field(
        default_factory=NetworkConstraints, description="grid limits in the dispatch (`vpp run --network-constraints`)")
    vpps: list[VPP] = Field(default_factory=list, description="virtual power plants (`vpp aggregate`; ignored by `vpp run`)")
    plan: Plan | None = Field(
        None, description="rooftop PV as planned: PV sized from the parks' roofs when the scenario is loaded "
        "(scenarios/plan.py, docs/yuhua_plan.md)")
    report: Report = Field(default_factory=Report, description="report defaults (`vpp report`): language zh | en")

    @model_validator(mode="after")
    def _billing_basis(self) -> "Scenario":
        if self.tariff.billing == "single_part":
            for p in self.parks:
                if p.billing.basis is not None:
                    raise ValueError(f"park '{p.name}': billing.basis '{p.billing.basis}' needs a two-part tariff "
                                     "(tariff.billing is single_part)")
        return self

    @model_validator(mode="after")
    def _unique_names(self) -> "Scenario":
        seen: dict[str, str] = {}
        for p in self.parks:
            if p.name in seen:
                raise ValueError(f"park name '{p.name}' is used twice")
            seen[p.name] = "park"
        assets: set[str] = set()
        for p in self.parks:
            for a in p.assets:
                if a.name in assets:
                    raise ValueError(f"asset name '{a.name}' is used twice (asset names are unique across parks)")
                assets.add(a.name)
        return self

    def assets(self):
        """Yield ``(park, asset)`` pairs in file order."""
        for p in self.parks:
            for a in p.assets:
                yield p, a


def register_asset_spec(cls: type[AssetBase]) -> type[AssetBase]:
    """Class decorator: make a new asset kind's schema known to scenarios (the ``assets`` of a park
    accept it by its ``kind``). Together with its optimisation block
    (:func:`optimization.registry.register`) this is all a new kind needs."""
    kind_field = cls.model_fields.get("kind")
    args = getattr(kind_field.annotation, "__args__", ()) if kind_field is not None else ()
    if len(args) != 1 or not isinstance(args[0], str):
        raise ValueError(f"{cls.__name__} needs a field kind: Literal['<kind>']")
    ASSET_SPECS[args[0]] = cls
    Park.model_fields["assets"].annotation = list[_asset_union()]
    Park.model_rebuild(force=True)
    Scenario.model_rebuild(force=True)
    return cls
