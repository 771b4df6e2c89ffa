"""Writes the benchmark corpus: one StableHLO portable artifact per program of
scripts/bench_ops.py, and manifest.json describing each program's inputs
(shape, dtype, how to fill them) and outputs. `deno task bench-corpus` runs
this into tests/fixtures/bench/, where the result is committed so that the
TypeScript benchmark and tests need no Python to get programs.

Usage: .venv/bin/python scripts/bench_corpus.py [OUTDIR] [STABLEHLO_VERSION]
(defaults: tests/fixtures/bench, the plugin's announced version from
applejax.lock.json).
"""

import json
import os
import pathlib
import sys

import jax
from jax._src.lib import _jax

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench_ops  # noqa: E402

jax.config.update("jax_platforms", "cpu")

ROOT = pathlib.Path(__file__).resolve().parent.parent


def plugin_version():
  lock = json.loads((ROOT / "applejax.lock.json").read_text())
  return lock["stablehlo"]["plugin_current"]


def artifact(op, version):
  """The bytes JAX would hand a plugin announcing `version` for this program."""
  args = [jax.ShapeDtypeStruct(a["shape"], a["dtype"]) for a in op["args"]]
  lowered = jax.jit(op["fn"]).lower(*args)
  text = lowered.as_text()
  if "sdy." in text:
    # The portable serializer has no Shardy dialect; the benchmark programs
    # are chosen so that none carries sharding rules.
    raise SystemExit(f"{op['name']}: lowered text has sdy attributes; pick another program")
  outs = [{"shape": list(o.shape), "dtype": str(o.dtype)}
          for o in jax.tree.leaves(lowered.out_info)]
  return _jax.mlir.serialize_portable_artifact(text, version), outs


def main():
  out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "tests" / "fixtures" / "bench"
  version = sys.argv[2] if len(sys.argv) > 2 else plugin_version()
  out.mkdir(parents=True, exist_ok=True)
  for old in out.glob("*.mlirbc"):
    old.unlink()
  entries = []
  for op in bench_ops.ops():
    data, outputs = artifact(op, version)
    (out / f"{op['name']}.mlirbc").write_bytes(data)
    entries.append({
        "name": op["name"],
        "family": op["family"],
        "op": op["op"],
        "size": op["size"],
        "file": f"{op['name']}.mlirbc",
        "bytes": len(data),
        "flops": op["flops"],
        "inputs": op["args"],
        "outputs": outputs,
        "rtol": op.get("rtol", 1e-5),
        "atol": op.get("atol", 1e-5),
    })
  manifest = {
      "generator": "scripts/bench_corpus.py",
      "jax": jax.__version__,
      "stablehlo_version": version,
      "ops": entries,
  }
  (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n")
  total = sum(e["bytes"] for e in entries)
  print(f"wrote {len(entries)} artifacts ({total} bytes) and manifest.json to {out}")


if __name__ == "__main__":
  main()
