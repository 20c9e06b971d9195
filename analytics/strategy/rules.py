"""Contact rules per market, channel operations (cost, staff time, complaints) and what they allow.

Rules are parameters, not law texts: the defaults follow the markets' usual reading.

- US (Regulation F): at most 7 call attempts per loan within 7 consecutive days; contact only
  between 8:00 and 21:00 local time. A 30-day month then allows ``7 × ceil(30 / 7) = 35`` call
  attempts per loan (7 on each of days 1, 8, 15, 22 and 29 keeps every 7-day window at 7).
- China: contact only 8:00-21:00; no contact of unrelated third parties (references, relatives).

:func:`allowed_attempts` applies the rules to a segment's treatments and returns, per treatment,
the attempts per loan that may be made and those blocked by each rule. Capacity (agent and field
hours) and the monthly budget are applied later, per path, by the engine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from analytics.strategy.spec import CHANNELS, Treatment

CALL_CHANNELS = frozenset({"ai_voice", "agent_call"})
DAYS_IN_MONTH = 30


@dataclass(frozen=True)
class ContactRules:
    """Contact rules of a market. ``None`` disables a cap."""

    market: str
    contact_hours: tuple[int, int] = (8, 21)
    max_calls_per_7_days: int | None = None
    third_party_allowed: bool = True
    max_contacts_per_month: int | None = None
    # Calls (ai_voice, agent_call) per loan per calendar day; checked by the compliance measures
    # (analytics/metrics/collections.py), not used by the simulator's monthly attempts.
    max_calls_per_day: int | None = None

    @property
    def max_calls_per_month(self) -> int | None:
        if self.max_calls_per_7_days is None:
            return None
        return self.max_calls_per_7_days * math.ceil(DAYS_IN_MONTH / 7)


MARKET_RULES: dict[str, ContactRules] = {
    "us": ContactRules("us", (8, 21), max_calls_per_7_days=7, third_party_allowed=True),
    # cn: no national call cap in law; 3 calls per loan per day is an ASSUMED internal policy cap
    # (industry practice varies), shown on the Collections page as an assumption.
    "cn": ContactRules("cn", (8, 21), max_calls_per_7_days=None, third_party_allowed=False, max_calls_per_day=3),
}


def rules_for(market: str | None) -> ContactRules:
    return MARKET_RULES.get(market or "cn", MARKET_RULES["cn"])


# Fully loaded staff cost per hour, local currency (wage plus employer on-costs), by market:
# - us: BLS Occupational Employment and Wage Statistics, May 2022, 43-3011 Bill and Account
#   Collectors, mean hourly wage $20.59; wages are about 70% of employer costs for employee
#   compensation in private industry (BLS ECEC), so $20.59 / 0.70 = $29.40 an hour.
# - cn: National Bureau of Statistics, average annual wage of persons employed in urban private
#   units 2022, CNY 65,237; employer social insurance and housing fund about 30% on top (pension
#   16% since 2019, State Council General Office [2019] No. 13; medical, unemployment, injury,
#   housing fund), over 2,000 working hours: 65,237 × 1.30 / 2,000 = CNY 42.40 an hour.
LOADED_HOURLY_COST = {"us": 29.40, "cn": 42.40}
HOURLY_COST_SOURCE = {
    "us": "BLS OEWS May 2022, Bill and Account Collectors mean $20.59/h, wages ~70% of compensation (BLS ECEC)",
    "cn": "NBS 2022 urban private units average wage CNY 65,237/yr, +30% employer social insurance, 2,000 h/yr",
}
# Minutes of agent time per attempt or offer and field hours per visit (with travel): assumptions
# (a collections call of about 6 minutes with wrap-up, an offer about 20 minutes of explaining,
# checking and documents, a field visit half a working morning).
AGENT_MINUTES = {"agent_call": 6.0}
FIELD_HOURS = {"field_visit": 2.5}
OFFER_AGENT_MINUTES = 20.0
# Per-case external costs beyond staff time (local currency), assumptions with their anchors:
# field travel (fuel, tolls); legal: cn court fee on a CNY 89k claim by the State Council's Measures
# on the Payment of Litigation Costs (2006), 50 + 2.5% of the part above 10k = CNY 2,025, plus
# about CNY 2,500 of lawyer or arbitration fees; us: filing fees and attorney time, assumed $1,000.
CASE_COST = {"us": {"field_visit": 25.0, "legal": 1000.0}, "cn": {"field_visit": 60.0, "legal": 4525.0}}
# Offer processing beyond agent time (documents, credit check, system change): assumption.
OFFER_PROCESSING = {"us": 15.0, "cn": 50.0}
# Fixed monthly platform cost of running a channel at all (licences, gateways, dialler seats),
# paid whenever a strategy uses the channel: assumptions, editable.
PLATFORM_MONTHLY = {
    "us": {"ai_voice": 3000.0, "agent_call": 2000.0, "sms": 300.0, "app_push": 200.0},
    "cn": {"ai_voice": 20000.0, "agent_call": 10000.0, "sms": 1000.0, "wechat": 1000.0, "app_push": 500.0},
}
# Capacity default: today's observed staff hours plus this headroom (assumption: a team can absorb
# about a fifth more work a month with overtime before it must hire).
CAPACITY_HEADROOM = 0.20


@dataclass(frozen=True)
class Operations:
    """Per-channel cost, staff time and complaint rate, and the cost of making an offer.

    ``cost`` is the fully loaded cost per attempt in local currency: the channel's price plus
    staff time (``agent_minutes`` × ``hourly_cost`` / 60 for calls, ``field_hours`` ×
    ``hourly_cost`` for visits) plus per-case costs (travel, legal fees). ``complaint_rate`` is
    complaints per attempt. ``platform_monthly`` is a fixed monthly cost per channel in use;
    ``agent_capacity`` / ``field_capacity`` the default staff hours a month (today's observed use
    plus ``headroom``) where a strategy sets none. ``sources`` says where each figure comes from.
    """

    cost: dict[str, float]
    complaint_rate: dict[str, float]
    agent_minutes: dict[str, float] = field(default_factory=lambda: dict(AGENT_MINUTES))
    field_hours: dict[str, float] = field(default_factory=lambda: dict(FIELD_HOURS))
    offer_agent_minutes: float = OFFER_AGENT_MINUTES
    sources: dict[str, str] = field(default_factory=dict)
    hourly_cost: float = 0.0
    offer_processing: float = 0.0
    platform_monthly: dict[str, float] = field(default_factory=dict)
    agent_capacity: float | None = None
    field_capacity: float | None = None
    headroom: float = CAPACITY_HEADROOM

    @property
    def offer_cost(self) -> float:
        """Agent time of an offer at the loaded hourly cost plus its processing; without an hourly
        cost, priced at as many calls as the offer takes agent time."""
        if self.hourly_cost > 0:
            staff = self.hourly_cost * self.offer_agent_minutes / 60.0
        else:
            staff = self.cost.get("agent_call", 0.0) * self.offer_agent_minutes / self.agent_minutes.get("agent_call", 6.0)
        return staff + self.offer_processing


# Complaints per attempt when the data has none to measure: letters and messages rarely draw a
# complaint, calls and visits do. Assumptions, shown as such.
ASSUMED_COMPLAINT_RATE = {"sms": 0.0002, "wechat": 0.0002, "app_push": 0.0001, "ai_voice": 0.001,
                          "agent_call": 0.004, "field_visit": 0.01, "letter": 0.0005, "legal": 0.02}


def default_operations(market: str, measured_cost: dict[str, float] | None = None,
                       measured_complaints: dict[str, float] | None = None, cost_imported: bool = False,
                       observed_contacts_per_month: dict[str, float] | None = None,
                       headroom: float = CAPACITY_HEADROOM) -> Operations:
    """Fully loaded costs, complaint rates and default capacity (see :class:`Operations`).

    Channel prices come from ``actions.cost`` where given, else ``analytics.sample.costs.CONTACT_COST``
    (ratios from the calibration note: an SMS is about a quarter of an AI voice call and a tenth
    of an agent call); staff time at :data:`LOADED_HOURLY_COST` and per-case costs are added. A
    cost's source reads "data" only when ``cost_imported`` (the figures came from an imported
    file); a generated sample's costs are the generator's assumptions. Capacity: today's observed
    contacts a month × staff time, plus ``headroom``.
    """
    from analytics.sample.costs import CONTACT_COST

    market = market if market in LOADED_HOURLY_COST else "cn"
    base = CONTACT_COST.get(market, CONTACT_COST["cn"])
    hourly = LOADED_HOURLY_COST[market]
    cost, complaints, sources = {}, {}, {}
    for ch in CHANNELS:
        if measured_cost and ch in measured_cost:
            price, sources[f"cost.{ch}"] = float(measured_cost[ch]), "data" if cost_imported else "assumed"
        else:
            price, sources[f"cost.{ch}"] = float(base[ch]), "assumed"
        staff = AGENT_MINUTES.get(ch, 0.0) * hourly / 60.0 + FIELD_HOURS.get(ch, 0.0) * hourly
        cost[ch] = round(price + staff + CASE_COST[market].get(ch, 0.0), 6)
        if measured_complaints and ch in measured_complaints:
            complaints[ch], sources[f"complaint.{ch}"] = float(measured_complaints[ch]), "data"
        else:
            complaints[ch], sources[f"complaint.{ch}"] = ASSUMED_COMPLAINT_RATE[ch], "assumed"
    sources["hourly_cost"] = HOURLY_COST_SOURCE[market]
    agent_cap = field_cap = None
    if observed_contacts_per_month:
        agent_h = sum(observed_contacts_per_month.get(ch, 0.0) * m / 60.0 for ch, m in AGENT_MINUTES.items())
        field_h = sum(observed_contacts_per_month.get(ch, 0.0) * h for ch, h in FIELD_HOURS.items())
        agent_cap = agent_h * (1 + headroom) if agent_h > 0 else None
        field_cap = field_h * (1 + headroom) if field_h > 0 else None
        sources["capacity"] = f"today's observed staff hours + {headroom:.0%} headroom (assumption)"
    return Operations(cost=cost, complaint_rate=complaints, sources=sources, hourly_cost=hourly,
                      offer_processing=OFFER_PROCESSING[market], platform_monthly=dict(PLATFORM_MONTHLY[market]),
                      agent_capacity=agent_cap, field_capacity=field_cap, headroom=headroom)


@dataclass(frozen=True)
class Allowed:
    """Attempts per treated loan per month after the contact rules, and what each rule blocked."""

    attempts: float
    blocked_hours: float
    blocked_third_party: float
    blocked_frequency: float

    @property
    def blocked(self) -> float:
        return self.blocked_hours + self.blocked_third_party + self.blocked_frequency


def _hours_share(hours: tuple[int, int], legal: tuple[int, int]) -> float:
    """Share of a contact window inside the legal hours (contacts spread evenly over the window)."""
    start, end = hours
    overlap = max(0, min(end, legal[1]) - max(start, legal[0]))
    return overlap / (end - start)


def allowed_attempts(treatments: list[Treatment], rules: ContactRules) -> list[Allowed]:
    """Apply the rules to the treatments of one segment (all on the same loans).

    Order: third-party ban, contact hours, then the call-frequency cap and the overall monthly
    contact cap, each scaling the affected treatments' attempts in proportion.
    """
    out = []
    for t in treatments:
        if t.third_party and not rules.third_party_allowed:
            out.append([0.0, 0.0, float(t.max_attempts), 0.0])
            continue
        ok = t.max_attempts * _hours_share(t.hours, rules.contact_hours)
        out.append([ok, t.max_attempts - ok, 0.0, 0.0])
    caps = [(rules.max_calls_per_month, [i for i, t in enumerate(treatments) if t.channel in CALL_CHANNELS]),
            (rules.max_contacts_per_month, list(range(len(treatments))))]
    for cap, members in caps:
        total = sum(out[i][0] for i in members)
        if cap is not None and total > cap:
            scale = cap / total
            for i in members:
                cut = out[i][0] * (1 - scale)
                out[i][0] -= cut
                out[i][3] += cut
    return [Allowed(*row) for row in out]
