"""Time per loop iteration of small loop programs (fori_loop, while_loop,
scan, random.split in a loop, NumPyro NUTS), side by side in one run: JAX on
the applejax plugin (`mps`), JAX on XLA:CPU, JAX on XLA:GPU (`--peer cuda`),
and the same loop written directly in MLX (a Python loop over an
mx.compile'd step). Prints markdown tables (medians and ratios) and a
description of the machine.

    .venv/bin/python scripts/bench_loops.py [--quick] [--peer cuda] [--only fori,nuts] [--json out.json]

Every cell is timed after warm-up calls (the first includes jit compile and
MLX's kernel JIT); the table gives the median of the timed calls divided by
the iterations the call ran. A cell whose call would take longer than its
time budget runs fewer iterations, and the table says how many. A program that
fails on a backend shows the error's class in its cell.

APPLEJAX_PLUGIN_PATH picks a development build of the plugin, as everywhere.
"""

from __future__ import annotations

import argparse
import importlib.metadata as md
import json
import math
import os
import pathlib
import sys
import time
import traceback


def parser() -> argparse.ArgumentParser:
  ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  ap.add_argument("--quick", action="store_true",
                  help="fewer iterations, warm-ups and repetitions (a smoke run)")
  ap.add_argument("--peer", choices=["cpu", "cuda"], default="cpu",
                  help="cuda adds an XLA:GPU column (— where jaxlib has no CUDA backend)")
  ap.add_argument("--only", default="",
                  help="comma-separated program names (see the table's first column)")
  ap.add_argument("--budget", type=float,
                  help="seconds one backend may spend on one program (default 40, 5 with --quick)")
  ap.add_argument("--json", type=pathlib.Path, help="also write the raw numbers here")
  return ap


ARGS = parser().parse_args() if __name__ == "__main__" else None

# XLA:GPU only when asked for: initialising it takes most of the GPU's memory,
# which the plugin (MLX CUDA on an NVIDIA machine) needs.
if ARGS is not None and ARGS.peer == "cuda":
  os.environ.setdefault("JAX_PLATFORMS", "mps,cpu,cuda")

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
# bench_models sets JAX_PLATFORMS's default, loads the plugin before MLX (see
# the comment there: MLX-native and the plugin then share the BLAS) and puts
# examples/ on sys.path.
import bench_models  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import mlx.core as mx  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402

from training import table  # noqa: E402

# MLX-native loops whose control does not depend on the values evaluate their
# state every EVAL_EVERY steps (and at the end): about as fast as one eval at
# the end here, without building a 10,000-node graph first. Evaluating every
# step costs about 3x per iteration on MLX's CPU device.
EVAL_EVERY = 100


# ---------------------------------------------------------------------------
# The programs. Each has a JAX builder, make_jax(n) -> (jitted fn, host args),
# and an MLX builder, make_mlx(n) -> a function running the whole loop; both
# give back (result, iterations run). `n` is the iteration count.


class Program:
  def __init__(self, name, title, n, quick_n, make_jax, make_mlx=None, mlx_eval="—",
               unit="µs/iteration", n_min=None, scalable=True, iterations=None, summary=None,
               count=None):
    self.name, self.title = name, title
    self.n, self.quick_n = n, quick_n
    self.make_jax, self.make_mlx, self.mlx_eval = make_jax, make_mlx, mlx_eval
    self.unit = unit
    self.n_min = n_min  # the probe's size; default n // 10
    self.scalable = scalable  # whether a slow backend may run a smaller n
    self.iterations = iterations or (lambda n, out: n)  # iterations a JAX call ran
    self.summary = summary or sum_of_last
    self.count = count or (lambda it: f"{it:,}")  # how the table writes a count


def sum_of_last(out) -> str:
  """The default summary: the sum of the result's last array."""
  return f"{float(np.sum(np.asarray(jax.tree.leaves(out)[-1], np.float64))):.6g}"


def f32_ones():
  return np.ones(16, np.float32)


# 1. fori_loop, static trip count.
def fori_jax(n):
  return jax.jit(lambda c: lax.fori_loop(0, n, lambda i, c: c * 1.0001 + 1.0, c)), (f32_ones(),)


def mlx_steps(step, init, n):
  """run() for an MLX-native loop of n steps from init() whose control does
  not depend on the state: it evaluates every EVAL_EVERY steps and at the end."""
  def run():
    c = init()
    for i in range(n):
      c = step(c)
      if (i + 1) % EVAL_EVERY == 0:
        mx.eval(c)
    mx.eval(c)
    return c, n
  return run


def fori_mlx(n):
  return mlx_steps(mx.compile(lambda c: c * 1.0001 + 1.0), lambda: mx.array(f32_ones()), n)


# 2. while_loop with a counter in the state.
def while_jax(n):
  def f(c):
    return lax.while_loop(lambda s: s[0] < n, lambda s: (s[0] + 1, s[1] * 1.0001 + 1.0),
                          (jnp.int32(0), c))
  return jax.jit(f), (f32_ones(),)


def while_mlx(n):
  # An MLX user keeps the counter in Python: reading it from the device each
  # step would only add a sync. The loop is then the fori loop above.
  step = mx.compile(lambda c: c * 1.0001 + 1.0)

  def run():
    c, i = mx.array(f32_ones()), 0
    while i < n:
      c, i = step(c), i + 1
      if i % EVAL_EVERY == 0:  # control does not depend on c: eval every N steps
        mx.eval(c)
    mx.eval(c)
    return c, i
  return run


# 3. while_loop whose condition reads the float state. From x0 = 1, after k
# steps every element is 11 * 1.0001**k - 10; the threshold sits half a step
# before step n, so rounding does not change the count much.
def threshold(n):
  return 16 * (11 * 1.0001 ** (n - 0.5) - 10)


def while_data_jax(n):
  t = threshold(n)

  def f(x):
    # The counter only reports the iterations; the condition does not read it.
    return lax.while_loop(lambda s: s[0].sum() < t, lambda s: (s[0] * 1.0001 + 0.001, s[1] + 1),
                          (x, jnp.int32(0)))
  return jax.jit(f), (f32_ones(),)


def while_data_mlx(n):
  t = threshold(n)
  step = mx.compile(lambda x: (lambda y: (y, y.sum()))(x * 1.0001 + 0.001))

  def run():
    x = mx.array(f32_ones())
    total, k = x.sum(), 0
    while total.item() < t:  # control depends on the value: eval (.item()) every step
      x, total = step(x)
      k += 1
    return (x, k), k
  return run


# 4. scan over n scalars: running sum, the carry stacked as the output.
def scan_xs(n):
  return np.random.default_rng(0).standard_normal(n).astype(np.float32)


def scan_jax(n):
  return (jax.jit(lambda xs: lax.scan(lambda c, x: (c + x, c + x), jnp.float32(0), xs)),
          (scan_xs(n),))


def scan_mlx(n):
  step = mx.compile(lambda c, x: c + x)

  def run():
    xs = mx.array(scan_xs(n))
    c, ys = mx.array(0.0), []
    for i in range(n):
      c = step(c, xs[i])
      ys.append(c)
      if (i + 1) % EVAL_EVERY == 0:  # control does not depend on c: eval every N steps
        mx.eval(c)
    ys = mx.stack(ys)
    mx.eval(c, ys)
    return (c, ys), n
  return run


# 5. n random.split steps, carrying a key's raw data (u32[2]).
def key0():
  return np.asarray(jax.random.key_data(jax.random.key(0)))


def split_jax(n):
  def body(i, k):
    return jax.random.key_data(jax.random.split(jax.random.wrap_key_data(k))[0])
  return jax.jit(lambda k: lax.fori_loop(0, n, body, k)), (key0(),)


def split_mlx(n):
  # mx.random.split is MLX's own key scheme (also Threefry-based, but the keys
  # it makes differ from JAX's): same work per step, different numbers.
  return mlx_steps(mx.compile(lambda k: mx.random.split(k)[0]), lambda: mx.random.key(0), n)


def key_summary(out):
  return "[" + ", ".join(str(int(v)) for v in np.asarray(out).ravel()) + "]"


# 6. jax.random.normal of 2**20 values: one call is one iteration.
NORMALS = 2**20


def normal_jax(n):
  return jax.jit(lambda k: jax.random.normal(jax.random.wrap_key_data(k), (NORMALS,))), (key0(),)


def normal_mlx(n):
  # MLX's own generator: different numbers from JAX's.
  draw = mx.compile(lambda k: mx.random.normal((NORMALS,), key=k))
  key = mx.random.key(0)

  def run():
    x = draw(key)
    mx.eval(x)  # one call, evaluated
    return x, 1
  return run


def normal_summary(out):
  x = np.asarray(out, np.float64)
  return f"mean {x.mean():+.4f}, sd {x.std():.4f}"


# 7. n steps of gradient descent on a 64-64-64 MLP (tanh), MSE on a fixed
# 32x64 batch, in one lax.scan.
def mlp_data():
  rng = np.random.default_rng(0)
  f = lambda *s: rng.standard_normal(s).astype(np.float32)
  params = (f(64, 64) / 8, np.zeros(64, np.float32), f(64, 64) / 8, np.zeros(64, np.float32))
  return params, f(32, 64), f(32, 64)


def mlp_jax(n):
  def loss(p, x, y):
    w1, b1, w2, b2 = p
    return jnp.mean((jnp.tanh(x @ w1 + b1) @ w2 + b2 - y) ** 2)

  def train(p, x, y):
    def step(p, _):
      value, g = jax.value_and_grad(loss)(p, x, y)
      return jax.tree.map(lambda a, b: a - 1e-2 * b, p, g), value
    return lax.scan(step, p, None, length=n)
  return jax.jit(train), mlp_data()


def mlp_mlx(n):
  def loss(p, x, y):
    w1, b1, w2, b2 = p
    return mx.mean(mx.square(mx.tanh(x @ w1 + b1) @ w2 + b2 - y))

  grad = mx.value_and_grad(loss)

  @mx.compile
  def step(p, x, y):
    value, g = grad(p, x, y)
    return [a - 1e-2 * b for a, b in zip(p, g)], value

  def run():
    p, x, y = mlp_data()
    p, x, y = [mx.array(a) for a in p], mx.array(x), mx.array(y)
    losses = []
    for i in range(n):
      p, value = step(p, x, y)
      losses.append(value)
      if (i + 1) % EVAL_EVERY == 0:  # control does not depend on p: eval every N steps
        mx.eval(p)
    losses = mx.stack(losses)
    mx.eval(p, losses)
    return (p, losses), n
  return run


def mlp_summary(out):
  losses = np.asarray(out[1])
  return f"loss {losses[0]:.4f} → {losses[-1]:.4f}"


# 8. NumPyro NUTS on a 10-dimensional standard Gaussian: n draws after n // 2
# warm-up draws. MCMC.run retraces and recompiles its sampling loop on every
# call (its cached_by key holds a closure made per run), so timing plain runs
# would time XLA compiles; jitting the whole run, as NumPyro's docs allow,
# compiles once and the timed calls are the loops.
def nuts_jax(n):
  import numpyro
  import numpyro.distributions as dist
  from numpyro.infer import MCMC, NUTS

  def model():
    numpyro.sample("x", dist.Normal(jnp.zeros(10), 1.0).to_event(1))

  def chain(key):
    mcmc = MCMC(NUTS(model), num_warmup=n // 2, num_samples=n, progress_bar=False,
                jit_model_args=True)
    mcmc.run(jax.random.wrap_key_data(key), extra_fields=("num_steps",))
    return mcmc.get_extra_fields()["num_steps"], mcmc.get_samples()["x"]
  return jax.jit(chain), (key0(),)


def nuts_summary(out):
  steps, x = np.asarray(out[0]), np.asarray(out[1], np.float64)
  return f"mean {x.mean():+.3f}, var {x.var(axis=0).mean():.3f}, {steps.mean():.2f} leapfrog/draw"


PROGRAMS = [
    Program("fori", "fori_loop, c * 1.0001 + 1.0 on f32[16]", 10_000, 1_000, fori_jax, fori_mlx,
            f"every {EVAL_EVERY} steps"),
    Program("while", "while_loop, counter + f32[16] state", 10_000, 1_000, while_jax, while_mlx,
            f"every {EVAL_EVERY} steps", iterations=lambda n, out: int(out[0])),
    Program("while_data", "while_loop, x.sum() < threshold (float condition)", 10_000, 1_000,
            while_data_jax, while_data_mlx, "every step (.item())",
            iterations=lambda n, out: int(out[1]),
            summary=lambda out: f"{float(np.sum(np.asarray(out[0], np.float64))):.6g}"),
    Program("scan", "lax.scan over scalars, running sum, stacked carry", 10_000, 1_000, scan_jax,
            scan_mlx, f"every {EVAL_EVERY} steps"),
    Program("split", "fori_loop of jax.random.split (u32[2] key data)", 1_000, 100, split_jax,
            split_mlx, f"every {EVAL_EVERY} steps", summary=key_summary),
    Program("normal", "jax.random.normal(key, (2**20,)), one call", 1, 1, normal_jax, normal_mlx,
            "each call", unit="µs/call", scalable=False, summary=normal_summary,
            count=lambda it: "1 call"),
    Program("mlp_scan", "lax.scan of MLP grad steps (64x64 x2, batch 32)", 1_000, 100, mlp_jax,
            mlp_mlx, f"every {EVAL_EVERY} steps", summary=mlp_summary),
    Program("nuts", "NumPyro NUTS, 10-d standard Gaussian, jit(MCMC.run)", 1_000, 100, nuts_jax,
            None, unit="ms/draw", n_min=10, iterations=lambda n, out: n + n // 2,
            summary=nuts_summary,
            count=lambda it: f"{it:,} draws ({it // 3:,} warmup + {it - it // 3:,})"),
]


# ---------------------------------------------------------------------------
# Timing.


def nice_floor(v: float) -> int:
  """The largest 1, 2 or 5 times a power of ten not above v (at least 1)."""
  if v < 1:
    return 1
  p = 10 ** math.floor(math.log10(v))
  return int(max(m * p for m in (1, 2, 5) if m * p <= v))


class Settings:
  def __init__(self, quick, budget):
    self.quick = quick
    self.warmup = 1 if quick else 2  # untimed calls, the first with the compile
    self.reps = 3 if quick else 5  # timed calls at least ...
    self.min_time = 0.2 if quick else 1.0  # ... and until this many seconds were timed
    self.max_reps = 100
    self.budget = budget or (5.0 if quick else 40.0)


def measure(call, s: Settings):
  """call() -> (result, iterations), waiting for the result. The first call's
  seconds, the per-call seconds of the timed calls, the last result and its
  iteration count."""
  t0 = time.perf_counter()
  out, iters = call()
  first = time.perf_counter() - t0
  for _ in range(s.warmup - 1):
    call()
  times, start = [], time.perf_counter()
  while len(times) < s.max_reps and (len(times) < s.reps or
                                     time.perf_counter() - start < s.min_time):
    t0 = time.perf_counter()
    out, iters = call()
    times.append(time.perf_counter() - t0)
  return first, times, out, iters


def scaled_run(make_call, prog: Program, n: int, s: Settings):
  """Times make_call(n)(); first, where the program may shrink, a probe at its
  smallest size estimates the time per iteration, and n shrinks to fit the
  budget when the full cell would not."""
  n_min = prog.n_min or max(1, n // 10)
  if prog.scalable and n > n_min:
    probe = make_call(n_min)
    probe()
    t0 = time.perf_counter()
    probe()
    est = (time.perf_counter() - t0) * n / n_min  # seconds per call at n
    calls = s.warmup + s.reps
    if est * calls > s.budget:
      n = max(n_min, nice_floor(n * s.budget / (est * calls)))
  first, times, out, iters = measure(make_call(n), s)
  return n, first, times, out, iters


def jax_cell(prog: Program, device, s: Settings) -> dict:
  def make_call(n):
    fn, host_args = prog.make_jax(n)
    args = jax.device_put(host_args, device)

    def call():
      with jax.default_device(device):
        out = jax.block_until_ready(fn(*args))
      return out, prog.iterations(n, out)
    return call

  n = prog.quick_n if s.quick else prog.n
  n, first, times, out, iters = scaled_run(make_call, prog, n, s)
  where = {d for leaf in jax.tree.leaves(out) for d in leaf.devices()}
  if where != {device}:
    raise RuntimeError(f"the result is on {where}, not on {device}")
  return finish(n, first, times, iters, prog.summary(out), prog)


def mlx_cell(prog: Program, s: Settings) -> dict:
  n = prog.quick_n if s.quick else prog.n
  n, first, times, out, iters = scaled_run(prog.make_mlx, prog, n, s)
  summary = prog.summary(jax.tree.map(np.asarray, out, is_leaf=lambda a: isinstance(a, mx.array)))
  return finish(n, first, times, iters, summary, prog)


def finish(n, first, times, iters, summary, prog) -> dict:
  ms = bench_models.median_ms(times)
  per = ms / iters if prog.unit == "ms/draw" else ms * 1e3 / iters
  return {"n": n, "iterations": iters, "first_s": first, "times_ms": [t * 1e3 for t in times],
          "ms": ms, "per_iteration": per, "summary": summary}


def guarded(label, prog, fn) -> dict:
  t0 = time.perf_counter()
  try:
    cell = fn()
  except Exception as e:  # a failing program must not end the run
    print(f"  {prog.name} on {label}: {type(e).__name__}: {str(e)[:500]}", file=sys.stderr)
    traceback.print_exc(limit=3, file=sys.stderr)
    return {"error": type(e).__name__, "message": str(e)[:2000]}
  print(f"  {prog.name} on {label}: {fmt_value(cell['per_iteration'])} {prog.unit}, "
        f"{cell['iterations']:,} iterations, {time.perf_counter() - t0:.1f} s",
        file=sys.stderr, flush=True)
  return cell


# ---------------------------------------------------------------------------
# Report.


def fmt_value(v: float) -> str:
  return f"{v:.3g}" if v < 10 else f"{v:,.0f}" if v >= 1000 else f"{v:.1f}"


def cell_text(cell, key="per_iteration", fmt=fmt_value) -> str:
  if cell is None:
    return "—"
  if "error" in cell:
    return cell["error"]
  return fmt(cell[key])


def ratio(a, b) -> str:
  if not a or not b or "error" in a or "error" in b:
    return "—"
  r = a["per_iteration"] / b["per_iteration"]
  return f"{r:.3g}" if r < 100 else f"{r:,.0f}"


def counts_text(prog, cells: dict, labels: dict) -> str:
  """The iteration count, with the backends that ran another one."""
  done = {k: c["iterations"] for k, c in cells.items() if c and "error" not in c}
  if not done:
    return "—"
  values = list(done.values())
  common = max(set(values), key=values.count)
  others = [f"{labels[k]} {prog.count(v)}" for k, v in done.items() if v != common]
  return prog.count(common) + ("; " + "; ".join(others) if others else "")


def report(info, rows, cols) -> str:
  """cols: (key, heading) of the backends, the plugin first."""
  labels = dict(cols)
  short = {k: h.split(" (")[0].replace("JAX → ", "") for k, h in cols}
  lines = ["Machine:", ""] + [f"- {k}: {v}" for k, v in info.items()]
  lines += ["", "Time per iteration (median of the timed calls ÷ the iterations a call ran; "
            "ratios are plugin time / other):", ""]
  body = []
  for prog, cells in rows:
    body.append([prog.name, prog.title, counts_text(prog, cells, short), prog.unit] +
                [cell_text(cells[k]) for k, _ in cols] +
                [prog.mlx_eval if prog.make_mlx else "—",
                 ratio(cells["plugin"], cells["cpu"]), ratio(cells["plugin"], cells["mlx"])])
  lines.append(table(body, ["name", "program", "iterations per call", "unit"] +
                     [h for _, h in cols] + ["MLX evaluates", "plugin / XLA:CPU",
                                             "plugin / MLX"]))
  lines += ["", "Per call: median ms (number of timed calls), then the first call of that program "
            "in s (its compile and one run; a smaller probe call may have run before it):", ""]
  body = []
  for prog, cells in rows:
    body.append([prog.name] + [
        cell_text(cells[k], fmt=lambda _, c=cells[k]:
                  f"{c['ms']:,.2f} ms ({len(c['times_ms'])}), {c['first_s']:.2f} s")
        for k, _ in cols])
  lines.append(table(body, ["name"] + [h for _, h in cols]))
  lines += ["", "Sanity: a summary of each result (same inputs; where the counts agree the JAX "
            "backends agree up to float rounding; MLX's PRNG differs from JAX's):", ""]
  body = [[prog.name] + [cell_text(cells[k], fmt=lambda _, c=cells[k]: c["summary"])
                         for k, _ in cols] for prog, cells in rows]
  lines.append(table(body, ["name"] + [h for _, h in cols]))
  errors = [(prog.name, labels[k], c) for prog, cells in rows for k, c in cells.items()
            if c and "error" in c]
  if errors:
    lines += ["", "Errors:", ""]
    lines += [f"- {name} on {where}: {c['error']}: {c['message'][:300]}"
              for name, where, c in errors]
  return "\n".join(lines)


def main() -> int:
  args = ARGS or parser().parse_args()
  only = [o for o in args.only.split(",") if o]
  unknown = set(only) - {p.name for p in PROGRAMS}
  if unknown:
    raise SystemExit(f"unknown program(s) {sorted(unknown)}; "
                     f"the programs: {', '.join(p.name for p in PROGRAMS)}")
  s = Settings(args.quick, args.budget)
  plugin = jax.devices("mps")[0]
  cpu = jax.devices("cpu")[0]
  devices = {"plugin": plugin, "cpu": cpu}
  cols = [("plugin", f"JAX → plugin ({plugin.device_kind})"), ("cpu", "JAX → XLA:CPU")]
  info = bench_models.machine()
  info["numpyro"] = md.version("numpyro")
  info["plugin device"] = (f"{plugin} ({plugin.device_kind}), "
                           + "; ".join(plugin.client.platform_version.splitlines()))
  if args.peer == "cuda":
    bench_models.PEER = "cuda"
    cols.append(("cuda", f"JAX → {bench_models.peer_name()}"))
    try:
      devices["cuda"] = jax.devices("cuda")[0]
      info["XLA:GPU device"] = f"{devices['cuda']} ({devices['cuda'].device_kind})"
    except RuntimeError as e:
      info["XLA:GPU device"] = f"none: {e}"
  mlx_kind = mx.default_device().type.name
  cols.append(("mlx", f"MLX native ({mlx_kind})"))
  info["timing"] = (f"{s.warmup} warm-up call(s), then the median of at least {s.reps} timed calls "
                    f"(and at least {s.min_time:g} s of them); a backend runs fewer iterations "
                    f"where one program would take it more than {s.budget:g} s")

  rows = []
  t_start = time.perf_counter()
  for prog in PROGRAMS:
    if only and prog.name not in only:
      continue
    print(f"[{prog.name}] {prog.title}", file=sys.stderr, flush=True)
    cells = {}
    for key, _ in cols:
      if key == "mlx":
        cells[key] = guarded("MLX", prog, lambda: mlx_cell(prog, s)) if prog.make_mlx else None
      elif key in devices:
        cells[key] = guarded(key, prog, lambda d=devices[key]: jax_cell(prog, d, s))
      else:
        cells[key] = None
    rows.append((prog, cells))
  info["benchmark time"] = f"{time.perf_counter() - t_start:.0f} s"
  print(report(info, rows, cols))
  if args.json:
    args.json.write_text(json.dumps({
        "machine": info, "quick": s.quick, "columns": dict(cols),
        "programs": [{"name": p.name, "program": p.title, "unit": p.unit, "mlx_eval": p.mlx_eval,
                      **cells} for p, cells in rows]}, indent=2) + "\n")
  return 0


if __name__ == "__main__":
  raise SystemExit(main())
