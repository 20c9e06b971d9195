from datetime import date

from analytics import narrative
from analytics.formatting import format_money

SNAP = {
    "dpd60_rate_count": {"value": 0.031, "previous": 0.027, "change": 0.004},
    "active_loans": {"value": 21108.0, "previous": 20799.0, "change": 309.0},
    "outstanding_balance": {"value": 1.7e9, "previous": 1.6e9, "change": 1e8},
    "net_chargeoff_rate_annualized": {"value": 0.0131, "previous": 0.0075, "change": 0.0056},
    "cure_rate": {"value": 0.125, "previous": 0.1387, "change": -0.0137},
}


def test_delinquency_sentence_in_both_languages():
    en = narrative.delinquency_sentence(SNAP, date(2026, 10, 1), "en", driver="Henan")
    assert en == "60+ delinquency rose 0.40 pp to 3.10% in October 2026, driven by Henan."
    zh = narrative.delinquency_sentence(SNAP, date(2026, 10, 1), "zh")
    assert zh == "2026年10月逾期60天以上比例上升0.40个百分点，至3.10%。"


def test_falling_and_flat():
    snap = {"dpd60_rate_count": {"value": 0.02, "change": -0.001}}
    assert "fell 0.10 pp to 2.00%" in narrative.delinquency_sentence(snap, date(2026, 1, 1), "en")
    snap = {"dpd60_rate_count": {"value": 0.02, "change": 0.00001}}
    assert narrative.delinquency_sentence(snap, date(2026, 1, 1), "en") == "60+ delinquency held at 2.00% in January 2026."


def test_book_and_losses_sentences():
    book = narrative.book_sentence(SNAP, "en", "¥", format_money)
    assert book == "The book has 21,108 active loans and ¥1.7B outstanding (+6.2% on last month)."
    assert narrative.losses_sentence(SNAP, "zh") == "年化净核销率 1.31%；上月逾期30天以上的贷款中有 12.5% 已恢复正常。"
