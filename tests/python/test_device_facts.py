"""What the mps device says about the hardware it runs on, and Metal capture.

The device's attributes, kind and memory_stats come from MLX's device info
(native/runtime/gpu_facts.cc); MLX's own Python package, asked in a separate
process, is the oracle. APPLEJAX_GPU_CAPTURE (native/runtime/gpu_capture.cc)
can only record on MLX's Metal backend; these tests check that every bad
setting, and any backend other than Metal, is refused at client creation with
a message naming the variable, and that the process goes on without the mps
backend instead of aborting.

On Linux the plugin runs on MLX's CPU device, so only the cpu branches below
run here; the Metal and CUDA branches run on those machines.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest


def _child(code: str, cwd=None, **env) -> subprocess.CompletedProcess:
  full = dict(os.environ, **env)
  full.pop("JAX_PLATFORMS", None)
  for name in ("APPLEJAX_GPU_CAPTURE", "APPLEJAX_GPU_CAPTURE_EXECUTIONS", "MTL_CAPTURE_ENABLED"):
    if name not in env:
      full.pop(name, None)
  return subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True,
                        timeout=120, check=False, cwd=cwd)


def _mlx_device_info(backend: str) -> dict:
  """MLX's device info for the device the plugin runs on, from MLX's Python
  package in a process of its own."""
  device = "mx.cpu" if backend == "cpu" else "mx.gpu"
  r = _child(f"import json, mlx.core as mx; print(json.dumps(mx.device_info({device})))")
  assert r.returncode == 0, r.stderr[-2000:]
  return json.loads(r.stdout.strip().splitlines()[-1])


def test_attributes_are_mlx_device_info(mps):
  backend = mps.mlx_backend
  assert backend in ("cpu", "metal", "cuda")
  info = _mlx_device_info(backend)
  assert info, "MLX reports nothing about its device"
  assert mps.device_name == info["device_name"]
  assert mps.architecture == info["architecture"]
  if backend == "metal":
    assert mps.memory_size == info["memory_size"]
    assert mps.recommended_working_set_size == info["max_recommended_working_set_size"]
    assert mps.max_buffer_length == info["max_buffer_length"]
  if backend == "cuda":
    assert mps.memory_size == info["total_memory"]


def test_unknown_attribute_is_an_attribute_error(mps):
  with pytest.raises(AttributeError):
    mps.no_such_fact  # noqa: B018


def test_device_kind_and_text(mps):
  if mps.mlx_backend == "cpu":
    # The CPU model says nothing about how the plugin runs; the backend does.
    assert mps.device_kind == "MLX cpu"
    assert repr(mps) == "MpsDevice(id=0, backend=cpu)"
  else:
    # As XLA names a GPU by its model.
    assert mps.device_kind == mps.device_name
    assert mps.device_name in repr(mps) and mps.mlx_backend in repr(mps)


def test_memory_stats_reservable_limit(mps):
  stats = mps.memory_stats()
  for key in ("bytes_in_use", "peak_bytes_in_use", "bytes_limit", "pool_bytes"):
    assert isinstance(stats[key], int), key
  if mps.mlx_backend == "cpu":
    assert "bytes_reservable_limit" not in stats, stats
  elif mps.mlx_backend == "metal":
    assert stats["bytes_reservable_limit"] == mps.recommended_working_set_size > 0
  else:
    assert stats["bytes_reservable_limit"] == mps.memory_size > 0


# The child reports how creating the mps client went and that jax still
# works afterwards; the refusal must be an exception, never an abort.
_TRY_MPS = """
import ctypes, jax, numpy as np
try:
  jax.devices("mps")
  print("CREATED")
except RuntimeError as e:
  print("REFUSED", e)
print("CPU", np.asarray(jax.jit(lambda x: x * 2)(np.arange(3))).tolist())
libc = ctypes.CDLL(None)
libc.getenv.restype = ctypes.c_char_p
print("MTL", libc.getenv(b"MTL_CAPTURE_ENABLED"))
"""


def _refusal(r: subprocess.CompletedProcess) -> str:
  assert r.returncode == 0, f"child exited with {r.returncode}: {r.stderr[-2000:]}"
  assert "CPU [0, 2, 4]" in r.stdout, r.stdout
  lines = [line for line in r.stdout.splitlines() if line.startswith("REFUSED")]
  assert lines, f"the mps client was created: {r.stdout}"
  return lines[0]


@pytest.mark.parametrize("name", ["trace.txt", "trace.gputrace.zip", ".gputrace"])
def test_capture_path_must_end_in_gputrace(tmp_path, name):
  message = _refusal(_child(_TRY_MPS, APPLEJAX_GPU_CAPTURE=str(tmp_path / name)))
  assert "APPLEJAX_GPU_CAPTURE=" in message and "ending in .gputrace" in message


def test_capture_path_that_exists_is_refused(tmp_path):
  existing = tmp_path / "old.gputrace"
  existing.mkdir()  # Xcode's .gputrace documents are folders
  message = _refusal(_child(_TRY_MPS, APPLEJAX_GPU_CAPTURE=str(existing)))
  assert f"{existing} already exists" in message and "Metal does not overwrite" in message


def test_capture_folder_must_exist(tmp_path):
  path = tmp_path / "missing" / "new.gputrace"
  message = _refusal(_child(_TRY_MPS, APPLEJAX_GPU_CAPTURE=str(path)))
  assert f"the folder {tmp_path / 'missing'} does not exist" in message


@pytest.mark.parametrize("count", ["0", "-1", "two", "1.5", "99999999999999999999"])
def test_capture_count_must_be_a_positive_whole_number(tmp_path, count):
  r = _child(_TRY_MPS, APPLEJAX_GPU_CAPTURE=str(tmp_path / "new.gputrace"),
             APPLEJAX_GPU_CAPTURE_EXECUTIONS=count)
  message = _refusal(r)
  assert f"APPLEJAX_GPU_CAPTURE_EXECUTIONS='{count}'" in message
  assert "positive whole number" in message


def test_capture_needs_metal(mps, tmp_path):
  if mps.mlx_backend == "metal":
    pytest.skip("on Metal the capture is recorded: test_capture_on_metal")
  # A relative path is made absolute, as MLX requires.
  r = _child(_TRY_MPS, APPLEJAX_GPU_CAPTURE="new.gputrace", cwd=str(tmp_path))
  message = _refusal(r)
  assert f"APPLEJAX_GPU_CAPTURE='{tmp_path / 'new.gputrace'}'" in message
  assert "Metal capture needs MLX's Metal backend" in message
  assert f"this plugin runs on MLX's {mps.mlx_backend} device" in message
  assert not (tmp_path / "new.gputrace").exists()


def test_capture_sets_mtl_capture_enabled_without_overwriting(tmp_path):
  path = str(tmp_path / "new.gputrace")
  r = _child(_TRY_MPS, APPLEJAX_GPU_CAPTURE=path)
  assert "MTL b'1'" in r.stdout, r.stdout + r.stderr[-2000:]
  r = _child(_TRY_MPS, APPLEJAX_GPU_CAPTURE=path, MTL_CAPTURE_ENABLED="0")
  assert "MTL b'0'" in r.stdout, r.stdout + r.stderr[-2000:]
  r = _child(_TRY_MPS)
  assert "MTL None" in r.stdout and "CREATED" in r.stdout, r.stdout + r.stderr[-2000:]


def test_capture_on_metal(mps, tmp_path):
  if mps.mlx_backend != "metal":
    pytest.skip("needs MLX's Metal backend (a Mac); test_capture_needs_metal covers the rest")
  path = tmp_path / "two.gputrace"
  code = """
import jax, numpy as np
f = jax.jit(lambda x: x * 2 + 1)
for _ in range(3):
  print(np.asarray(f(np.arange(4.0))).tolist())
"""
  r = _child(code, APPLEJAX_GPU_CAPTURE=str(path), APPLEJAX_GPU_CAPTURE_EXECUTIONS="2")
  assert r.returncode == 0, r.stderr[-2000:]
  assert r.stdout.count("[1.0, 3.0, 5.0, 7.0]") == 3
  assert f"wrote a Metal capture of 2 execution(s) to {path}" in r.stderr
  assert path.exists()
