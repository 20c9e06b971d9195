"""A collections strategy as data: treatments per segment, restructuring offers and limits.

A segment is a risk band (``high``, ``medium``, ``low``) crossed with a DPD stage (``pre_due``,
``dpd_1_29``, ``dpd_30_59``, ``dpd_60_89``, ``dpd_90_plus``). A strategy is saved as JSON
(``format`` 1)::

    {"format": 1, "name": "...", "description": "...",
     "treatments": [{"risk_band": "high", "stage": "pre_due", "channel": "sms",
                     "timing_dpd": -3, "max_attempts": 1, "share": 1.0,
                     "hours": [9, 20], "third_party": false}],
     "restructuring": [{"kind": "extension", "risk_bands": ["high"],
                        "stages": ["dpd_1_29", "dpd_30_59"], "take_up": 0.35,
                        "extension_months": 12}],
     "limits": {"monthly_budget": null, "agent_hours": null, "field_hours": null}}

``timing_dpd`` follows ``actions.dpd_at_action``: negative numbers are days before the due date
(pre-due stage only), positive ones the day past due, inside the stage. ``risk_band`` ``"all"``
expands to every band when loaded. Errors name the file and the field and say what to do.

**A strategy is a change to today's practice.** Today's practice (the contacts in the data by band ×
stage × channel, :class:`analytics.strategy.baseline.Practice`) is the baseline and is already in
the transition matrices. A treatment sets the target for its band × stage × channel: ``share``
treated, ``max_attempts`` and ``timing_dpd`` replace today's figures for that cell (``share`` 0
removes today's contact and loses its effect); cells a strategy does not name continue as today.
The empty strategy is today's practice.
"""

from __future__ import annotations

import difflib
import json
import math
import re
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from analytics.errors import InputError
from analytics.schema import ACTION_CHANNELS, RESTRUCTURE_KINDS

FORMAT = 1
RISK_BANDS: tuple[str, ...] = ("high", "medium", "low")
STAGES: tuple[str, ...] = ("pre_due", "dpd_1_29", "dpd_30_59", "dpd_60_89", "dpd_90_plus")
# Inclusive DPD range of each stage; the 90+ stage has no upper end.
STAGE_DPD: dict[str, tuple[int, int | None]] = {
    "pre_due": (-30, 0), "dpd_1_29": (1, 29), "dpd_30_59": (30, 59), "dpd_60_89": (60, 89),
    "dpd_90_plus": (90, None),
}
CHANNELS: tuple[str, ...] = ACTION_CHANNELS
OFFER_KINDS: tuple[str, ...] = RESTRUCTURE_KINDS
MAX_ATTEMPTS = 60


@dataclass(frozen=True)
class Treatment:
    """One channel used on one segment each month.

    ``share`` is the fraction of the segment's loans that get it; ``max_attempts`` the attempts
    per treated loan per month; ``hours`` the local clock hours [start, end) contacts are made in.
    ``third_party`` marks contacts of people other than the borrower (references, relatives).
    """

    risk_band: str
    stage: str
    channel: str
    timing_dpd: int
    max_attempts: int = 1
    share: float = 1.0
    hours: tuple[int, int] = (9, 20)
    third_party: bool = False

    @property
    def segment(self) -> tuple[str, str]:
        return self.risk_band, self.stage


@dataclass(frozen=True)
class RestructureOffer:
    """A modification offered each month to eligible loans, accepted by ``take_up`` of them.

    Eligible: loans in ``risk_bands`` × ``stages`` not restructured under this strategy already.
    ``rate_cut`` is in APR points as a fraction (0.02 = two points); ``settlement_discount`` the
    share of the balance forgiven for a lump-sum payoff. ``redefault_multiplier`` scales the
    monthly miss probability of a restructured current loan against a current loan of its band;
    ``None`` derives it from the payment change (see :mod:`analytics.strategy.restructure`).
    """

    kind: str
    risk_bands: tuple[str, ...]
    stages: tuple[str, ...]
    take_up: float
    extension_months: int = 0
    deferral_months: int = 0
    rate_cut: float = 0.0
    settlement_discount: float = 0.0
    offer_share: float = 1.0
    redefault_multiplier: float | None = None


@dataclass(frozen=True)
class Limits:
    """Monthly collection budget (local currency) and staff hours; ``None`` means unlimited."""

    monthly_budget: float | None = None
    agent_hours: float | None = None
    field_hours: float | None = None


@dataclass(frozen=True)
class Strategy:
    name: str
    description: str = ""
    treatments: tuple[Treatment, ...] = ()
    restructuring: tuple[RestructureOffer, ...] = ()
    limits: Limits = field(default_factory=Limits)

    @property
    def is_do_nothing(self) -> bool:
        """True for a strategy that changes nothing: it is today's practice."""
        return not self.treatments and not self.restructuring

    @property
    def is_todays_practice(self) -> bool:
        return self.is_do_nothing

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["treatments"], d["restructuring"] = list(d["treatments"]), list(d["restructuring"])
        for t in d["treatments"]:
            t["hours"] = list(t["hours"])
        for o in d["restructuring"]:
            o["risk_bands"], o["stages"] = list(o["risk_bands"]), list(o["stages"])
        return {"format": FORMAT, **d}

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False)

    def renamed(self, name: str) -> Strategy:
        return replace(self, name=name)


TODAYS_PRACTICE_NAME = "Today's practice"
# The baseline every strategy is compared with: today's contacts as measured from the data, unchanged.
# (The constant keeps its historical name for callers.)
DO_NOTHING = Strategy(TODAYS_PRACTICE_NAME, "Today's practice as measured from the contacts in the data: no change.")
TODAYS_PRACTICE = DO_NOTHING

_TREATMENT_FIELDS = {f for f in Treatment.__dataclass_fields__}
_OFFER_FIELDS = {f for f in RestructureOffer.__dataclass_fields__}
_LIMIT_FIELDS = {f for f in Limits.__dataclass_fields__}
_TOP_FIELDS = {"format", "name", "description", "treatments", "restructuring", "limits"}


class _Reader:
    """Checks one strategy document and raises InputError naming the file and field."""

    def __init__(self, source: str | None):
        self.source = source

    def fail(self, where: str, message: str) -> None:
        raise InputError(f"field {where}: {message}", file=self.source)

    def known(self, obj: Any, allowed: set[str], where: str) -> dict:
        if not isinstance(obj, dict):
            self.fail(where, f"expected an object {{...}}, got {type(obj).__name__}.")
        for key in obj:
            if key not in allowed:
                near = difflib.get_close_matches(str(key), sorted(allowed), n=1)
                hint = f" Did you mean '{near[0]}'?" if near else f" Allowed: {', '.join(sorted(allowed))}."
                self.fail(f"{where}.{key}" if where else key, f"unknown field.{hint}")
        return obj

    def choice(self, value: Any, options: tuple[str, ...], where: str) -> str:
        if value not in options:
            near = difflib.get_close_matches(str(value), options, n=1)
            hint = f" Did you mean '{near[0]}'?" if near else ""
            self.fail(where, f"'{value}' is not one of {', '.join(options)}.{hint}")
        return value

    def number(self, value: Any, where: str, lo: float, hi: float | None = None, integer: bool = False,
               allow_none: bool = False) -> float | int | None:
        if value is None and allow_none:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            self.fail(where, f"expected a number, got {json.dumps(value)}.")
        if integer and int(value) != value:
            self.fail(where, f"expected a whole number, got {value}.")
        if value < lo or (hi is not None and value > hi):
            rng = f"between {lo} and {hi}" if hi is not None else f"at least {lo}"
            self.fail(where, f"{value} is out of range: use a value {rng}.")
        return int(value) if integer else float(value)

    def bands(self, value: Any, where: str) -> tuple[str, ...]:
        if value == "all":
            return RISK_BANDS
        items = value if isinstance(value, list) else [value]
        if not items:
            self.fail(where, "name at least one risk band (or \"all\").")
        out = [self.choice(v, (*RISK_BANDS, "all"), f"{where}[{i}]") for i, v in enumerate(items)]
        return RISK_BANDS if "all" in out else tuple(b for b in RISK_BANDS if b in out)

    def treatment(self, obj: Any, where: str) -> list[Treatment]:
        self.known(obj, _TREATMENT_FIELDS, where)
        for need in ("risk_band", "stage", "channel", "timing_dpd"):
            if need not in obj:
                self.fail(f"{where}.{need}", "missing. Every treatment names risk_band, stage, channel and "
                                            "timing_dpd.")
        bands = self.bands(obj["risk_band"], f"{where}.risk_band")
        stage = self.choice(obj["stage"], STAGES, f"{where}.stage")
        channel = self.choice(obj["channel"], CHANNELS, f"{where}.channel")
        timing = self.number(obj["timing_dpd"], f"{where}.timing_dpd", -30, 720, integer=True)
        lo, hi = STAGE_DPD[stage]
        if timing < lo or (hi is not None and timing > hi):
            span = f"{lo} to {hi}" if hi is not None else f"{lo} or more"
            what = "days before the due date as a negative number, e.g. -3" if stage == "pre_due" \
                else f"a day past due inside the stage ({span})"
            self.fail(f"{where}.timing_dpd", f"{timing} does not fall in stage {stage}: give {what}.")
        attempts = self.number(obj.get("max_attempts", 1), f"{where}.max_attempts", 1, MAX_ATTEMPTS, integer=True)
        share = self.number(obj.get("share", 1.0), f"{where}.share", 0.0, 1.0)
        hours = obj.get("hours", [9, 20])
        if not (isinstance(hours, list | tuple) and len(hours) == 2):
            self.fail(f"{where}.hours", "give [start, end] clock hours, e.g. [9, 20].")
        start = self.number(hours[0], f"{where}.hours[0]", 0, 23, integer=True)
        end = self.number(hours[1], f"{where}.hours[1]", 1, 24, integer=True)
        if end <= start:
            self.fail(f"{where}.hours", f"the end hour {end} must be after the start hour {start}.")
        third = obj.get("third_party", False)
        if not isinstance(third, bool):
            self.fail(f"{where}.third_party", "expected true or false.")
        return [Treatment(b, stage, channel, timing, attempts, share, (start, end), third) for b in bands]

    def offer(self, obj: Any, where: str) -> RestructureOffer:
        self.known(obj, _OFFER_FIELDS, where)
        for need in ("kind", "risk_bands", "stages", "take_up"):
            if need not in obj:
                self.fail(f"{where}.{need}", "missing. Every offer names kind, risk_bands, stages and take_up.")
        kind = self.choice(obj["kind"], OFFER_KINDS, f"{where}.kind")
        stages_raw = obj["stages"] if isinstance(obj["stages"], list) else [obj["stages"]]
        if not stages_raw:
            self.fail(f"{where}.stages", "name at least one stage.")
        stages = tuple(s for s in STAGES if s in {self.choice(v, STAGES, f"{where}.stages[{i}]")
                                                  for i, v in enumerate(stages_raw)})
        if "pre_due" in stages and kind == "settlement":
            self.fail(f"{where}.stages", "a settlement is for delinquent loans; remove pre_due.")
        o = RestructureOffer(
            kind=kind, risk_bands=self.bands(obj["risk_bands"], f"{where}.risk_bands"), stages=stages,
            take_up=self.number(obj["take_up"], f"{where}.take_up", 0.0, 1.0),
            extension_months=self.number(obj.get("extension_months", 0), f"{where}.extension_months", 0, 120,
                                         integer=True),
            deferral_months=self.number(obj.get("deferral_months", 0), f"{where}.deferral_months", 0, 24,
                                        integer=True),
            rate_cut=self.number(obj.get("rate_cut", 0.0), f"{where}.rate_cut", 0.0, 0.5),
            settlement_discount=self.number(obj.get("settlement_discount", 0.0), f"{where}.settlement_discount",
                                            0.0, 0.95),
            offer_share=self.number(obj.get("offer_share", 1.0), f"{where}.offer_share", 0.0, 1.0),
            redefault_multiplier=self.number(obj.get("redefault_multiplier"), f"{where}.redefault_multiplier",
                                             0.1, 20.0, allow_none=True),
        )
        needs = {"extension": ("extension_months", o.extension_months), "deferral": ("deferral_months",
                 o.deferral_months), "rate_cut": ("rate_cut", o.rate_cut),
                 "settlement": ("settlement_discount", o.settlement_discount)}[kind]
        if not needs[1]:
            self.fail(f"{where}.{needs[0]}", f"a {kind} offer needs {needs[0]} above zero.")
        return o

    def strategy(self, doc: Any) -> Strategy:
        self.known(doc, _TOP_FIELDS, "")
        fmt = doc.get("format", FORMAT)
        if fmt != FORMAT:
            self.fail("format", f"version {fmt} is not supported; this program reads format {FORMAT}.")
        name = doc.get("name")
        if not isinstance(name, str) or not name.strip():
            self.fail("name", "give the strategy a name (a non-empty text).")
        desc = doc.get("description", "")
        if not isinstance(desc, str):
            self.fail("description", "expected a text.")
        raw_t = doc.get("treatments", [])
        raw_o = doc.get("restructuring", [])
        for key, raw in (("treatments", raw_t), ("restructuring", raw_o)):
            if not isinstance(raw, list):
                self.fail(key, "expected a list [...].")
        treatments = [t for i, obj in enumerate(raw_t) for t in self.treatment(obj, f"treatments[{i}]")]
        seen: dict[tuple, int] = {}
        for i, t in enumerate(treatments):
            # The same channel twice on a segment is allowed only at different intensities (the
            # optimiser gives part of a segment 2 attempts and part 3); otherwise it is a slip.
            key = (t.risk_band, t.stage, t.channel, t.max_attempts)
            if key in seen:
                self.fail("treatments", f"channel {t.channel} with {t.max_attempts} attempt(s) is listed twice "
                                        f"for segment {t.risk_band} × {t.stage}; merge the rows (add their shares).")
            seen[key] = i
        offers = tuple(self.offer(obj, f"restructuring[{i}]") for i, obj in enumerate(raw_o))
        lim = self.known(doc.get("limits", {}) or {}, _LIMIT_FIELDS, "limits")
        limits = Limits(**{k: self.number(lim.get(k), f"limits.{k}", 0.0, allow_none=True) for k in _LIMIT_FIELDS})
        return Strategy(name.strip(), desc, tuple(treatments), offers, limits)


def strategy_from_dict(doc: Any, source: str | None = None) -> Strategy:
    """Build and check a strategy from a decoded JSON document."""
    return _Reader(source).strategy(doc)


def loads(text: str, source: str | None = None) -> Strategy:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}. "
                         "Fix the file or save the strategy again from the Strategy page.", file=source) from exc
    return strategy_from_dict(doc, source)


def load(path: Path | str) -> Strategy:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise InputError("file not found. Check the path (presets are in analytics/strategy/presets/).",
                         file=str(path)) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read the file ({exc}). Save it as UTF-8 JSON.", file=str(path)) from exc
    return loads(text, str(path))


def save(strategy: Strategy, path: Path | str) -> Path:
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(strategy.to_json() + "\n", encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot write the strategy ({exc.strerror}). Choose a writable folder.",
                         file=str(path)) from exc
    return path


def file_stem(name: str) -> str:
    """A safe file name for a strategy name (letters, digits, underscores)."""
    stem = re.sub(r"[^0-9A-Za-z]+", "_", name).strip("_").lower()
    return stem or "strategy"


def segment_treatments(strategy: Strategy) -> dict[tuple[str, str], list[Treatment]]:
    out: dict[tuple[str, str], list[Treatment]] = {}
    for t in strategy.treatments:
        out.setdefault(t.segment, []).append(t)
    return out
