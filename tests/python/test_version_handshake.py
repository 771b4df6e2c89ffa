"""The VHLO version jaxlib serialises to is the one the plugin announces, or
jaxlib's own current version where that is older (an older jaxlib, run by the
`older jaxlib` stage of `deno task test`); either way inside the announced range.

Each test runs JAX in a fresh interpreter with JAX_PLATFORMS=mps alone, as a
user would, and APPLEJAX_DUMP_DIR set so the plugin keeps what it was sent.
"""

import json
import os
import pathlib
import subprocess
import sys

PROGRAM = r"""
import json, sys
import jax, jax.numpy as jnp
from jax._src import xla_bridge
from jaxlib.mlir.dialects import stablehlo
y = jax.jit(lambda x: x + 1.0)(jnp.arange(3.0))
backend = xla_bridge.get_backend()
print(json.dumps({
    "result": [float(v) for v in y],
    "devices": [str(d.platform) for d in y.devices()],
    "default": jax.default_backend(),
    "announced": list(backend.stablehlo_current_version),
    "jaxlib_writes": [int(p) for p in stablehlo.get_current_version().split(".")],
}))
"""


def run_alone(tmp_path: pathlib.Path) -> dict:
  env = dict(os.environ, JAX_PLATFORMS="mps", APPLEJAX_DUMP_DIR=str(tmp_path))
  proc = subprocess.run([sys.executable, "-c", PROGRAM], env=env, capture_output=True,
                        text=True, timeout=300, check=False)
  assert proc.returncode == 0, proc.stderr
  return json.loads(proc.stdout.strip().splitlines()[-1])


def test_first_program_with_mps_alone(tmp_path):
  out = run_alone(tmp_path)
  assert out["result"] == [1.0, 2.0, 3.0]
  assert out["devices"] == ["mps"]
  assert out["default"] == "mps"


def test_artifact_version_is_the_announced_one(tmp_path):
  out = run_alone(tmp_path)
  dumps = sorted(tmp_path.glob("*.mlirbc"))
  assert dumps, "the plugin wrote no artifact to APPLEJAX_DUMP_DIR"
  expected = min(out["announced"], out["jaxlib_writes"])
  producer = "StableHLO_v" + ".".join(str(v) for v in expected)
  for path in dumps:
    data = path.read_bytes()
    assert data[:4] == b"ML\xefR", path
    # The producer string follows the magic and the format version varint.
    assert producer.encode() + b"\0" in data[:64], (path, data[:64])
