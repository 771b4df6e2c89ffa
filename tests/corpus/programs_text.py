"""Hand-written StableHLO modules for what JAX never emits on CPU: ops
(collectives, tokens, tuples, if, batch norm, rng, map, ...), attribute
spellings (every default and non-default value, symbol names needing quotes,
string escapes, dense arrays, unit attributes) and types (tuples, tokens,
every element type). Written in the generic op form, which pins down each
attribute exactly."""

from program import Program


def module(body, args="", results="", attrs=""):
  """A module with one public @main."""
  return (f'module @hand {attrs} {{\n  func.func public @main({args}) -> ({results}) {{\n'
          f'{body}\n  }}\n}}')


ADD_REGION = """({
    ^bb0(%a: tensor<f32>, %b: tensor<f32>):
      %s = "stablehlo.add"(%a, %b) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "stablehlo.return"(%s) : (tensor<f32>) -> ()
    })"""

CASES = {
    "tuple_ops": module("""
    %t = "stablehlo.tuple"(%arg0, %arg1) : (tensor<2xf32>, tensor<i32>) -> tuple<tensor<2xf32>, tensor<i32>>
    %n = "stablehlo.tuple"(%t) : (tuple<tensor<2xf32>, tensor<i32>>) -> tuple<tuple<tensor<2xf32>, tensor<i32>>>
    %e = "stablehlo.get_tuple_element"(%n) <{index = 0 : i32}> : (tuple<tuple<tensor<2xf32>, tensor<i32>>>) -> tuple<tensor<2xf32>, tensor<i32>>
    %x = "stablehlo.get_tuple_element"(%e) <{index = 0 : i32}> : (tuple<tensor<2xf32>, tensor<i32>>) -> tensor<2xf32>
    "func.return"(%x, %t) : (tensor<2xf32>, tuple<tensor<2xf32>, tensor<i32>>) -> ()""",
                        "%arg0: tensor<2xf32>, %arg1: tensor<i32>",
                        "tensor<2xf32>, tuple<tensor<2xf32>, tensor<i32>>"),
    "tokens": module("""
    %t = "stablehlo.create_token"() : () -> !stablehlo.token
    %u = "stablehlo.after_all"(%t, %arg0) : (!stablehlo.token, !stablehlo.token) -> !stablehlo.token
    %v = "stablehlo.after_all"() : () -> !stablehlo.token
    "func.return"(%u, %v) : (!stablehlo.token, !stablehlo.token) -> ()""",
                     "%arg0: !stablehlo.token", "!stablehlo.token, !stablehlo.token"),
    "infeed_outfeed": module("""
    %r:2 = "stablehlo.infeed"(%arg0) <{infeed_config = "cfg", layout = [[0]]}> : (!stablehlo.token) -> (tensor<3xf32>, !stablehlo.token)
    %s:2 = "stablehlo.infeed"(%r#1) : (!stablehlo.token) -> (tensor<f32>, !stablehlo.token)
    %o = "stablehlo.outfeed"(%r#0, %s#1) <{outfeed_config = "out"}> : (tensor<3xf32>, !stablehlo.token) -> !stablehlo.token
    %p = "stablehlo.outfeed"(%s#0, %o) : (tensor<f32>, !stablehlo.token) -> !stablehlo.token
    "func.return"(%p) : (!stablehlo.token) -> ()""", "%arg0: !stablehlo.token", "!stablehlo.token"),
    "send_recv": module("""
    %t = "stablehlo.send"(%arg0, %arg1) <{channel_handle = #stablehlo.channel_handle<handle = 5, type = 2>, is_host_transfer = true}> : (tensor<3xf32>, !stablehlo.token) -> !stablehlo.token
    %r:2 = "stablehlo.recv"(%t) <{channel_handle = #stablehlo.channel_handle<handle = 6, type = 3>, is_host_transfer = true}> : (!stablehlo.token) -> (tensor<3xf32>, !stablehlo.token)
    "func.return"(%r#0) : (tensor<3xf32>) -> ()""", "%arg0: tensor<3xf32>, %arg1: !stablehlo.token",
                        "tensor<3xf32>"),
    "collectives": module(f"""
    %0 = "stablehlo.all_reduce"(%arg0) {ADD_REGION} {{replica_groups = dense<[[0], [1]]> : tensor<2x1xi64>, channel_handle = #stablehlo.channel_handle<handle = 1, type = 1>, use_global_device_ids}} : (tensor<f32>) -> tensor<f32>
    %1 = "stablehlo.all_reduce"(%arg0) {ADD_REGION} {{replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>}} : (tensor<f32>) -> tensor<f32>
    %2 = "stablehlo.all_gather"(%arg1) {{all_gather_dim = 1 : i64, replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>}} : (tensor<2x4xf32>) -> tensor<2x8xf32>
    %3 = "stablehlo.reduce_scatter"(%arg1) {ADD_REGION} {{scatter_dimension = 1 : i64, replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>, channel_handle = #stablehlo.channel_handle<handle = 2, type = 0>}} : (tensor<2x4xf32>) -> tensor<2x2xf32>
    %4 = "stablehlo.all_to_all"(%arg1) {{split_dimension = 1 : i64, concat_dimension = 0 : i64, split_count = 2 : i64, replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>}} : (tensor<2x4xf32>) -> tensor<4x2xf32>
    %5 = "stablehlo.collective_permute"(%arg1) {{source_target_pairs = dense<[[0, 1], [1, 0]]> : tensor<2x2xi64>}} : (tensor<2x4xf32>) -> tensor<2x4xf32>
    %6 = "stablehlo.collective_broadcast"(%arg1) {{replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>}} : (tensor<2x4xf32>) -> tensor<2x4xf32>
    %7 = "stablehlo.replica_id"() : () -> tensor<ui32>
    %8 = "stablehlo.partition_id"() : () -> tensor<ui32>
    "func.return"(%0, %1, %2, %3, %4, %5, %6, %7, %8) : (tensor<f32>, tensor<f32>, tensor<2x8xf32>, tensor<2x2xf32>, tensor<4x2xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<ui32>, tensor<ui32>) -> ()""",
                          "%arg0: tensor<f32>, %arg1: tensor<2x4xf32>",
                          "tensor<f32>, tensor<f32>, tensor<2x8xf32>, tensor<2x2xf32>, tensor<4x2xf32>, tensor<2x4xf32>, tensor<2x4xf32>, tensor<ui32>, tensor<ui32>"),
    "if_op": module("""
    %r:2 = "stablehlo.if"(%arg0) ({
      "stablehlo.return"(%arg1, %arg1) : (tensor<2xf32>, tensor<2xf32>) -> ()
    }, {
      %n = "stablehlo.negate"(%arg1) : (tensor<2xf32>) -> tensor<2xf32>
      "stablehlo.return"(%n, %arg1) : (tensor<2xf32>, tensor<2xf32>) -> ()
    }) : (tensor<i1>) -> (tensor<2xf32>, tensor<2xf32>)
    "func.return"(%r#0) : (tensor<2xf32>) -> ()""", "%arg0: tensor<i1>, %arg1: tensor<2xf32>",
                    "tensor<2xf32>"),
    "batch_norm": module("""
    %t:3 = "stablehlo.batch_norm_training"(%arg0, %arg1, %arg1) <{epsilon = 1.000000e-03 : f32, feature_index = 1 : i64}> : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>)
    %i = "stablehlo.batch_norm_inference"(%arg0, %arg1, %arg1, %t#1, %t#2) <{epsilon = 0.1 : f32, feature_index = 1 : i64}> : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<2x3x4xf32>
    %g:3 = "stablehlo.batch_norm_grad"(%arg0, %arg1, %t#1, %t#2, %i) <{epsilon = 1.0e-5 : f32, feature_index = 1 : i64}> : (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<2x3x4xf32>) -> (tensor<2x3x4xf32>, tensor<3xf32>, tensor<3xf32>)
    "func.return"(%g#0) : (tensor<2x3x4xf32>) -> ()""", "%arg0: tensor<2x3x4xf32>, %arg1: tensor<3xf32>",
                         "tensor<2x3x4xf32>"),
    "linalg_ops": module("""
    %c = "stablehlo.cholesky"(%arg0) <{lower = true}> : (tensor<3x3xf32>) -> tensor<3x3xf32>
    %d = "stablehlo.cholesky"(%arg0) : (tensor<3x3xf32>) -> tensor<3x3xf32>
    %t = "stablehlo.triangular_solve"(%c, %arg0) <{left_side = true, lower = true, unit_diagonal = false, transpose_a = #stablehlo<transpose TRANSPOSE>}> : (tensor<3x3xf32>, tensor<3x3xf32>) -> tensor<3x3xf32>
    %u = "stablehlo.triangular_solve"(%d, %t) <{left_side = false, lower = false, unit_diagonal = true, transpose_a = #stablehlo<transpose NO_TRANSPOSE>}> : (tensor<3x3xf32>, tensor<3x3xf32>) -> tensor<3x3xf32>
    "func.return"(%u) : (tensor<3x3xf32>) -> ()""", "%arg0: tensor<3x3xf32>", "tensor<3x3xf32>"),
    "rng_and_map": module("""
    %lo = "stablehlo.constant"() <{value = dense<0.0> : tensor<f32>}> : () -> tensor<f32>
    %hi = "stablehlo.constant"() <{value = dense<1.0> : tensor<f32>}> : () -> tensor<f32>
    %shape = "stablehlo.constant"() <{value = dense<[2, 3]> : tensor<2xi64>}> : () -> tensor<2xi64>
    %u = "stablehlo.rng"(%lo, %hi, %shape) <{rng_distribution = #stablehlo<rng_distribution UNIFORM>}> : (tensor<f32>, tensor<f32>, tensor<2xi64>) -> tensor<2x3xf32>
    %n = "stablehlo.rng"(%lo, %hi, %shape) <{rng_distribution = #stablehlo<rng_distribution NORMAL>}> : (tensor<f32>, tensor<f32>, tensor<2xi64>) -> tensor<2x3xf32>
    %m = "stablehlo.map"(%u, %n) <{dimensions = array<i64: 0, 1>}> ({
    ^bb0(%a: tensor<f32>, %b: tensor<f32>):
      %s = "stablehlo.maximum"(%a, %b) : (tensor<f32>, tensor<f32>) -> tensor<f32>
      "stablehlo.return"(%s) : (tensor<f32>) -> ()
    }) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
    "func.return"(%m) : (tensor<2x3xf32>) -> ()""", "", "tensor<2x3xf32>"),
    "misc_ops": module("""
    %d = "stablehlo.dot"(%arg0, %arg1) <{precision_config = [#stablehlo<precision HIGHEST>, #stablehlo<precision DEFAULT>]}> : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
    %e = "stablehlo.dot"(%arg0, %arg1) : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
    %b = "stablehlo.broadcast"(%e) <{broadcast_sizes = array<i64: 4>}> : (tensor<2x2xf32>) -> tensor<4x2x2xf32>
    %ein = "stablehlo.einsum"(%arg0, %arg1) <{einsum_config = "ab,bc->ac"}> : (tensor<2x3xf32>, tensor<3x2xf32>) -> tensor<2x2xf32>
    %c = "stablehlo.compare"(%d, %e) <{comparison_direction = #stablehlo<comparison_direction GE>}> : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xi1>
    %c2 = "stablehlo.compare"(%d, %e) <{comparison_direction = #stablehlo<comparison_direction NE>, compare_type = #stablehlo<comparison_type TOTALORDER>}> : (tensor<2x2xf32>, tensor<2x2xf32>) -> tensor<2x2xi1>
    %s = "stablehlo.sort"(%d) <{dimension = -1 : i64, is_stable = false}> ({
    ^bb0(%x: tensor<f32>, %y: tensor<f32>):
      %l = "stablehlo.compare"(%x, %y) <{comparison_direction = #stablehlo<comparison_direction LT>}> : (tensor<f32>, tensor<f32>) -> tensor<i1>
      "stablehlo.return"(%l) : (tensor<i1>) -> ()
    }) : (tensor<2x2xf32>) -> tensor<2x2xf32>
    %sz = "stablehlo.get_dimension_size"(%arg0) <{dimension = 1 : i64}> : (tensor<2x3xf32>) -> tensor<i32>
    %ex = "stablehlo.exponential"(%arg0) <{result_accuracy = #stablehlo.result_accuracy<atol = 1.000000e-05, rtol = 0.000000e+00, ulps = 2, mode = #stablehlo.result_accuracy_mode<TOLERANCE>>}> : (tensor<2x3xf32>) -> tensor<2x3xf32>
    %ex2 = "stablehlo.exponential"(%arg0) <{result_accuracy = #stablehlo.result_accuracy<mode = #stablehlo.result_accuracy_mode<HIGHEST>>}> : (tensor<2x3xf32>) -> tensor<2x3xf32>
    %lg = "stablehlo.log"(%arg0) <{result_accuracy = #stablehlo.result_accuracy<mode = #stablehlo.result_accuracy_mode<DEFAULT>>}> : (tensor<2x3xf32>) -> tensor<2x3xf32>
    %at = "stablehlo.atan2"(%arg0, %arg0) : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
    %ti = "stablehlo.torch_index_select"(%arg0, %sz) <{dim = 1 : i64, batch_dims = 0 : i64}> : (tensor<2x3xf32>, tensor<i32>) -> tensor<2xf32>
    "func.return"(%b, %ein, %c, %c2, %s, %ex, %ex2, %lg, %at, %ti) : (tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2x2xi1>, tensor<2x2xi1>, tensor<2x2xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> ()""",
                       "%arg0: tensor<2x3xf32>, %arg1: tensor<3x2xf32>",
                       "tensor<4x2x2xf32>, tensor<2x2xf32>, tensor<2x2xi1>, tensor<2x2xi1>, tensor<2x2xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2x3xf32>, tensor<2xf32>"),
    "custom_calls": module("""
    %0 = "stablehlo.custom_call"(%arg0) <{call_target_name = "typed", api_version = 4 : i32, backend_config = {n = 42 : i32, s = "x\\"y", f = 2.5 : f32, b = true, l = [1, 2]}, has_side_effect = true}> : (tensor<2xf32>) -> tensor<2xf32>
    %1:2 = "stablehlo.custom_call"(%arg0, %0) <{call_target_name = "legacy", backend_config = "opaque \\01 bytes\\n", api_version = 2 : i32, called_computations = [@helper, @"needs quotes"], operand_layouts = [dense<0> : tensor<1xindex>, dense<0> : tensor<1xindex>], result_layouts = [dense<0> : tensor<1xindex>, dense<0> : tensor<1xindex>], output_operand_aliases = [#stablehlo.output_operand_alias<output_tuple_indices = [1], operand_index = 0, operand_tuple_indices = []>]}> : (tensor<2xf32>, tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>)
    %2 = "stablehlo.custom_call"(%arg0) <{call_target_name = "plain", api_version = 0 : i32}> {mhlo.frontend_attributes = {a = "1"}, other = dense<[1.5, 2.5]> : tensor<2xf64>} : (tensor<2xf32>) -> tensor<2xf32>
    %3 = "stablehlo.custom_call"(%2) <{call_target_name = "original", backend_config = "", api_version = 1 : i32}> : (tensor<2xf32>) -> tensor<2xf32>
    "func.return"(%1#1, %3) : (tensor<2xf32>, tensor<2xf32>) -> ()
  }
  func.func private @helper(%x: tensor<2xf32>) -> tensor<2xf32> {
    "func.return"(%x) : (tensor<2xf32>) -> ()
  }
  func.func private @"needs quotes"() {
    "func.return"() : () -> ()""", "%arg0: tensor<2xf32>", "tensor<2xf32>, tensor<2xf32>"),
    "attribute_zoo": module("""
    "func.return"(%arg0) : (tensor<i32>) -> ()""",
                            "%arg0: tensor<i32> {jax.buffer_donor = true, tf.aliasing_output = 0 : i32, "
                            "mhlo.sharding = \"{replicated}\", my.arr = array<i64: 1, 2>, "
                            "my.empty = array<i64>, my.b = array<i1: true>, my.idx = 3 : index, "
                            "my.nested = {a = [1 : i16, 2.0 : bf16, \"s\"], b = {}}, my.type = tensor<3xi8>, "
                            "my.fn = (i32) -> (), my.fn2 = (tensor<i32>) -> tensor<f32>, my.tok = !stablehlo.token, my.sym = @main, my.str = \"tab\\09 quote\\22 \\\\ é\", "
                            "my.u64 = 18446744073709551615 : ui64, my.neg = -5 : i8, my.f16 = 0.1 : f16, "
                            "my.f64 = 1.0e-300 : f64, my.nan = 0x7FF8000000000000 : f64, my.inf = 0xFF800000 : f32}",
                            "tensor<i32> {jax.result_info = \"out[\\\"k\\\"]\"}",
                            "attributes {mhlo.num_partitions = 1 : i32, my.list = [@main, 3 : index, tuple<tensor<f32>>]}"),
    "no_visibility": """
module {
  func.func @main(%arg0: tensor<f32>) -> tensor<f32> attributes {my.fattr = 1 : i64} {
    "func.return"(%arg0) : (tensor<f32>) -> ()
  }
  func.func private @unused(%a: tensor<f32>, %b: tensor<f32>) -> (tensor<f32>, tensor<f32>) {
    "func.return"(%b, %a) : (tensor<f32>, tensor<f32>) -> ()
  }
}""",
    "element_types": module("""
    %c0 = "stablehlo.constant"() <{value = dense<[1, -2, 7, -8]> : tensor<4xi4>}> : () -> tensor<4xi4>
    %c1 = "stablehlo.constant"() <{value = dense<[1, 15]> : tensor<2xui4>}> : () -> tensor<2xui4>
    %c2 = "stablehlo.constant"() <{value = dense<[1, -2]> : tensor<2xi2>}> : () -> tensor<2xi2>
    %c3 = "stablehlo.constant"() <{value = dense<[1.0, -0.5, 448.0]> : tensor<3xf8E4M3FN>}> : () -> tensor<3xf8E4M3FN>
    %c4 = "stablehlo.constant"() <{value = dense<[1.0, 57344.0]> : tensor<2xf8E5M2>}> : () -> tensor<2xf8E5M2>
    %c5 = "stablehlo.constant"() <{value = dense<[1.0, -0.25]> : tensor<2xf8E4M3FNUZ>}> : () -> tensor<2xf8E4M3FNUZ>
    %c6 = "stablehlo.constant"() <{value = dense<[1.0, -0.25]> : tensor<2xf8E5M2FNUZ>}> : () -> tensor<2xf8E5M2FNUZ>
    %c7 = "stablehlo.constant"() <{value = dense<[1.0, 0.125]> : tensor<2xf8E4M3B11FNUZ>}> : () -> tensor<2xf8E4M3B11FNUZ>
    %c8 = "stablehlo.constant"() <{value = dense<[1.0, 0.0625]> : tensor<2xf8E4M3>}> : () -> tensor<2xf8E4M3>
    %c9 = "stablehlo.constant"() <{value = dense<[1.0, 0.03125]> : tensor<2xf8E3M4>}> : () -> tensor<2xf8E3M4>
    %c10 = "stablehlo.constant"() <{value = dense<[1.0, -6.0, 0.5]> : tensor<3xf4E2M1FN>}> : () -> tensor<3xf4E2M1FN>
    %c11 = "stablehlo.constant"() <{value = dense<[1.0, 7.5]> : tensor<2xf6E2M3FN>}> : () -> tensor<2xf6E2M3FN>
    %c12 = "stablehlo.constant"() <{value = dense<[1.0, 28.0]> : tensor<2xf6E3M2FN>}> : () -> tensor<2xf6E3M2FN>
    %c13 = "stablehlo.constant"() <{value = dense<[1.0, 0.5, 1024.0]> : tensor<3xf8E8M0FNU>}> : () -> tensor<3xf8E8M0FNU>
    %c14 = "stablehlo.constant"() <{value = dense<[(1.0, -1.0)]> : tensor<1xcomplex<f64>>}> : () -> tensor<1xcomplex<f64>>
    %c15 = "stablehlo.constant"() <{value = dense<[65535, 0]> : tensor<2xui16>}> : () -> tensor<2xui16>
    %c16 = "stablehlo.constant"() <{value = dense<[-32768, 7]> : tensor<2xi16>}> : () -> tensor<2xi16>
    %c17 = "stablehlo.constant"() <{value = dense<0x7FC0> : tensor<4xbf16>}> : () -> tensor<4xbf16>
    %c18 = "stablehlo.constant"() <{value = dense<[[[1], [2]], [[3], [4]]]> : tensor<2x2x1xi64>}> : () -> tensor<2x2x1xi64>
    %c19 = "stablehlo.constant"() <{value = dense<> : tensor<0x4xi32>}> : () -> tensor<0x4xi32>
    %c20 = "stablehlo.constant"() <{value = dense<true> : tensor<i1>}> : () -> tensor<i1>
    "func.return"(%c0) : (tensor<4xi4>) -> ()""", "", "tensor<4xi4>"),
    "dynamic_ops": module("""
    %s = "stablehlo.get_dimension_size"(%arg0) <{dimension = 0 : i64}> : (tensor<?x3xf32>) -> tensor<i32>
    %r = "stablehlo.reshape"(%s) : (tensor<i32>) -> tensor<1xi32>
    %t = "stablehlo.constant"() <{value = dense<3> : tensor<1xi32>}> : () -> tensor<1xi32>
    %shape = "stablehlo.concatenate"(%r, %t) <{dimension = 0 : i64}> : (tensor<1xi32>, tensor<1xi32>) -> tensor<2xi32>
    %b = "stablehlo.dynamic_broadcast_in_dim"(%arg1, %shape) <{broadcast_dimensions = array<i64: 1>, known_expanding_dimensions = array<i64: 0>, known_nonexpanding_dimensions = array<i64>}> : (tensor<3xf32>, tensor<2xi32>) -> tensor<?x3xf32>
    %i = "stablehlo.dynamic_iota"(%shape) <{iota_dimension = 1 : i64}> : (tensor<2xi32>) -> tensor<?x3xf32>
    %z = "stablehlo.constant"() <{value = dense<0> : tensor<2xi32>}> : () -> tensor<2xi32>
    %one = "stablehlo.constant"() <{value = dense<1> : tensor<2xi32>}> : () -> tensor<2xi32>
    %ds = "stablehlo.real_dynamic_slice"(%b, %z, %shape, %one) : (tensor<?x3xf32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<?x?xf32>
    %pv = "stablehlo.constant"() <{value = dense<0.0> : tensor<f32>}> : () -> tensor<f32>
    %dp = "stablehlo.dynamic_pad"(%arg0, %pv, %one, %one, %z) : (tensor<?x3xf32>, tensor<f32>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<?x5xf32>
    %dr = "stablehlo.dynamic_reshape"(%i, %shape) : (tensor<?x3xf32>, tensor<2xi32>) -> tensor<?x3xf32>
    %sd = "stablehlo.set_dimension_size"(%arg1, %s) <{dimension = 0 : i64}> : (tensor<3xf32>, tensor<i32>) -> tensor<?xf32>
    %idx = "stablehlo.constant"() <{value = dense<[[0], [1]]> : tensor<2x1xi32>}> : () -> tensor<2x1xi32>
    %ssz = "stablehlo.constant"() <{value = dense<[1, 3]> : tensor<2xi32>}> : () -> tensor<2xi32>
    %g = "stablehlo.dynamic_gather"(%arg0, %idx, %ssz) <{dimension_numbers = #stablehlo.gather<offset_dims = [1], collapsed_slice_dims = [0], start_index_map = [0], index_vector_dim = 1>, indices_are_sorted = true}> : (tensor<?x3xf32>, tensor<2x1xi32>, tensor<2xi32>) -> tensor<2x3xf32>
    "func.return"(%ds, %dp, %dr, %sd, %g) : (tensor<?x?xf32>, tensor<?x5xf32>, tensor<?x3xf32>, tensor<?xf32>, tensor<2x3xf32>) -> ()""",
                          "%arg0: tensor<?x3xf32>, %arg1: tensor<3xf32>",
                          "tensor<?x?xf32>, tensor<?x5xf32>, tensor<?x3xf32>, tensor<?xf32>, tensor<2x3xf32>"),
    "bounded_dynamic": module("""
    %s = "stablehlo.get_dimension_size"(%arg0) <{dimension = 0 : i64}> : (tensor<?x3xf32, #stablehlo.bounds<8, ?>>) -> tensor<i32>
    "func.return"(%s) : (tensor<i32>) -> ()""", "%arg0: tensor<?x3xf32, #stablehlo.bounds<8, ?>>",
                              "tensor<i32>"),
    "conv_attrs": module("""
    %0 = "stablehlo.convolution"(%arg0, %arg1) <{window_strides = array<i64: 2, 1>, padding = dense<[[1, 0], [0, 2]]> : tensor<2x2xi64>, lhs_dilation = array<i64: 1, 2>, rhs_dilation = array<i64: 2, 1>, window_reversal = array<i1: true, false>, dimension_numbers = #stablehlo.conv<[b, 0, 1, f]x[0, 1, i, o]->[f, b, 1, 0]>, feature_group_count = 1 : i64, batch_group_count = 1 : i64, precision_config = [#stablehlo<precision HIGH>, #stablehlo<precision HIGHEST>]}> : (tensor<1x8x8x2xf32>, tensor<3x3x2x4xf32>) -> tensor<4x1x15x3xf32>
    %1 = "stablehlo.convolution"(%arg0, %arg1) <{window_strides = array<i64: 1, 1>, padding = dense<0> : tensor<2x2xi64>, lhs_dilation = array<i64: 1, 1>, rhs_dilation = array<i64: 1, 1>, window_reversal = array<i1: false, false>, dimension_numbers = #stablehlo.conv<[b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f]>, feature_group_count = 1 : i64, batch_group_count = 1 : i64, precision_config = [#stablehlo<precision DEFAULT>, #stablehlo<precision DEFAULT>]}> : (tensor<1x8x8x2xf32>, tensor<3x3x2x4xf32>) -> tensor<1x6x6x4xf32>
    "func.return"(%0, %1) : (tensor<4x1x15x3xf32>, tensor<1x6x6x4xf32>) -> ()""",
                         "%arg0: tensor<1x8x8x2xf32>, %arg1: tensor<3x3x2x4xf32>",
                         "tensor<4x1x15x3xf32>, tensor<1x6x6x4xf32>"),
    "gather_scatter_batching": module(f"""
    %g = "stablehlo.gather"(%arg0, %arg1) <{{dimension_numbers = #stablehlo.gather<offset_dims = [2], collapsed_slice_dims = [1], operand_batching_dims = [0], start_indices_batching_dims = [0], start_index_map = [1], index_vector_dim = 2>, slice_sizes = array<i64: 1, 1, 3>, indices_are_sorted = true}}> : (tensor<2x5x3xf32>, tensor<2x4x1xi32>) -> tensor<2x4x3xf32>
    %s = "stablehlo.scatter"(%arg0, %arg1, %g) <{{scatter_dimension_numbers = #stablehlo.scatter<update_window_dims = [2], inserted_window_dims = [1], input_batching_dims = [0], scatter_indices_batching_dims = [0], scatter_dims_to_operand_dims = [1], index_vector_dim = 2>, indices_are_sorted = true, unique_indices = true}}> {ADD_REGION} : (tensor<2x5x3xf32>, tensor<2x4x1xi32>, tensor<2x4x3xf32>) -> tensor<2x5x3xf32>
    "func.return"(%s) : (tensor<2x5x3xf32>) -> ()""", "%arg0: tensor<2x5x3xf32>, %arg1: tensor<2x4x1xi32>",
                                      "tensor<2x5x3xf32>"),
    "dot_general_attrs": module("""
    %0 = "stablehlo.dot_general"(%arg0, %arg1) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0], rhs_batching_dimensions = [0], lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [1]>, precision_config = [#stablehlo<precision DEFAULT>, #stablehlo<precision DEFAULT>], algorithm = #stablehlo.dot_algorithm<lhs_precision_type = bf16, rhs_precision_type = bf16, accumulation_type = f32, lhs_component_count = 1, rhs_component_count = 1, num_primitive_operations = 3, allow_imprecise_accumulation = false>}> : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
    %1 = "stablehlo.dot_general"(%arg0, %arg1) <{dot_dimension_numbers = #stablehlo.dot<lhs_batching_dimensions = [0], rhs_batching_dimensions = [0], lhs_contracting_dimensions = [2], rhs_contracting_dimensions = [1]>, precision_config = [#stablehlo<precision HIGHEST>, #stablehlo<precision HIGH>]}> : (tensor<2x3x4xf32>, tensor<2x4x5xf32>) -> tensor<2x3x5xf32>
    "func.return"(%0, %1) : (tensor<2x3x5xf32>, tensor<2x3x5xf32>) -> ()""", "%arg0: tensor<2x3x4xf32>, %arg1: tensor<2x4x5xf32>",
                                "tensor<2x3x5xf32>, tensor<2x3x5xf32>"),
    "composite_zoo": module("""
    %0 = "stablehlo.composite"(%arg0) <{name = "z.a", decomposition = @dec, composite_attributes = {x = array<i64: 1>, y = "s", z = 1.5 : bf16}, version = 3 : i32}> : (tensor<2xf32>) -> tensor<2xf32>
    %1 = "stablehlo.composite"(%0) <{name = "z.b", decomposition = @dec, composite_attributes = {}, version = 0 : i32}> : (tensor<2xf32>) -> tensor<2xf32>
    "func.return"(%1) : (tensor<2xf32>) -> ()
  }
  func.func private @dec(%x: tensor<2xf32>) -> tensor<2xf32> {
    "func.return"(%x) : (tensor<2xf32>) -> ()""", "%arg0: tensor<2xf32>", "tensor<2xf32>"),
    "window_defaults": module(f"""
    %init = "stablehlo.constant"() <{{value = dense<0.0> : tensor<f32>}}> : () -> tensor<f32>
    %0 = "stablehlo.reduce_window"(%arg0, %init) <{{window_dimensions = array<i64: 2, 2>, window_strides = array<i64: 1, 1>, base_dilations = array<i64: 1, 1>, window_dilations = array<i64: 1, 1>, padding = dense<0> : tensor<2x2xi64>}}> {ADD_REGION} : (tensor<4x4xf32>, tensor<f32>) -> tensor<3x3xf32>
    %1 = "stablehlo.reduce_window"(%arg0, %init) <{{window_dimensions = array<i64: 2, 2>, window_strides = array<i64: 2, 1>, base_dilations = array<i64: 2, 1>, window_dilations = array<i64: 1, 2>, padding = dense<[[0, 1], [1, 0]]> : tensor<2x2xi64>}}> {ADD_REGION} : (tensor<4x4xf32>, tensor<f32>) -> tensor<4x3xf32>
    "func.return"(%0, %1) : (tensor<3x3xf32>, tensor<4x3xf32>) -> ()""", "%arg0: tensor<4x4xf32>",
                              "tensor<3x3xf32>, tensor<4x3xf32>"),
    "fft_types": module("""
    %0 = "stablehlo.fft"(%arg0) <{fft_type = #stablehlo<fft_type IFFT>, fft_length = array<i64: 8>}> : (tensor<8xcomplex<f32>>) -> tensor<8xcomplex<f32>>
    %1 = "stablehlo.fft"(%0) <{fft_type = #stablehlo<fft_type IRFFT>, fft_length = array<i64: 14>}> : (tensor<8xcomplex<f32>>) -> tensor<14xf32>
    "func.return"(%1) : (tensor<14xf32>) -> ()""", "%arg0: tensor<8xcomplex<f32>>", "tensor<14xf32>"),
    "empty_function": module('    "func.return"() : () -> ()'),
}


def programs():
  for name, text in CASES.items():
    yield Program(name=f"hand_{name}", text=lambda text=text: text, note="hand-written StableHLO")
