"""What JAX reports about the mps device and its compiled programs.

memory_stats() comes from MLX's allocator; memory_analysis() from the
program's argument and result types, checked against what XLA:CPU reports for
the same program; as_text() is the program the plugin received, as HLO text
that jaxlib converts from the StableHLO the plugin prints.
"""

from __future__ import annotations

import collections
import gc
import os
import re
import subprocess
import sys
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest

_STATS_KEYS = ("bytes_in_use", "peak_bytes_in_use", "bytes_limit", "pool_bytes")


def _in_use(device) -> int:
  return device.memory_stats()["bytes_in_use"]


def _wait_for(predicate, seconds=10.0):
  # Delete frees memory on the plugin's worker thread, after queued work.
  deadline = time.monotonic() + seconds
  while not predicate():
    if time.monotonic() > deadline:
      return False
    time.sleep(0.01)
  return True


def test_memory_stats_keys(mps):
  stats = mps.memory_stats()
  assert stats is not None
  for key in _STATS_KEYS:
    assert isinstance(stats[key], int), key
  assert stats["bytes_limit"] > 0
  assert stats["peak_bytes_in_use"] >= stats["bytes_in_use"] >= 0
  assert stats["pool_bytes"] >= 0


def _settle(device):
  """Frees what earlier tests left for the garbage collector and the worker,
  so that only this test's arrays move bytes_in_use."""
  gc.collect()
  jax.jit(lambda a: a + 1)(jax.device_put(np.ones(1, np.float32), device)).block_until_ready()


def test_bytes_in_use_follows_a_big_array(mps):
  n = 4 << 20  # 16 MiB of float32, well above anything else alive in the test
  x = jax.device_put(np.ones(n, np.float32), mps)
  _settle(mps)
  before = _in_use(mps)
  y = jax.jit(lambda a: a + 1)(x)  # MLX allocates the result
  y.block_until_ready()
  grown = _in_use(mps)
  # Small arrays come and go meanwhile (MLX's CUDA backend frees a few
  # bytes of its own): a page of slack.
  slack = 4096
  assert grown - before >= n * 4 - slack
  assert mps.memory_stats()["peak_bytes_in_use"] >= grown
  y.delete()
  assert _wait_for(lambda: _in_use(mps) <= grown - n * 4 + slack), (before, grown, _in_use(mps))


def test_bytes_limit_follows_the_memory_limit_variable():
  code = "import jax; print(jax.devices('mps')[0].memory_stats()['bytes_limit'])"
  env = dict(os.environ, APPLEJAX_MEMORY_LIMIT_MB="512")
  out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                       timeout=300)
  assert out.returncode == 0, out.stderr
  assert int(out.stdout.split()[-1]) == 512 << 20


def _analysis(fn, args, device):
  placed = [jax.device_put(a, device) for a in args]
  return jax.jit(fn).lower(*placed).compile().memory_analysis()


@pytest.mark.parametrize("fn, args", [
    (lambda a: jnp.sin(a), [np.ones((3, 5), np.float32)]),
    (lambda a, b: a @ b, [np.ones((4, 8), np.float32), np.ones((8, 2), np.float32)]),
    (lambda a, b: (a + b.astype(a.dtype)).sum(0), [np.ones((7, 3), np.float16),
                                                   np.arange(21, dtype=np.int32).reshape(7, 3)]),
    (lambda a: a.astype(jnp.bfloat16)[::2], [np.arange(10, dtype=np.int8)]),
    (lambda a: a > 0, [np.linspace(-1, 1, 9, dtype=np.float32)]),
], ids=["sin", "matmul", "mixed-dtypes", "slice-convert", "compare"])
def test_memory_analysis_matches_cpu(fn, args, mps, cpu):
  ours, xla = _analysis(fn, args, mps), _analysis(fn, args, cpu)
  assert ours is not None
  assert ours.argument_size_in_bytes == xla.argument_size_in_bytes
  assert ours.output_size_in_bytes == xla.output_size_in_bytes
  assert ours.alias_size_in_bytes == 0
  # MLX allocates temporaries while it runs; there is no figure to give.
  assert ours.temp_size_in_bytes == 0


def test_memory_analysis_of_several_results(mps, cpu):
  # XLA:CPU counts its tuple's pointer table in the output size; the plugin
  # has none, so the outputs are compared with the results' own bytes.
  fn = lambda a: (a * 2, a.sum(), a.astype(jnp.int32))  # noqa: E731
  a = np.ones((6, 4), np.float32)
  ours, xla = _analysis(fn, [a], mps), _analysis(fn, [a], cpu)
  assert ours.argument_size_in_bytes == xla.argument_size_in_bytes
  results = jax.eval_shape(fn, a)
  assert ours.output_size_in_bytes == sum(r.size * r.dtype.itemsize for r in results)


_SHAPE_ONLY = {"parameter", "constant", "broadcast", "reshape", "tuple", "get-tuple-element"}


def _opcodes(hlo_text: str) -> set[str]:
  found = re.findall(r"=\s*[^=]*?\s([a-z][a-z0-9-]*)\(", hlo_text)
  return {op for op in found if op not in _SHAPE_ONLY}


@pytest.mark.parametrize("fn", [
    lambda a: jnp.sin(a) * jnp.cos(a),
    lambda a: jax.nn.softmax(a @ a.T),
    lambda a: jax.lax.fori_loop(0, 3, lambda i, c: c * 2, a).sum(),
    lambda a: jnp.sort(a, axis=0)[0] + jnp.argmax(a, axis=1),
], ids=["sin-cos", "softmax", "loop", "sort-argmax"])
def test_as_text_is_the_program_jax_lowered(fn, mps):
  x = jax.device_put(np.arange(9, dtype=np.float32).reshape(3, 3), mps)
  lowered = jax.jit(fn).lower(x)
  text = lowered.compile().as_text()
  assert text and text.startswith("HloModule")
  # The same computation as JAX's own HLO of the lowering; constants and
  # broadcasts may be spelled differently after the round trip.
  assert _opcodes(text) == _opcodes(lowered.as_text(dialect="hlo"))


def test_as_text_names_the_ops(mps):
  x = jax.device_put(np.ones(4, np.float32), mps)
  text = jax.jit(lambda a: jnp.sin(a) + jnp.exp(a)).lower(x).compile().as_text()
  counts = collections.Counter(re.findall(r"\b(sine|exponential|add)\(", text))
  assert counts == {"sine": 1, "exponential": 1, "add": 1}


def test_topology_request_says_topology_not_implemented(mps):
  """jax.experimental.topologies asks the plugin for an ahead-of-time
  topology; the refusal carries the phrase JAX's AOT tools look for, so they
  fall back to the live device."""
  from jax.experimental import topologies

  with pytest.raises((ValueError, NotImplementedError), match="topology not implemented"):
    topologies.get_topology_desc(platform="mps")
