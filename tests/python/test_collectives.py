"""Collectives over one device: shard_map and pmap code written for meshes, run
on a one-device mesh of mps and of cpu (which also has one device), compared.

With every manual axis of size 1, JAX lowers the shard_map body inline (no
sdy.manual_computation, no SPMDFullToShardShape): what reaches the plugin is
all_reduce, all_gather, reduce_scatter, collective_permute and partition_id
with one-device replica groups. all_to_all over one device JAX drops itself;
it and the forms JAX does not emit (variadic all_reduce, the GSPMD sharding
custom calls, groups naming other devices) are tested as raw StableHLO."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from jax import lax
from jax.sharding import Mesh, NamedSharding, PartitionSpec as P

from conftest import assert_same
from raw_stablehlo import assert_same_on_both, run

X = np.arange(24, dtype=np.float32).reshape(4, 6) - 7.5


def one_device_mesh(kind, device):
  # make_mesh gives Explicit axes (the default of the jax range); Mesh of an
  # array of devices gives Auto axes, as older mesh code builds it.
  if kind == "make_mesh":
    return jax.make_mesh((1,), ("x",), devices=[device])
  return Mesh(np.array([device]), ("x",))


def shard_map_both(body, x, mps, cpu, kind="make_mesh", in_spec=P("x"), out_spec=P("x"), outer=None):
  """jit(shard_map(body)) on a one-device mesh of each backend; outer(f) wraps
  the shard_map in more of the jitted function."""
  outs = []
  for device in (mps, cpu):
    mesh = one_device_mesh(kind, device)
    f = jax.shard_map(body, mesh=mesh, in_specs=in_spec, out_specs=out_spec)
    g = outer(f) if outer else f
    outs.append(jax.jit(g)(jax.device_put(x, NamedSharding(mesh, in_spec))))
  for leaf in jax.tree.leaves(outs[0]):
    assert leaf.devices() == {mps}
  assert_same(outs[0], outs[1])
  return outs[0]


SHARD_MAP_CASES = {
    "psum": lambda t: lax.psum(t, "x"),
    "psum_int32": lambda t: lax.psum(t.astype(jnp.int32), "x"),
    "psum_complex64": lambda t: lax.psum(lax.complex(t, -t), "x"),
    "psum_tuple": lambda t: lax.psum((t, 2 * t), "x"),
    "pmax": lambda t: lax.pmax(t, "x"),
    "pmin": lambda t: lax.pmin(t, "x"),
    "pmean": lambda t: lax.pmean(t, "x"),
    "all_gather": lambda t: lax.all_gather(t, "x")[0],
    "all_gather_tiled": lambda t: lax.all_gather(t, "x", tiled=True),
    "all_gather_tiled_axis1": lambda t: lax.all_gather(t, "x", axis=1, tiled=True),
    "psum_scatter_tiled": lambda t: lax.psum_scatter(t, "x", tiled=True),
    "psum_scatter_tiled_dim1": lambda t: lax.psum_scatter(t, "x", scatter_dimension=1, tiled=True),
    "psum_scatter": lambda t: lax.psum_scatter(t[:1], "x")[None],
    "all_to_all": lambda t: lax.all_to_all(t, "x", 1, 0, tiled=True),
    "ppermute": lambda t: lax.ppermute(t, "x", [(0, 0)]),
    "ppermute_none": lambda t: lax.ppermute(t, "x", []),
    "axis_index": lambda t: t * lax.axis_index("x") + lax.axis_index("x"),
}


@pytest.mark.parametrize("kind", ["make_mesh", "Mesh"])
@pytest.mark.parametrize("name", sorted(SHARD_MAP_CASES))
def test_shard_map(name, kind, mps, cpu):
  shard_map_both(SHARD_MAP_CASES[name], X, mps, cpu, kind)


def test_ppermute_without_self_pair_gives_zeros(mps, cpu):
  # The one device is no pair's target, so it receives zeros, as on cpu.
  out = shard_map_both(SHARD_MAP_CASES["ppermute_none"], X, mps, cpu)
  assert not np.asarray(out).any()


def test_shard_map_inside_a_larger_jit(mps, cpu):
  body = lambda t: jnp.sin(lax.psum(t, "x")) + lax.axis_index("x")
  shard_map_both(body, X, mps, cpu, kind="Mesh",
                 outer=lambda f: lambda a: f(a * 2.0).sum(axis=0) + 1.0)


def test_two_axis_mesh(mps, cpu):
  outs = []
  for device in (mps, cpu):
    mesh = jax.make_mesh((1, 1), ("x", "y"), devices=[device])
    f = jax.shard_map(lambda t: lax.psum(t, ("x", "y")) + lax.axis_index("y"), mesh=mesh,
                      in_specs=P("x", "y"), out_specs=P("x", "y"))
    outs.append(jax.jit(f)(jax.device_put(X, NamedSharding(mesh, P("x", "y")))))
  assert outs[0].devices() == {mps}
  assert_same(outs[0], outs[1])


@pytest.mark.parametrize("kind", ["make_mesh", "Mesh"])
def test_grad_of_psum(kind, mps, cpu):
  outs = []
  for device in (mps, cpu):
    mesh = one_device_mesh(kind, device)
    loss = jax.shard_map(lambda t: lax.psum(jnp.sum(jnp.tanh(t) * t), "x"), mesh=mesh,
                         in_specs=P("x"), out_specs=P())
    outs.append(jax.jit(jax.value_and_grad(loss))(jax.device_put(X, NamedSharding(mesh, P("x")))))
  assert_same(outs[0], outs[1])


def test_grad_of_all_gather_and_psum_scatter(mps, cpu):
  def body(t):
    return lax.psum_scatter(lax.all_gather(t, "x", tiled=True) ** 2, "x", tiled=True)

  outs = []
  for device in (mps, cpu):
    mesh = one_device_mesh("make_mesh", device)
    f = jax.shard_map(body, mesh=mesh, in_specs=P("x"), out_specs=P("x"))
    outs.append(jax.jit(jax.grad(lambda a: f(a).sum()))(jax.device_put(X, NamedSharding(mesh, P("x")))))
  assert_same(outs[0], outs[1])


def test_data_parallel_train_step(mps, cpu):
  # The usual data-parallel step: per-shard loss and gradients, pmean'd over
  # the batch axis, an SGD update, all inside shard_map.
  rng = np.random.default_rng(3)
  params = {"w": rng.standard_normal((6, 3)).astype(np.float32) * 0.5,
            "b": np.zeros(3, np.float32)}
  batch = rng.standard_normal((8, 6)).astype(np.float32)
  labels = rng.standard_normal((8, 3)).astype(np.float32)

  def step(p, x, y):
    def loss(p):
      return jnp.mean((jnp.tanh(x @ p["w"] + p["b"]) - y) ** 2)

    value, grads = jax.value_and_grad(loss)(p)
    grads = lax.pmean(grads, "x")
    return jax.tree.map(lambda a, g: a - 0.1 * g, p, grads), lax.pmean(value, "x")

  outs = []
  for device in (mps, cpu):
    mesh = one_device_mesh("make_mesh", device)
    f = jax.jit(jax.shard_map(step, mesh=mesh, in_specs=(P(), P("x"), P("x")), out_specs=(P(), P())))
    put = lambda a, spec: jax.device_put(a, NamedSharding(mesh, spec))
    p = jax.tree.map(lambda a: put(a, P()), params)
    for _ in range(3):
      p, value = f(p, put(batch, P("x")), put(labels, P("x")))
    outs.append((p, value))
  assert_same(outs[0], outs[1])


@pytest.fixture
def gspmd():
  """The partitioner before Shardy (still selectable across the jax range):
  with_sharding_constraint becomes custom_call @Sharding, a shard_map body a
  private function."""
  previous = jax.config.jax_use_shardy_partitioner
  jax.config.update("jax_use_shardy_partitioner", False)
  try:
    yield
  finally:
    jax.config.update("jax_use_shardy_partitioner", previous)


def test_gspmd_sharding_constraint_and_shard_map(gspmd, mps, cpu):
  outs = []
  for device in (mps, cpu):
    mesh = one_device_mesh("Mesh", device)
    body = jax.shard_map(lambda t: lax.psum(t, "x") * lax.axis_index("x"), mesh=mesh,
                         in_specs=P("x"), out_specs=P("x"))
    f = lambda a: body(lax.with_sharding_constraint(a * 2.0, NamedSharding(mesh, P("x")))) + a
    outs.append(jax.jit(f)(jax.device_put(X, device)))
  assert outs[0].devices() == {mps}
  assert_same(outs[0], outs[1])


PMAP_CASES = {
    "psum": lambda t: lax.psum(t, "i"),
    "pmax": lambda t: lax.pmax(t, "i"),
    "pmean": lambda t: lax.pmean(t, "i"),
    "all_gather": lambda t: lax.all_gather(t, "i"),
    "psum_scatter": lambda t: lax.psum_scatter(t[:1], "i"),
    "psum_scatter_tiled": lambda t: lax.psum_scatter(t, "i", tiled=True),
    "all_to_all": lambda t: lax.all_to_all(t[:1], "i", 0, 0),
    "ppermute": lambda t: lax.ppermute(t, "i", [(0, 0)]),
    "axis_index": lambda t: t + lax.axis_index("i"),
    "grad_of_psum": jax.grad(lambda t: lax.psum(jnp.sum(t ** 3), "i")),
}


@pytest.mark.parametrize("name", sorted(PMAP_CASES))
def test_pmap(name, mps, cpu):
  outs = [jax.pmap(PMAP_CASES[name], axis_name="i", devices=[d])(X[None]) for d in (mps, cpu)]
  assert outs[0].devices() == {mps}
  assert_same(outs[0], outs[1])


# --- raw StableHLO: forms JAX does not emit over one device ---------------------

VARIADIC_ALL_REDUCE = """
func.func public @main(%a: tensor<3xf32>, %b: tensor<2x2xf32>) -> (tensor<3xf32>, tensor<2x2xf32>) {
  %r:2 = "stablehlo.all_reduce"(%a, %b) ({
    ^bb0(%x: tensor<f32>, %y: tensor<f32>):
      %s = stablehlo.multiply %x, %y : tensor<f32>
      stablehlo.return %s : tensor<f32>
  }) {replica_groups = dense<[[0]]> : tensor<1x1xi64>} : (tensor<3xf32>, tensor<2x2xf32>) -> (tensor<3xf32>, tensor<2x2xf32>)
  return %r#0, %r#1 : tensor<3xf32>, tensor<2x2xf32>
}
"""

REDUCE_SCATTER = """
func.func public @main(%a: tensor<4x3xi32>) -> tensor<4x3xi32> {
  %r = "stablehlo.reduce_scatter"(%a) ({
    ^bb0(%x: tensor<i32>, %y: tensor<i32>):
      %s = stablehlo.maximum %x, %y : tensor<i32>
      stablehlo.return %s : tensor<i32>
  }) {scatter_dimension = 1 : i64, replica_groups = dense<[[0]]> : tensor<1x1xi64>} : (tensor<4x3xi32>) -> tensor<4x3xi32>
  return %r : tensor<4x3xi32>
}
"""

ALL_GATHER_ALL_GROUPS = """
func.func public @main(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = "stablehlo.all_gather"(%a) {all_gather_dim = 1 : i64, replica_groups = dense<> : tensor<0x0xi64>} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %r : tensor<2x3xf32>
}
"""

VARIADIC_ALL_GATHER = """
func.func public @main(%a: tensor<2x3xf32>, %b: tensor<4x3xf32>) -> (tensor<2x3xf32>, tensor<4x3xf32>) {
  %r:2 = "stablehlo.all_gather"(%a, %b) {all_gather_dim = 1 : i64, replica_groups = dense<[[0]]> : tensor<1x1xi64>}
      : (tensor<2x3xf32>, tensor<4x3xf32>) -> (tensor<2x3xf32>, tensor<4x3xf32>)
  return %r#0, %r#1 : tensor<2x3xf32>, tensor<4x3xf32>
}
"""

ALL_TO_ALL = """
func.func public @main(%a: tensor<2x4xi32>, %b: tensor<2x4xi32>) -> (tensor<2x4xi32>, tensor<2x4xi32>) {
  %r:2 = "stablehlo.all_to_all"(%a, %b) {split_dimension = 1 : i64, concat_dimension = 0 : i64, split_count = 1 : i64,
      replica_groups = dense<[[0]]> : tensor<1x1xi64>} : (tensor<2x4xi32>, tensor<2x4xi32>) -> (tensor<2x4xi32>, tensor<2x4xi32>)
  return %r#0, %r#1 : tensor<2x4xi32>, tensor<2x4xi32>
}
"""

ALL_TO_ALL = """
func.func public @main(%a: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %r = "stablehlo.all_to_all"(%a) {split_dimension = 1 : i64, concat_dimension = 0 : i64, split_count = 1 : i64,
      replica_groups = dense<[[0]]> : tensor<1x1xi64>} : (tensor<2x4xf32>) -> tensor<2x4xf32>
  return %r : tensor<2x4xf32>
}
"""

PERMUTE = """
func.func public @main(%a: tensor<3xf32>) -> tensor<3xf32> {
  %r = "stablehlo.collective_permute"(%a) {source_target_pairs = dense<{pairs}> : tensor<{n}x2xi64>} : (tensor<3xf32>) -> tensor<3xf32>
  return %r : tensor<3xf32>
}
"""

DEVICE_IDS = """
func.func public @main() -> (tensor<ui32>, tensor<ui32>) {
  %p = stablehlo.partition_id : tensor<ui32>
  %r = stablehlo.replica_id : tensor<ui32>
  return %p, %r : tensor<ui32>, tensor<ui32>
}
"""

# GSPMD's form of a manual region (jax_use_shardy_partitioner=False, a mesh
# of more than one device): annotate, enter the shard shape, leave it.
GSPMD_MANUAL = """
func.func public @main(%a: tensor<3xf32>) -> tensor<3xf32> {
  %s = stablehlo.custom_call @Sharding(%a) {mhlo.sharding = "{devices=[1]0}"} : (tensor<3xf32>) -> tensor<3xf32>
  %m = stablehlo.custom_call @SPMDFullToShardShape(%s) {mhlo.sharding = "{manual}"} : (tensor<3xf32>) -> tensor<3xf32>
  %n = stablehlo.multiply %m, %m : tensor<3xf32>
  %t = stablehlo.custom_call @Sharding(%n) {mhlo.sharding = "{manual}"} : (tensor<3xf32>) -> tensor<3xf32>
  %r = stablehlo.custom_call @SPMDShardToFullShape(%t) {mhlo.sharding = "{devices=[1]0}"} : (tensor<3xf32>) -> tensor<3xf32>
  return %r : tensor<3xf32>
}
"""

# What a Shardy program exported through XLA carries for a result's sharding.
SDY_RESULT_SHARDING = r"""
module @m attributes {mhlo.frontend_attributes = {xla.sdy.meshes = "{mesh = #sdy.mesh<[\22a\22=1]>}"}, mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
func.func public @main(%a: tensor<3xf32>) -> tensor<3xf32> {
  %r = stablehlo.custom_call @xla.sdy.FuncResultSharding(%a) {has_side_effect = true,
      mhlo.frontend_attributes = {xla.sdy.sharding = "#sdy.sharding_per_value<[<@mesh, [{\22a\22}]>]>"}} : (tensor<3xf32>) -> tensor<3xf32>
  return %r : tensor<3xf32>
}
}
"""

A3 = np.array([1.5, -2.0, 3.25], np.float32)


def test_variadic_all_reduce():
  assert_same_on_both(VARIADIC_ALL_REDUCE, A3, np.arange(4, dtype=np.float32).reshape(2, 2))


def test_reduce_scatter_int32():
  assert_same_on_both(REDUCE_SCATTER, np.arange(12, dtype=np.int32).reshape(4, 3) - 5)


def test_all_gather_with_no_groups_means_all_devices():
  assert_same_on_both(ALL_GATHER_ALL_GROUPS, np.arange(6, dtype=np.float32).reshape(2, 3))


def test_all_to_all():
  assert_same_on_both(ALL_TO_ALL, np.arange(8, dtype=np.float32).reshape(2, 4))


def test_variadic_all_gather():
  # (XLA reads a variadic all_to_all as one operand per participant, unlike
  # StableHLO's one split per operand, so that form has no cpu oracle.)
  assert_same_on_both(VARIADIC_ALL_GATHER, np.arange(6, dtype=np.float32).reshape(2, 3),
                      np.arange(12, dtype=np.float32).reshape(4, 3) - 4)


@pytest.mark.parametrize("pairs,n", [("[[0, 0]]", 1), ("", 0)])
def test_collective_permute(pairs, n):
  assert_same_on_both(PERMUTE.replace("{pairs}", pairs).replace("{n}", str(n)), A3)


def test_partition_and_replica_id():
  assert_same_on_both(DEVICE_IDS)


@pytest.mark.parametrize("name", ["gspmd_manual", "sdy_result_sharding"])
def test_sharding_custom_calls(name):
  assert_same_on_both({"gspmd_manual": GSPMD_MANUAL, "sdy_result_sharding": SDY_RESULT_SHARDING}[name], A3)


def test_collective_broadcast():
  # XLA:CPU has no collective-broadcast ("not supported by XLA:CPU
  # ThunkEmitter"), so the oracle is the spec: a group of one receives its
  # own operand.
  text = """
func.func public @main(%a: tensor<3xf32>) -> tensor<3xf32> {
  %r = "stablehlo.collective_broadcast"(%a) {replica_groups = dense<[[0]]> : tensor<1x1xi64>} : (tensor<3xf32>) -> tensor<3xf32>
  return %r : tensor<3xf32>
}
"""
  (got,) = run(text, "mps", A3)
  np.testing.assert_array_equal(got, A3)


# --- programs written for more than one device --------------------------------

ALL_REDUCE_GROUPS = """
func.func public @main(%a: tensor<3xf32>) -> tensor<3xf32> {
  %r = "stablehlo.all_reduce"(%a) ({
    ^bb0(%x: tensor<f32>, %y: tensor<f32>):
      %s = stablehlo.add %x, %y : tensor<f32>
      stablehlo.return %s : tensor<f32>
  }) {replica_groups = dense<GROUPS> : tensor<SHAPExi64>} : (tensor<3xf32>) -> tensor<3xf32>
  return %r : tensor<3xf32>
}
"""

ALL_TO_ALL_TWO = """
func.func public @main(%a: tensor<2x4xf32>) -> tensor<4x2xf32> {
  %r = "stablehlo.all_to_all"(%a) {split_dimension = 1 : i64, concat_dimension = 0 : i64, split_count = 2 : i64,
      replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<2x4xf32>) -> tensor<4x2xf32>
  return %r : tensor<4x2xf32>
}
"""

ALL_GATHER_TWO = """
func.func public @main(%a: tensor<2x3xf32>) -> tensor<4x3xf32> {
  %r = "stablehlo.all_gather"(%a) {all_gather_dim = 0 : i64, replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<2x3xf32>) -> tensor<4x3xf32>
  return %r : tensor<4x3xf32>
}
"""

MANY_DEVICE_PROGRAMS = {
    "all_reduce_group_of_two": (ALL_REDUCE_GROUPS.replace("GROUPS", "[[0, 1]]").replace("SHAPE", "1x2"),
                                "stablehlo.all_reduce", "put 2 participants in one group"),
    "all_reduce_second_device": (ALL_REDUCE_GROUPS.replace("GROUPS", "[[0], [1]]").replace("SHAPE", "2x1"),
                                 "stablehlo.all_reduce", r"name device 1, but only device 0 exists"),
    "permute_to_device_1": (PERMUTE.replace("{pairs}", "[[0, 1], [1, 0]]").replace("{n}", "2"),
                            "stablehlo.collective_permute", r"name device 1, but only device 0 exists"),
    "all_to_all_split_2": (ALL_TO_ALL_TWO, "stablehlo.all_to_all", "put 2 participants in one group"),
    "all_gather_group_of_two": (ALL_GATHER_TWO, "stablehlo.all_gather", "put 2 participants in one group"),
}


@pytest.mark.parametrize("name", sorted(MANY_DEVICE_PROGRAMS))
def test_more_participants_than_devices_is_refused(name):
  text, op, what = MANY_DEVICE_PROGRAMS[name]
  args = {"all_to_all_split_2": [np.ones((2, 4), np.float32)],
          "all_gather_group_of_two": [np.ones((2, 3), np.float32)]}.get(name, [A3])
  with pytest.raises(Exception, match=rf"{op} at .*{what}.*one device") as info:
    run(text, "mps", *args)
  assert "jax.make_mesh" in str(info.value)
  # The plugin is still usable after the refusal.
  assert_same_on_both(ALL_TO_ALL, np.arange(8, dtype=np.float32).reshape(2, 4))


@pytest.mark.parametrize("name", sorted(MANY_DEVICE_PROGRAMS))
def test_more_participants_than_devices_is_refused_at_compile_time(name):
  """The refusal comes from compile_and_load itself, before any execution."""
  from jax._src import xla_bridge
  from jax._src.lib import xla_client

  text, op, what = MANY_DEVICE_PROGRAMS[name]
  backend = xla_bridge.get_backend("mps")
  with pytest.raises(Exception, match=rf"{op} at .*{what}.*one device"):
    backend.compile_and_load(text, xla_client.DeviceList((backend.devices()[0],)),
                             xla_client.CompileOptions())


def test_shard_alike_on_one_device(mps, cpu):
  """shard_alike marks two values as sharded alike (sdy.sharding_group): on
  one device it changes nothing."""
  # jax 0.12 moved shard_alike out of jax.experimental.
  shard_alike = pytest.importorskip("jax.experimental.shard_alike",
                                    reason="this jax has no jax.experimental.shard_alike").shard_alike

  def f(x, y):
    a, b = shard_alike(x * 2, y + 1)
    return a + b.sum()

  x = np.arange(8, dtype=np.float32)
  y = np.ones(8, np.float32)
  got = jax.jit(f)(jax.device_put(x, mps), jax.device_put(y, mps))
  want = jax.jit(f)(jax.device_put(x, cpu), jax.device_put(y, cpu))
  assert_same(got, want)
  assert_same(jax.grad(lambda x: f(x, y).sum())(jax.device_put(x, mps)),
              jax.grad(lambda x: f(x, y).sum())(jax.device_put(x, cpu)))
