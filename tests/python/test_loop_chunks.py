"""stablehlo.while run in chunks: counted loops (fori_loop, scan, map) replay a
traced chunk of K iterations, data-dependent while loops run speculatively
(chunks of 2, 4, 8, ... iterations whose state freezes once the condition is
false), bodies that cannot be traced keep the exact one-iteration path.

Every result must match the cpu backend, whatever the trip count is relative
to K (0, 1, K, K+1, primes), whatever the speculative iterations past the exit
compute (NaN, indices past the end, division by zero), and chunking must never
change the plugin's own result: the subprocess tests compare the default and a
capped chunk (APPLEJAX_LOOP_CHUNK=4) bit for bit with the exact path
(APPLEJAX_LOOP_CHUNK=0), and read the path each while took from
APPLEJAX_LOG_LOOPS=1.

Few distinct loop bodies, reused across trip counts through dynamic bounds:
MLX's CPU backend builds every new fused kernel with the C++ compiler.
"""

import functools
import json
import os
import re
import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax

from conftest import assert_same, run_both

HERE = os.path.dirname(os.path.abspath(__file__))

# --- the loop bodies ------------------------------------------------------------------------
#
# Integer state (a uint32 hash of every iteration, an iteration count) makes a
# missing, extra or repeated iteration visible exactly; float state is a
# contracting map, so XLA:CPU's and MLX's ulp differences stay within the
# default tolerance however long the loop runs.


def _mix(h, k):
  h = (h ^ k.astype(jnp.uint32)) * jnp.uint32(0x9E3779B1)
  return h ^ (h >> jnp.uint32(15))


def _counted_body(i, c):
  x, h, k = c
  return x * 0.5 + jnp.cos(x + i.astype(jnp.float32) * 0.01), _mix(h, i), k + 1


def counted(lo, hi, x, h):
  """fori_loop with dynamic (argument) bounds: a counted while."""
  return lax.fori_loop(lo, hi, _counted_body, (x, h, jnp.int32(0)))


def counted_static(lo, hi):
  """fori_loop with static bounds (JAX emits it as a scan)."""
  return lambda x, h: lax.fori_loop(lo, hi, _counted_body, (x, h, jnp.int32(0)))


# Steps of the data-dependent loop: it runs until their running sum reaches a
# threshold, so the exit iteration is set by an argument, not by the program.
STEPS = np.array([1, 3, 2, 5, 1, 1, 4, 2, 3, 1, 2, 6, 1, 2, 1, 3], np.int32)


def threshold(n):
  """The threshold at which while_until exits after exactly n iterations."""
  return np.int32(0 if n == 0 else np.cumsum(np.resize(STEPS, n))[-1])


def while_until(a, thr, h, v):
  a = jnp.asarray(a)

  def body(s):
    k, total, h, v = s
    step = a[k % a.shape[0]]
    return k + 1, total + step, _mix(h, total), v * 0.75 + jnp.sin(v + step.astype(jnp.float32))

  return lax.while_loop(lambda s: s[1] < thr, body, (jnp.int32(0), jnp.int32(0), h, v))


# The walk: t climbs by d[k] while t < limit. One iteration past the exit takes
# the log of a negative number, reads d past its end (a gather in fill mode:
# NaN), reads a dynamic_slice whose start has gone negative (clamped) and writes
# a dynamic_update_slice past the end of out (clamped onto its last element).
WALK = np.resize(np.array([1.0, 2.0, 1.0, 3.0, 4.0, 1.0, 2.0], np.float32), 64)


def walk_limit(n):
  """The limit at which walk exits after exactly n iterations (n <= 64)."""
  return np.float32(-0.5 if n == 0 else np.cumsum(WALK[:n])[-1] - 0.5)


def walk(limit, d, out):
  size = out.shape[0]

  def body(s):
    k, t, acc, out = s
    back = lax.dynamic_slice(d, (size - 1 - k,), (1,))[0]
    acc = acc + jnp.log(limit - t) + back
    out = lax.dynamic_update_slice(out, t[None], (k,))
    return k + 1, t + d.at[k].get(mode="fill", fill_value=jnp.nan), acc, out

  return lax.while_loop(lambda s: s[1] < limit, body,
                        (jnp.int32(0), jnp.float32(0.0), jnp.float32(0.0), out))


PRIME = np.int32(1_000_003)


def countdown(m, p):
  """`m > 0`, m -= 1: not a counted loop. Past the exit m is 0, then negative:
  the integer division by m is by zero in the first speculative iteration."""
  def body(s):
    m, q, h = s
    return m - 1, q + lax.div(p, m) + lax.rem(p, m), _mix(h, m)

  return lax.while_loop(lambda s: s[0] > 0, body, (m, jnp.int32(0), jnp.uint32(1)))


def step_by_two(n, h):
  return lax.while_loop(lambda s: s[0] < n, lambda s: (s[0] + 2, _mix(s[1], s[0])), (jnp.int32(0), h))


def less_or_equal(n, h):
  return lax.while_loop(lambda s: s[0] <= n, lambda s: (s[0] + 1, _mix(s[1], s[0])), (jnp.int32(0), h))


NEAR_MISSES = {"countdown": lambda n, h: countdown(n, PRIME), "step_by_two": step_by_two,
               "less_or_equal": less_or_equal}


def counted_in_counted(n, x, h):
  # The inner trip count (14..20) straddles the 16 below which loops are not chunked.
  def outer(i, c):
    x, h = c
    x, h, _ = lax.fori_loop(0, i % 7 + 14, _counted_body, (x, h, jnp.int32(0)))
    return x, _mix(h, i)

  return lax.fori_loop(0, n, outer, (x, h))


def collatz(n):
  """A while (Collatz steps of i + 1) inside a counted loop. Past the exit the
  inner state would cycle 1 -> 4 -> 2 -> 1."""
  def outer(i, c):
    total, h = c

    def body(s):
      v, k = s
      return jnp.where(v % 2 == 0, v // 2, 3 * v + 1), k + 1

    _, k = lax.while_loop(lambda s: s[0] != 1, body, (i + 1, jnp.int32(0)))
    return total + k, _mix(h, k)

  return lax.fori_loop(0, n, outer, (jnp.int32(0), jnp.uint32(7)))


TABLE = np.array([0.5, -1.0, 0.25, 2.0, -0.75, 1.5, -2.0, 0.125], np.float32)


def closure_loop(w, b, n, x):
  """The body reads a jit argument (b), a value computed before the loop
  (scale) and an array constant (TABLE), none of them part of the carry."""
  scale = jnp.tanh(w) * 0.5

  def body(i, c):
    return c * scale + jnp.asarray(TABLE)[i % 8] * b

  return lax.fori_loop(0, n, body, x)


def scan_many(x0, xs, reverse=False):
  """Stacked outputs of six dtypes; only f accumulates."""
  def body(c, x):
    f, i = c
    f = f * 0.5 + x
    ys = (f, i, i % 3 == 0, (x * 2).astype(jnp.float16), x.astype(jnp.bfloat16),
          ((i * 7) & 255).astype(jnp.uint8))
    return (f, i + 1), ys

  return lax.scan(body, (x0, jnp.int32(0)), xs, reverse=reverse)


def mapped(xs):
  return lax.map(lambda r: (jnp.sum(jnp.sin(r) * r), (r * 4).astype(jnp.int32)), xs)


def scan_loss(w, xs):
  def body(c, x):
    c = jnp.tanh(c * w + x)
    return c, c * c

  c, ys = lax.scan(body, jnp.zeros(2, jnp.float32), xs)
  return jnp.sum(ys) + jnp.sum(c)


def fori_loss(w, xs):
  return jnp.sum(lax.fori_loop(0, xs.shape[0], lambda i, c: jnp.tanh(c * w + xs[i]),
                               jnp.zeros(2, jnp.float32)))


def vmapped_while(thr, h, v):
  return jax.vmap(while_until, in_axes=(None, 0, 0, 0))(STEPS, thr, h, v)


def split_chain(key):
  k = lax.fori_loop(0, 1000, lambda i, k: jax.random.split(k)[0], jax.random.wrap_key_data(key))
  return jax.random.key_data(k)


def draws(key):
  def body(k, _):
    k, sub = jax.random.split(k)
    return k, (jax.random.bits(sub, (4,), jnp.uint32), jax.random.uniform(sub, (3,)),
               jax.random.normal(sub, (3,)))

  k, ys = lax.scan(body, jax.random.wrap_key_data(key), None, length=100)
  return jax.random.key_data(k), ys


def cond_loop(n, h):
  # Both branches pure: traceable as a select.
  return lax.fori_loop(0, n, lambda i, c: lax.cond(i % 3 == 0, lambda c: _mix(c, i),
                                                   lambda c: c * jnp.uint32(3) + jnp.uint32(1), c), h)


def debug_callback_loop(x):
  def body(i, c):
    jax.debug.callback(lambda v: None, c)
    return c * 0.5 + 1.0

  return lax.fori_loop(0, 40, body, x)


def pure_callback_loop(x):
  def body(i, c):
    return jax.pure_callback(lambda v: np.asarray(v) * np.float32(0.5) + np.float32(1.0),
                             jax.ShapeDtypeStruct(c.shape, c.dtype), c)

  return lax.fori_loop(0, 40, body, x)


CALLBACKS = {"debug_callback": debug_callback_loop, "pure_callback": pure_callback_loop}


X4 = np.array([0.3, -1.2, 2.5, 0.0], np.float32)
X2 = np.array([0.25, -0.5], np.float32)
H0 = np.uint32(12345)


# --- helpers --------------------------------------------------------------------------------


@pytest.fixture
def exact(mps, cpu):
  """exact(fn, *args): fn on mps must equal fn on cpu element for element
  (NaN where cpu has NaN); returns (mps, cpu) results."""

  def _exact(fn, *args):
    got, want = run_both(fn, *args, mps_device=mps, cpu_device=cpu)
    assert_same(got, want)  # tree, shapes, dtypes
    for g, w in zip(jax.tree.leaves(got), jax.tree.leaves(want)):
      np.testing.assert_array_equal(np.asarray(g), np.asarray(w))
    return got, want

  return _exact


def assert_exact(got, want):
  for g, w in zip(jax.tree.leaves(got), jax.tree.leaves(want), strict=True):
    assert g.dtype == w.dtype and g.shape == w.shape
    np.testing.assert_array_equal(np.asarray(g), np.asarray(w))


# --- counted loops --------------------------------------------------------------------------

# K is a power of two of at most 256: 0, 1, below/at/above the 16 at which
# chunking starts, 2^j and 2^j + 1, primes (every power-of-two remainder
# chunk), empty and negative-start ranges.
DYNAMIC_BOUNDS = [(0, 0), (0, 1), (0, 15), (0, 16), (0, 17), (0, 33), (0, 256), (0, 257),
                  (0, 1009), (0, 1024), (0, 1025), (5, 3), (-300, 709), (7, 1031)]


@pytest.mark.parametrize("lo,hi", DYNAMIC_BOUNDS, ids=str)
def test_counted_loop_dynamic_bounds(check, lo, hi):
  got = check(counted, np.int32(lo), np.int32(hi), X4, H0)
  assert int(got[2]) == max(hi - lo, 0)


@pytest.mark.parametrize("lo,hi", [(0, 0), (0, 1), (0, 256), (0, 257), (0, 1009), (3, 1012)], ids=str)
def test_counted_loop_static_bounds(check, lo, hi):
  got = check(counted_static(lo, hi), X4, H0)
  assert int(got[2]) == hi - lo


# Narrow counters: hi - lo overflows the counter's own type.
@pytest.mark.parametrize("dtype,lo,hi", [(np.int8, -128, 127), (np.uint8, 0, 255),
                                         (np.int16, -600, 601)], ids=["int8", "uint8", "int16"])
def test_counted_loop_narrow_counter(check, dtype, lo, hi):
  got = check(counted, dtype(lo), dtype(hi), X4, H0)
  assert int(got[2]) == hi - lo


# --- data-dependent while -------------------------------------------------------------------

# Around the ends of the speculative chunks 2, 4, 8, ... (cumulative 2, 6, 14,
# 30, 62, 126, 254, 510, then 256 more each): the first iteration, the last of a
# chunk, the first of the next. 0: the condition is false at the start.
WHILE_EXITS = [0, 1, 2, 3, 6, 7, 14, 15, 30, 31, 62, 63, 126, 127, 254, 255, 510, 511, 766, 767, 1000]


@pytest.mark.parametrize("n", WHILE_EXITS)
def test_while_exits(check, n):
  got = check(while_until, STEPS, threshold(n), H0, X4)
  assert int(got[0]) == n


@pytest.mark.parametrize("n", [0, 1, 2, 3, 6, 7, 14, 15, 30, 31, 62, 63, 64])
def test_speculation_past_the_exit_computes_nan_and_out_of_range_indices(check, n):
  out = np.full(64, -1.0, np.float32)
  got = check(walk, walk_limit(n), WALK, out)
  assert int(got[0]) == n
  assert np.isfinite(np.asarray(got[2])) and not np.isnan(np.asarray(got[3])).any()
  np.testing.assert_array_equal(np.asarray(got[3])[n:], out[n:])  # the clamped writes never land


@pytest.mark.parametrize("n", [0, 1, 2, 3, 6, 7, 1009])
def test_speculation_past_the_exit_divides_by_zero(exact, n):
  got, _ = exact(countdown, np.int32(n), PRIME)
  assert int(got[0]) == 0


# --- near misses of the counted pattern: still right ------------------------------------------


@pytest.mark.parametrize("n", [-1, 0, 1, 2, 15, 16, 17, 256, 1009, 1010])
@pytest.mark.parametrize("kind", sorted(NEAR_MISSES))
def test_near_miss_of_a_counted_loop(exact, kind, n):
  exact(NEAR_MISSES[kind], np.int32(n), H0)


@pytest.mark.parametrize("kind", sorted(CALLBACKS))
def test_host_callback_in_the_body(check, kind):
  """The callback runs once per iteration: the loop must not be traced."""
  check(CALLBACKS[kind], X4)


# --- nested loops ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 60])
def test_counted_inside_counted(check, n):
  check(counted_in_counted, np.int32(n), X4, H0)


@pytest.mark.parametrize("n", [0, 1, 2, 40])
def test_while_inside_counted(exact, n):
  got, _ = exact(collatz, np.int32(n))

  def steps(v):
    return 0 if v == 1 else 1 + steps(v // 2 if v % 2 == 0 else 3 * v + 1)

  assert int(got[0]) == sum(steps(v) for v in range(1, n + 1))


# --- closures -------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 17, 300])
def test_loop_over_closures(check, n):
  check(closure_loop, np.float32(0.8), X4, np.int32(n), X4 * 0.5)


def test_closure_values_change_between_calls(mps, cpu):
  # One compiled program, three calls: the cached chunk trace must read each
  # call's closure values.
  f = jax.jit(closure_loop)
  cases = [(np.float32(0.8), X4), (np.float32(-0.3), X4[::-1].copy() * 2), (np.float32(0.8), X4)]
  results = []
  for w, b in cases:
    args = (w, b, np.int32(300), X4 * 0.5)
    got = f(*[jax.device_put(a, mps) for a in args])
    want = f(*[jax.device_put(a, cpu) for a in args])
    assert_same(got, want)
    results.append(np.asarray(got))
  assert not np.allclose(results[0], results[1])
  np.testing.assert_array_equal(results[0], results[2])

  g = jax.jit(while_until)  # the speculative path reads its closures (a, thr) too
  for steps in (STEPS, STEPS[::-1].copy() * 2, STEPS):
    args = (steps, np.int32(200), H0, X4)
    assert_same(g(*[jax.device_put(a, mps) for a in args]), g(*[jax.device_put(a, cpu) for a in args]))


# --- grad, vmap -----------------------------------------------------------------------------


@pytest.mark.parametrize("loss", [scan_loss, fori_loss], ids=["scan", "fori_loop"])
def test_grad_through_long_loop(check, loss):
  xs = np.sin(np.arange(600, dtype=np.float32)).reshape(300, 2)
  check(jax.grad(loss, argnums=(0, 1)), np.array([0.7, -0.4], np.float32), xs)


def test_vmap_of_while_with_per_example_trip_counts(check):
  exits = [0, 1, 5, 17, 40, 100]
  got = check(vmapped_while, np.array([threshold(n) for n in exits]),
              np.arange(6, dtype=np.uint32), np.linspace(-1, 1, 6, dtype=np.float32))
  np.testing.assert_array_equal(np.asarray(got[0]), exits)


# --- scan and map ---------------------------------------------------------------------------


SCANS = {False: scan_many, True: functools.partial(scan_many, reverse=True)}  # one object each: jit's cache


@pytest.mark.parametrize("length", [0, 1, 16, 17, 257, 1009])
@pytest.mark.parametrize("reverse", [False, True], ids=["forward", "reverse"])
def test_scan_stacked_outputs_of_several_dtypes(mps, cpu, length, reverse):
  xs = np.cos(np.arange(2 * length, dtype=np.float32) * 0.37).reshape(length, 2)
  got, want = run_both(SCANS[reverse], X2, xs, mps_device=mps, cpu_device=cpu)
  assert_same(got, want)
  (_, i), (_, *ys) = got
  (_, wi), (_, *wys) = want
  assert int(i) == length
  assert_exact([i, *ys], [wi, *wys])  # not accumulated: exact


def twin_outputs(xs):
  # Two stacked outputs of one shape and dtype (their buffers may start as
  # one array), one of them the row just read, and the carry read back.
  def body(c, x):
    return c * 0.5 + x, (c, x, c + 1.0)
  return lax.scan(body, jnp.zeros(3, np.float32), xs)


@pytest.mark.parametrize("length", [17, 300])
def test_scan_with_twin_stacked_outputs(check, length):
  check(twin_outputs, np.sin(np.arange(3 * length, dtype=np.float32)).reshape(length, 3))


@pytest.mark.parametrize("length", [1, 300])
def test_lax_map(check, length):
  check(mapped, np.sin(np.arange(4 * length, dtype=np.float32)).reshape(length, 4))


# --- random inside loops: threefry is integer arithmetic --------------------------------------


def test_split_chain_of_a_thousand_keys(exact):
  exact(split_chain, np.asarray(jax.random.key_data(jax.random.PRNGKey(42))))


def test_draws_inside_scan(mps, cpu):
  key = np.asarray(jax.random.key_data(jax.random.PRNGKey(7)))
  got, want = run_both(draws, key, mps_device=mps, cpu_device=cpu)
  assert_same(got, want)
  (k, (bits, uniform, _)), (wk, (wbits, wuniform, _)) = got, want
  assert_exact([k, bits, uniform], [wk, wbits, wuniform])  # normal: within ulps (erfinv)


# --- conditionals inside counted loops --------------------------------------------------------


@pytest.mark.parametrize("n", [0, 17, 1009])
def test_cond_inside_counted_loop(exact, n):
  exact(cond_loop, np.int32(n), H0)


# --- subprocesses: the chunk cap, the exact path, the log ------------------------------------
#
# One child per setting runs the programs below on mps (each first call long
# enough to be chunked, the first argument tuple twice) and saves every result
# and the lines APPLEJAX_LOG_LOOPS=1 printed for each program; the exact-path
# child also saves the cpu results. Random draws are left to the in-process
# tests: their integer results equal cpu exactly, so they cannot differ from
# the exact path either.


def child_programs():
  walk_out = np.full(64, -1.0, np.float32)
  xs = np.cos(np.arange(514, dtype=np.float32) * 0.37).reshape(257, 2)
  grad_xs = np.sin(np.arange(600, dtype=np.float32)).reshape(300, 2)
  return {
      "counted": (counted, [(np.int32(lo), np.int32(hi), X4, H0) for lo, hi in
                            [(0, 1009), (0, 0), (0, 1), (0, 17), (-3, 254)]]),
      "counted_static": (counted_static(0, 1000), [(X4, H0)]),
      "while": (while_until, [(STEPS, threshold(n), H0, X4) for n in [9, 0, 1, 2, 3, 4, 5, 6, 7, 8, 40]]),
      "walk": (walk, [(walk_limit(n), WALK, walk_out) for n in [63, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 64]]),
      "countdown": (countdown, [(np.int32(n), PRIME) for n in [300, 0, 1, 2, 5, 6, 7]]),
      "step_by_two": (step_by_two, [(np.int32(n), H0) for n in [300, 0, 1, 2, 16, 17]]),
      "less_or_equal": (less_or_equal, [(np.int32(n), H0) for n in [300, -1, 0, 1, 15, 16]]),
      "while_in_counted": (collatz, [(np.int32(30),), (np.int32(3),)]),
      "counted_in_counted": (counted_in_counted, [(np.int32(20), X4, H0)]),
      "closure": (closure_loop, [(np.float32(0.8), X4, np.int32(300), X4 * 0.5),
                                 (np.float32(-0.3), X4 * 2, np.int32(300), X4 * 0.5)]),
      "scan_many": (scan_many, [(X2, xs)]),
      "grad_scan": (jax.grad(scan_loss, argnums=(0, 1)), [(np.array([0.7, -0.4], np.float32), grad_xs)]),
      "vmap_while": (vmapped_while, [(np.array([threshold(n) for n in [40, 0, 1, 5, 9]]),
                                      np.arange(5, dtype=np.uint32), np.linspace(-1, 1, 5, dtype=np.float32))]),
      "cond_loop": (cond_loop, [(np.int32(1009), H0), (np.int32(17), H0)]),
      "debug_callback": (debug_callback_loop, [(X4,)]),
  }


MARKER = "@@loop-test program "


def child_main(out_dir, with_cpu):
  """Runs child_programs() on mps (and cpu); writes results.npz and meta.json."""
  mps, cpu = jax.devices("mps")[0], jax.devices("cpu")[0]
  arrays, meta = {}, {"arrays": {}, "programs": {}}

  def save(prefix, tree):
    for j, leaf in enumerate(jax.tree.leaves(tree)):
      a = np.asarray(leaf)
      arrays[f"{prefix}|{j}"] = np.ascontiguousarray(a).reshape(-1).view(np.uint8)
      meta["arrays"][f"{prefix}|{j}"] = [a.dtype.name, list(a.shape)]

  def on(device, f, args):
    with jax.default_device(device):
      return jax.block_until_ready(f(*[jax.device_put(a, device) for a in args]))

  for name, (fn, calls) in child_programs().items():
    os.write(2, f"{MARKER}{name}\n".encode())
    f = jax.jit(fn)
    info = {"calls": len(calls), "error": None}
    meta["programs"][name] = info
    try:
      info["whiles"] = len(re.findall(r"\bstablehlo\.while\b", f.lower(*calls[0]).as_text()))
      for c, args in enumerate(calls):
        save(f"{name}|{c}|mps", on(mps, f, args))
        if c == 0:  # the cached program and its cached chunk traces
          save(f"{name}|again|mps", on(mps, f, args))
        if with_cpu:
          save(f"{name}|{c}|cpu", on(cpu, f, args))
    except Exception as e:
      info["error"] = f"{type(e).__name__}: {e}"
  os.write(2, f"{MARKER}(end)\n".encode())
  np.savez(os.path.join(out_dir, "results.npz"), **arrays)
  with open(os.path.join(out_dir, "meta.json"), "w") as fh:
    json.dump(meta, fh)


CHILD = f"""
import sys
sys.path.insert(0, {HERE!r})
import test_loop_chunks
test_loop_chunks.child_main(sys.argv[1], sys.argv[2] == "cpu")
"""

LOG_LINE = re.compile(r"^applejax: while at (?P<loc>.+?): "
                      r"(?P<path>chunked K=(?P<k>\d+) trips=(?P<trips>\d+)(?: stacked=(?P<stacked>\d+))?"
                      r"|speculative|exact \((?P<reason>.+)\))$")


class Child:
  """A finished child run: its exit status, stderr, results and log lines."""

  def __init__(self, chunk, returncode, stderr, meta, arrays):
    self.chunk, self.returncode, self.stderr = chunk, returncode, stderr
    self.meta, self.arrays = meta, arrays
    self.logs, self.malformed = {}, []
    program = None
    for line in stderr.splitlines():
      if line.startswith(MARKER):
        program = line[len(MARKER):]
        self.logs.setdefault(program, [])
      elif line.startswith("applejax: while"):
        m = LOG_LINE.match(line)
        if m is None or program is None:
          self.malformed.append(line)
        else:
          self.logs[program].append(m)

  def ok(self):
    assert self.returncode == 0, f"APPLEJAX_LOOP_CHUNK={self.chunk}: exit {self.returncode}\n{self.stderr[-4000:]}"
    return self

  def program(self, name):
    info = self.meta["programs"][name]
    assert info["error"] is None, f"{name}: {info['error']}"
    return info

  def result(self, name, call, device="mps"):
    leaves, j = [], 0
    while (key := f"{name}|{call}|{device}|{j}") in self.arrays:
      dtype, shape = self.meta["arrays"][key]
      leaves.append(self.arrays[key].view(jnp.dtype(dtype)).reshape(shape))
      j += 1
    assert leaves, f"no results for {name} call {call} on {device}"
    return leaves


@pytest.fixture(scope="session")
def child_root(tmp_path_factory):
  # Under xdist, the parent of a worker's basetemp is this run's, shared by
  # its workers: each setting's child runs once per run, not once per worker.
  base = tmp_path_factory.getbasetemp()
  return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def child(child_root):
  """child(chunk): the child run with APPLEJAX_LOOP_CHUNK=chunk (None: unset)
  and APPLEJAX_LOG_LOOPS=1."""
  import fcntl

  def run(chunk):
    tag = "default" if chunk is None else chunk
    out = child_root / f"loop-chunks-{tag}"
    with open(child_root / f"loop-chunks-{tag}.lock", "w") as lock:
      fcntl.flock(lock, fcntl.LOCK_EX)
      if not (out / "status.json").exists():
        out.mkdir(exist_ok=True)
        env = dict(os.environ, APPLEJAX_LOG_LOOPS="1")
        env.pop("JAX_PLATFORMS", None)
        env.pop("APPLEJAX_LOOP_CHUNK", None)
        if chunk is not None:
          env["APPLEJAX_LOOP_CHUNK"] = chunk
        proc = subprocess.run([sys.executable, "-c", CHILD, str(out), "cpu" if chunk == "0" else "-"],
                              env=env, capture_output=True, text=True, timeout=400, check=False)
        (out / "status.json").write_text(json.dumps([proc.returncode, proc.stderr]))
    returncode, stderr = json.loads((out / "status.json").read_text())
    meta, arrays = {"programs": {}, "arrays": {}}, {}
    if returncode == 0:
      meta = json.loads((out / "meta.json").read_text())
      with np.load(out / "results.npz") as z:
        arrays = {k: z[k] for k in z.files}
    return Child(chunk, returncode, stderr, meta, arrays)

  return functools.lru_cache(maxsize=None)(run)


PROGRAMS = list(child_programs())
VALUE_PROGRAMS = [p for p in PROGRAMS if p != "debug_callback"]


@pytest.mark.parametrize("chunk", [None, "4", "0"], ids=["default", "chunk4", "chunk0"])
def test_subprocess_results_match_cpu(child, chunk):
  c, oracle = child(chunk).ok(), child("0").ok()  # the cpu results come from the exact-path child
  for name in VALUE_PROGRAMS:
    info = c.program(name)
    for call in range(info["calls"]):
      try:
        assert_same(c.result(name, call), oracle.result(name, call, "cpu"))
      except AssertionError as e:
        raise AssertionError(f"{name}, call {call}, APPLEJAX_LOOP_CHUNK={chunk}: {e}") from None
    for g, a in zip(c.result(name, 0), c.result(name, "again"), strict=True):
      assert g.tobytes() == a.tobytes(), f"{name}: the second call differs from the first"


@pytest.mark.parametrize("chunk", [None, "4"], ids=["default", "chunk4"])
def test_chunking_never_changes_the_plugins_result(child, chunk):
  c, exact_path = child(chunk).ok(), child("0").ok()
  for name in VALUE_PROGRAMS:
    info = c.program(name)
    exact_path.program(name)
    for call in range(info["calls"]):
      for j, (g, e) in enumerate(zip(c.result(name, call), exact_path.result(name, call), strict=True)):
        assert g.dtype == e.dtype and g.shape == e.shape
        assert g.tobytes() == e.tobytes(), (
            f"{name}, call {call}, leaf {j}: APPLEJAX_LOOP_CHUNK={chunk} differs from the exact path:\n"
            f"{g}\nvs\n{e}")


def _paths(c, name):
  lines = c.logs.get(name, [])
  info = c.program(name)
  assert len(lines) == info["whiles"], (
      f"APPLEJAX_LOOP_CHUNK={c.chunk}, {name}: {info['whiles']} while ops, {len(lines)} log lines "
      f"(one per op, the first time it runs): {[m.group(0) for m in lines]}")
  return lines


def _assert_chunked(m, trips, cap):
  assert m.group("k") is not None, f"expected a chunked loop: {m.group(0)}"
  k = int(m.group("k"))
  assert k & (k - 1) == 0 and 1 <= k <= cap, f"K is not a power of two <= {cap}: {m.group(0)}"
  assert int(m.group("trips")) == trips, m.group(0)


# Expected paths with chunking on: counted loops with a long first run are
# chunked, data-dependent loops speculative, near misses of the counted pattern
# never chunked, a loop whose body holds a data-dependent while exact.
CHUNKED = {"counted": [1009], "counted_static": [1000], "closure": [300], "scan_many": [257],
           "grad_scan": [300, 300], "cond_loop": [1009]}
SPECULATIVE = ["while", "walk", "vmap_while"]
NOT_CHUNKED = ["countdown", "step_by_two", "less_or_equal"]


@pytest.mark.parametrize("chunk,cap", [(None, 256), ("4", 4)], ids=["default", "chunk4"])
def test_log_names_the_path_of_each_while(child, chunk, cap):
  c = child(chunk).ok()
  assert not c.malformed, c.malformed
  for name, trips in CHUNKED.items():
    lines = _paths(c, name)
    assert len(lines) == len(trips)
    for m, t in zip(lines, trips):
      _assert_chunked(m, t, cap)
  for name in SPECULATIVE:
    assert [m.group("path") for m in _paths(c, name)] == ["speculative"], name
  for name in NOT_CHUNKED:
    for m in _paths(c, name):
      assert m.group("k") is None, f"{name} is not a counted loop: {m.group(0)}"
  outer_inner = sorted(m.group("path").split(" ")[0] for m in _paths(c, "while_in_counted"))
  assert outer_inner == ["exact", "speculative"], outer_inner
  _paths(c, "counted_in_counted")  # one well-formed line per while op


def test_log_exact_path_when_chunking_is_off(child):
  c = child("0").ok()
  assert not c.malformed, c.malformed
  for name in VALUE_PROGRAMS:
    for m in _paths(c, name):
      assert m.group("reason") is not None, f"APPLEJAX_LOOP_CHUNK=0: {m.group(0)}"


def test_log_host_callback_body_is_exact(child):
  c = child(None).ok()
  lines = _paths(c, "debug_callback")
  assert [m.group("reason") is not None for m in lines] == [True], [m.group(0) for m in lines]
