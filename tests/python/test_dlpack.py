"""DLPack on mps: export without a copy (np.from_dlpack, jax.dlpack), import
by JAX's copy, and the buffer's external references.

mps arrays live in host memory and export as DLPack device (kDLCPU, 0)
(python/jax_plugins/mps/dlpack.py says why jaxlib cannot do it alone). Every
exported value is compared with the same jitted function's result on cpu.
"""

from __future__ import annotations

import gc
import time

import jax
import jax.numpy as jnp
import ml_dtypes
import numpy as np
import pytest

from jax_plugins.mps import dlpack as mps_dlpack


@pytest.fixture(autouse=True)
def _exports():
  mps_dlpack.install()  # idempotent; see test_initialize_installs_the_export


def _pointer(a: np.ndarray) -> int:
  return a.__array_interface__["data"][0]


def _both(fn, arg, mps, cpu):
  """fn jitted on each device: the mps array (made by MLX) and cpu's numpy."""
  on_mps = jax.jit(fn)(jax.device_put(arg, mps))
  on_cpu = jax.jit(fn)(jax.device_put(arg, cpu))
  return on_mps, np.asarray(on_cpu)


_DTYPES = [np.float32, np.float16, np.int8, np.int16, np.int32, np.uint8, np.uint32,
           np.bool_, np.complex64]
_SHAPES = [(), (7,), (2, 3, 4), (1, 5, 1)]


def _values(shape, dtype):
  n = int(np.prod(shape))
  base = np.arange(n).reshape(shape) - n // 3
  if dtype == np.bool_:
    return base % 2 == 0
  if dtype == np.complex64:
    return (base + 0.5j * base).astype(dtype)
  return base.astype(dtype)


@pytest.mark.parametrize("shape", _SHAPES, ids=str)
@pytest.mark.parametrize("dtype", _DTYPES, ids=lambda d: np.dtype(d).name)
def test_numpy_from_dlpack_shares_memory(dtype, shape, mps, cpu):
  fn = (lambda a: ~a) if dtype == np.bool_ else (lambda a: a * 3)
  x, want = _both(fn, _values(shape, dtype), mps, cpu)
  got = np.from_dlpack(x)
  assert got.dtype == want.dtype and got.shape == want.shape
  np.testing.assert_array_equal(got, want)
  assert _pointer(got) == x.unsafe_buffer_pointer()  # no copy
  assert not got.flags.writeable  # DLPack 1.0 says the jax array is read-only


def test_empty_array(mps, cpu):
  x, want = _both(lambda a: a + 1, np.zeros((0, 3), np.float32), mps, cpu)
  got = np.from_dlpack(x)
  assert got.shape == want.shape == (0, 3) and got.dtype == want.dtype


def test_export_outlives_the_deleted_array(mps, cpu):
  x, want = _both(lambda a: jnp.sin(a) * 10, np.linspace(0, 3, 4096, dtype=np.float32),
                  mps, cpu)
  got = np.from_dlpack(x)
  x.delete()
  del x
  gc.collect()
  time.sleep(0.05)  # Delete frees on the plugin's worker thread
  # New arrays of the same size would reuse freed memory.
  others = [jax.jit(lambda a: a * 0 - 1)(jax.device_put(np.ones(4096, np.float32), mps))
            for _ in range(4)]
  jax.block_until_ready(others)
  np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def test_memory_is_freed_after_the_export_goes(mps):
  n = 4 << 20
  gc.collect()
  x = jax.jit(lambda a: a + 1)(jax.device_put(np.zeros(n, np.float32), mps))
  x.block_until_ready()
  got = np.from_dlpack(x)
  x.delete()
  with_export = mps.memory_stats()["bytes_in_use"]
  del got
  gc.collect()
  deadline = time.monotonic() + 10
  while mps.memory_stats()["bytes_in_use"] > with_export - n * 4:
    assert time.monotonic() < deadline, "the exported memory was never freed"
    time.sleep(0.01)


def test_copy_true_is_a_copy(mps, cpu):
  x, want = _both(lambda a: a - 2, np.arange(12, dtype=np.int32), mps, cpu)
  got = np.from_dlpack(x, copy=True)
  np.testing.assert_array_equal(got, want)
  assert _pointer(got) != x.unsafe_buffer_pointer()


@pytest.mark.parametrize("dtype", [np.float32, np.int32, np.uint8, np.bool_],
                         ids=lambda d: np.dtype(d).name)
def test_jax_round_trip(dtype, mps, cpu):
  x, want = _both(lambda a: a, _values((3, 4), dtype), mps, cpu)
  on_cpu = jax.dlpack.from_dlpack(x)  # the export's device is the CPU
  assert on_cpu.devices() == {cpu}
  np.testing.assert_array_equal(np.asarray(on_cpu), want)
  back = jax.dlpack.from_dlpack(x, device=mps)
  assert back.devices() == {mps} and back.dtype == want.dtype
  np.testing.assert_array_equal(np.asarray(back), want)


@pytest.mark.parametrize("dtype", [np.float32, np.int8, np.uint16, np.complex64, np.bool_],
                         ids=lambda d: np.dtype(d).name)
def test_import_onto_mps(dtype, mps, cpu):
  host = _values((4, 5), dtype)
  fn = (lambda a: a.T) if dtype == np.bool_ else (lambda a: (a * 2).T)
  imported = jax.dlpack.from_dlpack(host, device=mps)
  assert imported.devices() == {mps}
  got = jax.jit(fn)(imported)
  want = jax.jit(fn)(jax.device_put(host, cpu))
  assert got.dtype == want.dtype
  np.testing.assert_array_equal(np.asarray(got), np.asarray(want))


def test_bfloat16_exports_through_a_copy(mps, cpu):
  x, want = _both(lambda a: a * 2, np.linspace(-1, 1, 8).astype(ml_dtypes.bfloat16), mps, cpu)
  got = jax.dlpack.from_dlpack(x)
  assert got.dtype == want.dtype
  np.testing.assert_array_equal(np.asarray(got).astype(np.float32), want.astype(np.float32))
  with pytest.raises(BufferError, match="bfloat16 arrays export through a copy"):
    x.__dlpack__(copy=False)


def test_other_device_types_are_refused(mps):
  x = jax.device_put(np.ones(3, np.float32), mps)
  kind, index = x.__dlpack_device__()
  assert (int(kind), index) == (1, 0)  # kDLCPU
  with pytest.raises(BufferError, match=r"export as DLPack device \(kDLCPU, 0\).*DLDeviceType 2"):
    x.__dlpack__(dl_device=(2, 0))


def test_deleted_array_is_refused(mps):
  x = jax.device_put(np.ones(3, np.float32), mps)
  x.delete()
  with pytest.raises(BufferError, match="has been deleted"):
    np.from_dlpack(x)


def test_jaxlib_export_takes_and_releases_the_external_reference(mps):
  # jaxlib's own export takes the buffer's external reference (the plugin's
  # PJRT_Buffer_IncreaseExternalReferenceCount) and then refuses the
  # platform; the reference must be released, or the memory would stay.
  from jax._src.lib import _jax

  n = 4 << 20
  x = jax.jit(lambda a: a + 1)(jax.device_put(np.zeros(n, np.float32), mps))
  x.block_until_ready()
  with pytest.raises(Exception, match="cannot be used as a DLPack device"):
    _jax.buffer_to_dlpack_managed_tensor(x.addressable_data(0), stream=None)
  gc.collect()
  before = mps.memory_stats()["bytes_in_use"]
  x.delete()
  deadline = time.monotonic() + 10
  while mps.memory_stats()["bytes_in_use"] > before - n * 4:
    assert time.monotonic() < deadline, "the external reference was never released"
    time.sleep(0.01)


def test_initialize_installs_the_export(mps):
  # Checked in a fresh process: this module's fixture installs it here.
  import os
  import subprocess
  import sys

  code = ("import jax, numpy as np; x = jax.device_put(np.ones(2, np.float32), "
          "jax.devices('mps')[0]); print(np.from_dlpack(x).sum())")
  out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=300, env=dict(os.environ))
  assert out.returncode == 0, ("jax_plugins.mps.initialize() must call "
                               "jax_plugins.mps.dlpack.install(): " + out.stderr[-2000:])
  assert out.stdout.split()[-1] == "2.0"
