"""README.md's op-coverage table must agree with the suite it describes."""

import pathlib
import re
import subprocess
import sys
from collections import Counter

HERE = pathlib.Path(__file__).parent
README = HERE.parent.parent / "README.md"


def collected_counts() -> Counter:
  proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p",
                         "no:cacheprovider", str(HERE)], capture_output=True, text=True,
                        timeout=300, check=False)
  assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
  counts = Counter()
  for line in proc.stdout.splitlines():
    if "::" in line:
      counts[pathlib.Path(line.split("::")[0]).name] += 1
  return counts


def readme_counts() -> dict:
  rows = {}
  for m in re.finditer(r"^\|.*\|\s*`(test_\w+\.py)`\s*\|\s*(\d+)\s*\|\s*$", README.read_text(),
                       re.MULTILINE):
    rows[m.group(1)] = int(m.group(2))
  return rows


def test_every_suite_file_is_in_the_table_with_its_case_count():
  collected = collected_counts()
  table = readme_counts()
  files = {p.name for p in HERE.glob("test_*.py")} - {pathlib.Path(__file__).name}
  assert set(table) == files, f"README table lists {sorted(table)}, the suite has {sorted(files)}"
  for name, n in table.items():
    assert collected[name] == n, f"README says {name} has {n} cases; pytest collects {collected[name]}"
