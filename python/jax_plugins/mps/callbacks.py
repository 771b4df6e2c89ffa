"""Host callbacks on `mps`: jax.debug.print, jax.debug.callback, jax.pure_callback,
jax.experimental.io_callback and checkify's runtime checks.

JAX emits Python callbacks only for the platforms it knows (XLA's FFI custom
calls find the Python function through XLA's own runtime). For `mps` the
shim takes over JAX's `emit_python_callback`: each callback becomes
`stablehlo.custom_call @applejax.host_callback` whose backend_config is a key
into `_callbacks` below, and one ctypes handler, installed in the plugin at
start-up, runs the function the key names when the program reaches the call.

The plugin calls the handler on its worker thread with the operands
evaluated; ctypes takes the GIL for the call and drops it after, so no Python
lock is held while MLX computes. Keys start with a per-process prefix: a
program from another process (a persistent-cache entry) cannot reach a
function of this one by accident, and fails with a message instead.
"""

from __future__ import annotations

import ctypes
import dataclasses
import functools
import itertools
import os
import secrets
import threading
import traceback
from typing import Any, Callable, Sequence

import numpy as np

TARGET = "applejax.host_callback"

# int handler(const char* key, const void* const* operands, size_t n,
#             void* const* results, size_t m, char* error, size_t error_size)
_HANDLER_TYPE = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_char_p,
                                 ctypes.POINTER(ctypes.c_void_p), ctypes.c_size_t,
                                 ctypes.POINTER(ctypes.c_void_p), ctypes.c_size_t,
                                 ctypes.c_void_p, ctypes.c_size_t)


@dataclasses.dataclass(frozen=True)
class _Callback:
  function: Callable[..., Sequence[Any]]
  operands: tuple[tuple[np.dtype, tuple[int, ...]], ...]
  results: tuple[tuple[np.dtype, tuple[int, ...]], ...]


_PREFIX = f"{os.getpid():x}.{secrets.token_hex(4)}"
_counter = itertools.count()
_lock = threading.Lock()
# Strong references: a key may run for as long as its executable lives, and
# JAX keeps executables for the life of the jitted function. One small entry
# per lowered callback site.
_callbacks: dict[str, _Callback] = {}
_installed_handler = None  # keeps the ctypes thunk alive


def _layout(aval) -> tuple[np.dtype, tuple[int, ...]]:
  return np.dtype(aval.dtype), tuple(int(d) for d in aval.shape)


def _register(function, operand_avals, result_avals) -> str:
  with _lock:
    key = f"{_PREFIX}.{next(_counter)}"
    _callbacks[key] = _Callback(function, tuple(_layout(a) for a in operand_avals),
                                tuple(_layout(a) for a in result_avals))
  return key


def _view(address: int, dtype: np.dtype, shape: tuple[int, ...]) -> np.ndarray:
  count = int(np.prod(shape, dtype=np.int64))
  if count == 0:
    return np.zeros(shape, dtype)
  raw = (ctypes.c_char * (count * dtype.itemsize)).from_address(address)
  return np.frombuffer(raw, dtype=dtype).reshape(shape)


def _check_results(values, expected) -> list[np.ndarray]:
  values = list(values)
  if len(values) != len(expected):
    raise RuntimeError(f"the callback returned {len(values)} values, the program expects "
                       f"{len(expected)}")
  checked = []
  for i, (value, (dtype, shape)) in enumerate(zip(values, expected)):
    value = np.asarray(value)
    if value.shape != shape:
      raise RuntimeError(f"result {i} of the callback has shape {value.shape}, the program "
                         f"expects {shape}")
    if value.dtype != dtype:
      raise RuntimeError(f"result {i} of the callback has dtype {value.dtype}, the program "
                         f"expects {dtype}")
    checked.append(value)
  return checked


def _write_error(error: int, size: int, message: str) -> None:
  data = message.encode("utf-8", "replace")[:max(size - 1, 0)]
  ctypes.memmove(error, data + b"\0", len(data) + 1)


def _handle(key, operands, num_operands, results, num_results, error, error_size) -> int:
  try:
    entry = _callbacks.get(key.decode())
    if entry is None:
      raise RuntimeError(
          f"host callback {key.decode()!r} is not known to this process (the program was "
          "compiled by another process, e.g. loaded from a persistent compilation cache); "
          "recompile it here")
    if num_operands != len(entry.operands) or num_results != len(entry.results):
      raise RuntimeError(f"host callback {key.decode()!r} got {num_operands} operands and "
                         f"{num_results} results, it was lowered with {len(entry.operands)} "
                         f"and {len(entry.results)}")
    # Copies: the callback may keep its arguments, the plugin frees them.
    args = [_view(operands[i], d, s).copy() for i, (d, s) in enumerate(entry.operands)]
    values = _check_results(entry.function(*args), entry.results)
    for i, value in enumerate(values):
      if value.size:
        _view(results[i], *entry.results[i])[...] = value
    return 0
  except BaseException as e:  # noqa: BLE001 - every failure must reach the program as an error
    _write_error(error, error_size, "".join(traceback.format_exception_only(type(e), e)).strip())
    return 1


def install_handler(library_path: str) -> None:
  """Gives the plugin library (the copy JAX loaded: dlopen returns the same
  handle for the same path) the function that runs host callbacks."""
  global _installed_handler
  library = ctypes.CDLL(library_path)
  setter = library.ApplejaxSetHostCallbackHandler
  setter.argtypes = [_HANDLER_TYPE]
  setter.restype = None
  _installed_handler = _HANDLER_TYPE(_handle)
  setter(_installed_handler)


def _ir_types(ctx, avals):
  from jax_plugins.mps.lowering import _ir_type

  return [_ir_type(ctx, a) for a in avals]


def _emit_on_mps(ctx, callback, token, operands, operand_avals, result_avals, *,
                 has_side_effect, returns_token=True, partitioned=False, sharding=None):
  """emit_python_callback for `mps`; same arguments and results as JAX's."""
  del returns_token, partitioned, sharding  # one device: every callback is local and unsharded
  from jax._src.interpreters import mlir

  key = _register(callback, operand_avals, result_avals)
  # Registered with the module too, as on cpu: JAX then keeps the function
  # with the executable and treats the program as one with host callbacks.
  ctx.module_context.add_host_callback(callback)
  op = mlir.custom_call(TARGET, result_types=_ir_types(ctx, result_avals),
                        operands=list(operands), backend_config=key,
                        has_side_effect=has_side_effect)
  # The emitter runs ops in program order, so the callback is ordered after
  # everything the incoming token orders; passing the token on keeps JAX's
  # chain of ordered effects intact.
  return list(op.results), token, callback


def _has_cpu_backend() -> bool:
  from jax._src import xla_bridge

  try:
    return bool(xla_bridge.local_devices(backend="cpu"))
  except RuntimeError:
    return False


def _without_cpu(original, run):
  """JAX hands a callback's arguments to the cpu backend first, and fails when
  JAX_PLATFORMS=mps leaves none. The values are host memory already (numpy
  copies, or mps arrays read back here), so without a cpu backend the callback
  gets numpy arrays: the values it would have printed or computed with."""

  @functools.wraps(original)
  def impl(*args, **params):
    if _has_cpu_backend():
      return original(*args, **params)
    return run(tuple(np.asarray(a) for a in args), params)

  impl._applejax = True
  return impl


def _install_host_fallbacks() -> None:
  from jax._src import callback as jax_callback
  from jax._src import debugging

  def debug_run(args, params):
    params["callback"](*args)
    return ()

  def value_run(args, params):
    import jax

    return jax.tree_util.tree_map(np.asarray, params["callback"](*args))

  for module, name, run in [(debugging, "debug_callback_impl", debug_run),
                            (jax_callback, "pure_callback_impl", value_run),
                            (jax_callback, "io_callback_impl", value_run)]:
    original = getattr(module, name, None)
    if original is None or getattr(original, "_applejax", False):
      continue
    patched = _without_cpu(original, run)
    setattr(module, name, patched)  # what the jitted callbacks call
    if name == "debug_callback_impl":
      debugging.debug_callback_p.def_impl(patched)  # what eager calls


def register() -> None:
  """Routes JAX's callback lowering for `mps` through the plugin and gives the
  callback primitives lowering rules on `mps`."""
  _install_host_fallbacks()
  from jax._src import callback as jax_callback
  from jax._src import checkify, debugging
  from jax._src.interpreters import mlir

  original = jax_callback.emit_python_callback
  if getattr(original, "_applejax", False):
    return

  def emit_python_callback(ctx, callback, token, operands, operand_avals, result_avals, **kw):
    if tuple(ctx.module_context.platforms) == ("mps",):
      return _emit_on_mps(ctx, callback, token, operands, operand_avals, result_avals, **kw)
    return original(ctx, callback, token, operands, operand_avals, result_avals, **kw)

  emit_python_callback._applejax = True
  jax_callback.emit_python_callback = emit_python_callback

  # pure_callback and io_callback have platform-independent rules; these
  # three are registered by JAX for cpu/gpu/tpu only.
  rules = [(debugging.debug_callback_p, debugging.debug_callback_lowering),
           (checkify.check_p, checkify.check_lowering_rule)]
  if hasattr(debugging, "debug_print_p"):
    rules.append((debugging.debug_print_p, debugging.debug_print_lowering_rule))
  for primitive, rule in rules:
    mlir.register_lowering(primitive, rule, platform="mps")
