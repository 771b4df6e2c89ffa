"""A multi-layer perceptron (784-512-512-10, ReLU) trained with Adam on
synthetic MNIST-shaped data: labels come from a fixed random linear "teacher",
so there is something to learn and the loss falls from ln(10).

    JAX_PLATFORMS=mps,cpu python examples/mlp.py            # mps and cpu side by side
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from training import Example, compare_backends

SIZES = (784, 512, 512, 10)
BATCH = 128


def init(key):
  params = []
  for k, (n_in, n_out) in zip(jax.random.split(key, len(SIZES) - 1), zip(SIZES, SIZES[1:])):
    # He initialisation for ReLU layers.
    w = jax.random.normal(k, (n_in, n_out), jnp.float32) * jnp.sqrt(2.0 / n_in)
    params.append({"w": w, "b": jnp.zeros((n_out,), jnp.float32)})
  return params, {}


def forward(params, x):
  for layer in params[:-1]:
    x = jax.nn.relu(x @ layer["w"] + layer["b"])
  return x @ params[-1]["w"] + params[-1]["b"]


def loss(params, state, batch):
  x, y = batch
  logits = forward(params, x)
  return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean(), state


def batches(count, seed):
  rng = np.random.default_rng(seed)
  teacher = rng.standard_normal((SIZES[0], SIZES[-1])).astype(np.float32)
  out = []
  for _ in range(count):
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    out.append((x, np.argmax(x @ teacher, axis=1).astype(np.int32)))
  return out


def optimizer():
  return optax.adam(1e-3)


EXAMPLE = Example(name="mlp", init=init, loss=loss, batches=batches, optimizer=optimizer,
                  steps=100, describe=f"MLP {'-'.join(map(str, SIZES))}, batch {BATCH}, Adam")

if __name__ == "__main__":
  raise SystemExit(0 if compare_backends(EXAMPLE) else 1)
