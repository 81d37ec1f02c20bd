"""The harmonic layer against the published formula p_i = d_i^-n / sum_j d_j^-n, computed
independently in float64 numpy (and in exact rationals where it underflows)."""

from fractions import Fraction

import numpy as np
import pytest
import torch

from physlearn.harmonic.layer import HarmonicLayer, harmonic_log_probs, harmonic_loss, squared_distances


def published_probabilities(x, w, n):
    """The paper's formula as written, with the code's convention: p_i ∝ (d_i^2)^-n."""
    d = np.sqrt(((x[:, None, :] - w[None, :, :]) ** 2).sum(-1))
    numer = d ** (-2.0 * n)
    return numer / numer.sum(-1, keepdims=True)


@pytest.mark.parametrize("n", [0.5, 1, 3, 28])
def test_matches_direct_formula_where_finite(n):
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(7, 5)), rng.normal(size=(4, 5))
    ours = harmonic_log_probs(torch.tensor(x), torch.tensor(w), n).exp().numpy()
    np.testing.assert_allclose(ours, published_probabilities(x, w, n), rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(ours.sum(-1), 1.0, rtol=1e-12)


def test_large_exponent_stays_finite_and_exact():
    """n = 768 (GPT-2): d^-1536 underflows float64 (numpy gives 0/0 = nan); exact rationals
    give the true probabilities, and ours match them."""
    x = np.array([[0.0, 0.0]])
    w = np.array([[1.0, 0.0], [0.0, 1.1], [2.0, 0.0]])
    n = 768
    with np.errstate(all="ignore"):
        assert np.isnan(published_probabilities(x * 1e3, w * 1e3, n)).any()
    d2 = [Fraction(1), Fraction(121, 100), Fraction(4)]
    numer = [d**-n for d in d2]
    exact = [float(v / sum(numer)) for v in numer]
    ours = harmonic_log_probs(torch.tensor(x * 1e3), torch.tensor(w * 1e3), n).exp()
    assert torch.isfinite(ours).all()
    np.testing.assert_allclose(ours.numpy()[0], exact, rtol=1e-9, atol=1e-300)

    xt = torch.tensor(x * 1e3, requires_grad=True)
    harmonic_loss(xt, torch.tensor(w * 1e3), torch.tensor([1]), n).backward()
    assert torch.isfinite(xt.grad).all()


def test_matmul_and_direct_distances_agree_and_broadcast_over_seeds():
    g = torch.Generator().manual_seed(0)
    x, w = (
        torch.randn(3, 6, 8, generator=g, dtype=torch.float64),
        torch.randn(3, 5, 8, generator=g, dtype=torch.float64),
    )
    direct = squared_distances(x, w, "direct")
    torch.testing.assert_close(squared_distances(x, w, "matmul"), direct)
    for s in range(3):  # each seed's slice is that seed's own computation
        torch.testing.assert_close(direct[s], torch.cdist(x[s], w[s]) ** 2)


def test_point_on_a_centre_takes_all_probability():
    w = torch.tensor([[1.0, 1.0], [-1.0, 1.0]])
    p = harmonic_log_probs(w.clone(), w, 1).exp()
    assert torch.isfinite(p).all()
    torch.testing.assert_close(p, torch.eye(2))
    p_eps = harmonic_log_probs(w.clone(), w, 1, eps=1e-6).exp()
    assert torch.isfinite(p_eps).all() and (p_eps.diagonal() > 0.999).all()


def test_layer_scale_and_tied_centres():
    emb = torch.nn.Parameter(torch.randn(10, 4))
    layer = HarmonicLayer(4, 10, exponent=4, scale=4.0, centres=emb)
    assert layer.weight is emb
    x = torch.randn(3, 4)
    expected = -4 * torch.log(torch.cdist(x, emb) ** 2 / 4.0)
    torch.testing.assert_close(layer(x), expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="shape"):
        HarmonicLayer(5, 10, exponent=1, centres=emb)


@pytest.mark.parametrize("n", [28, 768])
def test_float32_matmul_path_at_large_exponent_matches_float64_log_space(n):
    """The GPT-2 head's path: float32, distances by the matmul expansion, d^2 / D, large n;
    against the published formula in float64 log space (log p_i = -n log d2_i - logsumexp)."""
    rng = np.random.default_rng(2)
    D = 64
    x, w = rng.normal(size=(6, D)).astype(np.float32), rng.normal(size=(300, D)).astype(np.float32)
    # each row gets two near-tied centres: distances r and r (1 + eps) with eps ~ 1 / (2 n), so
    # that (d_a^2 / d_b^2)^-n is of order 1 and the probabilities are not one-hot
    for i in range(6):
        for j, stretch in enumerate((1.0, 1.0 + (0.5 + 0.2 * i) / n)):
            direction = rng.normal(size=D)
            w[2 * i + j] = x[i] + 2.0 * stretch * direction / np.linalg.norm(direction)
    d2 = ((x[:, None, :].astype(np.float64) - w[None].astype(np.float64)) ** 2).sum(-1) / D
    logits = -n * np.log(d2)
    ref = logits - logits.max(-1, keepdims=True)
    ref = ref - np.log(np.exp(ref).sum(-1, keepdims=True))
    ours = harmonic_log_probs(torch.tensor(x), torch.tensor(w), n, scale=float(D), method="matmul")
    assert ours.dtype == torch.float32 and torch.isfinite(ours).all()
    assert (np.exp(ref).max(-1) < 0.97).all()  # two classes share the mass in every row (0.73-0.95)
    np.testing.assert_allclose(ours.exp().numpy(), np.exp(ref), atol=2e-3)
