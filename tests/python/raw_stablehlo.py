"""Runs StableHLO text that JAX itself never emits (tuples, variadic scatter,
three-word RNG states) on a backend, through the backend's compile API, so
that such programs can be compared between mps and cpu like any op test."""

import jax
import numpy as np
from jax._src import xla_bridge
from jax._src.lib import xla_client


def run(text: str, platform: str, *args):
  backend = xla_bridge.get_backend(platform)
  device = backend.devices()[0]
  exe = backend.compile_and_load(text, xla_client.DeviceList((device,)), xla_client.CompileOptions())
  # 64-bit inputs must reach the program as they are.
  previous = jax.config.jax_enable_x64
  jax.config.update("jax_enable_x64", True)
  try:
    inputs = [jax.device_put(np.asarray(a), device) for a in args]
    outs = exe.execute_sharded(inputs).disassemble_into_single_device_arrays()
    return [np.asarray(o[0]) for o in outs]
  finally:
    jax.config.update("jax_enable_x64", previous)


def assert_same_on_both(text: str, *args, rtol=1e-6, atol=0.0):
  got, want = run(text, "mps", *args), run(text, "cpu", *args)
  assert len(got) == len(want)
  for g, w in zip(got, want):
    assert g.shape == w.shape and g.dtype == w.dtype, (g.shape, g.dtype, w.shape, w.dtype)
    np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)
  return got
