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


@dataclass(frozen=True)
class Operations:
    """Per-channel cost, staff time and complaint rate, and the cost of making an offer.

    ``cost`` is per attempt in local currency; ``agent_minutes`` the agent time per attempt
    (calls) or per offer; ``field_hours`` per visit (with travel). ``complaint_rate`` is
    complaints per attempt. ``sources`` says where each figure comes from (data or assumption).
    """

    cost: dict[str, float]
    complaint_rate: dict[str, float]
    agent_minutes: dict[str, float] = field(default_factory=lambda: {"agent_call": 6.0})
    field_hours: dict[str, float] = field(default_factory=lambda: {"field_visit": 2.5})
    offer_agent_minutes: float = 20.0
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def offer_cost(self) -> float:
        """An offer takes an agent about as long as a few calls: priced at that many calls."""
        return self.cost.get("agent_call", 0.0) * self.offer_agent_minutes / self.agent_minutes.get("agent_call", 6.0)


# Complaints per attempt when the data has none to measure: letters and messages rarely draw a
# complaint, calls and visits do. Assumptions, shown as such.
ASSUMED_COMPLAINT_RATE = {"sms": 0.0002, "wechat": 0.0002, "app_push": 0.0001, "ai_voice": 0.001,
                          "agent_call": 0.004, "field_visit": 0.01, "letter": 0.0005, "legal": 0.02}


def default_operations(market: str, measured_cost: dict[str, float] | None = None,
                       measured_complaints: dict[str, float] | None = None) -> Operations:
    """Costs and complaint rates: measured from ``actions`` where given, else the defaults.

    Default costs are ``analytics.sample.synth.CONTACT_COST`` for the market (ratios from the calibration
    note: an SMS is about a quarter of an AI voice call and a tenth of an agent call).
    """
    from analytics.sample.synth import CONTACT_COST

    base = CONTACT_COST.get(market, CONTACT_COST["cn"])
    cost, complaints, sources = {}, {}, {}
    for ch in CHANNELS:
        if measured_cost and ch in measured_cost:
            cost[ch], sources[f"cost.{ch}"] = float(measured_cost[ch]), "data"
        else:
            cost[ch], sources[f"cost.{ch}"] = float(base[ch]), "assumed"
        if measured_complaints and ch in measured_complaints:
            complaints[ch], sources[f"complaint.{ch}"] = float(measured_complaints[ch]), "data"
        else:
            complaints[ch], sources[f"complaint.{ch}"] = ASSUMED_COMPLAINT_RATE[ch], "assumed"
    return Operations(cost=cost, complaint_rate=complaints, sources=sources)


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
