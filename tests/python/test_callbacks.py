"""Host callbacks on mps: jax.debug.print, jax.debug.callback, jax.pure_callback,
io_callback and checkify (equinox's error_if: test_equinox.py), each run on mps and on cpu with the
same function; the printed text, the order of the calls and the results must match.
"""

from __future__ import annotations

import threading
import time

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax.experimental import checkify, io_callback

from conftest import assert_same


def on_both(mps, cpu, make, *args, capsys=None):
  """make(log) -> function; jit(function)(*args) on each device. Returns
  {device: (result, log, printed)}."""
  runs = {}
  for name, device in (("mps", mps), ("cpu", cpu)):
    log: list = []
    fn = jax.jit(make(log))
    with jax.default_device(device):
      result = fn(*[jax.device_put(a, device) for a in args])
      jax.block_until_ready(result)
      jax.effects_barrier()
    printed = capsys.readouterr().out if capsys else ""
    runs[name] = (result, log, printed)
  return runs


def assert_both_same(runs):
  (got, got_log, got_text), (want, want_log, want_text) = runs["mps"], runs["cpu"]
  assert_same(got, want)
  assert len(got_log) == len(want_log), (got_log, want_log)
  for g, w in zip(got_log, want_log):
    assert_same(g, w)
  assert got_text == want_text


X = np.arange(6, dtype=np.float32).reshape(2, 3) / 4


# --- jax.debug.print ----------------------------------------------------------------------


def _print_plain(log):
  def f(x):
    jax.debug.print("x = {x}, sum = {s}", x=x, s=x.sum())
    return x * 2
  return f


def _print_scan(log):
  def f(x):
    def body(c, row):
      jax.debug.print("carry {c} row {r}", c=c, r=row)
      return c + row.sum(), c
    return jax.lax.scan(body, jnp.float32(0), x)
  return f


def _print_while(log):
  def f(x):
    def body(s):
      i, acc = s
      jax.debug.print("i={i} acc={a}", i=i, a=acc)
      return i + 1, acc * 1.5
    return jax.lax.while_loop(lambda s: s[0] < 4, body, (0, x.sum()))
  return f


def _print_cond(log):
  def f(x):
    def yes(v):
      jax.debug.print("big {v}", v=v)
      return v - 1
    def no(v):
      jax.debug.print("small {v}", v=v)
      return v + 1
    return jax.lax.cond(x.sum() > 1, yes, no, x), jax.lax.cond(x.sum() > 100, yes, no, x)
  return f


def _print_vmap(log):
  def f(x):
    def row(r):
      jax.debug.print("row {r}", r=r)
      return r.max()
    return jax.vmap(row)(x)
  return f


def _print_grad(log):
  def f(x):
    def loss(v):
      jax.debug.print("forward {v}", v=v)
      return jnp.sum(jnp.sin(v) ** 2)
    return jax.grad(loss)(x)
  return f


def _print_ordered(log):
  def f(x):
    for k in range(4):
      jax.debug.print("step {k}: {v}", k=k, v=x[0, 0] + k, ordered=True)
    return x
  return f


def _print_dtypes(log):
  def f(x):
    jax.debug.print("{a} {b} {c} {d} {e}", a=x > 0.5, b=x.astype(jnp.int8),
                    c=x.astype(jnp.bfloat16), d=x.astype(jnp.uint32),
                    e=(x + 1j * x).astype(jnp.complex64))
    return x
  return f


@pytest.mark.parametrize("make", [_print_plain, _print_scan, _print_while, _print_cond,
                                  _print_vmap, _print_grad, _print_ordered, _print_dtypes],
                         ids=lambda m: m.__name__[7:])
def test_debug_print(mps, cpu, capsys, make):
  runs = on_both(mps, cpu, make, X, capsys=capsys)
  assert runs["mps"][2], "nothing was printed"
  assert_both_same(runs)


# --- jax.debug.callback -------------------------------------------------------------------


def _debug_callback_order(log):
  def f(x):
    for k in range(3):
      jax.debug.callback(lambda v, k=k: log.append(np.asarray(v) + k), x * (k + 1), ordered=True)
    return x.sum()
  return f


def _debug_callback_scan(log):
  def f(x):
    def body(c, row):
      jax.debug.callback(lambda a, b: log.append(np.asarray(a) * 10 + np.asarray(b)), c, row)
      return c + 1, row
    return jax.lax.scan(body, jnp.float32(0), x)
  return f


def _debug_callback_pytree(log):
  def f(x):
    jax.debug.callback(lambda d: log.extend([np.asarray(d["a"]), np.asarray(d["b"][0])]),
                       {"a": x, "b": (x.T,)})
    return x
  return f


@pytest.mark.parametrize("make", [_debug_callback_order, _debug_callback_scan,
                                  _debug_callback_pytree], ids=lambda m: m.__name__[16:])
def test_debug_callback(mps, cpu, make):
  runs = on_both(mps, cpu, make, X)
  assert runs["mps"][1], "the callback did not run"
  assert_both_same(runs)


# --- jax.pure_callback --------------------------------------------------------------------


def _np_sin_cos(x):
  return np.sin(x), np.cos(x).astype(np.float32)


def _pure_two_results(log):
  def f(x):
    shape = jax.ShapeDtypeStruct(x.shape, x.dtype)
    s, c = jax.pure_callback(_np_sin_cos, (shape, shape), x)
    return s * 2 + c
  return f


def _pure_dtypes(log):
  def f(x):
    args = (x > 0.5, x.astype(jnp.int8), x.astype(jnp.bfloat16), x.astype(jnp.float16),
            (x + 1j).astype(jnp.complex64), x.astype(jnp.uint32))
    shapes = tuple(jax.ShapeDtypeStruct(a.shape, a.dtype) for a in args)
    return jax.pure_callback(lambda *a: tuple(np.flip(v, 0) for v in a), shapes, *args)
  return f


def _pure_empty(log):
  def f(x):
    empty = x[:, :0]
    shapes = (jax.ShapeDtypeStruct((0, 4), jnp.float32), jax.ShapeDtypeStruct((), jnp.int32))
    return jax.pure_callback(lambda e: (np.zeros((0, 4), np.float32), np.int32(e.size + 7)),
                             shapes, empty)
  return f


def _pure_no_operands(log):
  def f(x):
    return x + jax.pure_callback(lambda: np.float32(3.5), jax.ShapeDtypeStruct((), jnp.float32))
  return f


def _pure_in_while(log):
  def f(x):
    def body(s):
      i, v = s
      v = jax.pure_callback(lambda a: (a * 1.25 + 1).astype(np.float32),
                            jax.ShapeDtypeStruct(v.shape, v.dtype), v)
      return i + 1, v
    return jax.lax.while_loop(lambda s: s[0] < 5, body, (0, x))
  return f


def _pure_custom_jvp(log):
  @jax.custom_jvp
  def np_sin(v):
    return jax.pure_callback(np.sin, jax.ShapeDtypeStruct(v.shape, v.dtype), v)

  @np_sin.defjvp
  def _(primals, tangents):
    (v,), (t,) = primals, tangents
    return np_sin(v), jnp.cos(v) * t

  def f(x):
    return jax.value_and_grad(lambda v: np_sin(v).sum())(x)
  return f


@pytest.mark.parametrize("make", [_pure_two_results, _pure_dtypes, _pure_empty,
                                  _pure_no_operands, _pure_in_while, _pure_custom_jvp],
                         ids=lambda m: m.__name__[6:])
def test_pure_callback(mps, cpu, make):
  assert_both_same(on_both(mps, cpu, make, X))


@pytest.mark.parametrize("vmap_method", ["sequential", "expand_dims", "broadcast_all",
                                         "legacy_vectorized"])
def test_pure_callback_vmap(mps, cpu, vmap_method):
  def make(log):
    def host(v, w):
      log.append(np.asarray(v.shape))
      return (np.asarray(v) * np.asarray(w)).astype(np.float32)

    def f(x):
      one = lambda v: jax.pure_callback(host, jax.ShapeDtypeStruct(v.shape, v.dtype), v,
                                        jnp.full(v.shape, 2, jnp.float32),
                                        vmap_method=vmap_method)
      return jax.vmap(one)(x)
    return f

  assert_both_same(on_both(mps, cpu, make, X))


# --- io_callback --------------------------------------------------------------------------


@pytest.mark.parametrize("ordered", [True, False])
def test_io_callback_in_scan(mps, cpu, ordered):
  def make(log):
    def host(v):
      log.append(np.asarray(v))
      return np.float32(len(log))

    def f(x):
      def body(c, row):
        n = io_callback(host, jax.ShapeDtypeStruct((), jnp.float32), row, ordered=ordered)
        return c + n, n
      return jax.lax.scan(body, jnp.float32(0), x)
    return f

  assert_both_same(on_both(mps, cpu, make, X))


def test_io_callback_ordered_across_calls(mps, cpu):
  """Ordered effects keep their order across separate executions too."""
  runs = {}
  for name, device in (("mps", mps), ("cpu", cpu)):
    log = []
    f = jax.jit(lambda v: io_callback(lambda a: log.append(float(a)), None, v, ordered=True))
    with jax.default_device(device):
      for k in range(5):
        f(jax.device_put(jnp.float32(k), device))
      jax.effects_barrier()
    runs[name] = log
  assert runs["mps"] == runs["cpu"] == [0.0, 1.0, 2.0, 3.0, 4.0]


# --- errors -------------------------------------------------------------------------------


def settle(device):
  """After an expected failure: JAX keeps the failed run's token until the
  next program with effects runs on the device, and effects_barrier (in later
  tests, at exit) would raise it again."""
  f = jax.jit(lambda v: jax.debug.callback(lambda _: None, v))
  f(jax.device_put(jnp.float32(0), device))
  jax.effects_barrier()


def test_exception_in_callback_reaches_the_caller_and_the_next_call_works(mps):
  calls = []

  def host(v):
    calls.append(1)
    if len(calls) == 1:
      raise ValueError("first call refuses")
    return np.asarray(v) + 1

  f = jax.jit(lambda v: jax.pure_callback(host, jax.ShapeDtypeStruct(v.shape, v.dtype), v))
  x = jax.device_put(jnp.arange(3.0), mps)
  with pytest.raises(Exception, match="first call refuses") as raised:
    np.asarray(f(x))
  assert "host callback" in str(raised.value)
  np.testing.assert_array_equal(np.asarray(f(x)), np.arange(3.0) + 1)
  jax.effects_barrier()


@pytest.mark.parametrize("device_name", ["mps", "cpu"])
def test_ordered_io_callback_exception_then_next_calls_work(device_name):
  """The failed call's token must not fail every later ordered call."""
  device = jax.devices(device_name)[0]
  calls = []

  def host(v):
    calls.append(float(v))
    if len(calls) == 1:
      raise KeyError("io failure")
    return np.float32(v + 1)

  f = jax.jit(lambda v: io_callback(host, jax.ShapeDtypeStruct((), jnp.float32), v, ordered=True))
  with pytest.raises(Exception, match="io failure"):
    np.asarray(f(jax.device_put(jnp.float32(0), device)))
  for k in (1, 2):
    assert float(f(jax.device_put(jnp.float32(k), device))) == k + 1
  jax.effects_barrier()
  assert calls == [0.0, 1.0, 2.0]


@pytest.mark.parametrize("wrong, message", [
    (lambda v: np.zeros((5,), np.float32), r"shape \(5,\)|Actual: \(5,\)"),
    (lambda v: np.zeros((3,), np.int32), "dtype int32|Actual: int32"),
    (lambda v: (np.zeros((3,), np.float32),) * 2, "2 values|Mismatched number"),
])
def test_wrong_result_is_an_error(mps, cpu, wrong, message):
  for device in (mps, cpu):
    f = jax.jit(lambda v: jax.pure_callback(wrong, jax.ShapeDtypeStruct((3,), jnp.float32), v))
    with pytest.raises(Exception, match=message):
      np.asarray(f(jax.device_put(jnp.arange(3.0), device)))
    settle(device)


def test_callback_runs_on_the_worker_while_other_python_threads_run(mps):
  """The plugin's worker calls the function (taking the GIL for the call
  only), and the thread that dispatched waits without holding the GIL, so a
  third Python thread keeps running during the call."""
  ticks = [0]
  stop = threading.Event()

  def spin():
    while not stop.is_set():
      ticks[0] += 1
      time.sleep(0.0005)

  seen = []

  def host(v):
    seen.append(threading.current_thread() is threading.main_thread())
    start = ticks[0]
    deadline = time.monotonic() + 10
    while ticks[0] < start + 20 and time.monotonic() < deadline:
      time.sleep(0.001)
    seen.append(ticks[0] >= start + 20)
    return np.asarray(v)

  spinner = threading.Thread(target=spin)
  spinner.start()
  try:
    f = jax.jit(lambda v: jax.pure_callback(host, jax.ShapeDtypeStruct(v.shape, v.dtype), v) + 1)
    out = f(jax.device_put(jnp.arange(3.0), mps))
    np.testing.assert_array_equal(np.asarray(out), np.arange(3.0) + 1)
  finally:
    stop.set()
    spinner.join()
  assert seen == [False, True]


# --- checkify -----------------------------------------------------------------------------


def _checkified(x):
  checkify.check(jnp.all(x < 1), "x has {n} values >= 1", n=(x >= 1).sum())
  return jnp.log(x)


@pytest.mark.parametrize("errors", ["user", "nan_div_index"])
def test_checkify(mps, cpu, errors):
  which = {"user": checkify.user_checks,
           "nan_div_index": checkify.nan_checks | checkify.div_checks | checkify.index_checks}[errors]
  fn = jax.jit(checkify.checkify(lambda v: _checkified(v)[1] / v[0, 0] + v[0, 5 % 3], errors=which))
  messages = []
  for device in (mps, cpu):
    for x in (X, X * 8):
      err, out = fn(jax.device_put(x, device))
      messages.append(err.get())
  assert messages[:2] == messages[2:], messages


def test_checkify_check_inside_jit_raises_at_runtime(mps, cpu):
  """checkify.check staged out without checkify.checkify: with XLA runtime
  errors on, JAX lowers it to a host callback that raises."""
  f = jax.jit(_checkified)
  flag = "jax_experimental_unsafe_xla_runtime_errors"
  old = getattr(jax.config, flag)
  jax.config.update(flag, True)
  try:
    for device in (mps, cpu):
      with pytest.raises(Exception, match="x has 2 values >= 1"):
        jax.block_until_ready(f(jax.device_put(np.array([0.5, 1, 2, 0.1], np.float32), device)))
        jax.effects_barrier()
      settle(device)
      np.testing.assert_allclose(
          np.asarray(f(jax.device_put(np.array([0.5, 0.25], np.float32), device))),
          np.log([0.5, 0.25]), rtol=1e-6)
  finally:
    jax.config.update(flag, old)


@pytest.mark.parametrize("dtype", ["int4", "uint4", "float8_e4m3fn", "float8_e5m2"])
def test_narrow_types_cross_the_callback_as_themselves(mps, cpu, dtype):
  """int4 and float8 live in wider dtypes on the device; the callback must
  see (and return) the values, not the storage."""
  dtype = jnp.dtype(dtype)

  def make(log):
    def host(v):
      log.append(np.asarray(v).astype(np.float32))
      return (np.asarray(v).astype(np.float32) * 2).astype(dtype)

    def f(x):
      v = x.astype(dtype)
      return jax.pure_callback(host, jax.ShapeDtypeStruct(v.shape, dtype), v).astype(jnp.float32)
    return f

  x = np.array([-3, -1.5, 0, 0.5, 1, 2.5, 3, 7], np.float32)
  assert_both_same(on_both(mps, cpu, make, x))
