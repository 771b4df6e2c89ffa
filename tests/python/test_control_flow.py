"""while, if, case, call, optimization_barrier, tuples; nested and with any arity of state."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from op_inputs import sample


def test_fori_loop(check):
  check(lambda x: lax.fori_loop(0, 10, lambda i, c: c * 1.1 + i, x), sample(np.float32, (4,)))


def test_while_tuple_carry(check):
  def f(x):
    return lax.while_loop(lambda c: c[0] < 100.0, lambda c: (c[0] * 2.0 + 1, c[1] + 1, c[2] * x), (
        jnp.float32(1.0), jnp.int32(0), jnp.ones_like(x)))

  check(f, sample(np.float32, (3,), positive=True))


def test_while_zero_iterations(check):
  check(lambda x: lax.while_loop(lambda c: c > 1e9, lambda c: c + 1, x), np.float32(3.0))


def test_nested_loops(check):
  def f(x):
    def outer(i, c):
      return lax.fori_loop(0, i, lambda j, d: d + j * x, c)
    return lax.fori_loop(0, 5, outer, jnp.zeros_like(x))

  check(f, sample(np.float32, (3,)))


@pytest.mark.parametrize("pred", [True, False])
def test_cond(check, pred):
  check(lambda p, x: lax.cond(p, lambda y: y * 2.0, lambda y: y - 1.0, x), np.bool_(pred),
        sample(np.float32, (3,)))


@pytest.mark.parametrize("index", [-1, 0, 1, 2, 5])  # out of range clamps
def test_switch(check, index):
  branches = [jnp.sin, jnp.cos, lambda y: -y]
  check(lambda k, x: lax.switch(k, branches, x), np.int32(index), sample(np.float32, (3,)))


def test_cond_with_multiple_outputs_and_operands(check):
  def f(p, x, y):
    return lax.cond(p > 0, lambda a, b: (a + b, a * b, jnp.int32(1)),
                    lambda a, b: (a - b, a / b, jnp.int32(2)), x, y)

  check(f, np.int32(0), sample(np.float32, (2, 2)), sample(np.float32, (2, 2), nonzero=True, seed=1))


def test_cond_inside_loop(check):
  def f(x):
    return lax.fori_loop(0, 6, lambda i, c: lax.cond(i % 2 == 0, lambda v: v + 1, lambda v: v * 2, c), x)

  check(f, sample(np.float32, (3,)))


def test_scan(check):
  xs = sample(np.float32, (8, 3))
  check(lambda v: lax.scan(lambda c, x: (c + x, c * x), jnp.zeros(3, np.float32), v), xs)


def test_scan_reverse_and_unroll(check):
  xs = sample(np.float32, (6,))
  check(lambda v: lax.scan(lambda c, x: (c * 0.5 + x, c), 0.0, v, reverse=True, unroll=2), xs)


def test_nested_jit_call(check):
  inner = jax.jit(lambda v: jnp.sin(v) * 2)
  check(lambda v: inner(v) + inner(v + 1), sample(np.float32, (4,)))


def test_optimization_barrier(check):
  check(lambda v: lax.optimization_barrier((v * 2, v + 1)), sample(np.float32, (3,)))


def test_grad_through_loop_and_cond(check):
  def f(x):
    y = lax.fori_loop(0, 3, lambda i, c: jnp.sin(c) * 1.5, x)
    return jnp.sum(lax.cond(jnp.sum(y) > 0, jnp.exp, jnp.cos, y))

  check(jax.grad(f), sample(np.float32, (4,)))


def test_remat(check):
  f = jax.checkpoint(lambda v: jnp.sum(jnp.tanh(v) ** 2))
  check(jax.grad(f), sample(np.float32, (5,)))


# Counted loops (scan, fori_loop) run without reading the condition back each
# iteration; their trip count must match the condition's in every edge case.
@pytest.mark.parametrize("lo,hi", [(0, 7), (3, 3), (5, 2), (-4, 3), (0, 40)])
@pytest.mark.parametrize("dtype", [np.int32, np.uint32, np.int8])
def test_counted_fori_loop_bounds(check, lo, hi, dtype):
  if np.dtype(dtype).kind == "u" and lo < 0:
    lo = 0

  def f(lo, hi, x):
    return jax.lax.fori_loop(lo, hi, lambda i, c: c * 1.5 + i.astype(jnp.float32), x)

  check(f, np.array(lo, dtype), np.array(hi, dtype), np.float32(1.0))


@pytest.mark.parametrize("length", [0, 1, 17])
def test_counted_scan_lengths(check, length):
  def f(x):
    return jax.lax.scan(lambda c, t: (c + t, c * t), x, jnp.arange(length, dtype=jnp.float32))

  check(f, np.float32(0.5))


def test_loop_counter_not_the_first_state(check):
  # A while loop written by hand with the counter last and the bound in the middle.
  def f(x, n):
    def body(s):
      v, bound, i = s
      return v * 2.0 + 1.0, bound, i + 1
    return jax.lax.while_loop(lambda s: s[2] < s[1], body, (x, n, jnp.int32(0)))

  check(f, np.float32(1.0), np.int32(6))


def test_loop_that_changes_its_bound_is_not_counted(check):
  # The bound moves every iteration: only reading the condition gives the answer.
  def f(n):
    return jax.lax.while_loop(lambda s: s[0] < s[1], lambda s: (s[0] + 1, s[1] - 1), (0, n))

  check(f, np.int32(9))
