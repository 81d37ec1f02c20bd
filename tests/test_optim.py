"""FOCUS / Signum / toy-Adam update rules (physlearn.optim), checked against steps worked
out by hand, an independent numpy float64 implementation of the published rule (FOCUS spec
section 1) and torch.optim.AdamW."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from physlearn.optim import FOCUS, Signum
from physlearn.optim import functional as F


def _t(values, dtype=torch.float64):
    return torch.tensor(values, dtype=dtype)


def _step(opt: torch.optim.Optimizer, params: list[torch.Tensor], grads: list) -> None:
    for p, g in zip(params, grads):
        p.grad = None if g is None else g.clone()
    opt.step()


# --------------------------------------------------------------------------------------
# Steps worked out by hand


def test_first_step_by_hand_and_sign_of_zero():
    # theta = [1, -2, 0.5] (powers of two: (1-b2)*theta/(1-b2) is exact for them, see
    # test_first_step_attraction_is_exactly_zero for general values), g = [0.3, 0, -4],
    # lr 0.1, betas (0.9, 0.99), gamma 0.5, wd 0.
    # m = 0.1*g = [0.03, 0, -0.4] -> sign(m) = [1, 0, -1]
    # phat = theta at t=1 -> attraction 0
    # theta = theta - 0.1*[1, 0, -1] = [0.9, -2.0, 0.6]; the zero-gradient coordinate stays.
    p = _t([1.0, -2.0, 0.5]).requires_grad_()
    opt = FOCUS([p], lr=0.1, betas=(0.9, 0.99), gamma=0.5)
    _step(opt, [p], [_t([0.3, 0.0, -4.0])])
    torch.testing.assert_close(p.detach(), _t([0.9, -2.0, 0.6]), rtol=0, atol=1e-15)
    assert p[1].item() == -2.0  # sign(0) = 0: exactly unmoved
    state = opt.state[p]
    assert state["step"] == 1
    torch.testing.assert_close(state["exp_avg"], _t([0.03, 0.0, -0.4]), rtol=1e-15, atol=0)
    # pbar = (1-0.99)*theta = 0.01*theta
    torch.testing.assert_close(state["param_avg"], _t([0.01, -0.02, 0.005]), rtol=1e-12, atol=0)


def test_sign_of_zero_momentum_leaves_coordinate_unmoved_over_many_steps():
    # A coordinate whose gradient is always 0 keeps m = 0, sign 0, and with gamma = 0 and
    # wd = 0 it never moves; the other coordinate moves by exactly lr per step.
    p = _t([0.25, 0.75]).requires_grad_()
    opt = Signum([p], lr=0.125, betas=(0.9, 0.999))
    for _ in range(4):
        _step(opt, [p], [_t([0.0, 1.0])])
    # 0.75 - 4*0.125 = 0.25 (exact in binary)
    assert p.detach().tolist() == [0.25, 0.25]


@pytest.mark.parametrize("decay_to_ema, expected", [(True, 0.705), (False, 0.7075)])
def test_decay_toward_ema_vs_toward_theta(decay_to_ema, expected):
    # Signum (gamma 0), lr 0.1, betas (0.5, 0.5), wd 0.5, theta0 = 1.
    # Step 1, g = 1: m = 0.5 -> +1; pbar = 0.5, phat = 0.5/0.5 = 1 = theta (both rules agree)
    #   theta1 = 1 - 0.1*(1 + 0.5*1) = 0.85
    # Step 2, g = 2: m = 0.25 + 1 = 1.25 -> +1; pbar = 0.25 + 0.425 = 0.675,
    #   phat = 0.675/(1-0.25) = 0.9
    #   toward the EMA:  theta2 = 0.85 - 0.1*(1 + 0.5*0.9)  = 0.85 - 0.145  = 0.705
    #   toward theta:    theta2 = 0.85 - 0.1*(1 + 0.5*0.85) = 0.85 - 0.1425 = 0.7075
    p = _t([1.0]).requires_grad_()
    opt = Signum([p], lr=0.1, betas=(0.5, 0.5), weight_decay=0.5, decay_to_ema=decay_to_ema)
    _step(opt, [p], [_t([1.0])])
    torch.testing.assert_close(p.detach(), _t([0.85]), rtol=0, atol=1e-15)
    _step(opt, [p], [_t([2.0])])
    torch.testing.assert_close(p.detach(), _t([expected]), rtol=0, atol=1e-15)


def test_second_step_with_attraction():
    # FOCUS lr 0.1, betas (0.5, 0.5), gamma 0.5, wd 0; theta0 = [1, -1].
    # Step 1, g = [1, -1]: m = [0.5, -0.5] -> [1, -1]; attraction 0 (t=1)
    #   theta1 = [1 - 0.1, -1 + 0.1] = [0.9, -0.9]
    # Step 2, g = [2, 3]: m = [0.25 + 1, -0.25 + 1.5] = [1.25, 1.25] -> [1, 1]
    #   pbar1 = [0.5, -0.5]; pbar2 = 0.5*pbar1 + 0.5*theta1 = [0.7, -0.7]
    #   phat2 = pbar2/(1 - 0.25) = [0.9333.., -0.9333..]
    #   sign(theta1 - phat2) = [sign(-0.0333), sign(+0.0333)] = [-1, +1]
    #   u = [1 - 0.5, 1 + 0.5] = [0.5, 1.5]
    #   theta2 = [0.9 - 0.05, -0.9 - 0.15] = [0.85, -1.05]
    p = _t([1.0, -1.0]).requires_grad_()
    opt = FOCUS([p], lr=0.1, betas=(0.5, 0.5), gamma=0.5)
    _step(opt, [p], [_t([1.0, -1.0])])
    torch.testing.assert_close(p.detach(), _t([0.9, -0.9]), rtol=0, atol=1e-15)
    _step(opt, [p], [_t([2.0, 3.0])])
    torch.testing.assert_close(p.detach(), _t([0.85, -1.05]), rtol=0, atol=1e-15)


def test_attraction_sign_is_taken_before_the_decay():
    # The implemented ordering (the authors' code): sign(theta - phat) on theta before decay.
    # FOCUS lr 0.1, betas (0.5, 0.5), gamma 0.5, wd 0.5 (toward the EMA); theta0 = 1.
    # Step 1, g = -1: m = -0.5 -> -1; phat = 1, attraction 0
    #   theta1 = 1 - 0.1*(-1 + 0.5*1) = 1.05
    # Step 2, g = -1: m = -0.25 - 0.5 = -0.75 -> -1
    #   pbar2 = 0.25 + 0.5*1.05 = 0.775, phat2 = 0.775/0.75 = 31/30 = 1.0333..
    #   sign(theta1 - phat2) = sign(+0.01667) = +1
    #   u = -1 + 0.5*1 + 0.5*31/30 = 1/60;  theta2 = 1.05 - 0.1/60 = 629/600 = 1.048333..
    # (The paper's Algorithm 1 order, decay first: theta' = 1.05 - 0.1*0.5*31/30 = 0.99833,
    #  sign(theta' - phat) = -1 and theta2 = 0.99833 + 0.15 = 1.14833.)
    p = _t([1.0]).requires_grad_()
    opt = FOCUS([p], lr=0.1, betas=(0.5, 0.5), gamma=0.5, weight_decay=0.5)
    _step(opt, [p], [_t([-1.0])])
    torch.testing.assert_close(p.detach(), _t([1.05]), rtol=0, atol=1e-15)
    _step(opt, [p], [_t([-1.0])])
    torch.testing.assert_close(p.detach(), _t([1.0483333333333333]), rtol=0, atol=1e-14)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_first_step_attraction_is_exactly_zero(dtype):
    # Spec: at t=1 phat == theta, so u = sign(m) exactly: with g = 1, every coordinate moves
    # by exactly -lr*sign(m) = -lr, whatever gamma is.
    gen = torch.Generator().manual_seed(0)
    theta = torch.randn(1000, generator=gen, dtype=dtype)
    p = theta.clone().requires_grad_()
    opt = FOCUS([p], lr=0.5, betas=(0.9, 0.9), gamma=0.25)
    _step(opt, [p], [torch.ones_like(theta)])
    assert torch.equal(p.detach(), theta - 0.5)


def test_signum_is_focus_with_gamma_zero():
    gen = torch.Generator().manual_seed(1)
    shapes = [(3, 4), (5,), (2, 2, 2)]
    init = [torch.randn(s, generator=gen, dtype=torch.float64) for s in shapes]
    grads = [[torch.randn(s, generator=gen, dtype=torch.float64) for s in shapes] for _ in range(10)]
    for decay_to_ema in (True, False):
        a = [x.clone().requires_grad_() for x in init]
        b = [x.clone().requires_grad_() for x in init]
        sig = Signum(a, lr=0.03, betas=(0.9, 0.99), weight_decay=0.2, decay_to_ema=decay_to_ema)
        foc = FOCUS(b, lr=0.03, betas=(0.9, 0.99), gamma=0.0, weight_decay=0.2, decay_to_ema=decay_to_ema)
        for g in grads:
            _step(sig, a, g)
            _step(foc, b, g)
        for x, y in zip(a, b):
            assert torch.equal(x, y)


def test_defaults():
    p = torch.zeros(2, requires_grad=True)
    group = FOCUS([p]).param_groups[0]
    assert (group["lr"], group["betas"], group["gamma"], group["weight_decay"]) == (0.01, (0.9, 0.999), 0.1, 0.0)
    assert group["decay_to_ema"] is True
    assert Signum([p]).param_groups[0]["gamma"] == 0.0


# --------------------------------------------------------------------------------------
# Hyperparameter validation


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(lr=-1e-3), r"lr=-0\.001.*>= 0"),
        (dict(lr=float("nan")), r"lr=nan"),
        (dict(betas=(1.0, 0.9)), r"beta1=1\.0.*\[0, 1\)"),
        (dict(betas=(-0.1, 0.9)), r"beta1=-0\.1"),
        (dict(betas=(0.9, 1.0)), r"beta2=1\.0.*\[0, 1\)"),
        (dict(betas=(0.9, 1.5)), r"beta2=1\.5"),
        (dict(betas=(0.9,)), r"betas must be a pair"),
        (dict(gamma=-0.1), r"gamma=-0\.1.*>= 0"),
        (dict(weight_decay=-1.0), r"weight_decay=-1\.0.*>= 0"),
    ],
)
def test_invalid_hyperparameters(kwargs, match):
    p = torch.zeros(2, requires_grad=True)
    with pytest.raises(ValueError, match=match):
        FOCUS([p], **kwargs)


def test_boundary_hyperparameters_are_valid():
    p = torch.zeros(2, requires_grad=True)
    FOCUS([p], lr=0.0, betas=(0.0, 0.0), gamma=0.0, weight_decay=0.0)


def test_invalid_hyperparameter_set_after_construction_is_caught_at_step():
    p = torch.zeros(2, requires_grad=True)
    opt = FOCUS([p])
    opt.param_groups[0]["gamma"] = -1.0
    p.grad = torch.ones(2)
    with pytest.raises(ValueError, match="gamma"):
        opt.step()


# --------------------------------------------------------------------------------------
# State, multi-tensor path


def _model_params(seed: int, dtype=torch.float64) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    shapes = [(4, 3), (3,), (2, 3, 5), (1,), (7,)]
    return [torch.randn(s, generator=gen, dtype=dtype).requires_grad_() for s in shapes]


def _grad_stream(params, steps: int, seed: int, skip: dict | None = None):
    """Random gradients; ``skip`` maps a step to parameter indices that get no gradient."""
    gen = torch.Generator().manual_seed(seed)
    out = []
    for t in range(steps):
        gs = [torch.randn(p.shape, generator=gen, dtype=p.dtype) for p in params]
        for i in (skip or {}).get(t, ()):
            gs[i] = None
        out.append(gs)
    return out


@pytest.mark.parametrize("decay_to_ema", [True, False])
def test_state_dict_round_trip(decay_to_ema):
    params = _model_params(0)
    opt = FOCUS(params, lr=0.01, betas=(0.9, 0.99), gamma=0.2, weight_decay=0.1, decay_to_ema=decay_to_ema)
    grads = _grad_stream(params, 10, seed=1, skip={1: [2]})
    for g in grads[:5]:
        _step(opt, params, g)

    buffer = io.BytesIO()
    torch.save(opt.state_dict(), buffer)
    buffer.seek(0)
    copies = [p.detach().clone().requires_grad_() for p in params]
    fresh = FOCUS(copies, lr=0.5, betas=(0.5, 0.5), gamma=0.0)  # hyperparameters come from the state dict
    fresh.load_state_dict(torch.load(buffer))
    assert fresh.param_groups[0]["gamma"] == 0.2
    assert fresh.state[copies[2]]["step"] == 4  # it missed a gradient at step 2

    for g in grads[5:]:
        _step(opt, params, g)
        _step(fresh, copies, g)
    for p, q in zip(params, copies):
        assert torch.equal(p, q)
    for p, q in zip(params, copies):
        for key in opt.state[p]:
            a, b = opt.state[p][key], fresh.state[q][key]
            assert torch.equal(a, b) if isinstance(a, torch.Tensor) else a == b


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(gamma=0.2, weight_decay=0.1, decay_to_ema=True),
        dict(gamma=0.2, weight_decay=0.1, decay_to_ema=False),
        dict(gamma=0.0, weight_decay=0.1, decay_to_ema=True),
        dict(gamma=0.0, weight_decay=0.0),
    ],
)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_foreach_matches_per_parameter(kwargs, dtype):
    a = _model_params(2, dtype)
    b = [p.detach().clone().requires_grad_() for p in a]
    opt_a = FOCUS(a, lr=0.02, betas=(0.9, 0.95), foreach=True, **kwargs)
    opt_b = FOCUS(b, lr=0.02, betas=(0.9, 0.95), foreach=False, **kwargs)
    # Parameters that miss gradients on some steps have their own step counts.
    for g in _grad_stream(a, 12, seed=3, skip={0: [1], 4: [0, 3]}):
        _step(opt_a, a, g)
        _step(opt_b, b, g)
    for p, q in zip(a, b):
        assert torch.equal(p, q)
    assert [opt_a.state[p]["step"] for p in a] == [11, 11, 12, 11, 12]


@pytest.mark.parametrize(
    "kwargs, dtype, tol",
    [
        (dict(gamma=0.2, weight_decay=0.1, decay_to_ema=True), torch.float32, 1e-6),
        (dict(gamma=0.0, weight_decay=0.1, decay_to_ema=False), torch.float32, 1e-6),
        (dict(gamma=0.2, weight_decay=0.1, decay_to_ema=True), torch.float64, 1e-12),
    ],
)
def test_fused_matches_foreach_up_to_rounding(kwargs, dtype, tol):
    from torch._dynamo.utils import counters

    a = _model_params(2, dtype)
    b = [p.detach().clone().requires_grad_() for p in a]
    opt_a = FOCUS(a, lr=0.02, betas=(0.9, 0.95), foreach=True, **kwargs)
    opt_b = FOCUS(b, lr=0.02, betas=(0.9, 0.95), fused=True, **kwargs)
    torch._dynamo.reset()  # earlier tests' graphs must not count toward the recompile limit
    graphs_before = counters["stats"]["unique_graphs"]
    # Parameters that miss gradients on some steps have their own step counts. The compiled
    # code must run every step: past the recompile limit torch would go eager, so fail then.
    with torch._dynamo.config.patch(fail_on_recompile_limit_hit=True):
        for g in _grad_stream(a, 12, seed=3, skip={0: [1], 4: [0, 3]}):
            _step(opt_a, a, g)
            _step(opt_b, b, g)
    assert counters["stats"]["unique_graphs"] > graphs_before  # the compiled code ran
    for p, q in zip(a, b):
        torch.testing.assert_close(q, p, rtol=tol, atol=tol)  # a flipped sign would move a number by lr*gamma
    for state_a, state_b in zip(opt_a.state.values(), opt_b.state.values()):
        assert state_a["step"] == state_b["step"]
        torch.testing.assert_close(state_b["exp_avg"], state_a["exp_avg"], rtol=tol, atol=tol)


def test_enabling_the_parameter_ema_after_the_first_step():
    p = _t([1.0, 2.0]).requires_grad_()
    opt = Signum([p], lr=0.1, weight_decay=0.0)  # no parameter EMA needed yet
    _step(opt, [p], [_t([1.0, 1.0])])
    opt.param_groups[0]["weight_decay"] = 0.1  # e.g. a weight-decay schedule starting at 0
    _step(opt, [p], [_t([1.0, 1.0])])
    assert torch.isfinite(p).all()


def test_parameter_groups_use_their_own_hyperparameters():
    p, q = _t([1.0]).requires_grad_(), _t([1.0]).requires_grad_()
    opt = FOCUS([{"params": [p]}, {"params": [q], "lr": 0.25}], lr=0.5, gamma=0.0)
    _step(opt, [p, q], [_t([1.0]), _t([1.0])])
    assert (p.item(), q.item()) == (0.5, 0.75)


def test_closure_and_missing_grads():
    p = _t([1.0, 2.0]).requires_grad_()
    opt = FOCUS([p], lr=0.1)
    assert opt.step() is None  # no gradient: nothing happens, no state
    assert not opt.state

    def closure():
        opt.zero_grad()
        loss = (p**2).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 5.0
    torch.testing.assert_close(p.detach(), _t([0.9, 1.9]), rtol=0, atol=1e-15)


# --------------------------------------------------------------------------------------
# An independent float64 implementation of spec section 1


class NumpyFocus:
    """FOCUS spec section 1, line by line, one numpy float64 array per parameter."""

    def __init__(self, params, lr, betas, gamma, weight_decay, decay_to_ema):
        self.params = [np.array(p, dtype=np.float64) for p in params]
        self.lr, (self.b1, self.b2), self.gamma, self.wd = lr, betas, gamma, weight_decay
        self.decay_to_ema = decay_to_ema
        self.m = [np.zeros_like(p) for p in self.params]
        self.pbar = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def step(self, grads):
        self.t += 1
        for i, (theta, g) in enumerate(zip(self.params, grads)):
            self.m[i] = self.b1 * self.m[i] + (1 - self.b1) * g
            self.pbar[i] = self.b2 * self.pbar[i] + (1 - self.b2) * theta
            phat = self.pbar[i] / (1 - self.b2**self.t)
            if self.t == 1:
                phat = theta.copy()  # spec: "At t=1 phat == theta"
            u = np.sign(self.m[i]) + self.gamma * np.sign(theta - phat)
            theta = theta - self.lr * u
            theta = theta - self.lr * self.wd * (phat if self.decay_to_ema else self.params[i])
            self.params[i] = theta


_REFERENCE_CASES = {
    "signum-nowd": dict(lr=0.01, betas=(0.9, 0.999), gamma=0.0, weight_decay=0.0, decay_to_ema=True),
    "signum-ema-decay": dict(lr=0.05, betas=(0.9, 0.99), gamma=0.0, weight_decay=0.2, decay_to_ema=True),
    "signum-theta-decay": dict(lr=0.05, betas=(0.0, 0.9), gamma=0.0, weight_decay=0.3, decay_to_ema=False),
    "focus-ema-decay": dict(lr=0.02, betas=(0.9, 0.99), gamma=0.2, weight_decay=0.1, decay_to_ema=True),
    "focus-nowd": dict(lr=0.1, betas=(0.8, 0.9), gamma=0.5, weight_decay=0.0, decay_to_ema=True),
    "focus-theta-decay": dict(lr=0.05, betas=(0.9, 0.9), gamma=0.2, weight_decay=0.1, decay_to_ema=False),
}


def _reference_params():
    for name, hp in _REFERENCE_CASES.items():
        for init in ("random", "dyadic"):
            # "dyadic": initial values rounded to signed powers of two, for which
            # (1-b2)*theta/(1-b2) == theta exactly: the first step's attraction is 0 even for
            # an implementation that computes phat = pbar/(1-b2) and compares it with theta.
            yield pytest.param(hp, init, id=f"{name}-{init}")


@pytest.mark.parametrize("hp, init", list(_reference_params()))
@pytest.mark.parametrize("foreach", [True, False])
def test_matches_independent_numpy_implementation(hp, init, foreach):
    params = _model_params(4)
    if init == "dyadic":
        with torch.no_grad():
            for p in params:
                p.copy_(torch.sign(p) * torch.exp2(torch.round(torch.log2(p.abs()))))
    ref = NumpyFocus([p.detach().numpy() for p in params], **hp)
    opt = FOCUS(params, foreach=foreach, **hp)
    for g in _grad_stream(params, 20, seed=5):
        _step(opt, params, g)
        ref.step([x.numpy() for x in g])
        for p, r in zip(params, ref.params):
            np.testing.assert_allclose(p.detach().numpy(), r, rtol=1e-12, atol=1e-14)


def test_independent_implementation_detects_attraction():
    # Guard on the reference itself: the attraction actually moved the parameters (so the
    # comparison above exercises it), i.e. gamma 0.2 and 0 give different results.
    params = _model_params(4)
    a = NumpyFocus([p.detach().numpy() for p in params], 0.05, (0.9, 0.9), 0.2, 0.0, True)
    b = NumpyFocus([p.detach().numpy() for p in params], 0.05, (0.9, 0.9), 0.0, 0.0, True)
    for g in _grad_stream(params, 5, seed=5):
        a.step([x.numpy() for x in g])
        b.step([x.numpy() for x in g])
    assert not np.allclose(a.params[0], b.params[0])


# --------------------------------------------------------------------------------------
# The toy Adam and tensor learning rates


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_functional_adam_matches_torch_adamw(weight_decay):
    params = _model_params(6)
    ref = [p.detach().clone().requires_grad_() for p in params]
    adamw = torch.optim.AdamW(ref, lr=0.01, betas=(0.9, 0.999), eps=1e-8, weight_decay=weight_decay)
    m = [torch.zeros_like(p) for p in params]
    v = [torch.zeros_like(p) for p in params]
    with torch.no_grad():
        for t, g in enumerate(_grad_stream(params, 15, seed=7), start=1):
            F.adam(
                [p.data for p in params],
                g,
                m,
                v,
                t,
                lr=0.01,
                beta1=0.9,
                beta2=0.999,
                eps=1e-8,
                weight_decay=weight_decay,
            )
            _step(adamw, ref, g)
            for p, q in zip(params, ref):
                torch.testing.assert_close(p, q, rtol=1e-12, atol=1e-14)


def test_functional_adam_first_step_by_hand():
    # t=1: mhat = g, vhat = g^2, so u = g/(|g| + eps) + wd*theta. theta = [1, -2], g = [3, -0.5],
    # lr 0.1, wd 0.5, eps 1e-8: u = [3/(3+1e-8) + 0.5, -0.5/(0.5+1e-8) - 1]
    #   = [1.49999999666667, -1.99999998]; theta = [1 - 0.14999999966667, -2 + 0.199999998]
    p, g = _t([1.0, -2.0]), _t([3.0, -0.5])
    m, v = torch.zeros(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)
    F.adam([p], [g], [m], [v], 1, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.5)
    torch.testing.assert_close(p, _t([0.8500000003333333, -1.800000002]), rtol=0, atol=1e-14)


def _run_functional(name: str, p, grads, lr, wd, **hp):
    state = [torch.zeros_like(p), torch.zeros_like(p)]
    for t, g in enumerate(grads, start=1):
        if name == "adam":
            F.adam([p], [g], [state[0]], [state[1]], t, lr=lr, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=wd)
        elif name == "signum":
            F.signum([p], [g], [state[0]], [state[1]], t, lr=lr, beta1=0.9, beta2=0.9, weight_decay=wd, **hp)
        else:
            F.focus([p], [g], [state[0]], [state[1]], t, lr=lr, beta1=0.9, beta2=0.9, gamma=0.2, weight_decay=wd, **hp)


@pytest.mark.parametrize(
    "name, hp",
    [
        ("adam", {}),
        ("signum", {"decay_to_ema": False}),
        ("signum", {"decay_to_ema": True}),
        ("focus", {"decay_to_ema": False}),
        ("focus", {"decay_to_ema": True}),
    ],
)
def test_tensor_lr_and_weight_decay_broadcast_per_trajectory(name, hp):
    # Batched: (coordinate 2, lr 3, wd 2); lr and wd tensors broadcast, one value per trajectory.
    gen = torch.Generator().manual_seed(8)
    lrs, wds = [0.001, 0.03, 0.2], [0.0, 0.3]
    init = torch.randn(2, 3, 2, generator=gen, dtype=torch.float64)
    grads = [torch.randn(2, 3, 2, generator=gen, dtype=torch.float64) for _ in range(12)]
    batched = init.clone()
    lr_t = torch.tensor(lrs, dtype=torch.float64).view(1, 3, 1)
    wd_t = torch.tensor(wds, dtype=torch.float64).view(1, 1, 2)
    _run_functional(name, batched, grads, lr_t, wd_t, **hp)
    for i, lr in enumerate(lrs):
        for j, wd in enumerate(wds):
            single = init[:, i, j].clone()
            _run_functional(name, single, [g[:, i, j] for g in grads], lr, wd, **hp)
            torch.testing.assert_close(batched[:, i, j], single, rtol=1e-14, atol=1e-15)
    # The trajectories really differ (the broadcast is not a no-op).
    assert not torch.allclose(batched[:, 0, 0], batched[:, 2, 1])


def test_param_avgs_required_when_needed():
    p, g, m = torch.zeros(2), torch.ones(2), torch.zeros(2)
    with pytest.raises(ValueError, match="param_avgs"):
        F.focus([p], [g], [m], None, 1, lr=0.1, beta1=0.9, beta2=0.9, gamma=0.2, weight_decay=0.0)
    # Signum with the decay acting on theta needs no parameter EMA.
    F.signum([p], [g], [m], None, 1, lr=0.1, beta1=0.9, beta2=0.0, weight_decay=0.1, decay_to_ema=False)
    torch.testing.assert_close(p, torch.full((2,), -0.1))


def test_step_counts_are_validated():
    p, g, m, v = torch.zeros(2), torch.ones(2), torch.zeros(2), torch.zeros(2)
    with pytest.raises(ValueError, match="start at 1"):
        F.adam([p], [g], [m], [v], 0, lr=0.1, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0)
    with pytest.raises(ValueError, match="expected 1 step counts"):
        F.focus([p], [g], [m], [v], [1, 2], lr=0.1, beta1=0.9, beta2=0.9, gamma=0.2, weight_decay=0.0)
