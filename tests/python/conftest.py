"""Shared fixtures: the mps and cpu devices and the mps-vs-cpu comparison.

Every op test runs the same jitted function on the plugin and on JAX's own cpu
backend and compares values, shapes and dtypes; the cpu backend is the oracle.
"""

from __future__ import annotations

import os

import jax
import numpy as np
import pytest

# Tests need both backends; never let the environment hide one of them.
os.environ.pop("JAX_PLATFORMS", None)


@pytest.fixture(scope="session")
def mps():
  devices = jax.devices("mps")
  assert len(devices) == 1
  return devices[0]


@pytest.fixture(scope="session")
def cpu():
  return jax.devices("cpu")[0]


def _tolerance(dtype) -> tuple[float, float]:
  dtype = np.dtype(dtype)
  if dtype == np.float16 or dtype.name == "bfloat16":
    return 1e-2, 1e-2
  if np.issubdtype(dtype, np.inexact):
    return 1e-5, 1e-5
  return 0.0, 0.0


def run_both(fn, *args, mps_device, cpu_device):
  """Runs jit(fn) with args committed to each device; returns (mps, cpu)."""
  jitted = jax.jit(fn)
  # default_device places functions without arguments (iota, constants) too.
  with jax.default_device(mps_device):
    on_mps = jitted(*[jax.device_put(a, mps_device) for a in args])
  with jax.default_device(cpu_device):
    on_cpu = jitted(*[jax.device_put(a, cpu_device) for a in args])
  return on_mps, on_cpu


def assert_same(got, want, tol=None):
  got_leaves, got_tree = jax.tree.flatten(got)
  want_leaves, want_tree = jax.tree.flatten(want)
  assert got_tree == want_tree
  for g, w in zip(got_leaves, want_leaves):
    assert g.shape == w.shape, (g.shape, w.shape)
    assert g.dtype == w.dtype, (g.dtype, w.dtype)
    rtol, atol = tol if tol is not None and np.issubdtype(w.dtype, np.inexact) else _tolerance(w.dtype)
    np.testing.assert_allclose(
        np.asarray(g, dtype=np.float64) if w.dtype.name == "bfloat16" else np.asarray(g),
        np.asarray(w, dtype=np.float64) if w.dtype.name == "bfloat16" else np.asarray(w),
        rtol=rtol, atol=atol)


@pytest.fixture
def check(mps, cpu):
  """check(fn, *args, tol=None): fn on mps must match fn on cpu; returns the
  mps result. tol=(rtol, atol) widens the float tolerance for long sums."""

  def _check(fn, *args, tol=None):
    got, want = run_both(fn, *args, mps_device=mps, cpu_device=cpu)
    for leaf in jax.tree.leaves(got):
      assert leaf.devices() == {mps}
    assert_same(got, want, tol)
    return got

  return _check


_WIDE = {np.dtype(np.int64), np.dtype(np.uint64), np.dtype(np.float64), np.dtype(np.complex128)}


@pytest.fixture(autouse=True)
def x64_for_wide_dtypes(request):
  """Cases parametrised with a 64-bit dtype run with jax_enable_x64, or JAX
  would silently test the 32-bit type instead."""
  params = getattr(getattr(request.node, "callspec", None), "params", {})
  wide = False
  for v in params.values():
    if v is None:  # np.dtype(None) is float64
      continue
    try:
      wide = wide or np.dtype(v) in _WIDE
    except (TypeError, ValueError):  # shapes, names: not dtypes
      pass
  if not wide:
    yield
    return
  jax.config.update("jax_enable_x64", True)
  try:
    yield
  finally:
    jax.config.update("jax_enable_x64", False)


# --- selection ----------------------------------------------------------------------------
#
# `--stratified=K` runs about one case in K of every parametrised test, and
# every test function at least once (so every suite file, which is one op
# family, and every kind of test in it). `--cover-params` also keeps, per test
# function, a case for each value of each of its string-valued parameters (every
# op name, mode or kind it is parametrised over). The choice hashes the test id, so it is the same on every run and
# does not alias with a parameter list of length K as every K-th case would.
# The sanitizer stage and the jax-range ends of `deno task test` run the suite
# this way (scripts/test.ts, scripts/jax_range.ts); the plain stage runs it all.


def pytest_addoption(parser):
  parser.addoption("--stratified", type=int, default=1, metavar="K",
                   help="keep about 1 in K cases of each parametrised test and every test "
                        "function (default 1: all)")
  parser.addoption("--cover-params", action="store_true",
                   help="with --stratified: also keep a case for every value of every "
                        "string-valued parameter (op names, modes)")


def pytest_configure(config):
  config.addinivalue_line(
      "markers", "frameworks: needs flax/optax/equinox/numpyro, which the jax-range venvs "
      "of `deno task test` do not install (they run with -m 'not frameworks')")


def _named_variants(item) -> list[tuple[str, str]]:
  """The string-valued parameters of a case: op names, modes, kinds."""
  params = getattr(getattr(item, "callspec", None), "params", {})
  return [(name, value) for name, value in params.items() if isinstance(value, str)]


def stratified(items, k: int, cover_params: bool = False):
  """Splits items into (kept, dropped) as described above."""
  import zlib

  kept, dropped = [], []
  covered: dict[tuple, set] = {}  # per test function: the named variants kept so far
  for item in items:
    function = (str(item.path), getattr(item, "originalname", item.name))
    values = _named_variants(item)
    seen = covered.get(function)
    if (seen is None or (cover_params and any(v not in seen for v in values))
        or zlib.crc32(item.nodeid.encode()) % k == 0):
      kept.append(item)
      covered.setdefault(function, set()).update(values)
    else:
      dropped.append(item)
  return kept, dropped


def pytest_collection_modifyitems(config, items):
  k = config.getoption("--stratified")
  if k <= 1:
    return
  kept, dropped = stratified(items, k, config.getoption("--cover-params"))
  if dropped:
    config.hook.pytest_deselected(items=dropped)
    items[:] = kept
