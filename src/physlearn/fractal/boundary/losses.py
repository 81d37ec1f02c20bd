"""The losses of spec section 2.1 and their analytic gradients, as torch functions.

eps is the amplitude (``delta`` in the authors' code), wl the wavelength and k = 2 pi / wl
the wavenumber. 1-D losses act elementwise on any shape; the d-dimensional ones take x of
shape (..., d) and reduce over the last dimension. Everything is meant for float64.

These are the readable definitions: the sweep (:mod:`physlearn.fractal.boundary.sweep`) fuses the
same formulas into in-place steps and is tested against them and against the numpy loop.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

LOSSES = ("quadratic", "additive", "multiplicative", "two_cosines", "additive_nd", "multiplicative_nd")


def wavenumber(wl: float | Tensor) -> float | Tensor:
    """k = 2 pi / wl, computed in this order everywhere (the sweep and the loop too)."""
    return 2 * math.pi / wl


def quadratic_loss(x: Tensor) -> Tensor:
    """f0(x) = x^2, the sanity check of E0."""
    return x * x


def quadratic_grad(x: Tensor) -> Tensor:
    return 2 * x


def additive_loss(x: Tensor, eps: float | Tensor, wl: float | Tensor) -> Tensor:
    """f+(x) = x^2 + eps cos(kx)."""
    return x * x + eps * torch.cos(wavenumber(wl) * x)


def additive_grad(x: Tensor, eps: float | Tensor, wl: float | Tensor) -> Tensor:
    """f+'(x) = 2x - eps k sin(kx)."""
    k = wavenumber(wl)
    return 2 * x - eps * k * torch.sin(k * x)


def multiplicative_loss(x: Tensor, eps: float | Tensor, wl: float | Tensor) -> Tensor:
    """fx(x) = x^2 (1 + eps cos(kx))."""
    return x * x * (1 + eps * torch.cos(wavenumber(wl) * x))


def multiplicative_grad(x: Tensor, eps: float | Tensor, wl: float | Tensor) -> Tensor:
    """fx'(x) = 2x (1 + eps cos(kx)) - eps k x^2 sin(kx)."""
    k = wavenumber(wl)
    return 2 * x * (1 + eps * torch.cos(k * x)) - eps * k * x * x * torch.sin(k * x)


def two_cosines_loss(x: Tensor, eps1, wl1, eps2, wl2) -> Tensor:
    """f(x) = x^2 + eps1 cos(k1 x) + eps2 cos(k2 x) (E6)."""
    return x * x + eps1 * torch.cos(wavenumber(wl1) * x) + eps2 * torch.cos(wavenumber(wl2) * x)


def two_cosines_grad(x: Tensor, eps1, wl1, eps2, wl2) -> Tensor:
    k1, k2 = wavenumber(wl1), wavenumber(wl2)
    return 2 * x - eps1 * k1 * torch.sin(k1 * x) - eps2 * k2 * torch.sin(k2 * x)


def additive_nd_loss(x: Tensor, eps: float | Tensor, wl: float | Tensor) -> Tensor:
    """F(x) = sum_i [x_i^2 + eps cos(k x_i)] over the last dimension (E7)."""
    return additive_loss(x, eps, wl).sum(-1)


def additive_nd_grad(x: Tensor, eps: float | Tensor, wl: float | Tensor) -> Tensor:
    """dF/dx_i = 2 x_i - eps k sin(k x_i): each coordinate sees the 1-D gradient."""
    return additive_grad(x, eps, wl)


def multiplicative_nd_loss(x: Tensor, eps: float | Tensor, wl: float | Tensor) -> Tensor:
    """F(x) = |x|^2 (1 + eps sum_j cos(k x_j)) over the last dimension (E8)."""
    k = wavenumber(wl)
    return (x * x).sum(-1) * (1 + eps * torch.cos(k * x).sum(-1))


def multiplicative_nd_grad(x: Tensor, eps: float | Tensor, wl: float | Tensor) -> Tensor:
    """dF/dx_i = 2 x_i (1 + eps sum_j cos(k x_j)) - eps k |x|^2 sin(k x_i)."""
    k = wavenumber(wl)
    norm2 = (x * x).sum(-1, keepdim=True)
    modulation = 1 + eps * torch.cos(k * x).sum(-1, keepdim=True)
    return 2 * x * modulation - eps * k * norm2 * torch.sin(k * x)


LOSS_FUNCTIONS = {
    "quadratic": (quadratic_loss, quadratic_grad),
    "additive": (additive_loss, additive_grad),
    "multiplicative": (multiplicative_loss, multiplicative_grad),
    "two_cosines": (two_cosines_loss, two_cosines_grad),
    "additive_nd": (additive_nd_loss, additive_nd_grad),
    "multiplicative_nd": (multiplicative_nd_loss, multiplicative_nd_grad),
}

# The parameters of each loss, in call order after x.
LOSS_PARAMETERS = {
    "quadratic": (),
    "additive": ("eps", "wl"),
    "multiplicative": ("eps", "wl"),
    "two_cosines": ("eps1", "wl1", "eps2", "wl2"),
    "additive_nd": ("eps", "wl"),
    "multiplicative_nd": ("eps", "wl"),
}
