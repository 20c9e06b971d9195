"""A thin segment's rows borrow strength from the whole book's (baseline.borrow_strength), by hand."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from analytics.strategy import baseline as bl
from tests.strategy_fixtures import P_HIGH, toy_baseline


def test_segment_rows_are_counts_plus_k_book_rows_and_the_draws_are_the_posterior():
    book = toy_baseline()
    seg = toy_baseline()
    # The segment's high band saw 27 loan-months at 1-29 DPD: 15 cured, 12 stayed, none rolled.
    counts = seg.transitions.copy()
    counts[0, 1] = 0.0
    counts[0, 1, 0], counts[0, 1, 1] = 15.0, 12.0
    seg = replace(seg, transitions=counts, matrix=bl._pooled_rows(counts))
    assert seg.matrix[0, 1, 2] == 0.0  # alone, the segment never rolls from 1-29 to 30-59
    out = bl.borrow_strength(seg, book, k=100.0)
    # By hand, with the book's high-band row P_HIGH[1] = (0.50, 0.30, 0.18, 0, 0, 0, 0.02, 0, 0):
    # (15 + 50, 12 + 30, 0 + 18, ..., 0 + 2) / 127.
    expected = (np.array([15, 12, 0, 0, 0, 0, 0, 0, 0]) + 100 * P_HIGH[1]) / 127
    assert out.matrix[0, 1] == pytest.approx(expected)
    assert out.matrix[0, 1, 2] == pytest.approx(18 / 127)
    # The parameter draws are Dirichlet(N · P): here counts + k · book row, the posterior.
    assert out.transitions[0, 1] == pytest.approx(np.array([15, 12, 0, 0, 0, 0, 0, 0, 0]) + 100 * P_HIGH[1])
    # A row seen 10,000 times hardly moves; absorbing rows stay the identity.
    assert out.matrix[1, 0] == pytest.approx((seg.transitions[1, 0] + 100 * book.matrix[1, 0]) / 10_100)
    assert np.allclose(out.matrix[:, 6:], seg.matrix[:, 6:])
    # Start counts are the segment's own.
    assert np.array_equal(out.counts, seg.counts)
