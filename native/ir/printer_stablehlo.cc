// StableHLO's view of an op's attributes. The reader keeps VHLO's: every
// inherent attribute present, dimension numbers spread over many integers,
// integer lists as tensors. jaxlib converts to StableHLO before printing,
// which drops attributes holding their default value, folds the dimension
// numbers into one structured attribute and turns some tensors into dense
// arrays; this file does the same per op so that the two prints agree.
#include <algorithm>
#include <map>

#include "ir/printer_internal.h"

namespace applejax::ir::text {
namespace {

// How one inherent attribute is printed.
enum class Form : uint8_t {
  kAsIs,
  kI64Array,    // tensor of integers kept as array<i64: ...>
  kBoolArray,   // tensor of i1 kept as array<i1: ...>
  kSymbol,      // string naming a function: @name
  kSymbols,     // array of such strings
  kApiVersion,  // custom_call's enum, which StableHLO stores as an i32
  kChannel,     // channel_id alone: #stablehlo.channel_handle<handle = N, type = 0>
  kUnitIfTrue,  // a bool that StableHLO spells as a unit attribute
};

// The value for which jaxlib drops the attribute.
enum class Default : uint8_t {
  kNone, kFalse, kZero, kMinusOne, kEmptyStringOrDict, kEmptyArray,
  kEmptyDict, kEmptyTensor, kAllOnes, kAllZeros, kAllFalse, kAllDefaultPrecision,
  kNoType, kOriginalApi, kDefaultAccuracy,
};

struct Rule {
  const char* name;
  Form form = Form::kAsIs;
  Default drop = Default::kNone;
};

struct OpRules {
  Fold fold = Fold::kNone;
  std::vector<Rule> rules;
};

const std::vector<Rule> kResultAccuracy = {{"result_accuracy", Form::kAsIs, Default::kDefaultAccuracy}};
const std::vector<Rule> kConvWindow = {
    {"window_strides", Form::kI64Array, Default::kAllOnes},
    {"lhs_dilation", Form::kI64Array, Default::kAllOnes},
    {"rhs_dilation", Form::kI64Array, Default::kAllOnes},
    {"window_reversal", Form::kBoolArray, Default::kAllFalse},
    {"feature_group_count"},
    {"batch_group_count"},
    {"precision_config", Form::kAsIs, Default::kAllDefaultPrecision},
};

std::vector<Rule> with(std::vector<Rule> a, const std::vector<Rule>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

using RuleTable = std::map<std::string, OpRules, std::less<>>;

const RuleTable& op_rules() {
  static const RuleTable table = [] {
    using F = Form;
    using D = Default;
    RuleTable t{
        {"func.call", {Fold::kNone, {{"callee", F::kSymbol}}}},
        {"builtin.module", {Fold::kNone, {{"sym_name"}, {"sym_visibility"}}}},
        {"stablehlo.all_gather", {Fold::kNone, {{"all_gather_dim"}, {"replica_groups"},
                                                {"channel_id", F::kChannel, D::kZero},
                                                {"use_global_device_ids", F::kUnitIfTrue, D::kFalse}}}},
        {"stablehlo.all_reduce", {Fold::kNone, {{"replica_groups"},
                                                {"channel_id", F::kChannel, D::kZero},
                                                {"use_global_device_ids", F::kUnitIfTrue, D::kFalse}}}},
        {"stablehlo.all_to_all", {Fold::kNone, {{"split_dimension"}, {"concat_dimension"},
                                                {"split_count"}, {"replica_groups"},
                                                {"channel_id", F::kChannel, D::kZero}}}},
        {"stablehlo.batch_norm_grad", {Fold::kNone, {{"epsilon"}, {"feature_index"}}}},
        {"stablehlo.batch_norm_inference", {Fold::kNone, {{"epsilon"}, {"feature_index"}}}},
        {"stablehlo.batch_norm_training", {Fold::kNone, {{"epsilon"}, {"feature_index"}}}},
        {"stablehlo.broadcast_in_dim", {Fold::kNone, {{"broadcast_dimensions", F::kI64Array}}}},
        {"stablehlo.broadcast", {Fold::kNone, {{"broadcast_sizes", F::kI64Array}}}},
        {"stablehlo.cholesky", {Fold::kNone, {{"lower", F::kAsIs, D::kFalse}}}},
        {"stablehlo.collective_broadcast", {Fold::kNone, {{"replica_groups"},
                                                          {"channel_id", F::kChannel, D::kZero},
                                                          {"has_dynamic_root", F::kUnitIfTrue, D::kFalse}}}},
        {"stablehlo.collective_permute", {Fold::kNone, {{"source_target_pairs"},
                                                        {"channel_id", F::kChannel, D::kZero}}}},
        {"stablehlo.collective_reduce", {Fold::kNone, {{"replica_groups"},
                                                       {"channel_id", F::kChannel, D::kZero},
                                                       {"use_global_device_ids", F::kUnitIfTrue, D::kFalse},
                                                       {"has_dynamic_root", F::kUnitIfTrue, D::kFalse}}}},
        {"stablehlo.compare", {Fold::kNone, {{"comparison_direction"},
                                             {"compare_type", F::kAsIs, D::kNoType}}}},
        {"stablehlo.composite", {Fold::kNone, {{"name"},
                                               {"composite_attributes", F::kAsIs, D::kEmptyDict},
                                               {"decomposition", F::kSymbol},
                                               {"version", F::kAsIs, D::kZero}}}},
        {"stablehlo.concatenate", {Fold::kNone, {{"dimension"}}}},
        {"stablehlo.cross-replica-sum", {Fold::kNone, {{"replica_groups"}}}},
        {"stablehlo.constant", {Fold::kNone, {{"value"}}}},
        {"stablehlo.convolution", {Fold::kConv, with({{"padding", F::kAsIs, D::kAllZeros}}, kConvWindow)}},
        {"stablehlo.dynamic_conv", {Fold::kConv, with({{"padding"}}, kConvWindow)}},
        {"stablehlo.custom_call",
         {Fold::kNone, {{"call_target_name"},
                        {"has_side_effect", F::kAsIs, D::kFalse},
                        {"backend_config", F::kAsIs, D::kEmptyStringOrDict},
                        {"api_version", F::kApiVersion, D::kOriginalApi},
                        {"called_computations", F::kSymbols, D::kEmptyArray},
                        {"operand_layouts"},  // dropped only together with result_layouts
                        {"result_layouts"},
                        {"output_operand_aliases", F::kAsIs, D::kEmptyArray},
                        {"result_tilings", F::kAsIs, D::kEmptyArray}}}},
        {"stablehlo.dot_general", {Fold::kDot, {{"precision_config", F::kAsIs, D::kAllDefaultPrecision}}}},
        {"stablehlo.dot", {Fold::kNone, {{"precision_config", F::kAsIs, D::kAllDefaultPrecision}}}},
        {"stablehlo.dynamic_broadcast_in_dim",
         {Fold::kNone, {{"broadcast_dimensions", F::kI64Array},
                        {"known_expanding_dimensions", F::kI64Array, D::kEmptyTensor},
                        {"known_nonexpanding_dimensions", F::kI64Array, D::kEmptyTensor}}}},
        {"stablehlo.dynamic_gather", {Fold::kGather, {{"indices_are_sorted", F::kAsIs, D::kFalse}}}},
        {"stablehlo.dynamic_iota", {Fold::kNone, {{"iota_dimension"}}}},
        {"stablehlo.dynamic_slice", {Fold::kNone, {{"slice_sizes", F::kI64Array}}}},
        {"stablehlo.einsum", {Fold::kNone, {{"einsum_config"}}}},
        {"stablehlo.unary_einsum", {Fold::kNone, {{"einsum_config"}}}},
        {"stablehlo.fft", {Fold::kNone, {{"fft_type"}, {"fft_length", F::kI64Array}}}},
        {"stablehlo.gather", {Fold::kGather, {{"slice_sizes", F::kI64Array},
                                              {"indices_are_sorted", F::kAsIs, D::kFalse}}}},
        {"stablehlo.get_dimension_size", {Fold::kNone, {{"dimension"}}}},
        {"stablehlo.get_tuple_element", {Fold::kNone, {{"index"}}}},
        // The converter drops an empty infeed/outfeed_config, but StableHLO
        // declares both with a default that op creation fills back in.
        {"stablehlo.infeed", {Fold::kNone, {{"infeed_config"}, {"layout", F::kAsIs, D::kEmptyArray}}}},
        {"stablehlo.iota", {Fold::kNone, {{"iota_dimension"}}}},
        {"stablehlo.map", {Fold::kNone, {{"dimensions", F::kI64Array}}}},
        {"stablehlo.outfeed", {Fold::kNone, {{"outfeed_config"}}}},
        {"stablehlo.pad", {Fold::kNone, {{"edge_padding_low", F::kI64Array},
                                         {"edge_padding_high", F::kI64Array},
                                         {"interior_padding", F::kI64Array}}}},
        {"stablehlo.recv", {Fold::kChannelHandle, {{"is_host_transfer", F::kAsIs, D::kFalse},
                                                   {"source_target_pairs", F::kAsIs, D::kEmptyTensor}}}},
        {"stablehlo.send", {Fold::kChannelHandle, {{"is_host_transfer", F::kAsIs, D::kFalse},
                                                   {"source_target_pairs", F::kAsIs, D::kEmptyTensor}}}},
        {"stablehlo.reduce", {Fold::kNone, {{"dimensions", F::kI64Array}}}},
        {"stablehlo.reduce_precision", {Fold::kNone, {{"exponent_bits"}, {"mantissa_bits"}}}},
        {"stablehlo.reduce_scatter", {Fold::kNone, {{"scatter_dimension"}, {"replica_groups"},
                                                    {"channel_id", F::kChannel, D::kZero},
                                                    {"use_global_device_ids", F::kUnitIfTrue, D::kFalse}}}},
        {"stablehlo.reduce_window", {Fold::kNone, {{"window_dimensions", F::kI64Array},
                                                   {"window_strides", F::kI64Array, D::kAllOnes},
                                                   {"base_dilations", F::kI64Array, D::kAllOnes},
                                                   {"window_dilations", F::kI64Array, D::kAllOnes},
                                                   {"padding", F::kAsIs, D::kAllZeros}}}},
        {"stablehlo.reverse", {Fold::kNone, {{"dimensions", F::kI64Array}}}},
        {"stablehlo.rng_bit_generator", {Fold::kNone, {{"rng_algorithm"}}}},
        {"stablehlo.rng", {Fold::kNone, {{"rng_distribution"}}}},
        {"stablehlo.scatter", {Fold::kScatter, {{"indices_are_sorted", F::kAsIs, D::kFalse},
                                                {"unique_indices", F::kAsIs, D::kFalse}}}},
        {"stablehlo.select_and_scatter", {Fold::kNone, {{"window_dimensions", F::kI64Array},
                                                        {"window_strides", F::kI64Array, D::kAllOnes},
                                                        {"padding", F::kAsIs, D::kAllZeros}}}},
        {"stablehlo.set_dimension_size", {Fold::kNone, {{"dimension"}}}},
        {"stablehlo.slice", {Fold::kNone, {{"start_indices", F::kI64Array},
                                           {"limit_indices", F::kI64Array},
                                           {"strides", F::kI64Array}}}},
        {"stablehlo.sort", {Fold::kNone, {{"dimension", F::kAsIs, D::kMinusOne},
                                          {"is_stable", F::kAsIs, D::kFalse}}}},
        {"stablehlo.torch_index_select", {Fold::kNone, {{"dim"}, {"batch_dims"}}}},
        {"stablehlo.transpose", {Fold::kNone, {{"permutation", F::kI64Array}}}},
        {"stablehlo.triangular_solve", {Fold::kNone, {{"left_side"}, {"lower"}, {"unit_diagonal"},
                                                      {"transpose_a"}}}},
    };
    for (const char* op : {"cbrt", "cosine", "exponential", "exponential_minus_one", "log",
                           "log_plus_one", "logistic", "rsqrt", "sine", "sqrt", "tan", "tanh"}) {
      t[std::string("stablehlo.") + op] = {Fold::kNone, kResultAccuracy};
    }
    return t;
  }();
  return table;
}

// All elements of a dense attribute equal `v` (and there is at least one):
// MLIR's splat test, which the converter applies to VHLO's tensors.
bool all_equal(const Attribute& a, int64_t v) {
  if (a.kind != Attribute::Kind::kDense) return false;
  std::vector<int64_t> xs = a.ints();
  if (xs.empty()) return false;
  return std::all_of(xs.begin(), xs.end(), [&](int64_t x) { return x == v; });
}

bool is_default(const Attribute& a, Default d) {
  using K = Attribute::Kind;
  switch (d) {
    case Default::kNone: return false;
    case Default::kFalse: return a.kind == K::kBool && !a.b;
    case Default::kZero: return a.kind == K::kInteger && a.i == 0;
    case Default::kMinusOne: return a.kind == K::kInteger && a.i == -1;
    case Default::kEmptyStringOrDict:
      return (a.kind == K::kString && a.s.empty()) ||
             (a.kind == K::kDictionary && a.s.empty() && a.dict.empty());
    case Default::kEmptyArray: return a.kind == K::kArray && a.array.empty();
    case Default::kEmptyDict: return a.kind == K::kDictionary && a.dict.empty();
    case Default::kEmptyTensor: return a.kind == K::kDense && a.type.num_elements() == 0;
    case Default::kAllOnes: return all_equal(a, 1);
    case Default::kAllZeros: return all_equal(a, 0);
    case Default::kAllFalse: return all_equal(a, 0);
    case Default::kAllDefaultPrecision:
      return a.kind == K::kArray && std::all_of(a.array.begin(), a.array.end(), [](const Attribute& p) {
               return p.kind == K::kEnum && p.s == "DEFAULT";
             });
    case Default::kNoType: return a.kind == K::kEnum && a.s == "NOTYPE";
    case Default::kOriginalApi: return a.kind == K::kEnum && a.s == "API_VERSION_ORIGINAL";
    case Default::kDefaultAccuracy: {
      if (a.kind != K::kDictionary || a.s != "result_accuracy") return false;
      const Attribute* atol = a.get("atol");
      const Attribute* rtol = a.get("rtol");
      const Attribute* ulps = a.get("ulps");
      const Attribute* mode = a.get("mode");
      return atol && atol->f == 0 && rtol && rtol->f == 0 && ulps && ulps->i == 0 && mode &&
             mode->s == "DEFAULT";
    }
  }
  return false;
}

std::string bool_array(const Attribute& a) {
  std::string s = "array<i1";
  std::vector<int64_t> xs = a.ints();
  for (size_t i = 0; i < xs.size(); ++i) s += std::string(i ? ", " : ": ") + (xs[i] ? "true" : "false");
  return s + ">";
}

std::string converted(const Attribute& a, Form form) {
  switch (form) {
    case Form::kAsIs: return attribute(a);
    case Form::kI64Array: return dense_i64_array(a.ints());
    case Form::kBoolArray: return bool_array(a);
    case Form::kSymbol: return a.kind == Attribute::Kind::kString ? symbol_ref(a.s) : attribute(a);
    case Form::kSymbols: {
      std::string s = "[";
      for (size_t i = 0; i < a.array.size(); ++i) s += (i ? ", " : "") + converted(a.array[i], Form::kSymbol);
      return s + "]";
    }
    case Form::kApiVersion: return std::to_string(a.i) + " : i32";
    case Form::kChannel: return "#stablehlo.channel_handle<handle = " + std::to_string(a.i) + ", type = 0>";
    case Form::kUnitIfTrue: return "";
  }
  return attribute(a);
}

bool empty_array(const Attribute* a) {
  return a && a->kind == Attribute::Kind::kArray && a->array.empty();
}

}  // namespace

OpAttributes stablehlo_attributes(const Op& op) {
  OpAttributes out;
  const auto& table = op_rules();
  auto it = table.find(op.name);
  if (it == table.end()) {
    out.discardable = entries_of(op.attributes);
    return out;
  }
  const OpRules& rules = it->second;
  const std::vector<std::string>& folded = folded_names(rules.fold);
  // custom_call drops its layouts only when both lists are empty.
  bool drop_layouts = op.name == "stablehlo.custom_call" && empty_array(op.attr("operand_layouts")) &&
                      empty_array(op.attr("result_layouts"));
  for (const auto& [name, value] : op.attributes) {
    if (std::find(folded.begin(), folded.end(), name) != folded.end()) continue;
    auto rule = std::find_if(rules.rules.begin(), rules.rules.end(),
                             [&key = name](const Rule& r) { return key == r.name; });
    if (rule == rules.rules.end()) {
      out.discardable.emplace_back(name, value.kind == Attribute::Kind::kUnit ? "" : attribute(value));
      continue;
    }
    if (is_default(value, rule->drop)) continue;
    if (drop_layouts && (name == "operand_layouts" || name == "result_layouts")) continue;
    // StableHLO names a lone channel id as a channel handle.
    out.properties.emplace_back(rule->form == Form::kChannel ? "channel_handle" : name,
                                converted(value, rule->form));
  }
  fold(op, rules.fold, out.properties);
  return out;
}

}  // namespace applejax::ir::text
