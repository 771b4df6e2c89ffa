"""Memory kinds: the device and host memory spaces JAX offloads to (memory_kind=
"device", "pinned_host", "unpinned_host"), as XLA's cpu client has them.

On the plugin all three are the same MLX memory, which every MLX device can address
(malloc on its CPU device, unified memory on Apple GPUs), so moving an array between
kinds copies nothing; what each array and result reports must still be what cpu
reports, and the values must not change.
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.sharding import SingleDeviceSharding

from conftest import assert_same

KINDS = ["device", "pinned_host", "unpinned_host"]
X = np.arange(6, dtype=np.float32).reshape(2, 3) - 1.5


def on(device, kind):
  return SingleDeviceSharding(device, memory_kind=kind)


@functools.cache
def cpu_keeps_host_outputs() -> bool:
  """Whether XLA's cpu puts a result in the host memory kind the program asks for.
  Before jaxlib 0.10 it returned every result in device memory, whatever the
  program's mhlo.memory_kind said, or (jaxlib 0.9) refused such a program."""
  cpu = jax.devices("cpu")[0]
  try:
    out = jax.jit(lambda v: v + 1, out_shardings=on(cpu, "pinned_host"))(np.float32(1))
  except jax.errors.JaxRuntimeError:
    return False
  return out.sharding.memory_kind == "pinned_host"


def both(mps, cpu, fn, requested=None):
  """fn(device) on each backend; the results' values, shapes, dtypes and memory kinds
  must agree. Where cpu drops host memory kinds (cpu_keeps_host_outputs), the kinds
  are checked against `requested`, what the test asked JAX for, if it says."""
  got, want = fn(mps), fn(cpu)
  assert_same(got, want)
  got_kinds = [leaf.sharding.memory_kind for leaf in jax.tree.leaves(got)]
  want_kinds = [leaf.sharding.memory_kind for leaf in jax.tree.leaves(want)]
  if cpu_keeps_host_outputs():
    assert got_kinds == want_kinds
  elif requested is not None:
    assert got_kinds == requested
  for leaf in jax.tree.leaves(got):
    assert leaf.devices() == {mps}
  return got


def test_addressable_memories_match_cpu(mps, cpu):
  kinds = [m.kind for m in mps.addressable_memories()]
  assert kinds == [m.kind for m in cpu.addressable_memories()]
  assert mps.default_memory().kind == cpu.default_memory().kind == "device"
  assert len({str(m) for m in mps.addressable_memories()}) == 3
  for m in mps.addressable_memories():
    assert m.addressable_by_devices() == [mps]
    assert m.platform == "mps"
    assert m.kind in str(m) and m.kind in repr(m)
    assert mps.memory(m.kind) == m


def test_unknown_memory_kind_is_refused(mps):
  with pytest.raises(ValueError, match="Could not find memory addressable by device"):
    jax.device_put(X, on(mps, "hbm_of_another_chip"))


@pytest.mark.parametrize("kind", KINDS)
def test_device_put_from_numpy(kind, mps, cpu):
  both(mps, cpu, lambda d: jax.device_put(X, on(d, kind)))


@pytest.mark.parametrize("src", KINDS)
@pytest.mark.parametrize("dst", KINDS)
def test_device_put_between_kinds(src, dst, mps, cpu):
  got = both(mps, cpu, lambda d: jax.device_put(jax.device_put(X, on(d, src)), on(d, dst)))
  assert got.sharding.memory_kind == dst


@pytest.mark.parametrize("kind", KINDS)
def test_jit_of_an_argument_in_each_kind(kind, mps, cpu):
  both(mps, cpu, lambda d: jax.jit(lambda v: (v * 2 + 1, v.sum()))(jax.device_put(X, on(d, kind))))


@pytest.mark.parametrize("kind", KINDS)
def test_out_shardings_memory_kind(kind, mps, cpu):
  def run(d):
    # An older cpu refuses host outputs; it is then the oracle of the values only.
    asked = kind if d.platform == "mps" or cpu_keeps_host_outputs() else "device"
    f = jax.jit(lambda v: (jnp.tanh(v), v.sum() * 3),
                out_shardings=(on(d, asked), on(d, "device")))
    return f(jax.device_put(X, d))
  out = both(mps, cpu, run, requested=[kind, "device"])
  assert out[0].sharding.memory_kind == kind


def test_device_put_to_host_and_back_inside_jit(mps, cpu):
  def run(d):
    def f(v):
      h = jax.device_put(v * 2, on(d, "pinned_host"))
      return jax.device_put(h + 1, on(d, "device")), h
    return jax.jit(f)(jax.device_put(X, d))
  both(mps, cpu, run, requested=["device", "pinned_host"])


def test_grad_of_an_argument_in_host_memory(mps, cpu):
  """The argument moves to device memory inside; its cotangent goes back to the host
  (JAX itself refuses a grad whose primal output stays in host memory, on cpu too)."""
  def run(d):
    loss = lambda v: jnp.sum(jnp.sin(jax.device_put(v, on(d, "device"))) * 2)
    return jax.jit(jax.grad(loss))(jax.device_put(X, on(d, "pinned_host")))
  assert both(mps, cpu, run).sharding.memory_kind == "pinned_host"


def test_host_copy_outlives_the_device_array(mps, cpu):
  """The host copy shares the device array's storage; deleting either leaves the other."""
  def run(d):
    a = jax.device_put(X, d)
    h = jax.device_put(a, on(d, "pinned_host"))
    a.delete()
    b = jax.device_put(h, on(d, "device"))
    h.delete()
    return b + 0
  both(mps, cpu, run)


def test_donated_argument_with_a_host_copy(mps, cpu):
  """A donated array whose storage a host copy shares must not be overwritten."""
  def run(d):
    a = jax.device_put(X, d)
    h = jax.device_put(a, on(d, "pinned_host"))
    r = jax.jit(lambda v: v * 3, donate_argnums=0)(a)
    return r, h
  both(mps, cpu, run)
