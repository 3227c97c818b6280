"""Alpha's 95% interval (Feldt) and the snapshot rules, checked by hand and against published
quantiles (the reference numbers come from scipy 1.17.1's ``scipy.stats.f.ppf``, run once outside
the app; Mend itself computes them in plain Python)."""

from __future__ import annotations

import pytest

from app.scoring.reliability import (
    estimate_alpha,
    f_cdf,
    f_quantile,
    feldt_interval,
    snapshot_due,
    usable_snapshot,
)


@pytest.mark.parametrize(("p", "df1", "df2", "expected"), [
    (0.975, 10, 20, 2.7736713751990734),
    (0.025, 10, 20, 0.2925222379839599),
    (0.95, 5, 10, 3.3258345304130104),  # the textbook table value 3.33
    (0.975, 41, 205, 1.5541688067981396),
    (0.975, 29, 116, 1.7041562388555935),
    (0.025, 29, 116, 0.529463262788801),
    (0.5, 1.5, 3.5, 0.7452676749653141),
    (0.999, 3, 1000, 5.46366798504903),
    (0.975, 3, 3, 15.43918237874729),
])
def test_f_quantiles_equal_published_ones(p: float, df1: float, df2: float, expected: float) -> None:
    assert f_quantile(p, df1, df2) == pytest.approx(expected, rel=1e-9)
    assert f_cdf(expected, df1, df2) == pytest.approx(p, abs=1e-10)


def test_feldt_interval() -> None:
    # n 42, k 6: df 41 and 205; 1 - 0.19 * F(.975) and 1 - 0.19 * F(.025)
    low, high = feldt_interval(0.81, 42, 6)
    assert (low, high) == (pytest.approx(0.7047079267083536, abs=1e-9), pytest.approx(0.8868152569922418, abs=1e-9))
    with pytest.raises(ValueError):
        feldt_interval(0.8, 1, 5)
    with pytest.raises(ValueError):
        f_quantile(1.0, 3, 3)


def test_estimate_by_hand() -> None:
    # item 1: 1,2,3,4 (variance 1.6667); item 2: 2,3,3,5 (variance 4.75 / 3 = 1.5833);
    # totals 3,5,6,9 (variance 18.75 / 3 = 6.25): alpha = 2 * (1 - 3.25 / 6.25) = 0.96.
    # The incomplete row is left out. Means 1.5, 2.5, 3, 4.5: SD = sqrt(6.25) / 2 = 1.25.
    found = estimate_alpha([[1, 2], [2, 3], [3, 3], [4, 5], [5, None]])
    assert found.alpha == pytest.approx(0.96) and found.sd == pytest.approx(1.25)
    assert (found.n_clients, found.n_items) == (4, 2)
    # Feldt with df 3 and 3: 1 - 0.04 * 15.439182 = 0.382433; upper 0.997409
    assert found.alpha_low == pytest.approx(0.38243270485010783, abs=1e-9)
    assert found.alpha_high == pytest.approx(0.9974091892291485, abs=1e-9)
    nothing = estimate_alpha([[1, 2]])
    assert (nothing.alpha, nothing.alpha_low, nothing.sd, nothing.n_clients) == (None, None, None, 1)
    assert estimate_alpha([]).n_clients == 0


def test_snapshot_due_counts_clients_and_growth() -> None:
    assert snapshot_due(29, None, min_clients=30) is None
    assert snapshot_due(30, None, min_clients=30) == "floor"
    assert snapshot_due(35, 30, min_clients=30) is None
    assert snapshot_due(36, 30, min_clients=30) == "growth"  # exactly +20%
    assert snapshot_due(50, 42, min_clients=30) is None  # 50 < 50.4
    assert snapshot_due(51, 42, min_clients=30) == "growth"


@pytest.mark.parametrize(("alpha", "n", "sd", "usable"), [
    (0.6, 30, 0.5, True),
    (0.5999, 30, 0.5, False),
    (0.9, 29, 0.5, False),
    (None, 40, 0.5, False),
    (0.9, 40, 0.0, False),
    (0.9, 40, None, False),
    (1.0, 40, 0.5, False),
])
def test_usable_only_from_thirty_clients_and_alpha_point_six(alpha, n, sd, usable) -> None:
    assert usable_snapshot(alpha, n, sd, min_clients=30, min_alpha=0.6) is usable
