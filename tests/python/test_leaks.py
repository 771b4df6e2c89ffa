"""Resident memory over many compile/execute/free cycles (scripts/leak_check.py):
flat when only executing; when recompiling each cycle, no faster growth than
the same cycles on XLA:CPU (JAX's own caches grow ~11 KiB per compile)."""

import os
import re
import subprocess
import sys

SCRIPT = os.path.join(os.path.dirname(__file__), "..", "..", "scripts", "leak_check.py")


def growth(platform):
  env = dict(os.environ)
  env.pop("JAX_PLATFORMS", None)
  r = subprocess.run([sys.executable, SCRIPT, "800", "100", platform], env=env, capture_output=True,
                     text=True, timeout=600, check=False)
  assert r.returncode == 0, r.stderr[-3000:]
  per_cycle = [float(m) for m in re.findall(r"median (-?[\d.]+) KiB per cycle", r.stdout)]
  assert len(per_cycle) == 2, r.stdout
  return per_cycle  # [execute only, compile + execute]


def test_memory_stays_flat():
  run_mps, compile_mps = growth("mps")
  run_cpu, compile_cpu = growth("cpu")
  assert run_mps < 0.5, f"executing leaks {run_mps:.2f} KiB per call"
  assert compile_mps < compile_cpu + 3.0, (
      f"compiling grows {compile_mps:.2f} KiB per program on mps vs {compile_cpu:.2f} on cpu")
