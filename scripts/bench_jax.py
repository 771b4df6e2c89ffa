"""The JAX side of `deno task bench` and of the bench-corpus tests: runs the
programs of scripts/bench_ops.py on JAX's own cpu backend, on the inputs the
manifest describes (bit-identical to the ones the TypeScript side makes).

Usage:
  bench_jax.py time MANIFEST CONFIG_JSON
      CONFIG_JSON: {"names": [...], "warmup": W, "reps": R, "budget_s": S,
                    "transfer_bytes": [...]}
      Prints one JSON object: per program the compile time (XLA compile of
      the lowered program), the first call and the per-call times in ms; per transfer size the host-to-device and
      device-to-host times in ms.
  bench_jax.py reference MANIFEST OUTDIR [NAME ...]
      Writes OUTDIR/NAME.K.bin, the raw bytes of output K of each program.
"""

import json
import os
import pathlib
import sys
import time

import jax
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_ops  # noqa: E402

jax.config.update("jax_platforms", "cpu")


def programs(manifest, names):
  by_name = {op["name"]: op for op in bench_ops.ops()}
  entries = [e for e in manifest["ops"] if not names or e["name"] in names]
  missing = [e["name"] for e in entries if e["name"] not in by_name]
  if missing:
    raise SystemExit(f"the manifest names programs bench_ops.py lacks: {missing}; "
                     "regenerate with `deno task bench-corpus`")
  return [(e, by_name[e["name"]]) for e in entries]


def inputs(entry):
  return [bench_ops.make_input(spec, k) for k, spec in enumerate(entry["inputs"])]


def repeat(fn, warmup, reps, budget_s):
  """Per-call times in ms: `warmup` untimed calls, then up to `reps` timed ones,
  stopping early (after at least 5) once `budget_s` is spent."""
  for _ in range(warmup):
    fn()
  times = []
  start = time.perf_counter()
  while len(times) < reps:
    t = time.perf_counter_ns()
    fn()
    times.append((time.perf_counter_ns() - t) / 1e6)
    if len(times) >= 5 and time.perf_counter() - start > budget_s:
      break
  return times


def time_programs(manifest, config):
  results = []
  cpu = jax.devices("cpu")[0]
  for entry, op in programs(manifest, config.get("names")):
    args = [jax.device_put(a, cpu) for a in inputs(entry)]
    lowered = jax.jit(op["fn"]).lower(*args)
    t = time.perf_counter_ns()
    compiled = lowered.compile()
    compile_ms = (time.perf_counter_ns() - t) / 1e6
    t = time.perf_counter_ns()
    jax.block_until_ready(compiled(*args))
    first_run_ms = (time.perf_counter_ns() - t) / 1e6
    times = repeat(lambda: jax.block_until_ready(compiled(*args)), config["warmup"],
                   config["reps"], config["budget_s"])
    results.append({"name": entry["name"], "compile_ms": compile_ms,
                    "first_run_ms": first_run_ms, "times_ms": times})
  transfers = []
  for size in config.get("transfer_bytes", []):
    host = np.ones(size // 4, np.float32)
    h2d = repeat(lambda: jax.device_put(host, cpu).block_until_ready(), config["warmup"],
                 config["reps"], config["budget_s"])
    dev = jax.device_put(host, cpu)
    # np.array copies; np.asarray may alias the cpu buffer and time nothing.
    d2h = repeat(lambda: np.array(dev), config["warmup"], config["reps"], config["budget_s"])
    transfers.append({"bytes": size, "h2d_ms": h2d, "d2h_ms": d2h})
  return {"jax": jax.__version__, "device": str(cpu), "ops": results, "transfers": transfers}


def write_references(manifest, outdir, names):
  outdir.mkdir(parents=True, exist_ok=True)
  for entry, op in programs(manifest, names):
    outs = jax.tree.leaves(jax.jit(op["fn"])(*inputs(entry)))
    for k, out in enumerate(outs):
      (outdir / f"{entry['name']}.{k}.bin").write_bytes(np.asarray(out).tobytes())


def main():
  if len(sys.argv) < 4 or sys.argv[1] not in ("time", "reference"):
    sys.exit(__doc__)
  manifest = json.loads(pathlib.Path(sys.argv[2]).read_text())
  if sys.argv[1] == "time":
    print(json.dumps(time_programs(manifest, json.loads(sys.argv[3]))))
  else:
    write_references(manifest, pathlib.Path(sys.argv[3]), sys.argv[4:])


if __name__ == "__main__":
  main()
