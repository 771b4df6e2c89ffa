"""Time per training step of the example models, side by side in one run:
JAX on the applejax plugin (`mps`), the same model written directly in MLX
(eager and under mx.compile), and JAX on XLA (XLA:CPU, or XLA:GPU with
`--peer cuda` where jaxlib has CUDA); the dispatch overhead of a
tiny jitted op; the first-call compile time of the ResNet-18 step; single ops
(matmul, gelu, softmax, norms, attention, conv, ...) on the plugin, in MLX
under mx.compile (with mx.fast kernels) and on XLA. Prints markdown tables
(medians and ratios) and a description of the machine.

    PYTHONPATH=python:examples .venv/bin/python scripts/bench_models.py [--quick] [--peer cuda] [--json out.json]

Just the ops: `--skip models dispatch compile` (and `--only NAME...` to pick
ops and models by name, e.g. `--only matmul bfloat16`).

APPLEJAX_PLUGIN_PATH picks a development build of the plugin, as everywhere.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pathlib
import platform
import statistics
import sys
import time
from typing import Callable, NamedTuple

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "examples"), str(ROOT / "scripts")]
os.environ.setdefault("JAX_PLATFORMS", "mps,cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

# Load the plugin before MLX's Python module: libmlx then binds its BLAS calls
# in the plugin's library group, where the plugin sends them to OpenBLAS
# (native/pjrt/cpu_blas_forwarding.cc), so MLX-native and the plugin run the
# same matrix kernels. Imported first, libmlx would keep its reference BLAS
# for both (see the "MLX sgemm" line of the machine description).
jax.devices("mps")

import mlx.core as mx  # noqa: E402
import numpy as np  # noqa: E402

import mlp  # noqa: E402
import mlx_models  # noqa: E402
import resnet18  # noqa: E402
import transformer  # noqa: E402
from training import initial_values, make_train_step, table  # noqa: E402


# JAX's own backend run beside the plugin: "cpu" (XLA:CPU) or "cuda" (XLA:GPU).
PEER = "cpu"


def peer_name() -> str:
  return "XLA:GPU" if PEER == "cuda" else "XLA:" + PEER.upper()


def median_ms(samples):
  return statistics.median(samples) * 1e3


def machine() -> dict:
  cpu = platform.processor() or platform.machine()
  try:
    for line in pathlib.Path("/proc/cpuinfo").read_text().splitlines():
      if line.startswith("model name"):
        cpu = line.split(":", 1)[1].strip()
        break
  except OSError:
    pass
  mem = ""
  try:
    kib = int(pathlib.Path("/proc/meminfo").read_text().split()[1])
    mem = f"{kib / 2**20:.0f} GiB"
  except (OSError, ValueError, IndexError):
    pass
  import importlib.metadata as md
  a = mx.random.normal((512, 512))
  mx.eval(a @ a)
  t0 = time.perf_counter()
  for _ in range(10):
    mx.eval(a @ a)
  sgemm_ms = (time.perf_counter() - t0) / 10 * 1e3
  return {
      "os": f"{platform.system()} {platform.release()} {platform.machine()}",
      "cpu": cpu,
      "cores": os.cpu_count(),
      "load average at start (1, 5, 15 min)": ", ".join(f"{v:.2f}" for v in os.getloadavg()),
      "memory": mem,
      "python": platform.python_version(),
      "jax": md.version("jax"),
      "jaxlib": md.version("jaxlib"),
      "mlx": md.version("mlx"),
      "mlx device": str(mx.default_device()),
      "plugin": os.environ.get("APPLEJAX_PLUGIN_PATH", "the installed wheel"),
      "APPLEJAX_COMPILE": os.environ.get("APPLEJAX_COMPILE", "unset (mx.compile on a GPU device; on the CPU for programs with a result of 2^18+ elements)"),
      "APPLEJAX_BLAS": os.environ.get("APPLEJAX_BLAS", "unset (plugin's OpenBLAS)"),
      "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS", "unset (one per core)"),
      "MLX sgemm 512x512x512 (in this process)": f"{sgemm_ms:.2f} ms",
  }


def timed_steps(once, steps):
  """Calls once(i) -> loss steps + 1 times: the first call's seconds, the
  median milliseconds of the rest, and the loss curve."""
  losses, seconds = [], []
  for i in range(steps + 1):
    t0 = time.perf_counter()
    losses.append(once(i))
    seconds.append(time.perf_counter() - t0)
  return {"first_s": seconds[0], "ms": median_ms(seconds[1:]), "losses": losses}


def time_jax(example, device, steps, batches):
  _, step = make_train_step(example)
  carry = jax.device_put(initial_values(example), device)
  on_device = [jax.device_put(b, device) for b in batches]

  def once(i):
    nonlocal carry
    *carry, loss = step(*carry, on_device[i % len(on_device)])
    return float(loss)

  return timed_steps(once, steps)


def time_mlx(build, steps, batches, compiled):
  model, loss, opt = build()
  run = mlx_models.make_step(model, loss, opt, compiled)
  on_device = [tuple(mx.array(a) for a in b) for b in batches]
  return timed_steps(lambda i: run(*on_device[i % len(on_device)]), steps)


def models(quick):
  demo = transformer.DEMO
  tsteps = 10 if quick else 30
  return [
      ("mlp", mlp.EXAMPLE, 20 if quick else 50,
       lambda p: mlx_models.mlp(p, mlp.SIZES)),
      ("transformer (demo size)", transformer.make_example(demo, 300), tsteps,
       lambda p: mlx_models.transformer(p, demo, 300)),
      ("resnet18", resnet18.EXAMPLE, 2 if quick else 3,
       lambda p: mlx_models.resnet18(p, resnet18.STAGES, resnet18.CLASSES)),
  ]


def bench_models(quick, only):
  mps, peer = jax.devices("mps")[0], jax.devices(PEER)[0]
  results = []
  for name, example, steps, build in models(quick):
    if only and not any(o in name for o in only):
      continue
    print(f"[{name}] {example.describe}; median of {steps} steps after one warm-up",
          file=sys.stderr, flush=True)
    batches = example.batches(min(steps + 1, 8), 0)
    params = initial_values(example)[0]
    row = {"model": name, "steps": steps}
    row["plugin"] = time_jax(example, mps, steps, batches)
    row["mlx_eager"] = time_mlx(lambda: build(params), steps, batches, compiled=False)
    row["mlx_compiled"] = time_mlx(lambda: build(params), steps, batches, compiled=True)
    row["xla"] = time_jax(example, peer, steps, batches)
    results.append(row)
    print(f"  done: plugin {row['plugin']['ms']:.1f} ms, {peer_name()} {row['xla']['ms']:.1f} ms",
          file=sys.stderr, flush=True)
  return results


def bench_dispatch(calls):
  """Per-call latency of a tiny op, waiting for each result."""
  out = {}
  x = np.float32([1.0])
  f = jax.jit(lambda v: v + 1.0)
  for label, device in (("plugin", jax.devices("mps")[0]), ("xla", jax.devices(PEER)[0])):
    v = jax.device_put(x, device)
    f(v).block_until_ready()
    samples = []
    for _ in range(calls):
      t0 = time.perf_counter()
      f(v).block_until_ready()
      samples.append(time.perf_counter() - t0)
    out[label] = median_ms(samples) * 1e3  # microseconds
  v = mx.array(x)
  g = mx.compile(lambda a: a + 1.0)
  for label, fn in (("mlx_eager", lambda a: a + 1.0), ("mlx_compiled", g)):
    mx.eval(fn(v))
    samples = []
    for _ in range(calls):
      t0 = time.perf_counter()
      mx.eval(fn(v))
      samples.append(time.perf_counter() - t0)
    out[label] = median_ms(samples) * 1e3
  return out


def bench_compile():
  """ResNet-18 train step: JAX's trace + lowering to StableHLO (shared), then
  each backend's compile of the lowered program (PJRT Compile), and what the
  first call costs beyond a steady-state step (work deferred to the first run)."""
  example = resnet18.EXAMPLE
  out = {}
  for label, device in (("plugin", jax.devices("mps")[0]), ("xla", jax.devices(PEER)[0])):
    _, step = make_train_step(example)  # a fresh jit: nothing cached
    args = jax.device_put(initial_values(example) + (example.batches(1, 0)[0],), device)
    t0 = time.perf_counter()
    lowered = step.lower(*args)
    t1 = time.perf_counter()
    compiled = lowered.compile()
    t2 = time.perf_counter()
    jax.block_until_ready(compiled(*args))
    t3 = time.perf_counter()
    jax.block_until_ready(compiled(*args))
    t4 = time.perf_counter()
    out[label] = {"lower_s": t1 - t0, "compile_s": t2 - t1, "first_run_s": t3 - t2,
                  "second_run_s": t4 - t3}
  return out


# --- single ops ----------------------------------------------------------------


class Op(NamedTuple):
  """One op timed three ways. `shapes` are the inputs' shapes (random normal,
  float32 in numpy, cast to `dtype` on each device); `mlx_layout` rearranges
  the numpy inputs for the MLX function (the conv weight's OHWI) before they
  are placed; rtol/atol compare the plugin's (and MLX's) result with XLA's."""
  name: str
  size: str
  dtype: str
  shapes: tuple
  jax_fn: Callable
  mlx_fn: Callable
  rtol: float
  atol: float
  mlx_layout: Callable = lambda *a: a


def _gelu_tanh_mlx(x, y, z):
  u = x * y + z  # the tanh form of jax.nn.gelu(approximate=True), as mlx.nn.gelu_approx
  return 0.5 * u * (1.0 + mx.tanh(math.sqrt(2.0 / math.pi) * (u + 0.044715 * u**3)))


def _layer_norm_jax(x, w, b, eps=1e-5):
  """As flax.linen.LayerNorm computes it (two-pass variance)."""
  mean = jnp.mean(x, axis=-1, keepdims=True)
  var = jnp.mean(jnp.square(x - mean), axis=-1, keepdims=True)
  return (x - mean) * jax.lax.rsqrt(var + eps) * w + b


def _bnth(f):
  """Runs an MLX function of (B, N, T, H) arrays on (B, T, N, H) ones."""
  swap = lambda a: a.transpose(0, 2, 1, 3)
  return lambda *args: swap(f(*map(swap, args)))


def _conv_jax(x, w):
  return jax.lax.conv_general_dilated(x, w, (1, 1), "SAME",
                                      dimension_numbers=("NHWC", "HWIO", "NHWC"))


def op_specs(quick, mlx_on_cpu) -> list[Op]:
  """The ops and their sizes: full, or smaller with --quick (a smoke run).
  MLX's CPU backend multiplies bfloat16 matrices with plain loops (about 5
  GFLOP/s on a 2-core machine, 30+ s for one full-size matmul), so where MLX
  runs on the CPU the two bfloat16 ops keep smaller sizes; the table's size
  column says which ran."""
  n = 1024 if quick else 4096  # matmul, softmax
  n16 = 1024 if quick or mlx_on_cpu else n  # bfloat16 matmul
  e = 2**20 if quick else 2**22  # elementwise, sum
  rows = 4096 if quick else 16384  # norms, by 1024 features
  b, t, heads, hd = (2, 256, 16, 64) if quick else (8, 1024, 16, 64)  # rope, attention
  b16, t16 = (2, 256) if quick else (2, 512) if mlx_on_cpu else (b, t)  # attention
  cb, hw, ch = (8, 28, 64) if quick else (32, 56, 128)  # conv
  mm_atol = lambda k, tol: tol * math.sqrt(k)  # a k-term dot of normals has scale sqrt(k)
  bthd, bthd16 = (b, t, heads, hd), (b16, t16, heads, hd)
  return [
      Op("x + 1", "f32[1]", "float32", ((1,),), lambda x: x + 1.0, lambda x: x + 1.0, 1e-6, 1e-6),
      Op("matmul", f"{n}x{n} @ {n}x{n}", "float32", ((n, n), (n, n)),
         lambda a, b: a @ b, lambda a, b: a @ b, 1e-3, mm_atol(n, 1e-4)),
      Op("matmul", f"{n16}x{n16} @ {n16}x{n16}", "bfloat16", ((n16, n16), (n16, n16)),
         lambda a, b: a @ b, lambda a, b: a @ b, 2e-2, mm_atol(n16, 2e-2)),
      Op("addmm (x @ w + b)", f"{n}x1024 @ 1024x1024 + 1024", "float32",
         ((n, 1024), (1024, 1024), (1024,)),
         lambda x, w, b: x @ w + b, lambda x, w, b: mx.addmm(b, x, w), 1e-3, mm_atol(1024, 1e-4)),
      Op("gelu(x*y+z) tanh", f"2^{e.bit_length() - 1}", "float32", ((e,),) * 3,
         lambda x, y, z: jax.nn.gelu(x * y + z, approximate=True), _gelu_tanh_mlx, 1e-4, 1e-5),
      Op("sum", f"2^{e.bit_length() - 1}", "float32", ((e,),),
         jnp.sum, mx.sum, 1e-3, 1e-3 * math.sqrt(e)),
      Op("softmax (last axis)", f"{n}x{n}", "float32", ((n, n),),
         lambda x: jax.nn.softmax(x, axis=-1), lambda x: mx.softmax(x, axis=-1), 1e-4, 1e-7),
      Op("log_softmax (last axis)", f"{n}x{n}", "float32", ((n, n),),
         lambda x: jax.nn.log_softmax(x, axis=-1),
         lambda x: x - mx.logsumexp(x, axis=-1, keepdims=True), 1e-4, 1e-5),
      Op("layer norm (w, b)", f"{rows}x1024", "float32", ((rows, 1024), (1024,), (1024,)),
         _layer_norm_jax, lambda x, w, b: mx.fast.layer_norm(x, w, b, 1e-5), 1e-3, 1e-4),
      Op("rms norm (w)", f"{rows}x1024", "float32", ((rows, 1024), (1024,)),
         transformer.rms_norm, lambda x, w: mx.fast.rms_norm(x, w, 1e-6), 1e-3, 1e-4),
      Op("rope (traditional)", "B,T,N,H=" + ",".join(map(str, bthd)), "float32", (bthd,),
         transformer.rope,
         _bnth(lambda x: mx.fast.rope(x, hd, traditional=True, base=10000.0, scale=1.0, offset=0)),
         1e-3, 1e-3),  # angles reach T radians: their f32 rounding alone is ~T * 6e-8
      Op("causal attention", "B,T,N,H=" + ",".join(map(str, bthd16)), "bfloat16", (bthd16,) * 3,
         lambda q, k, v: jax.nn.dot_product_attention(q, k, v, is_causal=True),
         _bnth(lambda q, k, v: mx.fast.scaled_dot_product_attention(
             q, k, v, scale=hd**-0.5, mask="causal")), 2e-2, 2e-2),
      Op("conv 3x3 SAME", f"{cb}x{hw}x{hw}x{ch} -> {ch} (NHWC)", "float32",
         ((cb, hw, hw, ch), (3, 3, ch, ch)),
         _conv_jax, lambda x, w: mx.conv2d(x, w, stride=1, padding=1), 1e-3, mm_atol(9 * ch, 1e-4),
         mlx_layout=lambda x, w: (x, np.ascontiguousarray(w.transpose(3, 0, 1, 2)))),
  ]


def time_call(call, warmups, max_reps, budget_s):
  """Calls call() (which waits for its result) `warmups` times, then times
  up to max_reps more calls (at least 3, fewer when one call is slow enough
  to overrun budget_s). Returns the first call's seconds (compile + run), the
  median milliseconds, the number of timed calls and the last result."""
  seconds = []
  for _ in range(warmups):
    t0 = time.perf_counter()
    out = call()
    seconds.append(time.perf_counter() - t0)
  reps = max(3, min(max_reps, int(budget_s / max(seconds[-1], 1e-9))))
  samples = []
  for _ in range(reps):
    t0 = time.perf_counter()
    out = call()
    samples.append(time.perf_counter() - t0)
  return {"first_s": seconds[0], "ms": median_ms(samples), "reps": reps}, out


def _numpy(x):
  if isinstance(x, mx.array):
    return np.array(x.astype(mx.float32))
  return np.asarray(x).astype(np.float32)


def _match(got, want, op) -> dict:
  got, want = _numpy(got), _numpy(want)
  err = float(np.max(np.abs(got - want))) if got.shape == want.shape else float("inf")
  try:
    np.testing.assert_allclose(got, want, rtol=op.rtol, atol=op.atol)
    ok = True
  except AssertionError:
    ok = False
  return {"ok": ok, "max_abs_err": err}


def _mlx_call(f, args):
  def call():
    out = f(*args)
    mx.eval(out)
    return out
  return call


def bench_op(op, quick):
  """One op on the plugin, in MLX under mx.compile and on the peer; each path
  gets the same input values, placed on its device before timing."""
  rng = np.random.default_rng(0)
  inputs = [rng.standard_normal(s, dtype=np.float32) for s in op.shapes]
  jdt = jnp.bfloat16 if op.dtype == "bfloat16" else jnp.float32
  mdt = mx.bfloat16 if op.dtype == "bfloat16" else mx.float32
  warmups, max_reps, budget = (3, 10, 0.5) if quick else (3, 20, 2.0)
  row = {"op": op.name, "size": op.size, "dtype": op.dtype}
  outs = {}
  paths = [("plugin", jax.devices("mps")[0]), ("mlx", None), ("xla", jax.devices(PEER)[0])]
  for label, device in paths:
    try:
      if device is None:
        args = [mx.array(a).astype(mdt) for a in op.mlx_layout(*inputs)]
        mx.eval(*args)
        call = _mlx_call(mx.compile(op.mlx_fn), args)
      else:
        args = [jax.device_put(a.astype(jdt), device) for a in inputs]
        jax.block_until_ready(args)
        f = jax.jit(op.jax_fn)
        call = lambda: f(*args).block_until_ready()
      row[label], outs[label] = time_call(call, warmups, max_reps, budget)
    except Exception as e:  # report it in the table, keep going
      row[label] = {"error": f"{type(e).__name__}: {str(e).splitlines()[0][:200]}"}
  if "xla" in outs:
    for label in ("plugin", "mlx"):
      if label in outs:
        row[label]["match"] = _match(outs[label], outs["xla"], op)
  return row


def bench_ops(quick, only):
  results = []
  for op in op_specs(quick, mx.default_device() == mx.cpu):
    if only and not any(o in f"{op.name} {op.dtype}" for o in only):
      continue
    print(f"[op {op.name}] {op.dtype} {op.size}", file=sys.stderr, flush=True)
    row = bench_op(op, quick)
    results.append(row)
    print("  done: " + ", ".join(f"{k} {row[k]['ms']:.3f} ms" if "ms" in row[k] else f"{k} failed"
                                 for k in ("plugin", "mlx", "xla")), file=sys.stderr, flush=True)
  return results


def ops_table(rows) -> str:
  ms = lambda r, k: f"{r[k]['ms']:.3f}" if "ms" in r[k] else "error"
  ratio = lambda r, k: (f"{r['plugin']['ms'] / r[k]['ms']:.2f}"
                        if "ms" in r["plugin"] and "ms" in r[k] else "–")

  def match(r, k):
    m = r[k].get("match")
    if m is None:
      return "–"
    return "yes" if m["ok"] else f"NO (max abs err {m['max_abs_err']:.3g})"

  body = [[r["op"], r["dtype"], r["size"], ms(r, "plugin"), ms(r, "mlx"), ms(r, "xla"),
           ratio(r, "mlx"), ratio(r, "xla"), match(r, "plugin"), match(r, "mlx"),
           "/".join(str(r[k].get("reps", "–")) for k in ("plugin", "mlx", "xla"))] for r in rows]
  return table(body, ["op", "dtype", "size", "JAX → plugin (mps)", "MLX mx.compile",
                      f"JAX → {peer_name()}", "plugin / MLX", f"plugin / {peer_name()}",
                      f"plugin ≈ {peer_name()}", f"MLX ≈ {peer_name()}",
                      "timed calls (plugin/MLX/XLA)"])


def report(info, rows, dispatch, compile_times, op_rows=()) -> str:
  lines = ["Machine:", ""]
  lines += [f"- {k}: {v}" for k, v in info.items()]
  if rows:
    lines += ["", "Time per training step (ms, median; ratios are time / plugin time):", ""]
    cols = [("plugin", "JAX → plugin (mps)"), ("mlx_eager", "MLX eager"),
            ("mlx_compiled", "MLX mx.compile"), ("xla", f"JAX → {peer_name()}")]
    body = []
    for r in rows:
      base = r["plugin"]["ms"]
      body.append([r["model"]] + [f"{r[k]['ms']:.1f}" for k, _ in cols] +
                  [f"{r[k]['ms'] / base:.2f}" for k, _ in cols[1:]])
    lines.append(table(body, ["model"] + [c for _, c in cols] +
                       [f"{c} / plugin" for _, c in cols[1:]]))
    lines += ["", "Sanity: first and last loss of each implementation (same initial values and "
              "batches; the first loss must agree):", ""]
    body = [[r["model"]] + [f"{r[k]['losses'][0]:.4f} → {r[k]['losses'][-1]:.4f}" for k, _ in cols]
            for r in rows]
    lines.append(table(body, ["model"] + [c for _, c in cols]))
    lines += ["", f"First call (s) beyond the table: plugin, MLX compiled, {peer_name()}: " +
              "; ".join(f"{r['model']} {r['plugin']['first_s']:.2f} / "
                        f"{r['mlx_compiled']['first_s']:.2f} / {r['xla']['first_s']:.2f}"
                        for r in rows)]
  if dispatch:
    lines += ["", "Dispatch overhead: `jit(lambda v: v + 1.0)` on f32[1], waiting for each result "
              "(µs per call, median):", ""]
    base = dispatch["xla"]
    lines.append(table([[k, f"{v:.1f}", f"{v / base:.2f}"] for k, v in dispatch.items()],
                       ["path", "µs/call", f"/ {peer_name()}"]))
  if compile_times:
    p, c = compile_times["plugin"], compile_times["xla"]
    lines += ["", "ResNet-18 train step, first call (s):", ""]
    body = [[label, f"{p[k]:.3f}", f"{c[k]:.3f}", f"{c[k] / p[k]:.1f}"] for label, k in (
        ("jax trace + lower to StableHLO", "lower_s"), ("backend compile (PJRT)", "compile_s"),
        ("first run", "first_run_s"), ("second run", "second_run_s"))]
    lines.append(table(body, ["stage", "plugin", peer_name(), f"{peer_name()} / plugin"]))
  if op_rows:
    lines += ["", "Single ops: ms per jitted call after warm-up (median; MLX is the same computation "
              "under mx.compile, with mx.fast kernels where MLX has one; ratios are plugin time / "
              "other time; ≈: the result agrees with " + peer_name() + "'s):", ""]
    lines.append(ops_table(op_rows))
  return "\n".join(lines)


def main() -> int:
  ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  ap.add_argument("--quick", action="store_true", help="fewer steps, smaller ops (a smoke run)")
  ap.add_argument("--only", nargs="*", default=[],
                  help="models and ops whose name contains one of these")
  ap.add_argument("--skip", nargs="*", default=[], choices=["models", "dispatch", "compile", "ops"])
  ap.add_argument("--peer", default="cpu", help="JAX platform to compare with: cpu, or cuda (XLA:GPU)")
  ap.add_argument("--dispatch-calls", type=int, default=2000)
  ap.add_argument("--json", type=pathlib.Path, help="also write the raw numbers here")
  args = ap.parse_args()
  global PEER
  PEER = args.peer
  info = machine()
  # Dispatch first: after the model runs, MLX's and OpenBLAS's worker threads
  # are in another state and tiny-op latencies come out noisier.
  dispatch = None if "dispatch" in args.skip else bench_dispatch(args.dispatch_calls)
  compile_times = None if "compile" in args.skip else bench_compile()
  op_rows = [] if "ops" in args.skip else bench_ops(args.quick, args.only)
  rows = [] if "models" in args.skip else bench_models(args.quick, args.only)
  print(report(info, rows, dispatch, compile_times, op_rows))
  if args.json:
    args.json.write_text(json.dumps({"machine": info, "models": rows, "dispatch_us": dispatch,
                                     "compile_s": compile_times, "ops": op_rows}, indent=2) + "\n")
  return 0


if __name__ == "__main__":
  raise SystemExit(main())
