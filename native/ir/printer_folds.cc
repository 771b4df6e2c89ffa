// The structured attributes StableHLO folds VHLO's loose ones into:
// #stablehlo.conv, #stablehlo.dot (and the dot algorithm), #stablehlo.gather,
// #stablehlo.scatter and #stablehlo.channel_handle, printed as StableHLO's
// attribute printers write them.
#include "ir/printer_internal.h"

namespace applejax::ir::text {
namespace {

// One dimension-list field of a #stablehlo.gather/scatter/dot struct:
// printed only when non-empty (a zero integer is left out too).
void field(std::string& s, const char* name, const std::vector<int64_t>& v) {
  if (v.empty()) return;
  s += (s.back() == '<' ? "" : ", ") + std::string(name) + " = " + int_list(v);
}
void field(std::string& s, const char* name, int64_t v) {
  if (v == 0) return;
  s += (s.back() == '<' ? "" : ", ") + std::string(name) + " = " + std::to_string(v);
}

class Folder {
 public:
  explicit Folder(const Op& op) : op_(op) {}
  std::vector<int64_t> ints(const char* name) const {
    const Attribute* a = op_.attr(name);
    return a ? a->ints() : std::vector<int64_t>{};
  }
  int64_t num(const char* name) const {
    const Attribute* a = op_.attr(name);
    return a ? a->i : 0;
  }

  // [b, f, 0, 1]: each position names the role of that dimension.
  std::string conv_dims(const char* batch, const char* feature, const char* spatial, char b,
                        char f) const {
    std::vector<int64_t> sp = ints(spatial);
    std::vector<std::string> dims(sp.size() + 2, "?");
    auto put = [&](int64_t at, const std::string& what) {
      if (at >= 0 && static_cast<size_t>(at) < dims.size()) dims[static_cast<size_t>(at)] = what;
    };
    put(num(batch), std::string(1, b));
    put(num(feature), std::string(1, f));
    for (size_t i = 0; i < sp.size(); ++i) put(sp[i], std::to_string(i));
    std::string s = "[";
    for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + dims[i];
    return s + "]";
  }

  void fold(Fold f, std::vector<Entry>& out) const {
    switch (f) {
      case Fold::kNone: return;
      case Fold::kConv:
        out.emplace_back("dimension_numbers",
                         "#stablehlo.conv<" +
                             conv_dims("input_batch_dimension", "input_feature_dimension",
                                       "input_spatial_dimensions", 'b', 'f') + "x" +
                             conv_dims("kernel_input_feature_dimension",
                                       "kernel_output_feature_dimension",
                                       "kernel_spatial_dimensions", 'i', 'o') + "->" +
                             conv_dims("output_batch_dimension", "output_feature_dimension",
                                       "output_spatial_dimensions", 'b', 'f') + ">");
        return;
      case Fold::kDot: {
        std::string s = "#stablehlo.dot<";
        field(s, "lhs_batching_dimensions", ints("lhs_batching_dimensions"));
        field(s, "rhs_batching_dimensions", ints("rhs_batching_dimensions"));
        field(s, "lhs_contracting_dimensions", ints("lhs_contracting_dimensions"));
        field(s, "rhs_contracting_dimensions", ints("rhs_contracting_dimensions"));
        out.emplace_back("dot_dimension_numbers", s + ">");
        fold_algorithm(out);
        return;
      }
      case Fold::kGather: {
        std::string s = "#stablehlo.gather<";
        field(s, "offset_dims", ints("offset_dims"));
        field(s, "collapsed_slice_dims", ints("collapsed_slice_dims"));
        field(s, "operand_batching_dims", ints("operand_batching_dims"));
        field(s, "start_indices_batching_dims", ints("start_indices_batching_dims"));
        field(s, "start_index_map", ints("start_index_map"));
        field(s, "index_vector_dim", num("index_vector_dim"));
        out.emplace_back("dimension_numbers", s + ">");
        return;
      }
      case Fold::kScatter: {
        std::string s = "#stablehlo.scatter<";
        field(s, "update_window_dims", ints("update_window_dims"));
        field(s, "inserted_window_dims", ints("inserted_window_dims"));
        field(s, "input_batching_dims", ints("input_batching_dims"));
        field(s, "scatter_indices_batching_dims", ints("scatter_indices_batching_dims"));
        field(s, "scatter_dims_to_operand_dims", ints("scatter_dims_to_operand_dims"));
        field(s, "index_vector_dim", num("index_vector_dim"));
        out.emplace_back("scatter_dimension_numbers", s + ">");
        return;
      }
      case Fold::kChannelHandle:
        out.emplace_back("channel_handle", "#stablehlo.channel_handle<handle = " +
                                               std::to_string(num("channel_id")) + ", type = " +
                                               std::to_string(num("channel_type")) + ">");
        return;
    }
  }

 private:
  // dot_general_v2 carries the algorithm spread out; all of it is a NoneType
  // type attribute when there is none.
  void fold_algorithm(std::vector<Entry>& out) const {
    const Attribute* count = op_.attr("lhs_component_count");
    if (!count || count->kind != Attribute::Kind::kInteger) return;
    auto type = [&](const char* name) {
      const Attribute* a = op_.attr(name);
      return a ? type_attribute_text(*a) : std::string("none");
    };
    const Attribute* imprecise = op_.attr("allow_imprecise_accumulation");
    out.emplace_back(
        "algorithm",
        "#stablehlo.dot_algorithm<lhs_precision_type = " + type("lhs_precision_type") +
            ", rhs_precision_type = " + type("rhs_precision_type") +
            ", accumulation_type = " + type("accumulation_type") +
            ", lhs_component_count = " + std::to_string(num("lhs_component_count")) +
            ", rhs_component_count = " + std::to_string(num("rhs_component_count")) +
            ", num_primitive_operations = " + std::to_string(num("num_primitive_operations")) +
            ", allow_imprecise_accumulation = " + (imprecise && imprecise->b ? "true" : "false") +
            ">");
  }

  const Op& op_;
};

}  // namespace

const std::vector<std::string>& folded_names(Fold f) {
  static const std::vector<std::string> none;
  static const std::vector<std::string> conv = {
      "input_batch_dimension", "input_feature_dimension", "input_spatial_dimensions",
      "kernel_input_feature_dimension", "kernel_output_feature_dimension",
      "kernel_spatial_dimensions", "output_batch_dimension", "output_feature_dimension",
      "output_spatial_dimensions"};
  static const std::vector<std::string> dot = {
      "lhs_batching_dimensions", "rhs_batching_dimensions", "lhs_contracting_dimensions",
      "rhs_contracting_dimensions", "lhs_precision_type", "rhs_precision_type",
      "accumulation_type", "lhs_component_count", "rhs_component_count",
      "num_primitive_operations", "allow_imprecise_accumulation"};
  static const std::vector<std::string> gather = {
      "offset_dims", "collapsed_slice_dims", "operand_batching_dims",
      "start_indices_batching_dims", "start_index_map", "index_vector_dim"};
  static const std::vector<std::string> scatter = {
      "update_window_dims", "inserted_window_dims", "input_batching_dims",
      "scatter_indices_batching_dims", "scatter_dims_to_operand_dims", "index_vector_dim"};
  static const std::vector<std::string> channel = {"channel_id", "channel_type"};
  switch (f) {
    case Fold::kNone: return none;
    case Fold::kConv: return conv;
    case Fold::kDot: return dot;
    case Fold::kGather: return gather;
    case Fold::kScatter: return scatter;
    case Fold::kChannelHandle: return channel;
  }
  return none;
}

void fold(const Op& op, Fold f, std::vector<Entry>& out) { Folder(op).fold(f, out); }

}  // namespace applejax::ir::text
