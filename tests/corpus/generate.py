"""Writes the differential corpus: StableHLO portable artifacts of many JAX
programs, each beside jaxlib's own generic-form print of it, and a table of
MLIR's text for float bit patterns (floats.txt, see floats.py).

Usage: .venv/bin/python tests/corpus/generate.py OUTDIR [VERSION]

For each program NAME it writes NAME.mlirbc (the artifact, VHLO at VERSION,
default 1.17.0) and NAME.mlir (jaxlib's deserialisation of it, printed in the
generic op form without locations), plus manifest.json listing the written
and the dropped programs. native/tests/vhlo_corpus_test.cc reads every
artifact with our reader, prints it with our printer and wants the same text.

A program is dropped, with its reason printed and recorded, when JAX cannot
lower it here or jaxlib cannot serialise it; the run still succeeds so that
one JAX upgrade cannot block the suite, but the drops are counted.
"""

import json
import os
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "artifacts"))
sys.path.insert(0, HERE)

import jax  # noqa: E402
from jax._src.interpreters import mlir as jmlir  # noqa: E402
from jax._src.lib import _jax  # noqa: E402

from export import jaxlib_text, strip_sdy_rules  # noqa: E402
import programs_lax  # noqa: E402
import programs_models  # noqa: E402
import programs_text  # noqa: E402
from floats import write_float_table  # noqa: E402

jax.config.update("jax_platforms", "cpu")


def lowered_text(program):
  """The program's StableHLO text, lowered with x64 on when it asks."""
  with jax.enable_x64(program.x64):
    if program.text is not None:
      return strip_sdy_rules(program.text())
    return strip_sdy_rules(jax.jit(program.fn).lower(*program.args).as_text())


def short_reason(e):
  lines = [l for l in str(e).strip().splitlines() if l.strip()]
  first = lines[0] if lines else ""
  return f"{type(e).__name__}: {first[:300]}"


def main():
  if len(sys.argv) < 2:
    sys.exit(__doc__)
  out = sys.argv[1]
  version = sys.argv[2] if len(sys.argv) > 2 else "1.17.0"
  os.makedirs(out, exist_ok=True)
  # A stale artifact of a program no longer generated must not be tested.
  for f in os.listdir(out):
    if f.endswith((".mlirbc", ".mlir")):
      os.remove(os.path.join(out, f))
  ctx = jmlir.make_ir_context()
  manifest = {"stablehlo_version": version, "jax": jax.__version__, "artifacts": [], "dropped": []}
  start = time.time()
  seen = set()
  programs = [*programs_lax.programs(), *programs_models.programs(), *programs_text.programs()]
  for p in programs:
    if p.name in seen:
      raise SystemExit(f"duplicate program name {p.name}")
    seen.add(p.name)
    stage = "lower"
    try:
      text = lowered_text(p)
      stage = "serialize"
      artifact = _jax.mlir.serialize_portable_artifact(text, version)
      stage = "deserialize"
      generic = jaxlib_text(artifact, ctx, generic=True)
    except Exception as e:  # noqa: BLE001 - every failure is a recorded drop
      reason = f"{stage}: {short_reason(e)}"
      print(f"dropped {p.name}: {reason}")
      if os.environ.get("APPLEJAX_CORPUS_TRACE"):
        traceback.print_exc()
      manifest["dropped"].append({"name": p.name, "stage": stage, "reason": reason})
      continue
    with open(os.path.join(out, p.name + ".mlirbc"), "wb") as f:
      f.write(artifact)
    with open(os.path.join(out, p.name + ".mlir"), "w") as f:
      f.write(generic)
    manifest["artifacts"].append({"name": p.name, "note": p.note, "bytes": len(artifact)})
  manifest["floats"] = write_float_table(os.path.join(out, "floats.txt"), ctx)
  manifest["seconds"] = round(time.time() - start, 1)
  with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
  print(f"wrote {len(manifest['artifacts'])} artifacts to {out}, dropped "
        f"{len(manifest['dropped'])} of {len(programs)} programs, in {manifest['seconds']} s")


if __name__ == "__main__":
  main()
