"""Compile/execute/free cycles on the mps backend, printing resident memory.

  .venv/bin/python scripts/leak_check.py [CYCLES] [EVERY] [PLATFORM]

PLATFORM defaults to mps; `cpu` runs the same cycles on XLA:CPU, to tell
JAX's own per-compile growth from the plugin's.

Each cycle jits a fresh function (so JAX compiles it again and frees the old
executable), runs it on freshly transferred inputs, reads the result back and
drops everything. A leak in the plugin (buffers, executables, events, MLX
graphs or compile-cache entries) shows as resident memory that keeps
climbing after the first few hundred cycles; a flat curve is the goal.
"""

from __future__ import annotations

import gc
import os
import sys

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax


def rss_mib() -> float:
  with open("/proc/self/statm") as f:
    pages = int(f.read().split()[1])
  return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def mixed_program(scale: float):
  # Matmul, a loop, a scatter and a reduction: each lowering family that
  # holds MLX arrays or graphs between calls.
  def f(x, idx):
    y = jnp.tanh(x @ x.T) * scale
    y = lax.fori_loop(0, 3, lambda i, c: c * 0.5 + jnp.sin(c), y)
    y = y.at[idx].add(1.0)
    return jnp.sum(y, axis=0), jnp.argmax(y)

  return jax.jit(f)


def cycles_curve(platform: str, cycles: int, every: int, recompile: bool) -> list[tuple[int, float]]:
  device = jax.devices(platform)[0]
  rng = np.random.default_rng(0)
  host_x = rng.standard_normal((64, 64)).astype(np.float32)
  host_idx = np.array([1, 5, 5, 9], np.int32)
  fixed = mixed_program(1.0)
  curve = []
  for cycle in range(1, cycles + 1):
    f = mixed_program(1.0 + cycle * 1e-6) if recompile else fixed
    x, idx = jax.device_put(host_x, device), jax.device_put(host_idx, device)
    total, best = f(x, idx)
    np.asarray(total), int(best)
    del f, x, idx, total, best
    if cycle % every == 0:
      gc.collect()
      curve.append((cycle, rss_mib()))
      print(f"{platform:>4} {'compile+run' if recompile else 'run':>11} {cycle:>7} {curve[-1][1]:>9.1f}"
            f" {len(jax.live_arrays()):>6}", flush=True)
  return curve


def main() -> int:
  cycles = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
  every = int(sys.argv[2]) if len(sys.argv) > 2 else 500
  platform = sys.argv[3] if len(sys.argv) > 3 else "mps"
  print(f"{'':>4} {'cycles of':>11} {'cycle':>7} {'rss MiB':>9} {'arrays':>6}")
  for recompile in (False, True):
    curve = cycles_curve(platform, cycles, every, recompile)
    if len(curve) >= 2:
      first, last = curve[0], curve[-1]
      # The median of the per-interval slopes: a leak grows in every
      # interval, while a one-off step (an allocator arena, a cache filling
      # up) lands in one interval and does not move the median.
      slopes = sorted((b[1] - a[1]) * 2**20 / (b[0] - a[0]) for a, b in zip(curve, curve[1:]))
      median = (slopes[(len(slopes) - 1) // 2] + slopes[len(slopes) // 2]) / 2
      print(f"growth after cycle {first[0]}: {last[1] - first[1]:.1f} MiB, median {median / 1024:.2f} KiB"
            f" per cycle over {len(slopes)} intervals")
  return 0


if __name__ == "__main__":
  sys.exit(main())
