"""A small decoder-only transformer: token embedding, pre-norm blocks of causal
multi-head attention with rotary position embeddings (RoPE) and a SwiGLU
feed-forward, RMSNorm, tied output projection; AdamW with warm-up and cosine
decay and gradient clipping.

The synthetic task: each sequence counts up from a random start in a random
stride (t_{i+1} = t_i + k mod V), so after two tokens the rest is predictable —
the model has to find k by attending to earlier positions.

    JAX_PLATFORMS=mps,cpu python examples/transformer.py    # mps and cpu side by side
"""

from __future__ import annotations

import dataclasses
import functools

import jax
import jax.numpy as jnp
import numpy as np
import optax

from training import Example, compare_backends

STRIDES = (1, 2, 3, 5)


@dataclasses.dataclass(frozen=True)
class Config:
  vocab: int = 64
  dim: int = 64
  heads: int = 4
  layers: int = 2
  hidden: int = 172  # SwiGLU width, about 8/3 of dim
  seq: int = 32
  batch: int = 16


SMALL = Config()
# What `deno task demo` trains: four layers of width 128 over 64-token sequences.
DEMO = Config(vocab=128, dim=128, heads=4, layers=4, hidden=344, seq=64, batch=16)


def init(c: Config, key):
  keys = iter(jax.random.split(key, 1 + 7 * c.layers))
  dense = lambda n_in, n_out: jax.random.normal(next(keys), (n_in, n_out), jnp.float32) / jnp.sqrt(
      jnp.float32(n_in))
  params = {
      "embed": jax.random.normal(next(keys), (c.vocab, c.dim), jnp.float32) * 0.02,
      "norm": jnp.ones((c.dim,), jnp.float32),
      "blocks": [],
  }
  for _ in range(c.layers):
    params["blocks"].append({
        "attn_norm": jnp.ones((c.dim,), jnp.float32),
        "wq": dense(c.dim, c.dim), "wk": dense(c.dim, c.dim), "wv": dense(c.dim, c.dim),
        "wo": dense(c.dim, c.dim),
        "ffn_norm": jnp.ones((c.dim,), jnp.float32),
        "w_gate": dense(c.dim, c.hidden), "w_up": dense(c.dim, c.hidden),
        "w_down": dense(c.hidden, c.dim),
    })
  return params, {}


def rms_norm(x, weight, eps=1e-6):
  return x * jax.lax.rsqrt(jnp.mean(x * x, axis=-1, keepdims=True) + eps) * weight


def rope(x):
  """Rotates pairs of features by position-dependent angles; x is (B, T, H, D)."""
  t, d = x.shape[1], x.shape[-1]
  freqs = 1.0 / (10000.0 ** (jnp.arange(0, d, 2, dtype=jnp.float32) / d))
  angles = jnp.arange(t, dtype=jnp.float32)[:, None] * freqs[None, :]  # (T, D/2)
  cos, sin = jnp.cos(angles)[None, :, None, :], jnp.sin(angles)[None, :, None, :]
  x1, x2 = x[..., 0::2], x[..., 1::2]
  rotated = jnp.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], axis=-1)
  return rotated.reshape(x.shape)


def attention(c: Config, block, x):
  b, t, _ = x.shape
  head_dim = c.dim // c.heads
  heads = lambda w: (x @ w).reshape(b, t, c.heads, head_dim)
  q, k, v = rope(heads(block["wq"])), rope(heads(block["wk"])), heads(block["wv"])
  scores = jnp.einsum("bthd,bshd->bhts", q, k) / jnp.sqrt(jnp.float32(head_dim))
  causal = jnp.tril(jnp.ones((t, t), jnp.bool_))
  scores = jnp.where(causal, scores, jnp.finfo(jnp.float32).min)
  out = jnp.einsum("bhts,bshd->bthd", jax.nn.softmax(scores, axis=-1), v)
  return out.reshape(b, t, c.dim) @ block["wo"]


def swiglu(block, x):
  return (jax.nn.silu(x @ block["w_gate"]) * (x @ block["w_up"])) @ block["w_down"]


def forward(c: Config, params, tokens):
  x = params["embed"][tokens]
  for block in params["blocks"]:
    x = x + attention(c, block, rms_norm(x, block["attn_norm"]))
    x = x + swiglu(block, rms_norm(x, block["ffn_norm"]))
  return rms_norm(x, params["norm"]) @ params["embed"].T


def loss(c: Config, params, state, batch):
  (tokens,) = batch
  logits = forward(c, params, tokens[:, :-1])
  return optax.softmax_cross_entropy_with_integer_labels(logits, tokens[:, 1:]).mean(), state


def batches(c: Config, count, seed):
  rng = np.random.default_rng(seed)
  out = []
  for _ in range(count):
    start = rng.integers(0, c.vocab, (c.batch, 1))
    stride = rng.choice(STRIDES, (c.batch, 1))
    out.append((((start + stride * np.arange(c.seq + 1)) % c.vocab).astype(np.int32),))
  return out


def optimizer(steps):
  schedule = optax.warmup_cosine_decay_schedule(0.0, 3e-3, warmup_steps=10, decay_steps=steps,
                                                end_value=3e-4)
  return optax.chain(optax.clip_by_global_norm(1.0), optax.adamw(schedule, weight_decay=0.01))


def make_example(c: Config = SMALL, steps: int = 150) -> Example:
  return Example(
      name="transformer", init=functools.partial(init, c), loss=functools.partial(loss, c),
      batches=functools.partial(batches, c), optimizer=functools.partial(optimizer, steps),
      steps=steps,
      describe=(f"decoder-only transformer, {c.layers} layers, dim {c.dim}, {c.heads} heads, "
                f"SwiGLU {c.hidden}, RoPE, RMSNorm, causal; batch {c.batch}x{c.seq} tokens, "
                f"vocab {c.vocab}, AdamW"))


EXAMPLE = make_example()

if __name__ == "__main__":
  raise SystemExit(0 if compare_backends(EXAMPLE) else 1)
