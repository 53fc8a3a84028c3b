"""The cleaning step on arbitrary histories: it never crashes and always hands the models a regular, finite series."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from steadyops.demand.forecast import clean

START = pd.Timestamp("2026-03-01", tz="UTC")


@settings(max_examples=60, deadline=None)
@given(
    values=st.lists(st.floats(min_value=0, max_value=1e12, allow_nan=False), min_size=48, max_size=400),
    dropped=st.sets(st.integers(min_value=1, max_value=398), max_size=150),
    hourly=st.booleans(),
)
def test_it_always_returns_a_regular_finite_series(values: list[float], dropped: set[int], hourly: bool) -> None:
    step = pd.Timedelta(hours=1) if hourly else pd.Timedelta(days=1)
    index = pd.date_range(START, periods=len(values), freq=step)
    # The first and last points stay, so that the span is known; the points in between may go.
    keep = [i for i in range(len(values)) if i not in dropped or i in (0, len(values) - 1)]
    history = pd.Series(np.asarray(values)[keep], index=index[keep])
    cleaned = clean(history)
    assert cleaned.series.index.equals(index)
    assert np.isfinite(cleaned.series).all()
    assert (cleaned.series >= 0).all()
    missing = sum(1 for i in range(len(values)) if i not in keep)
    assert sum(int((last - first) / step) + 1 for first, last in cleaned.gaps) == missing
    assert set(cleaned.outliers) <= set(history.index)
