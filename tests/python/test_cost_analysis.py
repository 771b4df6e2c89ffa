"""Compiled.cost_analysis() on mps: estimated from the program JAX sent.
flops and transcendentals are counted as XLA's cpu backend counts them, so
for these programs the two must agree; 'bytes accessed' is only the
arguments and results (the plugin does not know its intermediate traffic)."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

PROGRAMS = {
    "matmul_tanh": (lambda a, b: jnp.tanh(a @ b) + 1, [(64, 32), (32, 16)]),
    "batched_dot": (lambda a, b: jnp.einsum("bij,bjk->bik", a, b), [(4, 8, 16), (4, 16, 2)]),
    "elementwise": (lambda a, b: a * b + jnp.exp(a), [(100,), (100,)]),
    "conv_valid": (lambda x, w: jax.lax.conv(x, w, (1, 1), "VALID"), [(2, 3, 8, 8), (4, 3, 3, 3)]),
    "identity": (lambda a, b: a, [(3,), (3,)]),
}


def _cost(fn, shapes, device):
  args = [jax.device_put(np.ones(s, np.float32), device) for s in shapes]
  cost = jax.jit(fn).lower(*args).compile().cost_analysis()
  return cost[0] if isinstance(cost, list) else cost


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_flops_and_transcendentals_match_cpu(mps, cpu, name):
  fn, shapes = PROGRAMS[name]
  got, want = _cost(fn, shapes, mps), _cost(fn, shapes, cpu)
  assert got is not None
  assert got["flops"] == pytest.approx(want.get("flops", 0.0)), (got, want)
  assert got["transcendentals"] == pytest.approx(want.get("transcendentals", 0.0)), (got, want)


def test_bytes_accessed_counts_arguments_and_results(mps):
  fn, shapes = PROGRAMS["matmul_tanh"]
  got = _cost(fn, shapes, mps)
  assert got["bytes accessed"] == 4 * (64 * 32 + 32 * 16 + 64 * 16)


def test_padded_convolution_is_estimated_within_a_quarter(mps, cpu):
  """XLA leaves out the multiply-adds that fall on padding; the estimate
  counts every tap, so it is a little high at the borders."""
  shapes = [(2, 3, 8, 8), (4, 3, 3, 3)]
  fn = lambda x, w: jax.lax.conv(x, w, (1, 1), "SAME")
  got, want = _cost(fn, shapes, mps), _cost(fn, shapes, cpu)
  assert want["flops"] <= got["flops"] <= 1.25 * want["flops"], (got, want)
