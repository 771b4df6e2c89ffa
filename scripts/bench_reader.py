"""Artifact read time: our reader (build/read_bench) beside jaxlib's own
deserialiser, over the generated corpus, in one run. jaxlib's Python entry
point deserialises and then prints the module as text, so its column includes
printing: read the ratio as an upper bound.

Usage: .venv/bin/python scripts/bench_reader.py [CORPUS_DIR] [READ_BENCH]
(defaults: build/corpus, build/read_bench). Prints a table of the largest
artifacts and the totals; times are the best of 20 reads.
"""

import pathlib
import subprocess
import sys
import time

from jaxlib.mlir.dialects import stablehlo


def jaxlib_read_us(data: bytes, repeats: int = 20) -> float:
  best = float("inf")
  for _ in range(repeats):
    t0 = time.perf_counter()
    stablehlo.deserialize_portable_artifact_str(data)
    best = min(best, time.perf_counter() - t0)
  return best * 1e6


def main() -> None:
  corpus = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "build/corpus")
  bench = sys.argv[2] if len(sys.argv) > 2 else "build/read_bench"
  out = subprocess.run([bench, str(corpus), "20"], capture_output=True, text=True, check=True).stdout
  rows = []
  for line in out.splitlines():
    name, size, ours = line.split("\t")
    data = (corpus / f"{name}.mlirbc").read_bytes()
    try:
      theirs = jaxlib_read_us(data)
    except Exception:  # jaxlib cannot read artifacts carrying sdy attributes
      theirs = float("nan")
    rows.append((name, int(size), float(ours), theirs))
  rows.sort(key=lambda r: -r[1])
  print(f"{'artifact':44} {'KiB':>7} {'ours us':>9} {'MB/s':>7} {'jaxlib+print us':>15} {'ratio':>6}")
  for name, size, ours, theirs in rows[:12]:
    print(f"{name:44} {size / 1024:7.1f} {ours:9.1f} {size / ours:7.1f} {theirs:15.1f} {theirs / ours:6.2f}")
  total_bytes = sum(r[1] for r in rows)
  ours_total = sum(r[2] for r in rows)
  both = [r for r in rows if r[3] == r[3]]
  print(f"\n{len(rows)} artifacts, {total_bytes / 1e6:.2f} MB: ours {ours_total / 1e3:.1f} ms "
        f"({total_bytes / ours_total:.1f} MB/s); on the {len(both)} jaxlib also reads: ours "
        f"{sum(r[2] for r in both) / 1e3:.1f} ms, jaxlib (with printing) {sum(r[3] for r in both) / 1e3:.1f} ms")
  big = rows[0]
  print(f"largest: {big[0]} ({big[1] / 1024:.1f} KiB) read in {big[2] / 1e3:.3f} ms (goal: well under 20 ms)")


if __name__ == "__main__":
  main()
