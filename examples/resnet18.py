"""ResNet-18 (the CIFAR variant: 3x3 stem, no max-pool, four stages of two basic
blocks, 64-128-256-512 channels, BatchNorm, global average pool) trained with
SGD + momentum, weight decay and a cosine schedule on synthetic CIFAR-10-shaped
data (32x32x3 images, 10 classes told apart by colour and stripes under
noise; nothing is downloaded and the loss falls).

BatchNorm normalises with the batch's statistics and keeps running averages
in the model state, as in training mode.

    JAX_PLATFORMS=mps,cpu python examples/resnet18.py       # mps and cpu side by side
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from training import Example, compare_backends

CLASSES, IMAGE, BATCH = 10, (32, 32, 3), 16
STAGES = ((64, 1), (128, 2), (256, 2), (512, 2))  # (channels, stride of the first block)
MOMENTUM = 0.9  # of the BatchNorm running averages


def conv_init(key, k, c_in, c_out):
  return jax.random.normal(key, (k, k, c_in, c_out), jnp.float32) * jnp.sqrt(2.0 / (k * k * c_in))


def bn_init(c):
  return {"scale": jnp.ones((c,), jnp.float32), "bias": jnp.zeros((c,), jnp.float32)}


def bn_stats(c):
  return {"mean": jnp.zeros((c,), jnp.float32), "var": jnp.ones((c,), jnp.float32)}


def init(key):
  keys = iter(jax.random.split(key, 32))
  params = {"stem": {"conv": conv_init(next(keys), 3, IMAGE[2], 64), "bn": bn_init(64)}}
  state = {"stem": bn_stats(64)}
  c_in = 64
  for s, (c, stride) in enumerate(STAGES):
    for b in range(2):
      name = f"s{s}b{b}"
      block = {"conv1": conv_init(next(keys), 3, c_in, c), "bn1": bn_init(c),
               "conv2": conv_init(next(keys), 3, c, c), "bn2": bn_init(c)}
      stats = {"bn1": bn_stats(c), "bn2": bn_stats(c)}
      if b == 0 and (stride != 1 or c_in != c):
        block["proj"], block["bn_proj"] = conv_init(next(keys), 1, c_in, c), bn_init(c)
        stats["bn_proj"] = bn_stats(c)
      params[name], state[name] = block, stats
      c_in = c
  # A zero head starts every class at the same logit: the first loss is ln(10).
  params["head"] = {"w": jnp.zeros((512, CLASSES), jnp.float32),
                    "b": jnp.zeros((CLASSES,), jnp.float32)}
  return params, state


def conv(x, w, stride=1):
  pad = w.shape[0] // 2
  return jax.lax.conv_general_dilated(x, w, (stride, stride), [(pad, pad), (pad, pad)],
                                      dimension_numbers=("NHWC", "HWIO", "NHWC"))


def batch_norm(x, p, stats, eps=1e-5):
  mean = x.mean(axis=(0, 1, 2))
  var = x.var(axis=(0, 1, 2))
  y = (x - mean) * jax.lax.rsqrt(var + eps) * p["scale"] + p["bias"]
  new = {"mean": MOMENTUM * stats["mean"] + (1 - MOMENTUM) * jax.lax.stop_gradient(mean),
         "var": MOMENTUM * stats["var"] + (1 - MOMENTUM) * jax.lax.stop_gradient(var)}
  return y, new


def basic_block(x, p, stats, stride):
  new = {}
  y, new["bn1"] = batch_norm(conv(x, p["conv1"], stride), p["bn1"], stats["bn1"])
  y, new["bn2"] = batch_norm(conv(jax.nn.relu(y), p["conv2"]), p["bn2"], stats["bn2"])
  if "proj" in p:
    x, new["bn_proj"] = batch_norm(conv(x, p["proj"], stride), p["bn_proj"], stats["bn_proj"])
  return jax.nn.relu(x + y), new


def forward(params, state, images):
  new = {}
  x, new["stem"] = batch_norm(conv(images, params["stem"]["conv"]), params["stem"]["bn"],
                              state["stem"])
  x = jax.nn.relu(x)
  for s, (_, stride) in enumerate(STAGES):
    for b in range(2):
      name = f"s{s}b{b}"
      x, new[name] = basic_block(x, params[name], state[name], stride if b == 0 else 1)
  x = x.mean(axis=(1, 2))
  return x @ params["head"]["w"] + params["head"]["b"], new


def loss(params, state, batch):
  images, labels = batch
  logits, state = forward(params, state, images)
  return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean(), state


def batches(count, seed):
  """Each class has its own colour and stripe orientation and frequency, drawn
  at a random phase under noise: features a convolutional net can find
  anywhere in the image."""
  rng = np.random.default_rng(seed)
  colours = rng.standard_normal((CLASSES, 1, 1, IMAGE[2])).astype(np.float32)
  freqs = rng.uniform(-4, 4, (CLASSES, 2)) * 2 * np.pi / IMAGE[0]
  rows, cols = np.meshgrid(np.arange(IMAGE[0]), np.arange(IMAGE[1]), indexing="ij")
  out = []
  for _ in range(count):
    labels = rng.integers(0, CLASSES, BATCH).astype(np.int32)
    phase = rng.uniform(0, 2 * np.pi, (BATCH, 1, 1))
    stripes = np.sin(freqs[labels, 0, None, None] * rows + freqs[labels, 1, None, None] * cols +
                     phase)[..., None]
    noise = rng.standard_normal((BATCH,) + IMAGE)
    out.append(((colours[labels] + stripes + 0.5 * noise).astype(np.float32), labels))
  return out


def optimizer():
  schedule = optax.cosine_decay_schedule(0.02, decay_steps=100, alpha=0.1)
  return optax.chain(optax.add_decayed_weights(5e-4), optax.sgd(schedule, momentum=0.9))


# A ReLU right after BatchNorm can see a pre-activation of +3e-7 on one backend
# and -3e-7 on the other; BatchNorm's backward pass spreads that one flipped
# mask bit over the channel, so the two runs drift apart faster than the other
# examples do (a few tenths of a percent after 20 steps).
EXAMPLE = Example(name="resnet18", init=init, loss=loss, batches=batches, optimizer=optimizer,
                  steps=24, rtol=5e-2,
                  describe=f"ResNet-18 (CIFAR variant), batch {BATCH}x32x32x3, SGD")

if __name__ == "__main__":
  raise SystemExit(0 if compare_backends(EXAMPLE) else 1)
