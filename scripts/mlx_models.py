"""The three example models (examples/mlp.py, transformer.py, resnet18.py)
written directly in MLX, the way an MLX user would: mlx.nn modules, MLX's fast
kernels (mx.fast.rms_norm, mx.fast.rope, mx.fast.scaled_dot_product_attention
through nn.RMSNorm/nn.RoPE), mlx.optimizers with the same settings as the optax
ones, and a train step under mx.compile (or not).

Each model loads the JAX example's initial parameters, so the first loss must
equal the JAX one: a check that both compute the same function.
"""

from __future__ import annotations

import functools

import mlx.core as mx
import mlx.nn as nn
import mlx.optimizers as optim
import numpy as np
from mlx.utils import tree_flatten


def _arr(x, transpose=None):
  x = np.asarray(x)
  return mx.array(x.transpose(transpose) if transpose else x)


def _xent(logits, labels):
  return nn.losses.cross_entropy(logits, labels, reduction="mean")


# --- MLP -------------------------------------------------------------------


class Mlp(nn.Module):

  def __init__(self, sizes):
    super().__init__()
    self.layers = [nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])]

  def __call__(self, x):
    for layer in self.layers[:-1]:
      x = nn.relu(layer(x))
    return self.layers[-1](x)

  def load_jax(self, params):
    for layer, p in zip(self.layers, params):
      layer.weight, layer.bias = _arr(p["w"], (1, 0)), _arr(p["b"])


def mlp(jax_params, sizes):
  model = Mlp(sizes)
  model.load_jax(jax_params)
  return model, lambda m, x, y: _xent(m(x), y), optim.Adam(1e-3, bias_correction=True)


# --- transformer -------------------------------------------------------------


class Block(nn.Module):

  def __init__(self, c):
    super().__init__()
    self.heads, self.head_dim = c.heads, c.dim // c.heads
    self.attn_norm, self.ffn_norm = nn.RMSNorm(c.dim, eps=1e-6), nn.RMSNorm(c.dim, eps=1e-6)
    self.wq, self.wk, self.wv, self.wo = (nn.Linear(c.dim, c.dim, bias=False) for _ in range(4))
    self.w_gate = nn.Linear(c.dim, c.hidden, bias=False)
    self.w_up = nn.Linear(c.dim, c.hidden, bias=False)
    self.w_down = nn.Linear(c.hidden, c.dim, bias=False)
    # traditional=True rotates adjacent feature pairs, as examples/transformer.py does.
    self.rope = nn.RoPE(self.head_dim, traditional=True, base=10000.0)

  def attention(self, x):
    b, t, _ = x.shape
    heads = lambda w: w(x).reshape(b, t, self.heads, self.head_dim).transpose(0, 2, 1, 3)
    q, k, v = self.rope(heads(self.wq)), self.rope(heads(self.wk)), heads(self.wv)
    out = mx.fast.scaled_dot_product_attention(q, k, v, scale=self.head_dim**-0.5, mask="causal")
    return self.wo(out.transpose(0, 2, 1, 3).reshape(b, t, -1))

  def __call__(self, x):
    x = x + self.attention(self.attn_norm(x))
    h = self.ffn_norm(x)
    return x + self.w_down(nn.silu(self.w_gate(h)) * self.w_up(h))


class Transformer(nn.Module):

  def __init__(self, c):
    super().__init__()
    self.embed = nn.Embedding(c.vocab, c.dim)
    self.blocks = [Block(c) for _ in range(c.layers)]
    self.norm = nn.RMSNorm(c.dim, eps=1e-6)

  def __call__(self, tokens):
    x = self.embed(tokens)
    for block in self.blocks:
      x = block(x)
    return self.embed.as_linear(self.norm(x))

  def load_jax(self, params):
    self.embed.weight, self.norm.weight = _arr(params["embed"]), _arr(params["norm"])
    for block, p in zip(self.blocks, params["blocks"]):
      block.attn_norm.weight, block.ffn_norm.weight = _arr(p["attn_norm"]), _arr(p["ffn_norm"])
      for name in ("wq", "wk", "wv", "wo", "w_gate", "w_up", "w_down"):
        getattr(block, name).weight = _arr(p[name], (1, 0))


class ClippedAdamW(optim.AdamW):
  """AdamW after clipping the gradients' global norm, like the optax chain."""

  def __init__(self, max_norm, **kw):
    super().__init__(**kw)
    self.max_norm = max_norm

  def update(self, model, gradients):
    gradients, _ = optim.clip_grad_norm(gradients, self.max_norm)
    return super().update(model, gradients)


def transformer(jax_params, c, steps):
  model = Transformer(c)
  model.load_jax(jax_params)
  # optax.warmup_cosine_decay_schedule(0, 3e-3, 10, steps, 3e-4) in MLX's terms.
  schedule = optim.join_schedules(
      [optim.linear_schedule(0.0, 3e-3, 10), optim.cosine_decay(3e-3, steps - 10, 3e-4)], [10])
  opt = ClippedAdamW(1.0, learning_rate=schedule, weight_decay=0.01, bias_correction=True)

  def loss(m, tokens):
    return _xent(m(tokens[:, :-1]), tokens[:, 1:])

  return model, loss, opt


# --- ResNet-18 ----------------------------------------------------------------


class BasicBlock(nn.Module):

  def __init__(self, c_in, c, stride):
    super().__init__()
    self.conv1 = nn.Conv2d(c_in, c, 3, stride=stride, padding=1, bias=False)
    self.bn1 = nn.BatchNorm(c, momentum=0.1)
    self.conv2 = nn.Conv2d(c, c, 3, padding=1, bias=False)
    self.bn2 = nn.BatchNorm(c, momentum=0.1)
    self.proj = None
    if stride != 1 or c_in != c:
      self.proj = nn.Conv2d(c_in, c, 1, stride=stride, bias=False)
      self.bn_proj = nn.BatchNorm(c, momentum=0.1)

  def __call__(self, x):
    y = nn.relu(self.bn1(self.conv1(x)))
    y = self.bn2(self.conv2(y))
    if self.proj is not None:
      x = self.bn_proj(self.proj(x))
    return nn.relu(x + y)


class ResNet18(nn.Module):

  def __init__(self, stages, classes):
    super().__init__()
    self.stem = nn.Conv2d(3, 64, 3, padding=1, bias=False)
    self.stem_bn = nn.BatchNorm(64, momentum=0.1)
    self.blocks, c_in = [], 64
    for c, stride in stages:
      self.blocks += [BasicBlock(c_in, c, stride), BasicBlock(c, c, 1)]
      c_in = c
    self.head = nn.Linear(512, classes)

  def __call__(self, x):
    x = nn.relu(self.stem_bn(self.stem(x)))
    for block in self.blocks:
      x = block(x)
    return self.head(x.mean(axis=(1, 2)))

  def load_jax(self, params):
    hwio_to_ohwi = (3, 0, 1, 2)
    self.stem.weight = _arr(params["stem"]["conv"], hwio_to_ohwi)
    bn = lambda m, p: (setattr(m, "weight", _arr(p["scale"])), setattr(m, "bias", _arr(p["bias"])))
    bn(self.stem_bn, params["stem"]["bn"])
    for i, block in enumerate(self.blocks):
      p = params[f"s{i // 2}b{i % 2}"]
      block.conv1.weight, block.conv2.weight = (_arr(p["conv1"], hwio_to_ohwi),
                                                _arr(p["conv2"], hwio_to_ohwi))
      bn(block.bn1, p["bn1"])
      bn(block.bn2, p["bn2"])
      if block.proj is not None:
        block.proj.weight = _arr(p["proj"], hwio_to_ohwi)
        bn(block.bn_proj, p["bn_proj"])
    self.head.weight, self.head.bias = (_arr(params["head"]["w"], (1, 0)),
                                        _arr(params["head"]["b"]))


def resnet18(jax_params, stages, classes):
  model = ResNet18(stages, classes)
  model.load_jax(jax_params)
  # optax: add_decayed_weights(5e-4) then sgd(cosine 0.02 -> 0.002 over 100, momentum 0.9).
  opt = optim.SGD(optim.cosine_decay(0.02, 100, 0.002), momentum=0.9, weight_decay=5e-4)
  return model, lambda m, x, y: _xent(m(x), y), opt


# --- the train step -----------------------------------------------------------


def make_step(model, loss, opt, compiled):
  """One training step; with `compiled`, traced once by mx.compile with the
  model's and optimiser's state as implicit inputs and outputs."""
  grad_fn = nn.value_and_grad(model, loss)

  def step(*batch):
    value, grads = grad_fn(model, *batch)
    opt.update(model, grads)
    return value

  if compiled:
    state = [model.state, opt.state]
    step = functools.partial(mx.compile, inputs=state, outputs=state)(step)

  def run(*batch):
    value = step(*batch)
    mx.eval(value, model.state, opt.state)
    return value.item()

  return run


def parameter_count(model) -> int:
  return sum(v.size for _, v in tree_flatten(model.trainable_parameters()))
