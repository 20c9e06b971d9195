"""Collections operations for the sample: agents, agencies, promises, payments and rule breaks.

The generator's monthly walk (analytics/sample/synth.py) decides who pays and how much; this
module adds, month by month and consistently with it:

- **payments**: one row per loan-month with ``amount_paid > 0``, of exactly that amount, on a
  day of the month. The due day is the origination day of month (``loans.origination_date``;
  the convention analytics/metrics/collections.py assumes). Current loans pay on or before it,
  except ``LATE_SHARE`` who pay a few days late (still current at month end); delinquent loans
  pay a few days after a promise, or on a uniform day.
- **promises**: a contact with outcome ``promise_to_pay`` by a loan that pays in the month is
  kept (promise date on or after the payment, amount one instalment); ``BROKEN_PROMISE_SHARE`` of
  the reached calls to loans that pay nothing become promises that are broken.
- **agents and agencies**: calls and visits at 30-59 / 60-89 DPD go to the in-house team, later
  ones to three outsourcing agencies. Each agent has a planted skill (a multiplier of the chance
  that an assigned loan pays in the month) and a planted difficulty (the share of its cases from
  the later bucket of its team). Given the walk's outcome, the agent is drawn from its posterior
  (``P(agent | paid) ∝ w s``, ``P(agent | not paid) ∝ w (1 - p s)``): the joint law of agent and
  outcome is then exactly that of agents who change the odds, while performance is unchanged.
- **rule breaks** (against the rules of analytics/strategy/rules.py): per agency, a planted share of its
  calls outside the contact hours, to third parties, and of its loan-months with a burst of
  calls above the frequency cap.
- the **first-payment default** truth: the expected FPD rate of loans of the planted bad dealers
  and of the others (mean of the walk's miss probabilities at the first due date).

Everything planted is in ``truth`` (stored in metadata under ``operations``). Its own random
stream (seeded from the sample's seed) leaves every other table of the sample as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

import numpy as np
import pandas as pd

from analytics import schema
from analytics.store import Batch

LATE_SHARE = 0.12             # current payers who pay after the due day (within the month)
BROKEN_PROMISE_SHARE = 0.30   # reached calls to non-paying delinquent loans that end in a promise
AGENCIES = ("AG01", "AG02", "AG03")
# Planted rule breaks per team: share of calls outside hours, share to third parties, share of
# loan-months with a burst of calls above the frequency cap. AG03 is the aggressive agency.
BREACH_RATES: dict[str, tuple[float, float, float]] = {
    "in_house": (0.003, 0.002, 0.002),
    "AG01": (0.010, 0.005, 0.005),
    "AG02": (0.008, 0.010, 0.005),
    "AG03": (0.060, 0.040, 0.030),
}
AGENT_CHANNELS = ("agent_call", "field_visit")
# Calls added on one day in a burst: above both markets' caps in analytics/strategy/rules.py
# (cn 3 a day, assumed; us 7 in 7 days, Regulation F) and its contact hours (8:00-21:00).
BURST_CALLS = 8
_CALLS = (schema.ACTION_CHANNELS.index("ai_voice"), schema.ACTION_CHANNELS.index("agent_call"))
_AGENT_CH = tuple(schema.ACTION_CHANNELS.index(c) for c in AGENT_CHANNELS)
_OUT = {name: i for i, name in enumerate(schema.ACTION_OUTCOMES)}


def _sql_list(values) -> str:
    return "[" + ", ".join("'" + str(v).replace("'", "''") + "'" for v in values) + "]"


# The loan id and month expressions of analytics/sample/synth.py (repeated: synth imports us).
_LOAN_ID = "'L' || lpad(CAST(i AS VARCHAR), 8, '0')"
_MONTH = "make_date((m // 12)::INT, (m % 12 + 1)::INT, 1)"


class Operations:
    """Per-sample state: the agents, their planted skill and difficulty, and the truth so far."""

    def __init__(self, seed: int, market: str, n_loans: int, orig_month: np.ndarray, orig_day: np.ndarray,
                 dealer: np.ndarray, bad_dealers: list[str], payment: np.ndarray):
        self.rng = np.random.default_rng([int(seed), 15])
        self.orig_month, self.due_day, self.payment = orig_month, orig_day.astype(np.int16), payment
        bad = {int(d[1:]) for d in bad_dealers}
        self.bad = np.isin(dealer, sorted(bad))
        n_in = int(np.clip(n_loans // 3000, 4, 60))
        n_ag = int(np.clip(n_loans // 8000, 2, 20))
        teams = ["in_house"] * n_in + [a for a in AGENCIES for _ in range(n_ag)]
        names = [f"IH{i + 1:02d}" for i in range(n_in)] + [f"{a}-{j + 1:02d}" for a in AGENCIES for j in range(n_ag)]
        # Skills spread evenly from 0.6 to 1.4 (shuffled), difficulty (share of the later bucket
        # of the team) from 0.15 to 0.85: independent, so a raw rate mixes the two.
        self.skill = self.rng.permutation(np.linspace(0.6, 1.4, len(names)))
        self.difficulty = self.rng.permutation(np.linspace(0.15, 0.85, len(names)))
        self.names, self.teams = names, np.array(teams)
        self.team_code = np.array([0 if t == "in_house" else 1 + AGENCIES.index(t) for t in teams])
        self.cap = BURST_CALLS - 1
        self.truth: dict[str, object] = {
            "agents": {n: {"team": t, "skill": round(float(s), 4), "difficulty": round(float(d), 4)}
                       for n, t, s, d in zip(names, teams, self.skill, self.difficulty, strict=True)},
            "agent_outcome": "the loan pays something in the month of the contact (amount_paid > 0)",
            "breach_rates": {k: {"hours": v[0], "third_party": v[1], "frequency_burst": v[2]}
                             for k, v in BREACH_RATES.items()},
            "bursts": 0, "burst_calls": int(self.cap) + 1,
            "fpd": {"bad_expected": 0.0, "bad_loans": 0, "other_expected": 0.0, "other_loans": 0},
            "late_share": LATE_SHARE, "broken_promise_share": BROKEN_PROMISE_SHARE,
        }

    def month(self, m: int, idx: np.ndarray, k: np.ndarray, paid_n: np.ndarray, amount_paid: np.ndarray,
              p_miss: np.ndarray, rows: Iterable[Batch]) -> Iterator[Batch]:
        """The walk's batches of month ``m`` (loans ``idx``), its contacts enriched, then its payments."""
        actions = None
        for batch in rows:  # consumed in order: the walk writes its state back while producing them
            if batch.table == "actions":
                actions = batch
            else:
                yield batch
        rng = self.rng
        self._fpd_truth(m, idx, k, p_miss)
        paying = np.round(amount_paid, 2) > 0
        due = self.due_day[idx].astype(np.int32)  # 1-based day of month
        pay_day = np.where(rng.random(len(idx)) < LATE_SHARE,
                           np.minimum(due + rng.geometric(0.4, len(idx)), 28), np.maximum(due - rng.integers(0, 6, len(idx)), 1))
        pay_day = np.where(k > 0, rng.integers(1, 29, len(idx)), pay_day)
        if actions is not None:
            frame = actions.frame.copy()
            pos = np.searchsorted(idx, frame["i"].to_numpy())
            pay_day = self._promises(frame, pos, k, paying, pay_day, amount_paid, paid_n)
            frame = self._agents_and_breaches(frame, pos, k, paying)
            select = (actions.select + ", CASE WHEN agent < 0 THEN NULL ELSE " + _sql_list(self.names)
                      + "[agent + 1] END, CASE WHEN agency < 0 THEN NULL ELSE " + _sql_list(AGENCIES)
                      + "[agency + 1] END, CASE WHEN pday < 0 THEN NULL ELSE pamt END, "
                      f"CASE WHEN pday < 0 THEN NULL ELSE CAST({_MONTH} AS DATE) + pday::INTEGER END, "
                      f"{_sql_list(schema.CONTACT_PARTIES)}[party + 1]")
            yield Batch("actions", frame, select)
        sel = np.nonzero(paying)[0]
        if len(sel):
            sec = (pay_day[sel] - 1) * 86400 + rng.integers(7 * 3600, 23 * 3600, len(sel))
            yield Batch("payments", pd.DataFrame({
                "i": idx[sel].astype(np.int64), "m": np.full(len(sel), m, dtype=np.int32),
                "sec": sec.astype(np.int64), "amt": np.round(amount_paid[sel], 2)}),
                f"{_LOAN_ID}, CAST({_MONTH} AS TIMESTAMP) + to_seconds(sec), amt")

    def _fpd_truth(self, m: int, idx: np.ndarray, k: np.ndarray, p_miss: np.ndarray) -> None:
        first = (m - self.orig_month[idx] == 1) & (k == 0)
        bad = self.bad[idx]
        fpd = self.truth["fpd"]
        for key, mask in (("bad", first & bad), ("other", first & ~bad)):
            fpd[f"{key}_expected"] += float(p_miss[mask].sum())
            fpd[f"{key}_loans"] += int(mask.sum())

    def _promises(self, frame: pd.DataFrame, pos: np.ndarray, k: np.ndarray, paying: np.ndarray,
                  pay_day: np.ndarray, amount_paid: np.ndarray, paid_n: np.ndarray) -> np.ndarray:
        """Promise dates and amounts; paying loans with a promise pay a few days after it."""
        rng = self.rng
        n = len(frame)
        day = (frame["sec"].to_numpy() // 86400).astype(np.int32)  # 0-based day of month
        out = frame["out"].to_numpy().copy()
        ch = frame["ch"].to_numpy()
        live = (k[pos] > 0) & np.isin(ch, (*_CALLS, *_AGENT_CH))
        # Broken promises: reached calls to loans that pay nothing this month.
        convert = live & ~paying[pos] & np.isin(out, (_OUT["contacted"], _OUT["refused"])) & (
            rng.random(n) < BROKEN_PROMISE_SHARE)
        out[convert] = _OUT["promise_to_pay"]
        promise = out == _OUT["promise_to_pay"]
        # A paying loan pays 1-4 days after its first promise (capped at day 28).
        first_promise = np.full(len(pay_day), 99, dtype=np.int32)
        kept = promise & paying[pos]
        np.minimum.at(first_promise, pos[kept], day[kept])
        has = first_promise < 99
        pay_day = np.where(has, np.minimum(first_promise + 1 + rng.integers(1, 5, len(pay_day)), 28), pay_day)
        # A promise made after the payment is no promise: the contact found the loan paid.
        after = kept & (day + 1 >= pay_day[pos])
        out[after] = _OUT["paid"]
        kept &= ~after
        promise = out == _OUT["promise_to_pay"]
        per_instalment = np.where(paid_n > 0, amount_paid / np.maximum(paid_n, 1), 0.0)
        amount = np.where(paying[pos], per_instalment[pos], self.payment[frame["i"].to_numpy()])
        pday = np.where(kept, pay_day[pos] - 1 + rng.integers(0, 3, n), day + rng.integers(1, 8, n))
        frame["out"] = out.astype(np.int8)
        frame["pday"] = np.where(promise, np.minimum(pday, 27), -1).astype(np.int32)
        frame["pamt"] = np.round(amount, 2)
        return pay_day

    def _agents_and_breaches(self, frame: pd.DataFrame, pos: np.ndarray, k: np.ndarray,
                             paying: np.ndarray) -> pd.DataFrame:
        rng = self.rng
        ch = frame["ch"].to_numpy()
        agent_row = np.isin(ch, _AGENT_CH) & (k[pos] >= 2)
        # One agent per loan-month: draw per loan, then give every agent row of the loan that agent.
        loans = np.unique(pos[agent_row])
        agent_of = np.full(len(k), -1, dtype=np.int32)
        kk = k[loans]
        # In-house: 30-89 DPD (2-3 missed); each loan at 90+ goes to one agency by its number.
        for team, later_from, members in self._pools():
            if team == "in_house":
                in_pool = (kk == 2) | (kk == 3)
            else:
                in_pool = (kk >= 4) & (self._loan_number(frame, pos, loans) % len(AGENCIES) == AGENCIES.index(team))
            for later in (False, True):
                cls = loans[in_pool & ((kk >= later_from) == later)]
                if len(cls) == 0:
                    continue
                w = self.difficulty[members] if later else 1 - self.difficulty[members]
                s = self.skill[members]
                rho = 1.0 / float((w * s).sum() / w.sum())
                y = paying[cls]
                p = float(y.mean())
                p_a = np.minimum(p * s * rho, 0.98)
                for outcome, weights in ((True, w * p_a), (False, w * (1 - p_a))):
                    these = cls[y == outcome]
                    if len(these) and weights.sum() > 0:
                        agent_of[these] = members[rng.choice(len(members), len(these), p=weights / weights.sum())]
        agent = np.where(agent_row, agent_of[pos], -1)
        team = np.where(agent >= 0, self.team_code[np.maximum(agent, 0)], -1)  # -1 none, 0 in-house, 1.. agency
        frame["agent"] = agent.astype(np.int16)
        frame["agency"] = np.where(team > 0, team - 1, -1).astype(np.int8)
        rates = np.vstack([np.zeros(3), np.array([BREACH_RATES[t] for t in ("in_house", *AGENCIES)])])[team + 1]
        u = rng.random((len(agent), 3))
        hours = (agent >= 0) & (u[:, 0] < rates[:, 0])
        sec = frame["sec"].to_numpy().copy()
        day0 = sec // 86400 * 86400
        late = rng.random(len(sec)) < 0.6  # 21:05-22:55 or 06:30-07:55
        sec[hours] = day0[hours] + np.where(late[hours], rng.integers(21 * 3600 + 300, 22 * 3600 + 3300, hours.sum()),
                                            rng.integers(6 * 3600 + 1800, 7 * 3600 + 3300, hours.sum()))
        frame["sec"] = sec
        frame["party"] = ((agent >= 0) & (u[:, 1] < rates[:, 1])).astype(np.int8)
        # Bursts: a loan-month whose agent row draws it gets cap + 1 more calls that same day.
        burst = (agent >= 0) & (ch == schema.ACTION_CHANNELS.index("agent_call")) & (u[:, 2] < rates[:, 2])
        rows = np.nonzero(burst)[0]
        self.truth["bursts"] = int(self.truth["bursts"]) + len(rows)
        if len(rows):
            extra = frame.iloc[np.repeat(rows, self.cap + 1)].copy()
            base = (extra["sec"].to_numpy() // 86400) * 86400
            extra["sec"] = base + rng.integers(9 * 3600, 20 * 3600, len(extra))
            extra["out"] = np.int8(_OUT["no_contact"])
            extra["pday"] = -1
            extra["party"] = np.int8(0)
            frame = pd.concat([frame, extra], ignore_index=True)
        return frame

    def _pools(self) -> list[tuple[str, int, np.ndarray]]:
        """(team, first 'later' bucket in missed instalments, agent numbers) of each team."""
        out = [("in_house", 3, np.nonzero(self.teams == "in_house")[0])]
        out += [(a, 5, np.nonzero(self.teams == a)[0]) for a in AGENCIES]
        return out

    @staticmethod
    def _loan_number(frame: pd.DataFrame, pos: np.ndarray, loans: np.ndarray) -> np.ndarray:
        """The loan number (synth's index) of each position in ``loans``."""
        first = pd.Series(frame["i"].to_numpy()).groupby(pos).first()
        return first.reindex(loans).to_numpy()
