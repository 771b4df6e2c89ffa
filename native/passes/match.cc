#include "passes/match.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "lower/region_patterns.h"
#include "vhlo/attr_type_table.h"

namespace applejax::passes {

Uses::Uses(const ir::Module& module)
    : module_(&module), def_(module.values.size(), nullptr), count_(module.values.size(), 0) {
  for (const auto& fn : module.functions) walk(fn.body);
}

void Uses::walk(const ir::Region& region) {
  for (const auto& block : region.blocks)
    for (const auto& op : block.ops) {
      for (ir::ValueId v : op.operands)
        if (v < count_.size()) ++count_[v];
      for (ir::ValueId r : op.results)
        if (r < def_.size()) def_[r] = &op;
      for (const auto& r : op.regions) walk(r);
    }
}

const ir::Op* def_is(const Uses& u, ir::ValueId v, std::string_view name) {
  const ir::Op* op = u.def(v);
  return op && op->name == name && op->results.size() == 1 ? op : nullptr;
}

namespace {

std::optional<double> dense_splat(const ir::Attribute& a) {
  if (a.kind != ir::Attribute::Kind::kDense || !a.data || !a.type.is_tensor()) return std::nullopt;
  ir::ElementType e = a.type.element;
  int bytes = ir::element_byte_width(e);
  if (!a.splat && a.type.num_elements() != 1) return std::nullopt;
  if (a.data->size() < static_cast<size_t>(bytes) || bytes > 8 || ir::is_complex(e))
    return std::nullopt;
  uint64_t bits = 0;
  std::memcpy(&bits, a.data->data(), bytes);
  if (ir::is_float(e)) return vhlo::float_bits_to_double(bits, e);
  if (e == ir::ElementType::kI1) return bits ? 1.0 : 0.0;
  if (ir::is_unsigned(e)) return static_cast<double>(bits);
  int shift = 64 - 8 * bytes;  // sign-extend
  return static_cast<double>(static_cast<int64_t>(bits << shift) >> shift);
}

bool only_unit_dims_differ(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  std::vector<int64_t> x, y;
  for (int64_t n : a) if (n != 1) x.push_back(n);
  for (int64_t n : b) if (n != 1) y.push_back(n);
  return x == y;
}

}  // namespace

std::optional<double> splat_value(const Uses& u, ir::ValueId v) {
  for (int depth = 0; depth < 8; ++depth) {
    const ir::Op* op = u.def(v);
    if (!op || op->results.size() != 1) return std::nullopt;
    if (op->name == "stablehlo.constant") {
      const ir::Attribute* value = op->attr("value");
      return value ? dense_splat(*value) : std::nullopt;
    }
    if (op->name != "stablehlo.broadcast_in_dim" && op->name != "stablehlo.reshape" &&
        op->name != "stablehlo.convert")
      return std::nullopt;
    if (op->operands.size() != 1) return std::nullopt;
    // A convert may round; only follow converts between float types, whose
    // splats JAX writes already rounded to the narrower type.
    if (op->name == "stablehlo.convert" &&
        !(ir::is_float(u.type(op->operands[0]).element) && ir::is_float(u.type(v).element)))
      return std::nullopt;
    v = op->operands[0];
  }
  return std::nullopt;
}

ir::ValueId peel_unit_dims(const Uses& u, ir::ValueId v) {
  for (int depth = 0; depth < 8; ++depth) {
    const ir::Op* op = u.def(v);
    if (!op || op->operands.size() != 1 || op->results.size() != 1) return v;
    bool wrapper = false;
    const ir::Type &in = u.type(op->operands[0]), &out = u.type(v);
    if (!in.is_tensor() || !out.is_tensor() || in.element != out.element) return v;
    if (op->name == "stablehlo.reshape") {
      wrapper = only_unit_dims_differ(in.shape, out.shape);
    } else if (op->name == "stablehlo.broadcast_in_dim") {
      const ir::Attribute* dims = op->attr("broadcast_dimensions");
      std::vector<int64_t> d = dims ? dims->ints() : std::vector<int64_t>{};
      // Every operand dimension kept, in order; the new ones are unit.
      wrapper = d.size() == in.shape.size() && std::is_sorted(d.begin(), d.end()) &&
                in.num_elements() == out.num_elements();
      for (size_t i = 0; wrapper && i < d.size(); ++i)
        wrapper = d[i] >= 0 && d[i] < static_cast<int64_t>(out.shape.size()) &&
                  out.shape[d[i]] == in.shape[i];
    }
    if (!wrapper) return v;
    v = op->operands[0];
  }
  return v;
}

std::optional<Reduction> reduction_of(const Uses& u, ir::ValueId v, std::string_view body,
                                      double init) {
  const ir::Op* op = def_is(u, v, "stablehlo.reduce");
  if (!op || op->operands.size() != 2 || op->regions.size() != 1) return std::nullopt;
  if (lower::binary_body(op->regions[0]) != body) return std::nullopt;
  std::optional<double> i = splat_value(u, op->operands[1]);
  if (!i || *i != init) return std::nullopt;
  const ir::Attribute* dims = op->attr("dimensions");
  if (!dims) return std::nullopt;
  Reduction red{op->operands[0], dims->ints()};
  std::sort(red.axes.begin(), red.axes.end());
  if (std::adjacent_find(red.axes.begin(), red.axes.end()) != red.axes.end()) return std::nullopt;
  return red;
}

std::optional<Reduction> sum_of(const Uses& u, ir::ValueId v, std::vector<ir::ValueId>& internal) {
  if (std::optional<Reduction> r = reduction_of(u, v, "stablehlo.add", 0.0)) return r;
  const ir::Op* back = def_is(u, v, "stablehlo.convert");
  if (!back) return std::nullopt;
  ir::ValueId wide = back->operands[0];
  ir::ElementType narrow = u.type(v).element, w = u.type(wide).element;
  if (!ir::is_float(narrow) || !ir::is_float(w) ||
      ir::element_bit_width(w) <= ir::element_bit_width(narrow) || u.count(wide) != 1)
    return std::nullopt;
  internal.push_back(wide);
  wide = peel_unit_dims(u, wide);
  if (u.count(wide) != 1) return std::nullopt;
  std::optional<Reduction> r = reduction_of(u, wide, "stablehlo.add", 0.0);
  if (!r) return std::nullopt;
  const ir::Op* up = def_is(u, r->input, "stablehlo.convert");
  if (!up || u.type(up->operands[0]).element != narrow || u.count(r->input) != 1)
    return std::nullopt;
  internal.insert(internal.end(), {wide, r->input});
  r->input = up->operands[0];
  return r;
}

std::optional<ir::ValueId> broadcast_rows(const Uses& u, ir::ValueId v,
                                          const std::vector<int64_t>& full_shape,
                                          const std::vector<int64_t>& axes) {
  const ir::Op* op = def_is(u, v, "stablehlo.broadcast_in_dim");
  if (!op || u.type(v).shape != full_shape) return std::nullopt;
  ir::ValueId row = op->operands[0];
  const ir::Type& in = u.type(row);
  const ir::Attribute* dims_attr = op->attr("broadcast_dimensions");
  if (!dims_attr || !in.is_tensor()) return std::nullopt;
  std::vector<int64_t> dims = dims_attr->ints();
  if (dims.size() != in.shape.size() || !std::is_sorted(dims.begin(), dims.end()))
    return std::nullopt;
  // Each operand dimension lands on a kept axis of the same size, or is a
  // unit dimension; together the kept axes are all covered.
  std::vector<bool> covered(full_shape.size(), false);
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t d = dims[i];
    if (d < 0 || d >= static_cast<int64_t>(full_shape.size())) return std::nullopt;
    bool reduced = std::find(axes.begin(), axes.end(), d) != axes.end();
    if (in.shape[i] == 1 && (reduced || full_shape[d] == 1)) continue;
    if (reduced || in.shape[i] != full_shape[d]) return std::nullopt;
    covered[d] = true;
  }
  for (size_t d = 0; d < full_shape.size(); ++d) {
    bool reduced = std::find(axes.begin(), axes.end(), static_cast<int64_t>(d)) != axes.end();
    if (!reduced && !covered[d] && full_shape[d] != 1) return std::nullopt;
  }
  return row;
}

int64_t product_of(const std::vector<int64_t>& shape, const std::vector<int64_t>& axes) {
  int64_t n = 1;
  for (int64_t a : axes) n *= shape.at(a);
  return n;
}

bool is_trailing(const std::vector<int64_t>& axes, size_t rank) {
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] != static_cast<int64_t>(rank - axes.size() + i)) return false;
  return !axes.empty();
}

}  // namespace applejax::passes
