"""jax.export for the mps platform: export, serialize, deserialize, call; alone and
together with cpu in one multi-platform artifact. Results are compared with cpu's."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import export, lax

from conftest import assert_same

X = np.linspace(-2, 2, 12, dtype=np.float32).reshape(3, 4)


def f(x):
  return jnp.tanh(x) @ x.T + jnp.cumsum(x, axis=1).sum()


@pytest.fixture(params=["in_memory", "serialized"])
def round_trip(request):
  """The Exported as export returns it, or after serialize/deserialize (which needs
  the flatbuffers package, not a dependency of jax; the jax-range venvs lack it)."""
  if request.param == "in_memory":
    return lambda exp, vjp_order=0: exp
  pytest.importorskip("flatbuffers")
  return lambda exp, vjp_order=0: export.deserialize(exp.serialize(vjp_order=vjp_order))


def test_export_for_mps_alone(mps, cpu, round_trip):
  exp = round_trip(export.export(jax.jit(f), platforms=["mps"])(X))
  assert exp.platforms == ("mps",)
  got = exp.call(jax.device_put(X, mps))
  assert got.devices() == {mps}
  assert_same(got, jax.jit(f)(jax.device_put(X, cpu)))


def test_export_for_mps_is_refused_on_cpu(cpu, round_trip):
  """The artifact says which platforms it was lowered for; JAX checks at the call."""
  exp = round_trip(export.export(jax.jit(f), platforms=["mps"])(X))
  with pytest.raises(ValueError, match=r"exported for platforms '\('mps',\)'"):
    jax.jit(exp.call)(jax.device_put(X, cpu))


@pytest.mark.parametrize("platforms", [["cpu", "mps"], ["mps", "cpu"]])
def test_multi_platform_export(platforms, mps, cpu, round_trip):
  exp = round_trip(export.export(jax.jit(f), platforms=platforms)(X))
  assert exp.platforms == tuple(platforms)
  got = exp.call(jax.device_put(X, mps))
  want = exp.call(jax.device_put(X, cpu))
  assert got.devices() == {mps} and want.devices() == {cpu}
  assert_same(got, want)


def test_multi_platform_export_takes_each_platform_branch(mps, cpu, round_trip):
  """lax.platform_dependent picks the branch by the platform the call runs on."""
  def g(x):
    return lax.platform_dependent(x, cpu=lambda x: x * 2.0, mps=lambda x: x * 3.0)

  exp = round_trip(export.export(jax.jit(g), platforms=["cpu", "mps"])(X))
  on_mps = exp.call(jax.device_put(X, mps))
  on_cpu = exp.call(jax.device_put(X, cpu))
  assert_same(on_cpu, jax.jit(lambda x: x * 2.0)(jax.device_put(X, cpu)))
  # The mps branch, computed on cpu as the oracle.
  assert_same(on_mps, jax.jit(lambda x: x * 3.0)(jax.device_put(X, cpu)))


def test_exported_grad(mps, cpu, round_trip):
  exp = round_trip(export.export(jax.jit(lambda x: jnp.sum(f(x) ** 2)),
                                 platforms=["mps", "cpu"])(X), vjp_order=1)
  got = jax.jit(jax.grad(exp.call))(jax.device_put(X, mps))
  want = jax.jit(jax.grad(exp.call))(jax.device_put(X, cpu))
  assert got.devices() == {mps}
  assert_same(got, want, tol=(1e-5, 1e-4))


def test_export_inside_jit_of_a_caller(mps, cpu, round_trip):
  """An exported function called from another jitted function, with more around it."""
  exp = round_trip(export.export(jax.jit(f), platforms=["mps", "cpu"])(X))
  caller = jax.jit(lambda x: exp.call(x * 0.5) + 1.0)
  assert_same(caller(jax.device_put(X, mps)), caller(jax.device_put(X, cpu)))


def test_export_with_integer_and_tuple_outputs(mps, cpu, round_trip):
  def h(x, k):
    return jnp.argmax(x, axis=1).astype(jnp.int32) + k, (x.max(), jnp.sort(x, axis=0))

  k = np.int32(3)
  exp = round_trip(export.export(jax.jit(h), platforms=["mps", "cpu"])(X, k))
  got = exp.call(jax.device_put(X, mps), jax.device_put(k, mps))
  want = exp.call(jax.device_put(X, cpu), jax.device_put(k, cpu))
  assert_same(got, want)


SYM = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]], np.float32)
LINALG = {
    # Only results that are unique (eigenvalues, singular values, a product that
    # undoes the factorization), so the comparison does not depend on LAPACK's signs.
    "eigh": lambda a: jnp.linalg.eigvalsh(a),
    "svd": lambda a: jnp.linalg.svd(a, compute_uv=False),
    "lu": lambda a: jnp.linalg.det(a),
    "qr_pivoted": lambda a: jnp.abs(jnp.diag(jax.scipy.linalg.qr(a, pivoting=True)[1])),
    "solve": lambda a: jnp.linalg.solve(a, jnp.arange(3.0, dtype=a.dtype)),
    "schur": lambda a: jnp.sort(jnp.diag(jax.scipy.linalg.schur(a)[0])),
    "hessenberg": lambda a: jnp.linalg.eigvalsh(jax.scipy.linalg.hessenberg(a)),
}


@pytest.mark.parametrize("name", sorted(LINALG))
def test_export_of_linalg_custom_calls(name, mps, cpu, round_trip):
  """The mps lowering of these is an applejax.* custom call, which jax.export must
  accept (export_support.py) and the deserialized artifact must still run."""
  fn = LINALG[name]
  # JAX gives cpu's geqp3 (lapack_sgeqp3_ffi) no compatibility guarantee itself.
  platforms = ["mps"] if name == "qr_pivoted" else ["mps", "cpu"]
  exp = round_trip(export.export(jax.jit(fn), platforms=platforms)(SYM))
  got = exp.call(jax.device_put(SYM, mps))
  assert got.devices() == {mps}
  assert_same(got, jax.jit(fn)(jax.device_put(SYM, cpu)), tol=(1e-5, 1e-5))

