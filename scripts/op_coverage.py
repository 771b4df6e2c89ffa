"""Which lowerings two test runs reached, from the artifacts each dumped.

    python scripts/op_coverage.py FULL_DUMP_DIR SUBSET_DUMP_DIR

Each run sets APPLEJAX_DUMP_DIR, so the plugin keeps every program JAX sent
it. This reads them with jaxlib, collects the ops (and custom_call targets)
they hold, and maps each onto the lowering file that registers it
(`r.add("stablehlo.x", ...)` / `custom_call_key("target")` in
native/lower/*.cc). It prints, per lowering file, how many of its registered
ops each run reached, and exits 1 when the subset run missed an op the full
run reached: the sanitizer stage's stratified subset must lower everything
the whole suite lowers.
"""

from __future__ import annotations

import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
CUSTOM = "stablehlo.custom_call"


def registered() -> dict[str, str]:
  """op key -> the lowering file that registers it."""
  keys = {}
  for path in sorted((ROOT / "native" / "lower").glob("*.cc")):
    # The passes make fast.cc's custom calls (applejax.fast.*) after JAX has
    # sent the artifact, so no artifact holds them; tests/python/test_fusion.py
    # counts them in the IR after the passes instead.
    if path.name == "fast.cc":
      continue
    text = path.read_text()
    for m in re.finditer(r'custom_call_key\("([^"]+)"\)', text):
      keys[f"{CUSTOM} @{m.group(1)}"] = path.name
    for m in re.finditer(r'r\.add\("([^"]+)"', text):
      keys[m.group(1)] = path.name
  return keys


def ops_of(dump_dir: pathlib.Path) -> set[str]:
  from jax._src.interpreters import mlir as jmlir
  from jaxlib.mlir import ir
  from jaxlib.mlir.dialects import stablehlo

  ctx = jmlir.make_ir_context()
  # Programs with sharding annotations carry sdy ops, which jaxlib's Python
  # context does not register; their names are all this needs.
  ctx.allow_unregistered_dialects = True
  found: set[str] = set()

  def visit(op):
    name = op.operation.name
    found.add(name)
    if name == CUSTOM:
      target = ir.StringAttr(op.operation.attributes["call_target_name"]).value
      found.add(f"{CUSTOM} @{target}")
    for region in op.operation.regions:
      for block in region.blocks:
        for inner in block.operations:
          visit(inner)

  for path in sorted(dump_dir.glob("*.mlirbc")):
    module = stablehlo.deserialize_portable_artifact(ctx, path.read_bytes())
    for op in module.body.operations:
      visit(op)
  return found


def main() -> int:
  if len(sys.argv) != 3:
    sys.exit(__doc__)
  full_dir, subset_dir = map(pathlib.Path, sys.argv[1:])
  keys = registered()
  full_ops, subset_ops = ops_of(full_dir), ops_of(subset_dir)
  # Registered ops, plus every custom_call target the full run sent (most are
  # dispatched by target inside custom_call.cc, not registered one by one).
  targets = {k for k in full_ops if k.startswith(f"{CUSTOM} @") and k not in keys}
  for t in targets:
    keys[t] = "custom_call.cc"
  full = {k for k in full_ops if k in keys}
  subset = {k for k in subset_ops if k in keys}
  files = sorted(set(keys.values()))
  print(f"{'lowering file':28} {'ops':>4} {'full':>5} {'subset':>6}")
  for f in files:
    mine = {k for k, v in keys.items() if v == f}
    print(f"{f:28} {len(mine):4} {len(mine & full):5} {len(mine & subset):6}")
  missed = sorted(full - subset)
  unreached = sorted(f for f in files if not {k for k, v in keys.items() if v == f} & full)
  helpers = sorted(p.name for p in (ROOT / "native" / "lower").glob("*.cc")
                   if p.name not in files)
  print(f"helpers without ops of their own (reached through the files above): "
        f"{', '.join(helpers)}")
  print(f"full run: {len(full)} of {len(keys)} registered ops and custom_call targets; "
        f"subset: {len(subset)}")
  never = sorted(set(keys) - full)
  if never:
    print(f"registered, but no test sends them: {', '.join(never)}")
  if unreached:
    print(f"files no test reaches through a registered op: {', '.join(unreached)}")
  if missed:
    print(f"the subset misses {len(missed)} op(s) the full run lowers: {', '.join(missed)}")
    return 1
  print("the subset lowers every op the full run lowers")
  return 0


if __name__ == "__main__":
  sys.exit(main())
