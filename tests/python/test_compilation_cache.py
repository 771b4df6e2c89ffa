"""JAX's persistent compilation cache on mps, across processes.

One process compiles a jitted function with `jax_compilation_cache_dir` set
and writes an entry; the next loads it instead of compiling. A hit is seen
twice: JAX's monitoring event, and APPLEJAX_COUNT_COMPILES, where the plugin
writes one line per PJRT compile. Entries that are damaged, truncated or from
another plugin or MLX version are refused with an error naming why (JAX turns
it into a warning) and the function is compiled again, with right results.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

# Runs in a fresh process: the function on mps with the cache in argv[1].
_SCRIPT = r"""
import json, sys, warnings
import jax, jax.numpy as jnp, numpy as np
from jax._src import monitoring
from jax_plugins.mps import cache
cache.install()  # idempotent: initialize() installs it (see the last test)

events = []
monitoring.register_event_listener(lambda name, **kw: events.append(name))
jax.config.update("jax_compilation_cache_dir", sys.argv[1])
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
dev = jax.devices("mps")[0]
x = jax.device_put(np.linspace(-2, 2, 24, dtype=np.float32).reshape(4, 6), dev)
with warnings.catch_warnings(record=True) as caught:
  warnings.simplefilter("always")
  y = jax.jit(lambda a: jnp.tanh(a @ a.T) + jnp.sin(a).sum())(x)
print(json.dumps({
    "result": np.asarray(y).tolist(),
    "hits": events.count("/jax/compilation_cache/cache_hits"),
    "misses": events.count("/jax/compilation_cache/cache_misses"),
    "warnings": [str(w.message) for w in caught],
}))
"""


def _expected():
  import jax.numpy as jnp

  cpu = jax.devices("cpu")[0]
  x = jax.device_put(np.linspace(-2, 2, 24, dtype=np.float32).reshape(4, 6), cpu)
  return np.asarray(jax.jit(lambda a: jnp.tanh(a @ a.T) + jnp.sin(a).sum())(x))


def _run(cache_dir: Path, tmp_path: Path) -> dict:
  script = tmp_path / "cached_jit.py"
  script.write_text(_SCRIPT)
  counter = tmp_path / f"compiles-{len(list(tmp_path.glob('compiles-*')))}"
  env = dict(os.environ, APPLEJAX_COUNT_COMPILES=str(counter))
  out = subprocess.run([sys.executable, str(script), str(cache_dir)], env=env,
                       capture_output=True, text=True, timeout=300)
  assert out.returncode == 0, out.stderr
  report = json.loads(out.stdout.strip().splitlines()[-1])
  report["compiles"] = len(counter.read_text().splitlines()) if counter.exists() else 0
  np.testing.assert_allclose(np.asarray(report["result"], np.float32), _expected(),
                             rtol=1e-5, atol=1e-5)
  return report


def _entries(cache_dir: Path) -> list[Path]:
  return sorted(p for p in cache_dir.iterdir() if p.name.startswith("jit_"))


# JAX's key covers the compile options, which name the cache directory, so
# every process must see the entry at the path it was written to: each test
# puts a pristine copy back there.
@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory):
  """(the cache directory, a pristine copy of what the first process wrote)."""
  work = tmp_path_factory.mktemp("cache")
  cache_dir = work / "entries"
  cache_dir.mkdir()
  first = _run(cache_dir, work)
  assert (first["hits"], first["misses"], first["compiles"]) == (0, 1, 1)
  assert len(_entries(cache_dir)) == 1
  pristine = work / "pristine"
  shutil.copytree(cache_dir, pristine)
  return cache_dir, pristine


def _copy(warm: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
  cache_dir, pristine = warm
  shutil.rmtree(cache_dir)
  shutil.copytree(pristine, cache_dir)
  (entry,) = _entries(cache_dir)
  return cache_dir, entry


def test_second_process_loads_the_entry(warm_cache, tmp_path):
  cache_dir, _ = _copy(warm_cache, tmp_path)
  second = _run(cache_dir, tmp_path)
  assert (second["hits"], second["misses"], second["compiles"]) == (1, 0, 0)
  assert not [w for w in second["warnings"] if "cache" in w]


def _payload(entry: Path) -> bytes:
  """What the plugin serialized, inside JAX's entry (compressed, the compile
  time first) and jaxlib's envelope (a proto naming the platform)."""
  from jax._src import compilation_cache as cc

  return cc.decompress_executable(entry.read_bytes())[4:]


def _ours(payload: bytes) -> tuple[int, int]:
  """Where the plugin's own bytes lie in the payload (layout in
  native/pjrt/serialized_executable.h)."""
  start = payload.index(b"AJXEXEC\n")
  at = start + 12
  for width in (4, 4, 8):  # plugin version, MLX version, artifact
    at += width + int.from_bytes(payload[at:at + width], "little")
  return start, at + 8


def _store(entry: Path, payload: bytes) -> None:
  # jaxlib's envelope records the length, so every edit keeps it.
  from jax._src import compilation_cache as cc

  decompressed = cc.decompress_executable(entry.read_bytes())
  assert len(payload) == len(decompressed) - 4
  entry.write_bytes(cc.compress_executable(decompressed[:4] + payload))


def _fnv1a(data: bytes, h: int = 1469598103934665603) -> int:
  for b in data:
    h = ((h ^ b) * 1099511628211) % (1 << 64)
  return h


def _resealed(payload: bytes, start: int, end: int, body: bytes) -> bytes:
  """payload with the plugin's bytes replaced by `body` plus a valid checksum,
  so a refusal is about the content, not the damage."""
  assert len(body) == end - start - 8
  return payload[:start] + body + _fnv1a(body).to_bytes(8, "little") + payload[end:]


def test_entry_is_our_versioned_format(warm_cache, tmp_path):
  import mlx.core as mx

  _, entry = _copy(warm_cache, tmp_path)
  payload = _payload(entry)
  start, end = _ours(payload)
  ours = payload[start:end]
  assert int.from_bytes(ours[8:12], "little") == 1  # the format version
  assert int.from_bytes(ours[-8:], "little") == _fnv1a(ours[:-8])
  assert len(mx.__version__).to_bytes(4, "little") + mx.__version__.encode() in ours


def _assert_refused(report: dict, reason: str) -> None:
  assert (report["hits"], report["compiles"]) == (0, 1)
  messages = " ".join(report["warnings"])
  assert "persistent compilation cache" in messages, report["warnings"]
  assert "mps: this serialized executable cannot be loaded" in messages, report["warnings"]
  assert reason in messages, report["warnings"]


def test_overwritten_file_is_recompiled(warm_cache, tmp_path):
  cache_dir, entry = _copy(warm_cache, tmp_path)
  data = bytearray(entry.read_bytes())
  middle = len(data) // 2
  data[middle:middle + 16] = b"\xa5" * 16
  entry.write_bytes(bytes(data))
  report = _run(cache_dir, tmp_path)
  assert (report["hits"], report["compiles"]) == (0, 1)
  assert any("cache" in w for w in report["warnings"]), report["warnings"]


def test_corrupted_executable_is_refused(warm_cache, tmp_path):
  cache_dir, entry = _copy(warm_cache, tmp_path)
  payload = bytearray(_payload(entry))
  start, end = _ours(payload)
  payload[(start + end) // 2] ^= 0xFF  # inside the artifact
  _store(entry, bytes(payload))
  _assert_refused(_run(cache_dir, tmp_path), "checksum does not match")


def test_truncated_executable_is_refused(warm_cache, tmp_path):
  # The artifact's length field claims more bytes than the entry holds.
  cache_dir, entry = _copy(warm_cache, tmp_path)
  payload = _payload(entry)
  start, end = _ours(payload)
  body = bytearray(payload[start:end - 8])
  at = 12
  for width in (4, 4):
    at += width + int.from_bytes(body[at:at + width], "little")
  size = int.from_bytes(body[at:at + 8], "little")
  body[at:at + 8] = (size + 100).to_bytes(8, "little")
  _store(entry, _resealed(payload, start, end, bytes(body)))
  _assert_refused(_run(cache_dir, tmp_path), "truncated (in the artifact)")


def test_foreign_entry_is_refused(warm_cache, tmp_path):
  cache_dir, entry = _copy(warm_cache, tmp_path)
  payload = _payload(entry)
  start, end = _ours(payload)
  foreign = (b"\x7fELF" * (end - start))[:end - start]
  _store(entry, payload[:start] + foreign + payload[end:])
  _assert_refused(_run(cache_dir, tmp_path), "not written by the applejax plugin")


def _with_version(payload: bytes, old: bytes, new: bytes) -> bytes:
  # The same length, so jaxlib's envelope stays valid.
  new = new.ljust(len(old), b"0")[:len(old)]
  start, end = _ours(payload)
  field = len(old).to_bytes(4, "little") + old
  body = payload[start:end - 8]
  assert field in body
  body = body.replace(field, len(new).to_bytes(4, "little") + new, 1)
  return _resealed(payload, start, end, body)


def test_entry_from_another_mlx_is_refused(warm_cache, tmp_path):
  import mlx.core as mx

  cache_dir, entry = _copy(warm_cache, tmp_path)
  old = mx.__version__.encode()
  other = b"9." + b"9" * (len(old) - 2)
  _store(entry, _with_version(_payload(entry), old, other))
  _assert_refused(_run(cache_dir, tmp_path), f"written with MLX {other.decode()}")


def test_entry_from_another_plugin_is_refused(warm_cache, tmp_path):
  from importlib.metadata import version

  cache_dir, entry = _copy(warm_cache, tmp_path)
  old = version("applejax").encode()
  other = b"9." + b"9" * (len(old) - 2)
  _store(entry, _with_version(_payload(entry), old, other))
  _assert_refused(_run(cache_dir, tmp_path), f"written by applejax {other.decode()}")


def test_platform_version_names_plugin_and_mlx(mps):
  # Part of JAX's cache key: a new plugin or MLX never reads old entries.
  from importlib.metadata import version

  import mlx.core as mx

  text = mps.client.platform_version
  assert f"applejax {version('applejax')}" in text
  assert f"MLX {mx.__version__}" in text


def test_initialize_enables_the_cache_for_mps(mps):
  from jax._src import compilation_cache

  assert getattr(compilation_cache.is_cache_used, "_applejax", False), (
      "jax_plugins.mps.initialize() must call jax_plugins.mps.cache.install()")


def test_no_cache_work_without_a_directory(mps, tmp_path):
  # Without a directory JAX must not compute cache keys for mps programs.
  from jax._src import compilation_cache

  from jax_plugins.mps import cache

  cache.install()
  assert jax.config.jax_compilation_cache_dir is None
  assert not compilation_cache.is_cache_used(mps.client)
  jax.config.update("jax_compilation_cache_dir", str(tmp_path))
  try:
    assert compilation_cache.is_cache_used(mps.client)
  finally:
    jax.config.update("jax_compilation_cache_dir", None)
