import numpy as np

from analytics import schema


def test_bucket_edges_follow_dpd_definition():
    dpd = np.array([0, 1, 29, 30, 59, 60, 89, 90, 119, 120, 400])
    assert list(schema.bucket_of_dpd(dpd)) == [
        "current", "dpd_1_29", "dpd_1_29", "dpd_30_59", "dpd_30_59", "dpd_60_89", "dpd_60_89",
        "dpd_90_119", "dpd_90_119", "dpd_120_plus", "dpd_120_plus"]
    assert list(schema.bucket_index_of_dpd(dpd)) == [0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5]


def test_credit_tiers_by_score_and_unknown_score():
    tiers = schema.credit_tier_of_score(np.array([500, 619, 620, 659, 660, 719, 720, np.nan]))
    assert list(tiers) == ["subprime", "subprime", "near_prime", "near_prime", "prime", "prime",
                           "super_prime", None]
