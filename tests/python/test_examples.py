"""The example models (examples/) train on mps as on cpu: a short run of each
from the same start, loss curves compared step by step. Keeps `deno task demo`
and the benchmarks honest; the long runs are the examples themselves."""

import pathlib
import sys

import jax
import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "examples"))

import mlp  # noqa: E402
import resnet18  # noqa: E402
import transformer  # noqa: E402
from training import train  # noqa: E402

CASES = {
    "mlp": (mlp.EXAMPLE, 8),
    "transformer": (transformer.EXAMPLE, 6),
    # ResNet-18 steps are slow on MLX's CPU convolution (seconds each): two
    # steps on a smaller batch of the example's data.
    "resnet18": (resnet18.EXAMPLE, 2),
}


@pytest.mark.parametrize("name", list(CASES))
def test_example_trains_the_same_on_mps_and_cpu(name, mps, cpu):
  example, steps = CASES[name]
  batches = example.batches(steps, 0)
  if name == "resnet18":
    batches = [tuple(a[:4] for a in b) for b in batches]
  got = train(example, mps, steps, batches=batches)
  want = train(example, cpu, steps, batches=batches)
  np.testing.assert_allclose(got.losses, want.losses, rtol=1e-4, atol=1e-5)
  if name != "resnet18":  # two steps of SGD need not lower the loss yet
    assert got.losses[-1] < got.losses[0]
