"""Every result of a jitted call has a buffer of its own, as on cpu: an
argument passed through and a value returned twice are copied (JAX relies on
this for jnp.array(x, copy=True) and for unsafe_buffer_pointer), while a
donated argument's memory may become a result's."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import assert_same

CASES = {
    "identity": (lambda x, y: x, False),
    "twice": (lambda x, y: (x, x), False),
    "swap_and_constant": (lambda x, y: (y, 1, x), False),
    "reshape_same": (lambda x, y: x.reshape(x.shape), False),
    "leading_slice": (lambda x, y: (x[:2], x), False),
    "computed": (lambda x, y: (x + 1, y), False),
    "identity_donated": (lambda x, y: x, True),
}


def _pointers(fn, device, donate):
  x = jax.device_put(np.arange(6, dtype=np.int32).reshape(3, 2), device)
  y = jax.device_put(np.ones((3, 2), np.int32), device)
  args_ptr = [x.unsafe_buffer_pointer(), y.unsafe_buffer_pointer()]
  out = jax.jit(fn, donate_argnums=(0,) if donate else ())(x, y)
  leaves = jax.tree.leaves(out)
  ptrs = [o.unsafe_buffer_pointer() for o in leaves if o.size]
  return out, args_ptr, ptrs


@pytest.mark.parametrize("name", sorted(CASES))
def test_results_have_their_own_buffers_as_on_cpu(mps, cpu, name):
  fn, donate = CASES[name]
  got, got_args, got_ptrs = _pointers(fn, mps, donate)
  want, want_args, want_ptrs = _pointers(fn, cpu, donate)
  assert_same(got, want)
  # Results never share a buffer with each other.
  assert len(set(got_ptrs)) == len(got_ptrs)
  if not donate:
    assert not set(got_ptrs) & set(got_args), name
    assert not set(want_ptrs) & set(want_args), name


def test_array_copy_is_a_new_buffer(mps, cpu):
  for device in (mps, cpu):
    x = jax.device_put(jnp.arange(5.0), device)
    y = jnp.array(x, copy=True)
    assert y.unsafe_buffer_pointer() != x.unsafe_buffer_pointer()
    np.testing.assert_array_equal(np.asarray(x), np.asarray(y))
