"""The toy models of the algorithmic tasks (harmonic spec section 2), batched over runs.

Every function here takes a stack of R independent runs (seeds, models, train fractions):
the parameters of all runs live in one flat float tensor [R, P], and the forward pass is
batched matmuls with a leading run dimension, so R networks train as one tensor program.
Run r's numbers never mix with another run's, so a run trained in a stack of R equals the
same run trained alone (tests/test_harmonic_models.py checks it against plain
``nn.Module``s and ``torch.optim.AdamW``).

- MLP [T*16, 100, 16, V]: the T input embeddings are concatenated, Linear(T*16, 100), SiLU,
  Linear(100, 16) gives h; the output layer is the token embedding itself (tied): a
  harmonic layer with the embeddings as class centres, or logits h . E^T + b (standard:
  the authors' tied output layer is an ``nn.Linear(16, V)`` with its bias, ``out_b``; a
  harmonic run holds it too, as every run of a stack has the same shapes, but never uses it).
- Transformer: token embedding + learned positions, two post-LN encoder layers (PyTorch's
  ``nn.TransformerEncoderLayer``: d_model 16, 2 heads, ff 64, ReLU, dropout 0.1), an extra
  residual around the encoder (h = x + encoder(x)), and the last token's h is read out.
  The harmonic model has its own class centres; the standard one uses logits h . E^T.

Initialisation is the authors' (spec section 1; it decides whether a standard lattice MLP
generalises within 100 epochs, and the Fig. 4 embeddings): the MLP's tied embedding is the
weight of an ``nn.Linear(16, V)``, i.e. uniform(+-1/sqrt(16)) = U(-1/4, +1/4), and so is its
output bias; the transformer's embedding is N(0, 0.25^2) and its harmonic centres
U(-1/4, +1/4). The rest follows PyTorch's defaults for the same layers (``nn.Linear``
uniform(+-1/sqrt(fan_in)), attention in-projection Xavier-uniform with zero biases,
LayerNorm 1 and 0, learned positions N(0, 1) as ``nn.Embedding``). Each run draws its
initialisation from its own generator.

The embedding regulariser acts in the transformers only: the authors' MLPs compute it from
the embedding's detached data, so no gradient flows (spec section 1);
``AlgorithmicConfig.model`` gives the MLPs a weight of 0.

Harmonic exponent convention: ``exponent`` is the code's n on d^2 (layer.py); the toy
tasks use 1, i.e. p proportional to d^-2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from physlearn.harmonic.layer import harmonic_logits

FAMILIES = ("mlp", "transformer")
TRANSFORMER_EMBEDDING_STD = 0.25  # the authors' toy transformer's token embedding init (spec section 1)


@dataclass(frozen=True)
class ModelConfig:
    family: str  # "mlp" or "transformer"
    n_inputs: int  # T, tokens per example
    vocab: int  # V
    d_model: int = 16
    hidden: int = 100  # MLP hidden width
    heads: int = 2
    layers: int = 2
    ff: int = 64
    dropout: float = 0.1
    exponent: float = 1.0  # harmonic n on d^2
    eps: float = 1e-4  # added to d^2 (the authors' toy eps)
    embedding_reg: float = 0.01  # weight of the embedding regulariser (the experiments give MLPs 0)

    def __post_init__(self):
        if self.family not in FAMILIES:
            raise ValueError(f"model family must be one of {FAMILIES}, got {self.family!r}")
        if self.d_model % self.heads:
            raise ValueError(f"d_model {self.d_model} is not divisible by heads {self.heads}")

    def shapes(self) -> dict[str, tuple[int, ...]]:
        """Every parameter of one run, in the order of the flat vector (weights stored
        [in, out], so that a layer is x @ W + b)."""
        D, V, T = self.d_model, self.vocab, self.n_inputs
        if self.family == "mlp":
            return {
                "embedding": (V, D),
                "w1": (T * D, self.hidden),
                "b1": (self.hidden,),
                "w2": (self.hidden, D),
                "b2": (D,),
                "out_b": (V,),  # the standard output layer's bias (unused by harmonic runs)
            }
        shapes = {"embedding": (V, D), "positions": (T, D), "centres": (V, D)}
        for i in range(self.layers):
            shapes |= {
                f"l{i}.qkv_w": (D, 3 * D),
                f"l{i}.qkv_b": (3 * D,),
                f"l{i}.out_w": (D, D),
                f"l{i}.out_b": (D,),
                f"l{i}.norm1_w": (D,),
                f"l{i}.norm1_b": (D,),
                f"l{i}.ff1_w": (D, self.ff),
                f"l{i}.ff1_b": (self.ff,),
                f"l{i}.ff2_w": (self.ff, D),
                f"l{i}.ff2_b": (D,),
                f"l{i}.norm2_w": (D,),
                f"l{i}.norm2_b": (D,),
            }
        return shapes

    @property
    def n_params(self) -> int:
        return sum(math.prod(s) for s in self.shapes().values())

    def dropout_shapes(self) -> dict[str, tuple[int, ...]]:
        """The dropout masks of one example, per layer (transformer only): attention
        weights, after attention, inside the feed-forward block, after it."""
        T, D = self.n_inputs, self.d_model
        if self.family == "mlp" or self.dropout == 0:
            return {}
        shapes = {}
        for i in range(self.layers):
            shapes |= {
                f"l{i}.attn": (self.heads, T, T),
                f"l{i}.drop1": (T, D),
                f"l{i}.ff": (T, self.ff),
                f"l{i}.drop2": (T, D),
            }
        return shapes

    @property
    def dropout_numbers(self) -> int:
        """Uniform numbers one training example draws for its dropout masks."""
        return sum(math.prod(s) for s in self.dropout_shapes().values())


def unflatten(flat: torch.Tensor, shapes: dict[str, tuple[int, ...]]) -> dict[str, torch.Tensor]:
    """Views [R, *shape] into a flat [R, P] tensor (gradients flow back into ``flat``)."""
    out, offset = {}, 0
    for name, shape in shapes.items():
        size = math.prod(shape)
        out[name] = flat[:, offset : offset + size].view(flat.shape[0], *shape)
        offset += size
    if offset != flat.shape[1]:
        raise ValueError(f"flat parameters have {flat.shape[1]} numbers, the model {offset}")
    return out


def _linear_uniform(fan_in: int, shape, generator) -> torch.Tensor:
    """nn.Linear's default: kaiming_uniform(a=sqrt(5)) = uniform(+-1/sqrt(fan_in)), also for the bias."""
    bound = 1 / math.sqrt(fan_in)
    return torch.empty(shape).uniform_(-bound, bound, generator=generator)


def init_params(cfg: ModelConfig, generator: torch.Generator) -> torch.Tensor:
    """One run's initial parameters, flat [P], drawn from ``generator`` in a fixed order."""
    D = cfg.d_model
    values = {}
    for name, shape in cfg.shapes().items():
        kind = name.split(".")[-1]
        if cfg.family == "mlp" and name in ("embedding", "out_b"):  # nn.Linear(D, V): weight and bias
            values[name] = _linear_uniform(D, shape, generator)
        elif name == "centres":  # the authors' harmonic layer: U(-1/sqrt(D), +1/sqrt(D))
            values[name] = _linear_uniform(D, shape, generator)
        elif name == "embedding":  # the authors' transformer: N(0, 0.25^2)
            values[name] = TRANSFORMER_EMBEDDING_STD * torch.randn(shape, generator=generator)
        elif name == "positions":  # nn.Embedding's default
            values[name] = torch.randn(shape, generator=generator)
        elif kind == "qkv_w":  # nn.MultiheadAttention: xavier_uniform on the [3D, D] in-projection
            bound = math.sqrt(6 / (D + 3 * D))
            values[name] = torch.empty(shape).uniform_(-bound, bound, generator=generator)
        elif kind in ("qkv_b", "out_b", "norm1_b", "norm2_b"):
            values[name] = torch.zeros(shape)
        elif kind in ("norm1_w", "norm2_w"):
            values[name] = torch.ones(shape)
        elif len(shape) == 2:  # an [in, out] weight
            values[name] = _linear_uniform(shape[0], shape, generator)
        else:  # the bias of the weight before it
            fan_in = cfg.shapes()[_weight_of(name)][0]
            values[name] = _linear_uniform(fan_in, shape, generator)
    return torch.cat([v.reshape(-1) for v in values.values()])


def _weight_of(bias_name: str) -> str:
    prefix, kind = bias_name.rsplit(".", 1) if "." in bias_name else ("", bias_name)
    weight = kind[:-1] + "w" if kind.endswith("_b") else "w" + kind[1:]
    return f"{prefix}.{weight}" if prefix else weight


def init_runs(cfg: ModelConfig, seeds) -> torch.Tensor:
    """[R, P]: run r initialised from torch.Generator().manual_seed(seeds[r])."""
    return torch.stack([init_params(cfg, torch.Generator().manual_seed(int(s))) for s in seeds])


def embedding_regulariser(embedding: torch.Tensor) -> torch.Tensor:
    """Per run: the mean over columns of each column's RMS over the rows. [R, V, D] -> [R]."""
    return embedding.square().mean(-2).sqrt().mean(-1)


def _gather_rows(table: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """table [R, V, D], tokens [R, ...] -> [R, ..., D] (F.embedding: a fast backward)."""
    R, V = table.shape[:2]
    offsets = (torch.arange(R, device=tokens.device) * V).view(R, *([1] * (tokens.dim() - 1)))
    return F.embedding(tokens + offsets, table.reshape(R * V, -1))


def dropout_masks(uniforms: torch.Tensor, p: float) -> torch.Tensor:
    """nn.Dropout's inverted dropout as a multiplier: 0 with probability p, else 1/(1-p).
    Made in ``uniforms``' memory (two passes, no new tensor): they are drawn for this only."""
    return uniforms.ge_(p).div_(1 - p)


def _softmax(x: torch.Tensor) -> torch.Tensor:
    """Softmax over the last dimension, written out: over the attention's few keys (2-3) the
    fused ``torch.softmax`` and its backward cost ~1.4x these four ops (docs/benchmarks.md).
    The shift by the maximum is a constant for autograd: softmax does not depend on it."""
    e = (x - x.detach().amax(-1, keepdim=True)).exp()
    return e / e.sum(-1, keepdim=True)


def _dropout(x: torch.Tensor, mask: torch.Tensor | None) -> torch.Tensor:
    return x if mask is None else x * mask


def output_logits(
    cfg: ModelConfig,
    h: torch.Tensor,
    centres: torch.Tensor,
    embedding: torch.Tensor,
    harmonic: torch.Tensor,
    bias: torch.Tensor | None = None,
) -> torch.Tensor:
    """h [R, B, D] -> logits [R, B, V]: harmonic runs use distances to ``centres``, standard
    runs h . E^T (+ ``bias`` [R, V], the MLP's). ``harmonic`` [R] bool picks per run (both
    are computed only in mixed stacks)."""
    if bool(harmonic.all()):
        return _harmonic(cfg, h, centres)
    standard = h @ embedding.transpose(-1, -2)
    if bias is not None:
        standard = standard + bias.unsqueeze(1)
    if not bool(harmonic.any()):
        return standard
    return torch.where(harmonic.view(-1, 1, 1), _harmonic(cfg, h, centres), standard)


def _harmonic(cfg: ModelConfig, h: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    """Harmonic logits from d^2 = |h|^2 + |w|^2 - 2 h.w, one batched matmul, in float64:
    where h sits on a centre (d^2 ~ 1e-4, |h|^2 ~ 10) float32 would lose d^2 to
    cancellation; float64 keeps it exact to ~1e-15, and costs little at these sizes."""
    logits = harmonic_logits(h.double(), centres.double(), cfg.exponent, eps=cfg.eps, method="matmul")
    return logits.to(h.dtype)


def mlp_hidden(cfg: ModelConfig, p: dict, tokens: torch.Tensor) -> torch.Tensor:
    x = _gather_rows(p["embedding"], tokens).flatten(-2)  # [R, B, T*D]
    h = F.silu(torch.baddbmm(p["b1"].unsqueeze(1), x, p["w1"]))
    return torch.baddbmm(p["b2"].unsqueeze(1), h, p["w2"])  # [R, B, D]


def _layer_norm(x, weight, bias):
    shape = (weight.shape[0],) + (1,) * (x.dim() - 2) + (weight.shape[-1],)
    return F.layer_norm(x, x.shape[-1:]) * weight.view(shape) + bias.view(shape)


def _linear(x, weight, bias):
    """x [R, ..., in] @ weight [R, in, out] + bias [R, out]."""
    R = x.shape[0]
    y = torch.baddbmm(bias.unsqueeze(1), x.reshape(R, -1, x.shape[-1]), weight)
    return y.view(*x.shape[:-1], weight.shape[-1])


def encoder_layer(
    cfg: ModelConfig, p: dict, i: int, x: torch.Tensor, masks: dict | None, last_only: bool = False
) -> torch.Tensor:
    """nn.TransformerEncoderLayer(norm_first=False, activation=relu) on x [R, B, T, D].

    ``last_only``: the output of the last token only, [R, B, 1, D]. A token's output needs
    every token's keys and values but only its own query, residual and feed-forward block,
    so in the last layer, whose other outputs the model never reads, this skips the queries,
    attention rows, projections and feed-forward passes of the other T - 1 tokens: the same
    numbers for the last token, in about half the layer's work."""
    R, B, T, D = x.shape
    H, dh = cfg.heads, D // cfg.heads
    n = (lambda k: masks[f"l{i}.{k}"]) if masks else (lambda k: None)
    if last_only:
        m = n  # each site's multipliers of the last token (the attention's: its row of weights)
        n = lambda k: None if m(k) is None else m(k)[..., -1:, :]  # noqa: E731
    qkv = _linear(x, p[f"l{i}.qkv_w"], p[f"l{i}.qkv_b"]).view(R, B, T, 3, H, dh)
    q, k, v = (qkv[:, :, :, j].transpose(2, 3) for j in range(3))  # [R, B, H, T, dh]
    if last_only:
        q, x = q[..., -1:, :], x[:, :, -1:]
    weights = _softmax(q @ k.transpose(-1, -2) / math.sqrt(dh))
    attended = (_dropout(weights, n("attn")) @ v).transpose(2, 3).reshape(R, B, x.shape[2], D)
    attended = _linear(attended, p[f"l{i}.out_w"], p[f"l{i}.out_b"])
    x = _layer_norm(x + _dropout(attended, n("drop1")), p[f"l{i}.norm1_w"], p[f"l{i}.norm1_b"])
    ff = _dropout(F.relu(_linear(x, p[f"l{i}.ff1_w"], p[f"l{i}.ff1_b"])), n("ff"))
    ff = _linear(ff, p[f"l{i}.ff2_w"], p[f"l{i}.ff2_b"])
    return _layer_norm(x + _dropout(ff, n("drop2")), p[f"l{i}.norm2_w"], p[f"l{i}.norm2_b"])


def transformer_hidden(cfg: ModelConfig, p: dict, tokens: torch.Tensor, dropout: dict | None = None):
    """The last token's h = x + encoder(x), [R, B, D]. ``dropout``: the multipliers of
    every dropout site, [R, B, *shape] (``split_dropout``; None: no dropout, i.e. evaluation)."""
    x = _gather_rows(p["embedding"], tokens) + p["positions"].unsqueeze(1)  # [R, B, T, D]
    h = x
    for i in range(cfg.layers):
        h = encoder_layer(cfg, p, i, h, dropout, last_only=i == cfg.layers - 1)
    return x[:, :, -1] + h[:, :, -1]


def split_dropout(cfg: ModelConfig, multipliers: torch.Tensor) -> dict[str, torch.Tensor]:
    """[..., dropout_numbers] -> each dropout site's multipliers [..., *shape], contiguous."""
    lead = multipliers.shape[:-1]
    flat = unflatten(multipliers.reshape(-1, multipliers.shape[-1]), cfg.dropout_shapes())
    return {k: v.reshape(*lead, *v.shape[1:]).contiguous() for k, v in flat.items()}


def forward(
    cfg: ModelConfig,
    params: torch.Tensor | dict,
    tokens: torch.Tensor,
    harmonic: torch.Tensor,
    dropout: dict | None = None,
) -> torch.Tensor:
    """Logits [R, B, V] of R runs on their own tokens [R, B, T]. ``params``: flat [R, P]
    or its ``unflatten``ed dict."""
    p = params if isinstance(params, dict) else unflatten(params, cfg.shapes())
    if cfg.family == "mlp":
        h = mlp_hidden(cfg, p, tokens)
        centres = p["embedding"]  # tied: the class centres are the token embeddings
    else:
        h = transformer_hidden(cfg, p, tokens, dropout)
        centres = p["centres"]
    return output_logits(cfg, h, centres, p["embedding"], harmonic, p.get("out_b"))


@torch.no_grad()
def predict(
    cfg: ModelConfig, params: torch.Tensor | dict, tokens: torch.Tensor, harmonic: torch.Tensor
) -> torch.Tensor:
    """The predicted token [R, B] (no dropout). Harmonic runs: the nearest centre, i.e. the
    largest 2 h.w - |w|^2 (the same argmax as the logits, without log and float64)."""
    p = params if isinstance(params, dict) else unflatten(params, cfg.shapes())
    if cfg.family == "mlp":
        h, centres = mlp_hidden(cfg, p, tokens), p["embedding"]
    else:
        h, centres = transformer_hidden(cfg, p, tokens), p["centres"]
    E = p["embedding"]
    bias = p["out_b"].unsqueeze(1) if "out_b" in p else torch.zeros(E.shape[0], 1, E.shape[1], device=E.device)
    k = int((~harmonic).sum())
    if bool(harmonic[k:].all()):  # standard runs first: each output on its own block
        scores = [h[:k] @ E[:k].transpose(-1, -2) + bias[:k]] if k else []
        if k < len(harmonic):
            c = centres[k:]
            scores.append(2 * h[k:] @ c.transpose(-1, -2) - c.square().sum(-1).unsqueeze(1))
        return torch.cat(scores).argmax(-1)
    nearness = 2 * h @ centres.transpose(-1, -2) - centres.square().sum(-1).unsqueeze(1)
    return torch.where(harmonic.view(-1, 1, 1), nearness, h @ E.transpose(-1, -2) + bias).argmax(-1)


def embeddings(cfg: ModelConfig, params: torch.Tensor | dict) -> torch.Tensor:
    """The token embeddings of every run, [R, V, D] (the matrix whose PCA the paper shows)."""
    return (params if isinstance(params, dict) else unflatten(params, cfg.shapes()))["embedding"]


def mlp_loss_and_grad(
    cfg: ModelConfig, p: dict, tokens: torch.Tensor, targets: torch.Tensor, weights: torch.Tensor, n_standard: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The MLP's training loss per run [R], its gradient, flat [R, P], and which examples
    it classified correctly [R, B], written out by hand: the same numbers as autograd
    through ``forward`` + cross-entropy + regulariser (tests check it), in about half the
    tensor operations, which is what a step of these tiny networks costs on a CPU. Runs
    [:n_standard] are standard, the rest harmonic.

    loss_r = sum_b w_rb * nll_rb / sum_b w_rb + embedding_reg * regulariser(E_r), with
    weights 0 for the padding of a short batch.
    """
    R, B, T = tokens.shape
    E = p["embedding"]
    V, Dm = E.shape[1:]
    k = n_standard
    # forward
    flat_tokens = tokens + (torch.arange(R, device=tokens.device) * V).view(R, 1, 1)
    x = F.embedding(flat_tokens, E.reshape(R * V, Dm)).view(R, B, T * Dm)
    z1 = torch.baddbmm(p["b1"].unsqueeze(1), x, p["w1"])
    a1 = F.silu(z1)
    h = torch.baddbmm(p["b2"].unsqueeze(1), a1, p["w2"])  # [R, B, D]
    logits = []
    if k > 0:  # standard: h . E^T + b
        logits.append(torch.baddbmm(p["out_b"][:k].unsqueeze(1), h[:k], E[:k].transpose(1, 2)))
    if k < R:  # harmonic: -n log(d^2 + eps), d^2 from the expansion in float64 (see _harmonic)
        hd, Ed = h[k:].double(), E[k:].double()
        norms = (hd * hd).sum(-1, keepdim=True) + (Ed * Ed).sum(-1).unsqueeze(1)
        d2 = torch.baddbmm(norms, hd, Ed.transpose(1, 2), alpha=-2)  # |h|^2 + |w|^2 - 2 h.w
        q = d2.clamp_min_(0).add_(cfg.eps).to(h.dtype).clamp_min_(torch.finfo(h.dtype).tiny)
        logits.append(torch.log(q).mul_(-cfg.exponent))
    logits = logits[0] if len(logits) == 1 else torch.cat(logits)
    logp = torch.log_softmax(logits, -1)
    nll = -logp.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    count = weights.sum(1).clamp_min(1)
    column_rms = E.square().mean(1).sqrt()  # [R, D]
    loss = (nll * weights).sum(1) / count + cfg.embedding_reg * column_rms.mean(-1)

    # backward: d loss / d logits = (softmax - onehot) * w / count
    g = logp.exp()
    g.scatter_add_(-1, targets.unsqueeze(-1), torch.full_like(nll, -1.0).unsqueeze(-1))
    g *= (weights / count.unsqueeze(1)).unsqueeze(-1)
    grad_h, grad_E = [], []
    if k > 0:
        grad_h.append(g[:k] @ E[:k])
        grad_E.append(g[:k].transpose(1, 2) @ h[:k])
    if k < R:
        # d loss / d d^2, then d^2's gradients 2 sum_v gd_v (h - w_v) in the model's precision
        # (the cancellation that float64 avoids above is relative ~1e-5 here)
        gd = g[k:] / q * (-2 * cfg.exponent)  # 2 d loss / d d^2 (d^2 was clamped at 0: gradient 0 there)
        if cfg.eps == 0:
            gd = gd * (d2 > 0)
        hh, Eh = h[k:], E[k:]
        grad_h.append(torch.baddbmm(hh * gd.sum(-1, keepdim=True), gd, Eh, alpha=-1))
        grad_E.append(torch.baddbmm(Eh * gd.sum(1).unsqueeze(-1), gd.transpose(1, 2), hh, alpha=-1))
    grad_h = grad_h[0] if len(grad_h) == 1 else torch.cat(grad_h)
    grad_E = grad_E[0] if len(grad_E) == 1 else torch.cat(grad_E)
    grad_b2 = grad_h.sum(1)
    grad_out_b = torch.zeros_like(p["out_b"])  # harmonic runs do not use the bias
    grad_out_b[:k] = g[:k].sum(1)
    grad_w2 = a1.transpose(1, 2) @ grad_h
    grad_z1 = torch.ops.aten.silu_backward(grad_h @ p["w2"].transpose(1, 2), z1)
    grad_b1 = grad_z1.sum(1)
    grad_w1 = x.transpose(1, 2) @ grad_z1
    grad_x = (grad_z1 @ p["w1"].transpose(1, 2)).reshape(R * B * T, Dm)
    grad_E = grad_E.reshape(R * V, Dm).index_add_(0, flat_tokens.reshape(-1), grad_x).view(R, V, Dm)
    # the regulariser: d/dE mean_d sqrt(mean_v E_vd^2) = E_vd / (D V rms_d)
    grad_E = grad_E + (cfg.embedding_reg / (Dm * V)) * E / column_rms.unsqueeze(1)
    grad = torch.cat([t.reshape(R, -1) for t in (grad_E, grad_w1, grad_b1, grad_w2, grad_b2, grad_out_b)], 1)
    return loss, grad, logits.argmax(-1) == targets
