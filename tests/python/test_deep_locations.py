"""Programs traced under a deep Python call stack.

JAX writes each op's location as a chain of call sites, one per Python frame
of the caller (up to jax_traceback_in_locations_limit frames; a negative limit
means 1000), so the same function gives a location a few levels deep when
called from a script and hundreds deep when called from inside a test runner,
a framework or a recursive helper. The plugin must run it either way, and its
error messages must still name the user's line without quoting every frame.
"""

import contextlib
import inspect
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax


@contextlib.contextmanager
def traceback_frames(limit, recursion=None):
  """Locations keep `limit` frames (negative: 1000); Python may recurse to
  `recursion` frames."""
  old_limit = jax.config.jax_traceback_in_locations_limit
  old_recursion = sys.getrecursionlimit()
  jax.config.update("jax_traceback_in_locations_limit", limit)
  if recursion:
    sys.setrecursionlimit(recursion)
  try:
    yield
  finally:
    jax.config.update("jax_traceback_in_locations_limit", old_limit)
    sys.setrecursionlimit(old_recursion)


def at_depth(frames, fn):
  """Calls fn() with `frames` more Python frames below it."""
  if frames == 0:
    return fn()
  return at_depth(frames - 1, fn)


def call_site_depth(fn, *args):
  """How many call sites deep the deepest location of jit(fn) is, traced here."""
  text = jax.jit(fn).lower(*args).as_text(debug_info=True)
  return text.count("callsite(")


def check_deep(check, fn, *args, frames=200, limit=-1, recursion=None, tol=None, depth=None):
  with traceback_frames(limit, recursion):
    # The premise: the locations really are that deep (the old reader refused
    # anything past 64 levels).
    assert at_depth(frames, lambda: call_site_depth(fn, *args)) >= (depth or frames)
    return at_depth(frames, lambda: check(fn, *args, tol=tol))


X = np.linspace(-1.5, 2.0, 12, dtype=np.float32).reshape(3, 4)


def test_forward(check):
  check_deep(check, lambda x: jnp.sin(x) * 2 + jnp.cos(x).sum(axis=0), X)


def test_grad(check):
  def loss(w, x):
    return jnp.sum(jnp.tanh(x @ w) ** 2)

  w = np.linspace(0.1, 0.9, 8, dtype=np.float32).reshape(4, 2)
  check_deep(check, jax.grad(loss), w, X)


def test_scan_and_while(check):
  def f(x):
    cumulative, _ = lax.scan(lambda c, row: (c + jnp.sin(row), None), jnp.zeros(4, x.dtype), x)
    return lax.fori_loop(0, 5, lambda i, c: c * 0.5 + jnp.cos(c), cumulative)

  check_deep(check, f, X)


def test_grad_of_scan_and_fori_loop(check):
  def loss(x):
    ys = lax.scan(lambda c, row: (c * row + 1.0, c), jnp.ones(4, x.dtype), x)[1]
    return jnp.sum(lax.fori_loop(0, 3, lambda i, c: jnp.sin(c) * 1.5, ys) ** 2)

  check_deep(check, jax.grad(loss), X)


def test_jvp_of_while(check):
  # Reverse mode cannot go through a while loop; forward mode can.
  def f(x):
    return lax.while_loop(lambda s: s[0] < 3, lambda s: (s[0] + 1, jnp.sin(s[1]) * 1.5), (0, x))[1]

  check_deep(check, lambda x, t: jax.jvp(f, (x,), (t,)), X, np.full_like(X, 0.5))


def test_linearized_scan(check):
  # lax_control_flow_test's testScanLinearize, from a deep stack.
  def f(x):
    return lax.scan(lambda c, row: (jnp.sin(c) * row, c), jnp.ones(4, x.dtype), x)

  def tangents(x, t):
    _, f_jvp = jax.linearize(f, x)
    return f_jvp(t)

  check_deep(check, tangents, X, np.full_like(X, 0.25))


def test_nested_control_flow(check):
  # Regions inside regions, 12 deep, as nested lax control flow writes them.
  def nest(level):
    if level == 0:
      return lambda x: jnp.sin(x) + 1.0
    inner = nest(level - 1)
    if level % 2:
      return lambda x: lax.fori_loop(0, 2, lambda i, c: inner(c) * 0.5, x)
    return lambda x: lax.cond(x.sum() > 0, inner, lambda y: y - 1.0, x)

  check_deep(check, nest(12), X, frames=150)


def test_as_many_frames_as_jax_keeps(check):
  # With the limit set past 1000, what bounds the chain is jaxlib's capture
  # of the Python traceback (about 500 frames in jaxlib 0.10).
  check_deep(check, lambda x: jnp.exp(x) - x, X, frames=2500, limit=5000, recursion=10000, depth=400)


def test_error_names_the_innermost_user_frame(mps):
  def f(x):
    return jax.ffi.ffi_call("applejax_no_such_target", jax.ShapeDtypeStruct(x.shape, x.dtype))(x)

  line = inspect.getsourcelines(f)[1] + 1
  x = jax.device_put(X, mps)
  with traceback_frames(-1), pytest.raises(Exception) as info:
    at_depth(300, lambda: np.asarray(jax.jit(f)(x)))
  message = str(info.value)
  assert "applejax_no_such_target" in message
  assert f"test_deep_locations.py:{line}:" in message
  # One frame is quoted, not the 300 below it.
  assert message.count("test_deep_locations.py:") <= 2
  assert len(message) < 2000
