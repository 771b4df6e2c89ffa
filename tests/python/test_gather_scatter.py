"""gather and scatter as JAX emits them: indexing, take, take_along_axis, .at[] updates,
embedding lookups, batched (vmapped) indexing, out-of-bounds behaviour, gradients."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from op_inputs import ids, sample

DTYPES = [np.float32, np.float16, np.int32, np.uint8, np.bool_]


@pytest.mark.parametrize("dtype", DTYPES, ids=ids(DTYPES))
@pytest.mark.parametrize("case", ["take_rows", "take_cols", "fancy_2d", "take_along_axis",
                                  "negative_index", "embedding"])
def test_gather(check, dtype, case):
  x = sample(dtype, (6, 5), seed=1)
  idx = np.array([4, 0, 2, 2], np.int32)
  fn = {
      "take_rows": lambda v, i: v[i],
      "take_cols": lambda v, i: v[:, i],
      "fancy_2d": lambda v, i: v[i, i[::-1]],
      "take_along_axis": lambda v, i: jnp.take_along_axis(v, jnp.broadcast_to(i[None, :], (6, 4)) % 5, axis=1),
      "negative_index": lambda v, i: v[-i - 1],
      "embedding": lambda v, i: jnp.take(v, i.reshape(2, 2), axis=0),
  }[case]
  check(fn, x, idx)


def test_gather_out_of_bounds_clamps(check):
  x = sample(np.float32, (5, 4), seed=2)
  idx = np.array([7, -9, 3], np.int32)
  check(lambda v, i: (jnp.take(v, i, axis=0, mode="clip"), lax.dynamic_index_in_dim(v, i[0], 0)), x, idx)
  check(lambda v, i: v.at[i].get(mode="fill", fill_value=-1.0), x, idx)


def test_vmapped_gather(check):
  x = sample(np.float32, (3, 7), seed=3)
  idx = np.array([[1, 2], [6, 0], [3, 3]], np.int32)
  check(jax.vmap(lambda v, i: v[i]), x, idx)


def test_cross_entropy_with_integer_labels(check):
  logits = sample(np.float32, (8, 10), seed=4)
  labels = np.array([1, 0, 9, 3, 3, 5, 7, 2], np.int32)

  def loss(lg, lb):
    logp = jax.nn.log_softmax(lg)
    return -jnp.mean(jnp.take_along_axis(logp, lb[:, None], axis=1))

  check(jax.value_and_grad(loss), logits, labels)


SCATTER_DTYPES = [np.float32, np.int32, np.float16]


@pytest.mark.parametrize("dtype", SCATTER_DTYPES, ids=ids(SCATTER_DTYPES))
@pytest.mark.parametrize("mode", ["set", "add", "multiply", "min", "max"])
def test_scatter(check, dtype, mode):
  x = sample(dtype, (6, 4), seed=5)
  u = sample(dtype, (3, 4), seed=6)
  idx = np.array([5, 1, 3], np.int32)  # unique: "set" has no order question
  check(lambda v, i, w: getattr(v.at[i], mode)(w), x, idx, u)


def test_scatter_add_duplicates(check):
  x = np.zeros(5, np.float32)
  idx = np.array([1, 1, 3, 1, 0], np.int32)
  check(lambda v, i: v.at[i].add(1.0), x, idx)


def test_scatter_out_of_bounds_dropped(check):
  x = sample(np.float32, (5,), seed=7)
  idx = np.array([2, 9, -7], np.int32)
  check(lambda v, i: v.at[i].add(10.0, mode="drop"), x, idx)


def test_scatter_2d_windows(check):
  x = sample(np.float32, (4, 6), seed=8)
  check(lambda v, i: v.at[i, 1:4].set(0.0), x, np.int32(2))
  check(lambda v: v.at[1:3, ::2].multiply(3.0), x)


def test_segment_sum(check):
  data = sample(np.float32, (10, 3), seed=9)
  seg = np.array([0, 0, 1, 2, 2, 2, 4, 4, 1, 0], np.int32)
  check(lambda d, s_: jax.ops.segment_sum(d, s_, num_segments=5), data, seg)


def test_gather_grad_is_scatter(check):
  x = sample(np.float32, (6, 3), seed=10)
  idx = np.array([0, 5, 5, 2], np.int32)
  check(jax.grad(lambda v, i: jnp.sum(jnp.sin(v[i]))), x, idx)


# Update bodies MLX has no scatter kernel for run in rounds, one per
# repeated target, in update order.
APPLY = {
    "sin_dupes": (lambda a: a.at[jnp.array([0, 2, 2, 5])].apply(jnp.sin), (6,)),
    "affine_many_dupes": (lambda a: a.at[jnp.array([1, 1, 1, 1, 3])].apply(lambda v: v * 2.0 + 1.0), (6,)),
    "drop_out_of_bounds": (lambda a: a.at[jnp.array([0, 9, -20, 3])].apply(jnp.exp, mode="drop"), (6,)),
    "rows_2d": (lambda a: a.at[jnp.array([2, 0, 2])].apply(jnp.cos), (4, 3)),
    "elements_2d": (lambda a: a.at[jnp.array([0, 3, 0]), jnp.array([1, 2, 1])].apply(jnp.square), (4, 3)),
    "vmapped": (lambda a: jax.vmap(lambda r: r.at[jnp.array([0, 0, 2])].apply(lambda v: v - 1.0))(a), (3, 4)),
    "no_dupes": (lambda a: a.at[jnp.array([3, 1])].apply(jnp.tanh), (5,)),
}


@pytest.mark.parametrize("name", sorted(APPLY))
def test_scatter_general_body(check, name):
  fn, shape = APPLY[name]
  check(fn, sample(np.float32, shape, seed=8))


def test_scatter_general_body_in_a_loop(check):
  def f(a):
    return jax.lax.fori_loop(0, 3, lambda i, c: c.at[jnp.array([i, i, 0])].apply(lambda v: v * 0.5 + 1.0), a)

  check(f, sample(np.float32, (5,), seed=9))


def test_scatter_custom_combiner(check):
  # lax.scatter with a combiner JAX lowers as its own region: x * y + 1.
  def f(a, u):
    dn = lax.ScatterDimensionNumbers(update_window_dims=(), inserted_window_dims=(0,),
                                     scatter_dims_to_operand_dims=(0,))
    idx = jnp.array([[1], [3], [1]])
    return lax.scatter_apply(a, idx, lambda v: v * 3.0 - 1.0, dn, update_shape=(3,))

  check(f, sample(np.float32, (5,), seed=10), np.zeros(3, np.float32))


# --- zero-size operands -------------------------------------------------------------------
#
# A scatter into an operand with a zero-length axis is legal: every update
# lands out of bounds and is dropped, so the result is the empty operand.
# (A gather from one is refused by JAX itself, for slice sizes past the
# operand, the same check XLA makes.)

EMPTY_SCATTERS = {
    "set_1d": ((0,), lambda x: x.at[jnp.array([0])].set(1.0, mode="drop")),
    "add_1d_many": ((0,), lambda x: x.at[jnp.array([0, 3, 0])].add(2.0, mode="drop")),
    "multiply_rows": ((0, 3), lambda x: x.at[jnp.array([1, 0])].multiply(jnp.ones((2, 3)), mode="drop")),
    "max_rows": ((0, 3), lambda x: x.at[jnp.array([0])].max(5.0, mode="drop")),
    "min_columns": ((2, 0), lambda x: x.at[:, jnp.array([0])].min(-1.0, mode="drop")),
    "apply_general_body": ((0,), lambda x: x.at[jnp.array([1])].apply(jnp.sin, mode="drop")),
    "set_promise_in_bounds": ((0, 2), lambda x: x.at[jnp.array([0])].set(3.0, mode="promise_in_bounds")),
}


@pytest.mark.parametrize("name", sorted(EMPTY_SCATTERS))
def test_scatter_into_zero_size_operand(check, name):
  shape, fn = EMPTY_SCATTERS[name]
  check(fn, np.zeros(shape, np.float32))


@pytest.mark.parametrize("shape", [(0, 3), (3, 0)], ids=str)
def test_argpartition_and_partition_of_empty(check, shape):
  x = np.zeros(shape, np.float32)
  axis = -1 if shape[-1] else 0
  check(lambda x: jnp.argpartition(x, 0, axis=axis), x)
  check(lambda x: jnp.partition(x, 0, axis=axis), x)


@pytest.mark.parametrize("shape", [(0, 3), (3, 0)], ids=str)
def test_sort_and_argsort_gradients_of_empty(check, shape):
  # The gradient of a sort scatters into an operand of the input's shape.
  x = np.zeros(shape, np.float32)
  check(jax.grad(lambda x: jnp.sum(jnp.sort(x, axis=0) ** 2)), x)
  check(jax.grad(lambda x: jnp.sum(jnp.take_along_axis(x, jnp.argsort(x, axis=1), axis=1) ** 2)), x)


def test_gather_with_fill_from_zero_length_window(check):
  # Slices of a (3, 0) operand are empty but legal; so is an empty index set.
  check(lambda x: jnp.take(x, jnp.array([0, 5]), axis=0, mode="fill", fill_value=2), np.zeros((3, 0), np.float32))
  check(lambda x: jnp.take(x, jnp.array([], jnp.int32), axis=0, mode="fill", fill_value=2),
        np.zeros((0,), np.float32))
