"""Session state of the Strategy page: the strategy library, working copies and run settings.

The library holds committed strategies as JSON text (presets, files saved in the strategies
folder, uploads, optimiser results). Editing makes a working copy that the comparison uses at
once; saving commits it (and writes the file). Editors are keyed by a version number so a save
or a discard starts them afresh from the committed strategy (a data editor's edits are deltas
against the table it was given, which must stay fixed while the edits accumulate).

The session keys are in ``ui/state.py``; the views tie their widgets to them with ``bound``, and
the functions below read the run settings, rules, costs and loss parameters from those keys.
"""

from __future__ import annotations

import json
from dataclasses import asdict, replace
from pathlib import Path

import streamlit as st

from analytics import config
from analytics.errors import InputError
from analytics.strategy import rules, spec
from analytics.strategy.engine import RunSettings
from analytics.strategy.restructure import LossParams
from analytics.strategy.rules import ContactRules, Operations
from ui import state as keys

LIB, ORIGIN, WORK, VER, SEL, ERRORS = (keys.STRAT_LIB, keys.STRAT_ORIGIN, keys.STRAT_WORK, keys.STRAT_VER,
                                       keys.STRAT_SEL, keys.STRAT_ERRORS)
EFFECTS, EFFECTS_VER = keys.STRAT_EFFECTS, keys.STRAT_EFFECTS_VER
DEFAULT_SELECTION = ("Today's practice", "SMS reminders + flexible plans", "Early warning + AI voice bot")


def init_library() -> None:
    """Load presets and saved strategies once per session."""
    if LIB in st.session_state:
        return
    lib, origin, errors = {}, {}, []
    folders = [(config.PRESETS_DIR, "preset"), (config.settings().strategies_dir, "saved")]
    for folder, kind in folders:
        for path in sorted(Path(folder).glob("*.json")) if Path(folder).is_dir() else []:
            try:
                s = spec.load(path)
            except InputError as exc:
                errors.append(str(exc))
                continue
            lib[s.name] = s.to_json()
            origin[s.name] = kind
    st.session_state[LIB], st.session_state[ORIGIN] = lib, origin
    st.session_state[WORK], st.session_state[VER] = {}, {}
    st.session_state[ERRORS] = errors
    st.session_state.setdefault(SEL, [n for n in DEFAULT_SELECTION if n in lib] or list(lib)[:2])
    st.session_state.setdefault(EFFECTS, [])
    st.session_state.setdefault(EFFECTS_VER, 0)


def names() -> list[str]:
    return list(st.session_state[LIB])


def committed(name: str) -> spec.Strategy:
    return spec.loads(st.session_state[LIB][name], f"library: {name}")


def current_json(name: str) -> str:
    return st.session_state[WORK].get(name) or st.session_state[LIB][name]


def current(name: str) -> spec.Strategy:
    return spec.loads(current_json(name), f"library: {name}")


def is_edited(name: str) -> bool:
    return name in st.session_state[WORK] and st.session_state[WORK][name] != st.session_state[LIB][name]


def version(name: str) -> int:
    return st.session_state[VER].get(name, 0)


def set_working(name: str, strategy: spec.Strategy) -> None:
    st.session_state[WORK][name] = strategy.renamed(name).to_json()


def discard(name: str) -> None:
    st.session_state[WORK].pop(name, None)
    st.session_state[VER][name] = version(name) + 1


def unique_name(name: str) -> str:
    base, i = name.strip() or "Strategy", 2
    out = base
    while out in st.session_state[LIB]:
        out = f"{base} ({i})"
        i += 1
    return out


def add(strategy: spec.Strategy, origin: str, select: bool = True) -> str:
    name = unique_name(strategy.name)
    st.session_state[LIB][name] = strategy.renamed(name).to_json()
    st.session_state[ORIGIN][name] = origin
    if select:
        sel = [n for n in st.session_state[SEL] if n != name]
        st.session_state[SEL] = (sel + [name])[-4:]
    return name


def save(name: str) -> Path:
    """Commit the working copy and write it to the strategies folder."""
    strategy = current(name)
    path = spec.save(strategy, config.settings().strategies_dir / f"{spec.file_stem(name)}.json")
    st.session_state[LIB][name] = strategy.to_json()
    st.session_state[WORK].pop(name, None)
    st.session_state[VER][name] = version(name) + 1
    if st.session_state[ORIGIN].get(name) != "preset":
        st.session_state[ORIGIN][name] = "saved"
    return path


# ---------------------------------------------------------------- settings read from widget state

def run_settings() -> RunSettings:
    return RunSettings(months=int(st.session_state.get(keys.STRAT_MONTHS, 12)),
                       paths=int(st.session_state.get(keys.STRAT_PATHS, 1000)),
                       seed=int(st.session_state.get(keys.STRAT_SEED, 7)))


def contact_rules(market: str) -> ContactRules:
    d = rules.rules_for(market)
    g = st.session_state.get
    calls = g(keys.RULE_CALLS7, d.max_calls_per_7_days)
    monthly = g(keys.RULE_MONTHLY, d.max_contacts_per_month)
    return ContactRules(market=d.market,
                        contact_hours=(int(g(keys.RULE_FROM, d.contact_hours[0])), int(g(keys.RULE_TO, d.contact_hours[1]))),
                        max_calls_per_7_days=int(calls) if calls is not None else None,
                        third_party_allowed=bool(g(keys.RULE_THIRD, d.third_party_allowed)),
                        max_contacts_per_month=int(monthly) if monthly is not None else None)


def operations(default: Operations) -> Operations:
    g = st.session_state.get
    costs = st.session_state.get(keys.STRAT_COSTS) or {}
    return replace(
        default,
        cost={c: float(costs.get(c, {}).get("cost", v)) for c, v in default.cost.items()},
        complaint_rate={c: float(costs.get(c, {}).get("complaint_rate", v)) for c, v in default.complaint_rate.items()},
        agent_minutes={"agent_call": float(g(keys.OPS_CALL_MIN, default.agent_minutes.get("agent_call", 6.0)))},
        field_hours={"field_visit": float(g(keys.OPS_VISIT_H, default.field_hours.get("field_visit", 2.5)))},
        offer_agent_minutes=float(g(keys.OPS_OFFER_MIN, default.offer_agent_minutes)),
        sources=default.sources,
    )


def operations_json(ops: Operations) -> str:
    return json.dumps(asdict(ops), sort_keys=True)


def loss_params() -> LossParams:
    g = st.session_state.get
    d = LossParams()
    repo = g(keys.LOSS_REPO_COST, None)
    co = g(keys.LOSS_CO_REC, None)
    return LossParams(depreciation_per_month=float(g(keys.LOSS_DEP, d.depreciation_per_month)),
                      auction_cost=float(g(keys.LOSS_AUCTION, d.auction_cost)),
                      months_to_sale=int(g(keys.LOSS_MONTHS_SALE, d.months_to_sale)),
                      repossession_cost=float(repo) if repo is not None else None,
                      charge_off_recovery=float(co) if co is not None else None,
                      discount_rate=float(g(keys.LOSS_DISCOUNT, d.discount_rate)))


def effects_json() -> str:
    return json.dumps(st.session_state.get(EFFECTS, []), sort_keys=True)
