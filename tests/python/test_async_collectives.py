"""Async collectives (jax._src.lax.parallel's psum_start(...).done() family):
stablehlo.async_start around a collective, its !stablehlo.future and
stablehlo.async_done, on a one-device mesh of mps and of cpu, compared.

The *_start functions differ across the jax range (jax 0.9.2 has only
all_gather_start), so a case whose function this jax lacks is skipped, saying
so. Raw StableHLO covers an integer max all_reduce in a future. A start of
several operands XLA:CPU refuses ("currently requires one argument"), and a future of several
values cannot be tested: jaxlib's StableHLO verifier refuses an async_done
of more than one result (or of a tuple), so no such program reaches a backend;
lower/async_ops.cc still handles one."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax
from jax._src.lax import parallel

from conftest import assert_same
from raw_stablehlo import assert_same_on_both, run

X = np.arange(16, dtype=np.float32).reshape(4, 4) / 4 - 1.5

# name: (the parallel.*_start function, its call, the synchronous equivalent)
CASES = {
    "psum": ("psum_start", lambda s, t: s(t, "i"), lambda t: lax.psum(t, "i")),
    "all_gather": ("all_gather_start", lambda s, t: s(t, "i", tiled=True),
                   lambda t: lax.all_gather(t, "i", tiled=True)),
    "all_gather_axis1": ("all_gather_start", lambda s, t: s(t, "i", axis=1, tiled=True),
                         lambda t: lax.all_gather(t, "i", axis=1, tiled=True)),
    "psum_scatter": ("psum_scatter_start",
                     lambda s, t: s(t, "i", scatter_dimension=0, tiled=True),
                     lambda t: lax.psum_scatter(t, "i", scatter_dimension=0, tiled=True)),
    "all_to_all": ("all_to_all_start",
                   lambda s, t: s(t, "i", split_axis=0, concat_axis=0, tiled=True),
                   lambda t: lax.all_to_all(t, "i", 0, 0, tiled=True)),
    "ppermute": ("ppermute_start", lambda s, t: s(t, "i", [(0, 0)]),
                 lambda t: lax.ppermute(t, "i", [(0, 0)])),
}


def start_fn(name):
  fn_name = CASES[name][0]
  if not hasattr(parallel, fn_name):
    pytest.skip(f"jax {jax.__version__} has no jax._src.lax.parallel.{fn_name}")
  return getattr(parallel, fn_name)


def on_mesh(device, body, *args):
  mesh = jax.make_mesh((1,), ("i",), axis_types=(jax.sharding.AxisType.Explicit,),
                       devices=[device])
  with jax.set_mesh(mesh):
    f = jax.jit(jax.shard_map(body, out_specs=jax.P("i")))
    args = [jax.device_put(a, jax.NamedSharding(mesh, jax.P("i"))) for a in args]
    return f, f(*args), args


def both(body, *args):
  try:
    want = on_mesh(jax.devices("cpu")[0], body, *args)
  except NotImplementedError as e:  # jax 0.9.2's all_gather_start has no lowering
    pytest.skip(f"jax {jax.__version__} cannot lower this on cpu either: {e!r}")
  # jax 0.12 emits custom_call @"all-reduce-start" and friends instead of
  # async_start; both forms run here.
  outs = [on_mesh(jax.devices("mps")[0], body, *args), want]
  for leaf in jax.tree.leaves(outs[0][1]):
    assert leaf.devices() == {jax.devices("mps")[0]}
  assert_same(outs[0][1], outs[1][1])
  return outs


@pytest.mark.parametrize("name", sorted(CASES))
def test_async_matches_cpu_and_sync(name, mps, cpu):
  start = start_fn(name)
  call, sync = CASES[name][1], CASES[name][2]
  # Work beside the collective, as the upstream tests overlap it with a matmul.
  outs = both(lambda t: call(start, t).done() + jnp.sum(t @ t), X)
  # The async form computes what the synchronous collective does.
  sync_outs = both(lambda t: sync(t) + jnp.sum(t @ t), X)
  assert_same(outs[0][1], sync_outs[0][1])


@pytest.mark.parametrize("name", sorted(CASES))
def test_async_compiled_text_parses(name, mps, cpu):
  # compiled.as_text() has jaxlib parse the program text the plugin prints.
  start = start_fn(name)
  call = CASES[name][1]
  both(lambda t: call(start, t).done() * 2, X)  # skips where jax cannot run it
  f, _, args = on_mesh(mps, lambda t: call(start, t).done() * 2, X)
  text = f.lower(*args).compile().as_text()
  assert "ENTRY" in text


@pytest.mark.parametrize("name", sorted(CASES))
def test_async_under_grad(name, mps, cpu):
  start = start_fn(name)
  call = CASES[name][1]

  def loss(t):
    return jnp.sum(jnp.sin(call(start, t).done()) * t)

  try:
    on_mesh(cpu, jax.grad(loss), X)
  except NotImplementedError as e:
    pytest.skip(f"jax {jax.__version__} cannot differentiate {CASES[name][0]}: {e}")
  both(jax.grad(loss), X)


# An integer max reduction, which the *_start functions never emit.
RAW_START = """
func.func @main(%a: tensor<2x3xf32>, %b: tensor<4xi32>) -> (tensor<4xi32>, tensor<2x3xf32>) {
  %f = "stablehlo.async_start"(%b) ({
  ^bb0(%y: tensor<4xi32>):
    %s = "stablehlo.all_reduce"(%y) <{replica_groups = dense<[[0]]> : tensor<1x1xi64>}> ({
    ^bb0(%p: tensor<i32>, %q: tensor<i32>):
      %r = stablehlo.maximum %p, %q : tensor<i32>
      stablehlo.return %r : tensor<i32>
    }) : (tensor<4xi32>) -> tensor<4xi32>
    stablehlo.return %s : tensor<4xi32>
  }) : (tensor<4xi32>) -> !stablehlo.future<tensor<4xi32>>
  %e = stablehlo.add %a, %a : tensor<2x3xf32>
  %d = "stablehlo.async_done"(%f) : (!stablehlo.future<tensor<4xi32>>) -> tensor<4xi32>
  %g = stablehlo.add %d, %b : tensor<4xi32>
  return %g, %e : tensor<4xi32>, tensor<2x3xf32>
}
"""


def test_integer_future_raw_stablehlo(mps, cpu):
  a = np.arange(6, dtype=np.float32).reshape(2, 3) - 2.5
  b = np.array([3, -1, 7, 0], dtype=np.int32)
  try:
    run(RAW_START, "cpu", a, b)
  except jax.errors.JaxRuntimeError as e:
    if "unknown stablehlo type: future" not in str(e):
      raise
    pytest.skip(f"jaxlib {jax.__version__}'s StableHLO parser has no !stablehlo.future")
  out = assert_same_on_both(RAW_START, a, b)
  np.testing.assert_array_equal(out[0], 2 * b)  # a max over one participant is b


def _custom_call_start(config: str) -> str:
  return """
func.func @main(%a: tensor<4xf32>) -> tensor<4xf32> {
  %s = stablehlo.custom_call @"all-gather-start"(%a) {backend_config = "", mhlo.frontend_attributes = {async_collective_config = "%s"}} : (tensor<4xf32>) -> tensor<4xf32>
  %d = stablehlo.custom_call @"all-gather-done"(%s) {backend_config = ""} : (tensor<4xf32>) -> tensor<4xf32>
  return %d : tensor<4xf32>
}
""".replace("%s\"}", config + "\"}", 1)


def test_custom_call_start_form_raw_stablehlo(mps, cpu):
  # jax 0.12's spelling, sent from any jax: the one-device group runs on mps.
  config = r"{\22all_gather_dimension\22: 0, \22replica_groups\22: [[0]], \22channel_id\22: 1}"
  a = np.array([1.5, -2.0, 0.25, 8.0], dtype=np.float32)
  np.testing.assert_array_equal(run(_custom_call_start(config), "mps", a)[0], a)


def test_custom_call_start_for_two_devices_is_refused(mps):
  config = r"{\22all_gather_dimension\22: 0, \22replica_groups\22: [[0, 1]], \22channel_id\22: 1}"
  a = np.zeros(4, dtype=np.float32)
  with pytest.raises(jax.errors.JaxRuntimeError, match="all-gather-start.*names device 1|names device 1"):
    run(_custom_call_start(config), "mps", a)


def test_async_inside_loops(mps, cpu):
  # Futures made and consumed inside while bodies (fori_loop, scan), which the
  # loop runner traces into graphs of several iterations.
  if not (hasattr(parallel, "psum_start") and hasattr(parallel, "all_gather_start")):
    pytest.skip(f"jax {jax.__version__} has no jax._src.lax.parallel.psum_start")
  outs = []
  for device in (cpu, mps):
    mesh = jax.make_mesh((1,), ("i",), axis_types=(jax.sharding.AxisType.Explicit,),
                         devices=[device])
    with jax.set_mesh(mesh):
      def body(t):
        def step(i, c):
          return parallel.psum_start(jnp.sin(c), "i").done() * 0.5 + i.astype(c.dtype) + 0.1 * c

        def scan_step(c, _):
          return parallel.all_gather_start(c, "i", tiled=True).done() * 0.5 + jnp.cos(c), None

        return lax.fori_loop(0, 7, step, t) + lax.scan(scan_step, t, None, length=5)[0]

      f = jax.jit(jax.shard_map(body, out_specs=jax.P("i"), check_vma=False))
      try:
        outs.append(f(jax.device_put(X, jax.NamedSharding(mesh, jax.P("i")))))
      except AttributeError as e:  # jax 0.12: no Future while tracing a loop body
        if device != cpu or "done" not in str(e):
          raise
        pytest.skip(f"jax {jax.__version__}'s *_start gives no Future inside a loop body: {e}")
  assert outs[1].devices() == {mps}
  assert_same(outs[1], outs[0])
