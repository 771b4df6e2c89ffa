"""DLPack export of mps arrays (`np.from_dlpack(x)`, `jax.dlpack`, torch).

jaxlib refuses DLPack for any platform but cpu, cuda and rocm, in two places:
`jax.Array.__dlpack_device__` raises "__dlpack__ device only supported for CPU
and GPU, got platform: mps", and its C++ export fails with "Device mps:0
cannot be used as a DLPack device" (after taking the buffer's external
reference, which the plugin implements). Neither looks at the memory.

The memory is host memory: MLX's CPU device mallocs it, Apple GPUs share it
with the CPU (unified memory), MLX's CUDA backend uses managed memory. So the
honest DLPack device of an mps array is the CPU (kDLCPU, 0), and `install()`
makes `__dlpack_device__` and `__dlpack__` of single-device mps arrays say so
and export the array's own memory, without a copy:

  * The exported view holds a second jax Array on the same MLX memory (a
    same-device `device_put(..., may_alias=False)`, which the plugin serves by
    sharing the array), private to the view. Deleting the original therefore
    leaves the view valid; the memory goes when both are gone.
  * dtypes NumPy's DLPack cannot carry (bfloat16, float8) go through JAX's
    cpu backend instead: one copy.
  * Importing (`jax.dlpack.from_dlpack(t, device=mps)`) is JAX's own path: the
    tensor lands on cpu and is copied to mps.

Every other array keeps JAX's behaviour.
"""

from __future__ import annotations

import numpy as np

from jax_plugins.mps import PLATFORM_NAME

_KDL_CPU = 1  # DLDeviceType.kDLCPU


class _HostMemory:
  """NumPy's view of an mps array's bytes; keeps the array that owns them."""

  def __init__(self, owner, pointer: int, nbytes: int):
    self.owner = owner
    self.__array_interface__ = {
        "data": (pointer, False), "shape": (nbytes,), "typestr": "|u1", "version": 3}


def _single_mps_device(x):
  devices = x.sharding.device_set
  if len(devices) != 1:
    return None
  (device,) = devices
  return device if device.platform == PLATFORM_NAME else None


def host_view(x) -> np.ndarray:
  """A NumPy array on the memory of the mps array `x`, without a copy."""
  import jax

  device = _single_mps_device(x)
  if device is None:
    raise ValueError(f"host_view takes a single-device mps array, not one on {x.sharding}")
  if x.is_deleted():
    raise BufferError("mps: cannot export an mps array that has been deleted")
  owner = jax.device_put(x, device, may_alias=False)
  owner.block_until_ready()
  nbytes = x.size * x.dtype.itemsize
  if nbytes == 0:
    return np.empty(x.shape, x.dtype)
  raw = np.asarray(_HostMemory(owner, owner.unsafe_buffer_pointer(), nbytes))
  return raw.view(x.dtype).reshape(x.shape)


def _numpy_can_export(dtype) -> bool:
  try:
    np.empty(0, dtype).__dlpack__()
    return True
  except (BufferError, TypeError):
    return False


def install() -> None:
  """Routes DLPack export of mps arrays through host_view."""
  # Private: jax.Array is abstract; the DLPack methods JAX calls are on
  # ArrayImpl, its one implementation, and no public hook replaces them.
  from jax._src import array

  cls = array.ArrayImpl
  original_dlpack, original_device = cls.__dlpack__, cls.__dlpack_device__
  if getattr(original_dlpack, "_applejax", False):
    return

  def __dlpack_device__(self):
    if _single_mps_device(self) is None:
      return original_device(self)
    from jax._src.dlpack import DLDeviceType  # private: jax.dlpack does not export it

    return DLDeviceType.kDLCPU, 0

  def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    if _single_mps_device(self) is None:
      return original_dlpack(self, stream=stream, max_version=max_version,
                             dl_device=dl_device, copy=copy)
    if dl_device is not None and (int(dl_device[0]), int(dl_device[1])) != (_KDL_CPU, 0):
      raise BufferError(
          f"mps arrays live in host memory and export as DLPack device (kDLCPU, 0); "
          f"(DLDeviceType {int(dl_device[0])}, {int(dl_device[1])}) was asked for. Copy the "
          f"array to that device with jax.device_put first")
    if not _numpy_can_export(self.dtype):
      if copy is False:
        raise BufferError(f"mps: {self.dtype} arrays export through a copy on the cpu "
                          f"backend, and copy=False was asked for")
      import jax

      on_cpu = jax.device_put(self, jax.devices("cpu")[0])
      return original_dlpack(on_cpu, stream=stream, max_version=max_version)
    view = host_view(self)
    if copy:
      view = view.copy()
    elif max_version is not None and tuple(max_version) >= (1, 0):
      # jax arrays are immutable; DLPack 1.0 can say so (older cannot, and
      # NumPy then refuses a read-only array, so it stays writable as
      # JAX's own cpu export is).
      view.flags.writeable = False
    # Host memory needs no stream; NumPy refuses any but None.
    kwargs = {} if max_version is None else {"max_version": max_version}
    return view.__dlpack__(stream=None, **kwargs)

  __dlpack__._applejax = True  # type: ignore[attr-defined]
  cls.__dlpack__ = __dlpack__
  cls.__dlpack_device__ = __dlpack_device__
