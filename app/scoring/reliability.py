"""Cronbach's alpha, so a practice can check a subscale's reliability on its own clients."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from app.instruments.models import Definition
from app.scoring.subscales import keyed_value


def sample_variance(values: Sequence[float]) -> float:
    """Variance with ``n - 1`` in the denominator (needs at least two values)."""
    mean = math.fsum(values) / len(values)
    return math.fsum((v - mean) ** 2 for v in values) / (len(values) - 1)


def cronbach_alpha(rows: Sequence[Sequence[float | None]]) -> float | None:
    """``k/(k-1) * (1 - sum(item variances) / variance(totals))`` over complete rows.

    Rows are respondents, columns items. None when there are fewer than two items or
    complete rows, or when totals do not vary (alpha is undefined then).
    """
    complete = [list(row) for row in rows if all(_present(v) for v in row)]
    if len(complete) < 2:
        return None
    k = len(complete[0])
    if any(len(row) != k for row in complete):
        raise ValueError("every row must have one value per item")
    if k < 2:
        return None
    total_variance = sample_variance([math.fsum(row) for row in complete])
    if total_variance == 0:
        return None
    item_variances = math.fsum(sample_variance([row[i] for row in complete]) for i in range(k))
    alpha = k / (k - 1) * (1 - item_variances / total_variance)
    # Mathematically alpha <= 1; clamp float noise so it never reads as 1.0000000000000002.
    return min(alpha, 1.0)


def _present(value: float | None) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def subscale_alpha(
    definition: Definition, subscale_id: str, answer_sets: Sequence[Mapping[str, Any]]
) -> float | None:
    """Alpha of one subscale over many administrations, keyed, complete cases only."""
    return cronbach_alpha(keyed_rows(definition, subscale_id, answer_sets))


# --- the practice's own snapshot of a subscale ---------------------------------------------------

CONFIDENCE = 0.95
GROWTH = 0.20  # a new snapshot once distinct clients have grown by this fraction


@dataclass(frozen=True)
class AlphaEstimate:
    """A subscale's alpha on this practice's clients, one answer set per client."""

    alpha: float | None  # None: undefined (fewer than two complete sets, or totals that never vary)
    alpha_low: float | None  # 95% CI (Feldt)
    alpha_high: float | None
    n_clients: int  # complete answer sets used (one per client)
    n_items: int
    sd: float | None  # sample SD of those sets' subscale means (None below two sets)


def keyed_rows(definition: Definition, subscale_id: str,
               answer_sets: Sequence[Mapping[str, Any]]) -> list[list[float | None]]:
    """Each answer set's keyed values of the subscale's items, in item order (None: unanswered)."""
    subscale = definition.subscales[subscale_id]
    items = [definition.item(item_id) for item_id in subscale.items]
    rows = []
    for answers in answer_sets:
        row: list[float | None] = []
        for item in items:
            value = answers.get(item.id)
            scale = definition.scale_for(item)
            row.append(None if value is None
                       else keyed_value(value, minimum=scale.min, maximum=scale.max, reverse=item.reverse))
        rows.append(row)
    return rows


def estimate_alpha(rows: Sequence[Sequence[float | None]]) -> AlphaEstimate:
    """Alpha, its 95% CI and the SD of the item means, over the complete rows (one per client)."""
    complete = [list(r) for r in rows if all(_present(v) for v in r)]
    k = len(complete[0]) if complete else 0
    alpha = cronbach_alpha(complete)
    low, high = feldt_interval(alpha, len(complete), k) if alpha is not None else (None, None)
    means = [math.fsum(r) / k for r in complete] if k else []
    sd = math.sqrt(sample_variance(means)) if len(means) > 1 else None
    return AlphaEstimate(alpha, low, high, len(complete), k, sd)


def feldt_interval(alpha: float, n: int, k: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """Confidence interval of Cronbach's alpha by Feldt's method (Feldt, Woodruff & Salih, 1987,
    Applied Psychological Measurement 11:93-103): ``(1 - alpha) / (1 - alpha_hat)`` follows an F
    distribution with ``n - 1`` and ``(n - 1)(k - 1)`` degrees of freedom, so the bounds are
    ``1 - (1 - alpha_hat) * F(1 - tail)`` and ``1 - (1 - alpha_hat) * F(tail)``, tail = (1 - level) / 2.
    (The same interval as pingouin's ``cronbach_alpha``.)"""
    if n < 2 or k < 2:
        raise ValueError(f"an interval needs at least two respondents and two items, got n={n}, k={k}")
    tail = (1 - confidence) / 2
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1 - (1 - alpha) * f_quantile(1 - tail, df1, df2)
    high = 1 - (1 - alpha) * f_quantile(tail, df1, df2)
    return low, min(high, 1.0)


def f_quantile(p: float, df1: float, df2: float) -> float:
    """The ``p`` quantile of the F distribution (bisection on its CDF, to 1e-12)."""
    if not 0 < p < 1:
        raise ValueError(f"p must be between 0 and 1, got {p}")
    low, high = 0.0, 1.0
    while f_cdf(high, df1, df2) < p:
        high *= 2
    for _ in range(200):
        middle = (low + high) / 2
        if f_cdf(middle, df1, df2) < p:
            low = middle
        else:
            high = middle
        if high - low < 1e-12 * max(1.0, high):
            break
    return (low + high) / 2


def f_cdf(x: float, df1: float, df2: float) -> float:
    """``P(F <= x)`` = the regularized incomplete beta ``I_z(df1/2, df2/2)``, z = df1 x / (df1 x + df2)."""
    if x <= 0:
        return 0.0
    return incomplete_beta(df1 / 2, df2 / 2, df1 * x / (df1 * x + df2))


def incomplete_beta(a: float, b: float, x: float) -> float:
    """The regularized incomplete beta function ``I_x(a, b)`` by its continued fraction
    (Lentz's method, as in Press et al., Numerical Recipes, section 6.4)."""
    if x <= 0:
        return 0.0
    if x >= 1:
        return 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1) / (a + b + 2):
        return front * _beta_fraction(a, b, x) / a
    return 1 - front * _beta_fraction(b, a, 1 - x) / b


def _beta_fraction(a: float, b: float, x: float) -> float:
    tiny = 1e-300
    c, d = 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 1000):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1 + numerator * d
            d = 1 / (d if abs(d) > tiny else tiny)
            c = 1 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1) < 1e-15:
            break
    return result


def snapshot_due(clients_seen: int, last_clients_seen: int | None, *, min_clients: int,
                 growth: float = GROWTH) -> str | None:
    """Why a new snapshot is due, or None: ``floor`` the first time ``min_clients`` distinct clients
    have answered, ``growth`` once they have grown by ``growth`` (20%) since the last snapshot."""
    if last_clients_seen is None:
        return "floor" if clients_seen >= min_clients else None
    return "growth" if clients_seen >= last_clients_seen * (1 + growth) - 1e-9 else None


def usable_snapshot(alpha: float | None, n_clients: int, sd: float | None, *,
                    min_clients: int, min_alpha: float) -> bool:
    """Practice data replace the definition's only from ``min_clients`` clients and ``min_alpha``."""
    return (alpha is not None and not math.isnan(alpha) and min_alpha <= alpha < 1
            and n_clients >= min_clients and sd is not None and sd > 0)
