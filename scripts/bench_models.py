"""Time per training step of the example models, side by side in one run:
JAX on the applejax plugin (`mps`), the same model written directly in MLX
(eager and under mx.compile), and JAX on XLA (XLA:CPU, or XLA:GPU with
`--peer cuda` where jaxlib has CUDA); the dispatch overhead of a
tiny jitted op; the first-call compile time of the ResNet-18 step. Prints
markdown tables (medians and ratios) and a description of the machine.

    PYTHONPATH=python:examples .venv/bin/python scripts/bench_models.py [--quick] [--peer cuda] [--json out.json]

APPLEJAX_PLUGIN_PATH picks a development build of the plugin, as everywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import statistics
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "examples"), str(ROOT / "scripts")]
os.environ.setdefault("JAX_PLATFORMS", "mps,cpu")

import jax  # noqa: E402

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


def report(info, rows, dispatch, compile_times) -> str:
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
  return "\n".join(lines)


def main() -> int:
  ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  ap.add_argument("--quick", action="store_true", help="fewer steps (a smoke run)")
  ap.add_argument("--only", nargs="*", default=[], help="models whose name contains one of these")
  ap.add_argument("--skip", nargs="*", default=[], choices=["models", "dispatch", "compile"])
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
  rows = [] if "models" in args.skip else bench_models(args.quick, args.only)
  print(report(info, rows, dispatch, compile_times))
  if args.json:
    args.json.write_text(json.dumps({"machine": info, "models": rows, "dispatch_us": dispatch,
                                     "compile_s": compile_times}, indent=2) + "\n")
  return 0


if __name__ == "__main__":
  raise SystemExit(main())
