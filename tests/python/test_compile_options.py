"""Compiler options: the mps plugin applies none of XLA's, but like XLA it
refuses a name no compiler knows, so a misspelt option is reported instead of
silently ignored. Valid names compile and run as on cpu."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from conftest import assert_same


def f(x):
  return jnp.sqrt(x ** 2) + 1.0


VALID = [
    {"xla_embed_ir_in_executable": True},
    {"xla_embed_ir_in_executable": False},
    {"exec_time_optimization_effort": 0.0},
    {"memory_fitting_effort": 0.5},
    {"optimization_level": 1},
    {"xla_dump_hlo_as_text": True, "xla_embed_ir_in_executable": False},
]


@pytest.mark.parametrize("options", VALID, ids=lambda o: ",".join(o))
def test_valid_options_compile_and_run_as_on_cpu(mps, cpu, options):
  x = np.float32(-3.0)
  got = jax.jit(f, compiler_options=options)(jax.device_put(x, mps))
  want = jax.jit(f, compiler_options=options)(jax.device_put(x, cpu))
  assert_same(got, want)


@pytest.mark.parametrize("key", ["invalid_key", "exec_time_compilation_effort"])
@pytest.mark.parametrize("how", ["jit", "lower_compile"])
def test_unknown_option_is_refused_as_on_cpu(mps, cpu, key, how):
  for device in (mps, cpu):
    x = jax.device_put(np.float32(1.0), device)
    with pytest.raises(jax.errors.JaxRuntimeError, match=f"No such compile option: '{key}'"):
      if how == "jit":
        jax.jit(f, compiler_options={key: "invalid_value"})(x)
      else:
        jax.jit(f).lower(x).compile(compiler_options={key: "invalid_value"})


def test_valid_compiles_after_a_refused_one(mps):
  x = jax.device_put(np.float32(2.0), mps)
  with pytest.raises(jax.errors.JaxRuntimeError, match="No such compile option"):
    jax.jit(f, compiler_options={"invalid_key": 1})(x)
  assert float(jax.jit(f, compiler_options={"xla_embed_ir_in_executable": True})(x)) == 3.0
