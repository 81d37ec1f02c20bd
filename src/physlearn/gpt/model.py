"""A GPT language model in one file, after nanoGPT (Karpathy), with the FOCUS paper's settings.

FOCUS spec section 4: GPT-2 small is 12 layers, 12 heads, width 768, context 1024, vocab
50304 (GPT-2's 50257 BPE tokens padded to a multiple of 64), no biases, dropout 0, tied
embeddings, tanh-GELU, init N(0, 0.02) with residual projections N(0, 0.02/sqrt(2*n_layer)).
The authors' fork also divides each layer's attention logits by (layer index + 1):
``attn_scale_by_layer=True``.

The output head is a hook (``head``): ``"linear"`` is the standard tied unembedding; the
harmonic-loss paper (harmonic spec sections 1 and 5) plugs a distance-based head in through
``OUTPUT_HEADS`` or by passing a module to ``GPT(config, head=...)``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
import torch.nn as nn
from torch.nn import functional as F

from physlearn.harmonic.layer import harmonic_logits


@dataclass
class GPTConfig:
    block_size: int = 1024  # context length
    vocab_size: int = 50304
    n_layer: int = 12
    n_head: int = 12
    n_embd: int = 768
    dropout: float = 0.0
    bias: bool = False  # biases in Linear layers and LayerNorms
    attn_scale_by_layer: bool = False  # the FOCUS authors' fork: logits / (layer index + 1)
    flash: bool = True  # F.scaled_dot_product_attention; False spells attention out (reference)
    head: str = "linear"  # a key of OUTPUT_HEADS
    head_options: dict = field(default_factory=dict)  # passed to the head's builder

    def __post_init__(self):
        if self.n_embd % self.n_head:
            raise ValueError(f"n_embd={self.n_embd} is not divisible by n_head={self.n_head}")
        if not 0.0 <= self.dropout < 1.0:
            raise ValueError(f"dropout={self.dropout} must lie in [0, 1)")


# Named sizes. vocab_size None: taken from the token data (padded to a multiple of 64).
MODEL_SIZES: dict[str, dict] = {
    # CPU, seconds to minutes: the tests and laptop-scale figures.
    "tiny": dict(n_layer=2, n_head=2, n_embd=64, block_size=64, vocab_size=None),
    "mini": dict(n_layer=4, n_head=4, n_embd=128, block_size=128, vocab_size=None),
    # nanoGPT's character-level Shakespeare model: CPU hours, a GPU in minutes.
    "nanogpt-shakespeare": dict(n_layer=6, n_head=6, n_embd=384, block_size=256, vocab_size=None),
    # GPT-2 small (124M parameters), the paper's model.
    "gpt2": dict(n_layer=12, n_head=12, n_embd=768, block_size=1024, vocab_size=50304),
    "gpt2-medium": dict(n_layer=24, n_head=16, n_embd=1024, block_size=1024, vocab_size=50304),
}


def pad_vocab(vocab_size: int, multiple: int = 64) -> int:
    """Round up, so that the unembedding matmul has friendly shapes (50257 -> 50304)."""
    return -(-vocab_size // multiple) * multiple


def model_config(settings: dict, data_vocab_size: int | None = None) -> GPTConfig:
    """A GPTConfig from ``{"size": name, **overrides}``; ``data_vocab_size`` fills in a size
    that leaves the vocabulary open, and must fit in the model's vocabulary."""
    settings = dict(settings)
    size = settings.pop("size", None)
    if size is not None and size not in MODEL_SIZES:
        raise ValueError(f"model size {size!r} is not one of {sorted(MODEL_SIZES)}")
    values = {**MODEL_SIZES.get(size, {}), **settings}
    known = {f.name for f in dataclasses.fields(GPTConfig)}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"unknown model setting(s) {unknown}; known: size, {', '.join(sorted(known))}")
    if values.get("vocab_size") is None:
        if data_vocab_size is None:
            raise ValueError("the model's vocab_size is open and no token data says what it is")
        values["vocab_size"] = pad_vocab(data_vocab_size)
    if data_vocab_size is not None and data_vocab_size > values["vocab_size"]:
        raise ValueError(
            f"the data has {data_vocab_size} token ids but the model's vocab_size is {values['vocab_size']}"
        )
    return GPTConfig(**values)


class LayerNorm(nn.Module):
    """LayerNorm with an optional bias (torch's has either both or neither)."""

    def __init__(self, ndim: int, bias: bool):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, config: GPTConfig, layer_index: int):
        super().__init__()
        self.n_head = config.n_head
        self.n_embd = config.n_embd
        self.dropout = config.dropout
        self.flash = config.flash
        self.c_attn = nn.Linear(config.n_embd, 3 * config.n_embd, bias=config.bias)  # q, k, v
        self.c_proj = nn.Linear(config.n_embd, config.n_embd, bias=config.bias)
        self.attn_dropout = nn.Dropout(config.dropout)
        self.resid_dropout = nn.Dropout(config.dropout)
        head_dim = config.n_embd // config.n_head
        # The authors' fork divides layer l's logits by l + 1 (l from 0): deeper layers attend
        # more uniformly at init.
        depth_factor = layer_index + 1 if config.attn_scale_by_layer else 1
        self.scale = 1.0 / (math.sqrt(head_dim) * depth_factor)
        if not self.flash:
            mask = torch.tril(torch.ones(config.block_size, config.block_size, dtype=torch.bool))
            self.register_buffer("causal_mask", mask.view(1, 1, config.block_size, config.block_size), persistent=False)

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        # (B, T, C) -> (B, n_head, T, head_dim)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        if self.flash:
            y = F.scaled_dot_product_attention(
                q, k, v, dropout_p=self.dropout if self.training else 0.0, is_causal=True, scale=self.scale
            )
        else:
            att = (q @ k.transpose(-2, -1)) * self.scale
            att = att.masked_fill(~self.causal_mask[:, :, :T, :T], float("-inf"))
            att = F.softmax(att, dim=-1)
            att = self.attn_dropout(att)
            y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, config: GPTConfig):
        super().__init__()
        self.c_fc = nn.Linear(config.n_embd, 4 * config.n_embd, bias=config.bias)
        self.gelu = nn.GELU(approximate="tanh")  # GPT-2's GELU
        self.c_proj = nn.Linear(4 * config.n_embd, config.n_embd, bias=config.bias)
        self.dropout = nn.Dropout(config.dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))


class Block(nn.Module):
    def __init__(self, config: GPTConfig, layer_index: int):
        super().__init__()
        self.ln_1 = LayerNorm(config.n_embd, bias=config.bias)
        self.attn = CausalSelfAttention(config, layer_index)
        self.ln_2 = LayerNorm(config.n_embd, bias=config.bias)
        self.mlp = MLP(config)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


# ----- Output heads -----
#
# A head maps the final hidden states (B, T, n_embd), after the last LayerNorm, to logits
# (B, T, vocab_size): log-probabilities up to a per-position constant. A head may also set
# ``uniform_mix``: the loss then mixes that much uniform probability into the head's
# distribution, the harmonic GPT-2's "p + 0.01/V, then log" (harmonic spec section 1), which
# both of the harmonic-loss authors' GPTs use. The mix lives in the loss, not in the logits,
# because the loss needs it at the target token only (``uniform_mix_cross_entropy``).
#
# A builder takes (config, token embedding) and returns the head module; the embedding is
# passed so that a head can tie its weights to it (or not).


def mix_uniform(log_probs: torch.Tensor, mix: float, vocab: int | None = None) -> torch.Tensor:
    """log((p + mix/V) / (1 + mix)) from log p: the harmonic GPT-2's "p <- p + 0.01/V, then
    log" (harmonic spec section 1), renormalised, in log space so that p ~ 0 stays finite.
    ``vocab`` V defaults to the last dimension (a whole distribution); the loss passes it with
    the targets' log p only (``uniform_mix_cross_entropy``)."""
    vocab = log_probs.shape[-1] if vocab is None else vocab
    floor = torch.tensor(math.log(mix / vocab), dtype=log_probs.dtype, device=log_probs.device)
    return torch.logaddexp(log_probs, floor) - math.log1p(mix)


def uniform_mix_cross_entropy(
    logits: torch.Tensor, targets: torch.Tensor, mix: float = 0.0, ignore_index: int = -1
) -> torch.Tensor:
    """Mean of -log((p_t + mix/V) / (1 + mix)) over the targets t != ignore_index, with p the
    softmax of ``logits`` (..., V); mix 0 is F.cross_entropy.

    It equals F.nll_loss of mix_uniform(log_softmax(logits)), but mixes at the targets only:
    over the vocabulary it takes one log_softmax (and its gradient), as F.cross_entropy does,
    where the whole mixed distribution takes a logaddexp more, forward and backward
    (benchmarks/gpt_heads.py; docs/benchmarks.md, "GPT output heads")."""
    vocab = logits.shape[-1]
    logits, targets = logits.reshape(-1, vocab), targets.reshape(-1)
    if not mix:
        return F.cross_entropy(logits, targets, ignore_index=ignore_index)
    logits = logits.to(torch.promote_types(logits.dtype, torch.float32))  # bf16 logits: softmax in fp32
    kept = targets != ignore_index
    log_p = F.log_softmax(logits, dim=1).gather(1, torch.where(kept, targets, 0).unsqueeze(1)).squeeze(1)
    nll = -mix_uniform(log_p, mix, vocab)
    # the mean over kept targets without a data-dependent shape (torch.compile keeps one graph)
    return (nll * kept).sum() / kept.sum()


class LinearHead(nn.Module):
    """Standard unembedding, logits = h . E^T, its weight tied to the token embedding.

    ``uniform_mix`` > 0: the loss mixes that much uniform probability in, as the
    harmonic-loss authors did for their standard GPT-2 too (0, the default: plain
    cross-entropy, the FOCUS runs)."""

    def __init__(self, config: GPTConfig, wte: nn.Embedding, uniform_mix: float = 0.0):
        super().__init__()
        self.weight = wte.weight  # tied: one Parameter, registered here and in wte
        self.uniform_mix = float(uniform_mix)

    def forward(self, h):
        return F.linear(h, self.weight)


class HarmonicHead(nn.Module):
    """The harmonic GPT-2's output (harmonic spec sections 1 and 5): with h the final hidden
    state and w_i the token embeddings (tied, as the standard head),

        p_i ∝ (||h - w_i||^2 / n_embd + eps)^-exponent,   then p <- (p + uniform_mix/V) / (1 + uniform_mix)

    (the mix in the loss, see ``uniform_mix_cross_entropy``; ``forward`` returns the logits
    -exponent log(d^2 / n_embd + eps) of the unmixed p).

    ``exponent`` is the authors' code n on d^2 (physlearn.harmonic.layer): default n_embd,
    or "sqrt" for sqrt(n_embd) (the paper's stated rule), or a number. Distances come from
    one matmul in fp32 even under autocast: at exponent 768 a 0.1% error in d^2 would move
    a logit by 0.8.
    """

    def __init__(
        self,
        config: GPTConfig,
        wte: nn.Embedding,
        exponent: float | str | None = None,
        eps: float = 0.0,
        uniform_mix: float = 0.01,
        tied: bool = True,
    ):
        super().__init__()
        if exponent is None:
            exponent = config.n_embd
        elif exponent == "sqrt":
            exponent = math.sqrt(config.n_embd)
        elif isinstance(exponent, str):
            raise ValueError(f"harmonic head exponent {exponent!r}: give a number or 'sqrt'")
        self.exponent, self.eps, self.scale = float(exponent), float(eps), float(config.n_embd)
        self.uniform_mix = float(uniform_mix)
        if tied:
            self.weight = wte.weight
        else:  # GPT.__init__ initialises only the transformer's modules: this one here, as wte
            self.weight = nn.Parameter(torch.empty_like(wte.weight))
            torch.nn.init.normal_(self.weight, mean=0.0, std=0.02)

    def forward(self, h):
        with torch.autocast(device_type=h.device.type, enabled=False):
            return harmonic_logits(
                h.float(), self.weight.float(), self.exponent, eps=self.eps, scale=self.scale, method="matmul"
            )

    def extra_repr(self) -> str:
        return f"exponent={self.exponent} (on d^2), scale={self.scale}, eps={self.eps}, uniform_mix={self.uniform_mix}"


OUTPUT_HEADS: dict[str, Callable[[GPTConfig, nn.Embedding], nn.Module]] = {
    "linear": LinearHead,
    "harmonic": HarmonicHead,
}


class GPT(nn.Module):
    def __init__(self, config: GPTConfig, head: nn.Module | None = None):
        super().__init__()
        self.config = config
        self.transformer = nn.ModuleDict(
            dict(
                wte=nn.Embedding(config.vocab_size, config.n_embd),
                wpe=nn.Embedding(config.block_size, config.n_embd),
                drop=nn.Dropout(config.dropout),
                h=nn.ModuleList([Block(config, i) for i in range(config.n_layer)]),
                ln_f=LayerNorm(config.n_embd, bias=config.bias),
            )
        )
        if head is None:
            if config.head not in OUTPUT_HEADS:
                raise ValueError(f"output head {config.head!r} is not one of {sorted(OUTPUT_HEADS)}")
            head = OUTPUT_HEADS[config.head](config, self.transformer.wte, **config.head_options)
        self.lm_head = head

        # The head initialises itself (a tied head shares the token embedding's init).
        self.transformer.apply(self._init_weights)
        # GPT-2: scale the residual projections by 1/sqrt(2 * n_layer) (two per block), so
        # that the residual stream's variance does not grow with depth.
        for name, p in self.transformer.named_parameters():
            if name.endswith("c_proj.weight"):
                torch.nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * config.n_layer))

    def _init_weights(self, module):
        if isinstance(module, nn.Linear):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)
            if module.bias is not None:
                torch.nn.init.zeros_(module.bias)
        elif isinstance(module, nn.Embedding):
            torch.nn.init.normal_(module.weight, mean=0.0, std=0.02)

    def num_params(self, non_embedding: bool = True) -> int:
        """Parameters, each tied tensor counted once. ``non_embedding`` leaves out the position
        embedding (the token embedding stays: it is the output layer's weight too)."""
        n = sum(p.numel() for p in self.parameters())
        if non_embedding:
            n -= self.transformer.wpe.weight.numel()
        return n

    def forward(self, idx, targets=None):
        """Logits (B, T, V) and, given targets (B, T), the mean cross-entropy (with the head's
        ``uniform_mix``, if it has one); without targets, only the last position's logits
        (B, 1, V), for generation."""
        B, T = idx.size()
        if T > self.config.block_size:
            raise ValueError(f"sequence of length {T} is longer than the context, {self.config.block_size}")
        pos = torch.arange(0, T, dtype=torch.long, device=idx.device)
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(pos))
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        if targets is None:
            return self.lm_head(x[:, [-1], :]), None
        logits = self.lm_head(x)
        loss = uniform_mix_cross_entropy(logits, targets, getattr(self.lm_head, "uniform_mix", 0.0))
        return logits, loss


def flops_per_token(config: GPTConfig, n_params: int) -> int:
    """Training FLOPs per token (forward + backward), as in the PaLM paper's appendix B and
    nanoGPT: 6 per parameter (matmuls) plus 12 * n_layer * n_embd * block_size (attention
    scores and their use), with ``n_params`` excluding the position embedding."""
    return 6 * n_params + 12 * config.n_layer * config.n_embd * config.block_size


def model_flops_utilization(config: GPTConfig, n_params: int, tokens_per_second: float, peak_flops: float) -> float:
    """Model FLOPs per second achieved over the hardware's peak (0..1)."""
    return flops_per_token(config, n_params) * tokens_per_second / peak_flops
