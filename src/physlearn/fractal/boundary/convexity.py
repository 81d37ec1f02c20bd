"""Roughness, curvature ratio and convexity (spec section 2.7).

The additive loss x^2 + eps cos(kx) is convex iff eps k^2 <= 2, i.e. iff its roughness
theta_+ = eps / wl^2 is at most 1/(2 pi^2). In general the curvature ratio
R = max_x[-perturbation''(x)] / 2 compares the perturbation's largest negative curvature with
the quadratic's 2: the loss is convex iff R <= 1.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

CONVEXITY_THRESHOLD = 1 / (2 * math.pi**2)  # 0.050660: the dashed line of Fig. 3a
TWO_COSINE_GRID_POINTS = 300_001


def roughness_additive(eps, wl):
    """theta_+ = eps / wl^2, invariant under x -> b x."""
    return np.asarray(eps) / np.asarray(wl) ** 2


def roughness_multiplicative(eps, wl=None):
    """theta_x = eps (the wavelength drops out under x -> b x)."""
    return np.asarray(eps)


def curvature_ratio(eps, wl):
    """R of one cosine: max_x[eps k^2 cos(kx)] / 2 = eps k^2 / 2 = 2 pi^2 theta_+."""
    k = 2 * np.pi / np.asarray(wl)
    return np.asarray(eps) * k**2 / 2


def common_period(wl1: float, wl2: float, max_denominator: int = 10_000) -> float:
    """The least common period of cos(2 pi x / wl1) and cos(2 pi x / wl2) (1.5 for 0.3 and 0.5)."""
    a, b = Fraction(wl1).limit_denominator(max_denominator), Fraction(wl2).limit_denominator(max_denominator)
    den = a.denominator * b.denominator
    num = math.lcm(a.numerator * b.denominator, b.numerator * a.denominator)
    return num / den


def curvature_ratio_two_cosines(eps1, wl1: float, eps2, wl2: float, points: int = TWO_COSINE_GRID_POINTS):
    """R = max_x[eps1 k1^2 cos(k1 x) + eps2 k2^2 cos(k2 x)] / 2, the global maximum over one
    common period on a dense grid (the spec asks >= 3e5 points). eps1, eps2 broadcast."""
    period = common_period(wl1, wl2)
    x = np.linspace(0.0, period, points, endpoint=False)
    k1, k2 = 2 * np.pi / wl1, 2 * np.pi / wl2
    c1, c2 = k1**2 * np.cos(k1 * x), k2**2 * np.cos(k2 * x)
    e1, e2 = np.broadcast_arrays(np.asarray(eps1, dtype=np.float64), np.asarray(eps2, dtype=np.float64))
    out = np.empty(e1.shape)
    for i in np.ndindex(e1.shape):
        out[i] = np.max(e1[i] * c1 + e2[i] * c2) / 2
    return out if out.ndim else float(out)


def is_convex_two_cosines(eps1, wl1: float, eps2, wl2: float, points: int = TWO_COSINE_GRID_POINTS):
    """min_x f'' >= 0 for x^2 + eps1 cos(k1 x) + eps2 cos(k2 x), i.e. R <= 1."""
    return curvature_ratio_two_cosines(eps1, wl1, eps2, wl2, points) <= 1


def red_line(wl, bound):
    """E5's red line eps = wl^2 / (2 pi^2 B): below it a trajectory with loss ~ x^2 is declared
    divergent (loss >= B) before it reaches the non-convex zone |x| >~ wl / (pi sqrt(2 eps))."""
    return np.asarray(wl) ** 2 / (2 * np.pi**2 * np.asarray(bound))


def renormalise_additive(eps: float, wl: float, x0: float, threshold: float, b: float) -> dict:
    """x = b x~ maps GD on f+ with (eps, wl, x0, eta) to (eps/b^2, wl/b, x0/b, same eta); the
    loss is divided by b^2, so is the threshold."""
    return {"eps": eps / b**2, "wl": wl / b, "x0": x0 / b, "threshold": threshold / b**2}


def renormalise_multiplicative(eps: float, wl: float, x0: float, threshold: float, b: float) -> dict:
    """x = b x~ maps GD on fx with (eps, wl, x0) to (eps, wl/b, x0/b); the loss scales by 1/b^2."""
    return {"eps": eps, "wl": wl / b, "x0": x0 / b, "threshold": threshold / b**2}
