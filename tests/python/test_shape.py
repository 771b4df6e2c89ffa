"""Shape and data-movement ops: iota, broadcast, reshape, transpose, slices,
concatenate, pad, reverse, dynamic slices."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from op_inputs import ALL, ids, sample

DTYPES = [np.float32, np.float16, np.int32, np.uint8, np.int64, np.bool_]


NUMERIC = [d for d in ALL if d != np.bool_]


@pytest.mark.parametrize("dtype", NUMERIC, ids=ids(NUMERIC))
def test_iota_and_constants(check, dtype):
  check(lambda: (jnp.arange(12, dtype=dtype).reshape(3, 4), lax.broadcasted_iota(dtype, (2, 3, 4), 1),
                 jnp.full((2, 2), 1, dtype), jnp.zeros((0, 3), dtype)))


def test_bool_constants(check):
  check(lambda: (jnp.full((2, 3), True), jnp.array([True, False, True]), jnp.zeros((0,), bool)))


@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
@pytest.mark.parametrize("case", ["broadcast", "reshape", "transpose", "slice", "strided_slice",
                                  "concatenate", "reverse", "squeeze_expand", "rev_neg_stride"])
def test_movement(check, case, dtype):
  x = sample(dtype, (2, 3, 4))
  fn = {
      "broadcast": lambda v: jnp.broadcast_to(v[:, None], (2, 5, 3, 4)),
      "reshape": lambda v: v.reshape(4, 6).reshape(24),
      "transpose": lambda v: (jnp.transpose(v, (2, 0, 1)), v.T),
      "slice": lambda v: v[1:, 1:3, :2],
      "strided_slice": lambda v: v[:, ::2, 1::2],
      "concatenate": lambda v: (jnp.concatenate([v, v[:, :1]], axis=1), jnp.stack([v, v], 0)),
      "reverse": lambda v: lax.rev(v, (0, 2)),
      "squeeze_expand": lambda v: jnp.squeeze(v[:, :1], 1)[None],
      "rev_neg_stride": lambda v: v[::-1, ::-2],
  }[case]
  check(fn, x)


@pytest.mark.parametrize("config", [
    [(1, 2, 0), (0, 0, 0)],
    [(0, 0, 1), (2, 1, 2)],
    [(-1, 1, 0), (1, -2, 0)],
    [(2, -1, 1), (0, 0, 3)],
    # Crops that reach into the interior padding or through the operand
    # into the other edge's padding, and a result of padding only.
    [(-2, -3, 2), (-1, 0, 1)],
    [(6, -7, 0), (0, -3, 1)],
    [(-6, 4, 0), (1, 1, 0)],
    [(-4, -1, 3), (-6, 5, 0)],
])
@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.bool_], ids=ids([np.float32, np.int32, np.bool_]))
def test_pad(check, config, dtype):
  x = sample(dtype, (3, 4))
  pad_value = np.array(1, dtype)
  check(lambda v, p: lax.pad(v, p, config), x, pad_value)


def test_jnp_pad_modes(check):
  x = sample(np.float32, (3, 4))
  check(lambda v: (jnp.pad(v, 2), jnp.pad(v, ((1, 0), (2, 1)), mode="edge"),
                   jnp.pad(v, 1, mode="reflect"), jnp.pad(v, 1, mode="wrap")), x)


@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
def test_dynamic_slice(check, dtype):
  x = sample(dtype, (5, 6))
  for start in [(0, 0), (2, 3), (4, 5), (-1, 7)]:  # out of range clamps, like XLA
    check(lambda v, i, j: lax.dynamic_slice(v, (i, j), (2, 3)), x, np.int32(start[0]),
          np.int32(start[1]))


@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
def test_dynamic_update_slice(check, dtype):
  x = sample(dtype, (5, 6))
  u = sample(dtype, (2, 3), seed=1)
  for start in [(0, 0), (3, 3), (4, 5), (-2, 9)]:
    check(lambda v, w, i, j: lax.dynamic_update_slice(v, w, (i, j)), x, u, np.int32(start[0]),
          np.int32(start[1]))


def test_index_update_patterns(check):
  x = sample(np.float32, (4, 5))
  check(lambda v, i: (v[i], v[:, i], lax.dynamic_slice_in_dim(v, i, 2)), x, np.int32(2))


def test_zero_size_movement(check):
  x = np.zeros((0, 3), np.float32)
  check(lambda v: (v.T, v.reshape(3, 0), jnp.concatenate([v, v]), v[:, 1:], jnp.pad(v, 1)), x)


def test_empty_constant(check):
  # `dense<> : tensor<0xi32>`: a constant with no bytes at all.
  empty = np.zeros((0,), np.int32)
  check(lambda v: (jnp.concatenate([v, jnp.asarray(empty)]), jnp.asarray(empty) * 2), np.arange(3, dtype=np.int32))


def test_grad_through_movement(check):
  x = sample(np.float32, (3, 4))
  check(jax.grad(lambda v: jnp.sum(jnp.pad(v, 1)[::-1, 1:].T ** 2)), x)


def test_typed_key_argument_sharding_constraint(check):
  """A typed PRNG key argument reaches the plugin through sdy.sharding_constraint
  between builtin.unrealized_conversion_casts; both pass values through."""
  check(lambda k: (jax.random.key_data(jax.random.split(k, 3)), jax.random.uniform(k, (4,))),
        jax.random.key(0))


def test_typed_key_result(mps, cpu):
  split = jax.jit(lambda k: jax.random.split(jax.random.fold_in(k, 7)))
  got = split(jax.device_put(jax.random.key(1), mps))
  want = split(jax.device_put(jax.random.key(1), cpu))
  assert got.devices() == {mps}
  np.testing.assert_array_equal(jax.random.key_data(got), jax.random.key_data(want))
