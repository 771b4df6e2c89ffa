"""First call of the demo transformer's train step (examples/demo.py's model)
in a fresh process, with JAX's persistent compilation cache empty and then
warm, on the plugin (`mps`) and on XLA:CPU for comparison. Each run is its own
process, so nothing but the cache directory carries over. Prints a markdown
table: JAX's trace + lowering (the same either way), the compile (a cache
lookup when warm), the first execution, and their sum, the first call.

    PYTHONPATH=python:examples .venv/bin/python scripts/bench_cache.py [--rounds N] [--json out.json]

APPLEJAX_PLUGIN_PATH picks a development build of the plugin, as everywhere.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent


def child(platform: str, cache_dir: str) -> None:
  """One fresh process: the first call of the train step, in parts."""
  sys.path[:0] = [str(ROOT / "examples")]
  import jax
  from jax_plugins.mps import cache

  cache.install()  # idempotent; the plugin's initialize() installs it as well
  jax.config.update("jax_compilation_cache_dir", cache_dir)
  # The demo step takes seconds to compile, over JAX's default 1 s threshold,
  # but a fast machine must not decide whether the entry is written.
  jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
  from jax._src import monitoring

  events: list[str] = []
  monitoring.register_event_listener(lambda name, **kw: events.append(name))
  import transformer
  from training import initial_values, make_train_step

  example = transformer.make_example(transformer.DEMO, 300)
  device = jax.devices(platform)[0]
  _, step = make_train_step(example)
  args = jax.device_put(initial_values(example) + (example.batches(1, 0)[0],), device)
  t0 = time.perf_counter()
  lowered = step.lower(*args)
  t1 = time.perf_counter()
  compiled = lowered.compile()
  t2 = time.perf_counter()
  loss = float(jax.block_until_ready(compiled(*args))[-1])
  t3 = time.perf_counter()
  jax.block_until_ready(compiled(*args))
  t4 = time.perf_counter()
  print(json.dumps({
      "lower_s": t1 - t0, "compile_s": t2 - t1, "first_run_s": t3 - t2,
      "second_run_s": t4 - t3, "loss": loss,
      "hit": events.count("/jax/compilation_cache/cache_hits") > 0,
  }))


def run_child(platform: str, cache_dir: str) -> dict:
  env = dict(os.environ, JAX_PLATFORMS="mps,cpu")
  env["PYTHONPATH"] = os.pathsep.join(
      [str(ROOT / "python"), str(ROOT / "examples"), env.get("PYTHONPATH", "")])
  out = subprocess.run([sys.executable, __file__, "--child", platform, cache_dir], env=env,
                       capture_output=True, text=True, check=False)
  if out.returncode != 0:
    raise SystemExit(f"the {platform} run failed:\n{out.stderr[-4000:]}")
  return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("--rounds", type=int, default=2,
                      help="cold/warm pairs per backend (each in a new cache directory)")
  parser.add_argument("--platforms", nargs="+", default=["mps", "cpu"])
  parser.add_argument("--json", help="also write the raw runs here")
  parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
  args = parser.parse_args()
  if args.child:
    child(*args.child)
    return 0

  runs = []
  for platform in args.platforms:
    for r in range(args.rounds):
      with tempfile.TemporaryDirectory(prefix="applejax-cache-") as cache_dir:
        cold = run_child(platform, cache_dir)
        warm = run_child(platform, cache_dir)
      if cold["hit"] or not warm["hit"]:
        raise SystemExit(f"{platform} round {r}: expected a miss then a hit, got "
                         f"{cold['hit']} then {warm['hit']}")
      if cold["loss"] != warm["loss"]:
        raise SystemExit(f"{platform}: the cached executable gave loss {warm['loss']}, "
                         f"the compiled one {cold['loss']}")
      runs += [dict(cold, platform=platform, cache="empty"),
               dict(warm, platform=platform, cache="warm")]
      print(f"{platform} round {r + 1}: first call {sum(cold[k] for k in ('lower_s', 'compile_s', 'first_run_s')):.2f} s "
            f"cold, {sum(warm[k] for k in ('lower_s', 'compile_s', 'first_run_s')):.2f} s warm",
            file=sys.stderr)

  def med(platform, cache, key):
    return statistics.median(r[key] for r in runs if r["platform"] == platform and r["cache"] == cache)

  print(f"Demo transformer train step, first call in a fresh process (s), median of "
        f"{args.rounds}:\n")
  print("| backend | cache | trace + lower | compile | first run | first call | second step |")
  print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
  for platform in args.platforms:
    for cache in ("empty", "warm"):
      parts = [med(platform, cache, k) for k in ("lower_s", "compile_s", "first_run_s")]
      print(f"| {'plugin (mps)' if platform == 'mps' else 'XLA:' + platform.upper()} | {cache} | "
            + " | ".join(f"{p:.2f}" for p in parts)
            + f" | {sum(parts):.2f} | {med(platform, cache, 'second_run_s'):.3f} |")
  if args.json:
    pathlib.Path(args.json).write_text(json.dumps(runs, indent=1))
  return 0


if __name__ == "__main__":
  raise SystemExit(main())
