// fold_dynamic_shapes: the shape ops of dynamic-shape StableHLO become
// their static forms, because every shape is known by the time a program
// reaches a PJRT compile (JAX refines shape-polymorphic exports to the
// caller's shapes first) and MLX only has static shapes.
//
//   get_dimension_size of a static dimension  -> constant i32
//   dynamic_broadcast_in_dim(x, shape)       -> broadcast_in_dim
//   dynamic_reshape(x, shape)                -> reshape
//   dynamic_iota(shape)                      -> iota
//   dynamic_pad(x, v, lo, hi, interior)      -> pad
//   dynamic_gather(x, idx, sizes)            -> gather with slice_sizes
//   real_dynamic_slice(x, start, limit, st)  -> slice
//   dynamic_conv(lhs, rhs, padding)          -> convolution
//
// The shape operands must be integers the pass can compute: constants, and
// what JAX builds from them and from get_dimension_size (converts,
// reshapes, concatenations, integer arithmetic, as in its divmod helper).
// A result type with a '?' that the shape now fixes becomes static. What
// is left afterwards depends on values only known at run time, so the pass
// refuses it with an error naming the op and its line; the plain lowering
// has no dynamic-shape ops to fall back to.
#include <cstdlib>
#include <limits>
#include <optional>

#include "lower/errors.h"
#include "passes/match.h"
#include "passes/pass.h"
#include "passes/rewriter.h"

namespace applejax::passes {
namespace {

using Ints = std::vector<int64_t>;

// Shape vectors are short; a longer integer tensor is data, not a shape.
constexpr int64_t kMaxShapeElements = 64;
// How far back through a chain of integer ops the evaluator looks.
constexpr int kMaxDepth = 32;

bool is_dynamic_shape_op(const std::string& n) {
  for (const char* d : {"stablehlo.get_dimension_size", "stablehlo.dynamic_broadcast_in_dim",
                        "stablehlo.dynamic_reshape", "stablehlo.dynamic_iota",
                        "stablehlo.dynamic_pad", "stablehlo.dynamic_gather",
                        "stablehlo.real_dynamic_slice", "stablehlo.dynamic_conv"})
    if (n == d) return true;
  return false;
}

bool is_static(const ir::Type& t) {
  if (!t.is_tensor()) return true;
  for (int64_t d : t.shape)
    if (d == ir::kDynamic) return false;
  return true;
}

// Wraps a result of integer arithmetic to the element type's width, as
// the op itself would; nullopt where it is not an integer type.
std::optional<int64_t> wrap(ir::ElementType e, __int128 v) {
  if (e == ir::ElementType::kI1) return v != 0;
  if (!ir::is_integer(e)) return std::nullopt;
  int bits = ir::element_bit_width(e);
  if (bits >= 64) {
    if (v > std::numeric_limits<int64_t>::max() || v < std::numeric_limits<int64_t>::min())
      return std::nullopt;  // a shape never needs this; do not guess
    return static_cast<int64_t>(v);
  }
  unsigned __int128 mask = (static_cast<unsigned __int128>(1) << bits) - 1;
  unsigned __int128 u = static_cast<unsigned __int128>(v) & mask;
  if (ir::is_unsigned(e)) return static_cast<int64_t>(u);
  if (u >> (bits - 1)) return static_cast<int64_t>(u) - (int64_t{1} << bits);
  return static_cast<int64_t>(u);
}

std::optional<int64_t> binary(const ir::Op& op, ir::ElementType e, int64_t a, int64_t b) {
  const std::string& n = op.name;
  bool u = ir::is_unsigned(e);
  if (n == "stablehlo.add") return wrap(e, static_cast<__int128>(a) + b);
  if (n == "stablehlo.subtract") return wrap(e, static_cast<__int128>(a) - b);
  if (n == "stablehlo.multiply") return wrap(e, static_cast<__int128>(a) * b);
  if (n == "stablehlo.maximum") return u ? std::max<uint64_t>(a, b) : std::max(a, b);
  if (n == "stablehlo.minimum") return u ? std::min<uint64_t>(a, b) : std::min(a, b);
  // Division by zero and INT_MIN / -1 have target-defined results; a shape
  // never needs them.
  if (n == "stablehlo.divide" || n == "stablehlo.remainder") {
    if (b == 0 || (!u && b == -1 && a == std::numeric_limits<int64_t>::min())) return std::nullopt;
    if (u) return n == "stablehlo.divide" ? static_cast<int64_t>(uint64_t(a) / uint64_t(b))
                                          : static_cast<int64_t>(uint64_t(a) % uint64_t(b));
    return n == "stablehlo.divide" ? a / b : a % b;  // C++ truncates, as StableHLO does
  }
  if (n == "stablehlo.and") return a & b;
  if (n == "stablehlo.or") return a | b;
  if (n == "stablehlo.compare") {
    const ir::Attribute* d = op.attr("comparison_direction");
    if (!d) return std::nullopt;
    bool lt = u ? uint64_t(a) < uint64_t(b) : a < b;
    bool gt = u ? uint64_t(a) > uint64_t(b) : a > b;
    if (d->s == "EQ") return a == b;
    if (d->s == "NE") return a != b;
    if (d->s == "LT") return lt;
    if (d->s == "LE") return !gt;
    if (d->s == "GT") return gt;
    if (d->s == "GE") return !lt;
  }
  return std::nullopt;
}

// The elements of integer tensor v, when they follow from constants and
// static dimensions alone.
std::optional<Ints> known_ints(const Uses& u, ir::ValueId v, int depth = 0) {
  const ir::Type& t = u.type(v);
  if (depth > kMaxDepth || !is_static(t) || t.num_elements() > kMaxShapeElements ||
      !(ir::is_integer(t.element) || t.element == ir::ElementType::kI1))
    return std::nullopt;
  const ir::Op* op = u.def(v);
  if (!op || op->results.size() != 1) return std::nullopt;
  const size_t n = static_cast<size_t>(t.num_elements());
  auto operand = [&](size_t i) -> std::optional<Ints> {
    if (i >= op->operands.size()) return std::nullopt;
    return known_ints(u, op->operands[i], depth + 1);
  };
  const std::string& name = op->name;
  if (name == "stablehlo.constant") {
    const ir::Attribute* value = op->attr("value");
    if (!value || value->kind != ir::Attribute::Kind::kDense) return std::nullopt;
    Ints out = value->ints();
    if (out.size() != n) return std::nullopt;
    return out;
  }
  if (name == "stablehlo.get_dimension_size") {
    const ir::Attribute* dim = op->attr("dimension");
    if (!dim || op->operands.size() != 1) return std::nullopt;
    const ir::Type& x = u.type(op->operands[0]);
    if (!x.is_tensor() || dim->i < 0 || dim->i >= static_cast<int64_t>(x.shape.size()) ||
        x.shape[dim->i] == ir::kDynamic)
      return std::nullopt;
    return Ints{x.shape[dim->i]};
  }
  if (name == "stablehlo.reshape") return operand(0);
  if (name == "stablehlo.convert") {
    std::optional<Ints> x = operand(0);
    if (!x) return std::nullopt;
    for (int64_t& e : *x) {
      std::optional<int64_t> w = wrap(t.element, e);
      if (!w) return std::nullopt;
      e = *w;
    }
    return x;
  }
  if (name == "stablehlo.broadcast_in_dim") {
    std::optional<Ints> x = operand(0);
    if (!x || x->size() != 1) return std::nullopt;  // a scalar, as JAX broadcasts sizes
    return Ints(n, (*x)[0]);
  }
  if (name == "stablehlo.concatenate") {
    if (t.shape.size() != 1) return std::nullopt;
    Ints out;
    for (size_t i = 0; i < op->operands.size(); ++i) {
      std::optional<Ints> x = operand(i);
      if (!x) return std::nullopt;
      out.insert(out.end(), x->begin(), x->end());
    }
    if (out.size() != n) return std::nullopt;
    return out;
  }
  if (name == "stablehlo.slice" && t.shape.size() == 1) {
    std::optional<Ints> x = operand(0);
    Ints start = op->attr("start_indices") ? op->attr("start_indices")->ints() : Ints{};
    Ints strides = op->attr("strides") ? op->attr("strides")->ints() : Ints{1};
    if (!x || start.size() != 1 || strides.size() != 1 || strides[0] < 1) return std::nullopt;
    Ints out;
    for (size_t i = 0; i < n; ++i) {
      int64_t at = start[0] + static_cast<int64_t>(i) * strides[0];
      if (at < 0 || at >= static_cast<int64_t>(x->size())) return std::nullopt;
      out.push_back((*x)[at]);
    }
    return out;
  }
  if (name == "stablehlo.negate" || name == "stablehlo.abs") {
    std::optional<Ints> x = operand(0);
    if (!x) return std::nullopt;
    for (int64_t& e : *x) {
      __int128 wide = e;
      std::optional<int64_t> w = wrap(t.element, name == "stablehlo.negate" || e < 0 ? -wide : wide);
      if (!w) return std::nullopt;
      e = *w;
    }
    return x;
  }
  if (name == "stablehlo.select") {
    std::optional<Ints> c = operand(0), a = operand(1), b = operand(2);
    if (!c || !a || !b || a->size() != n || b->size() != n) return std::nullopt;
    Ints out(n);
    for (size_t i = 0; i < n; ++i) out[i] = (*c)[c->size() == 1 ? 0 : i] ? (*a)[i] : (*b)[i];
    return out;
  }
  if (op->operands.size() == 2) {
    std::optional<Ints> a = operand(0), b = operand(1);
    if (!a || !b || a->size() != n || b->size() != n) return std::nullopt;
    ir::ElementType e = u.type(op->operands[0]).element;
    Ints out(n);
    for (size_t i = 0; i < n; ++i) {
      std::optional<int64_t> r = binary(*op, e, (*a)[i], (*b)[i]);
      if (!r) return std::nullopt;
      out[i] = *r;
    }
    return out;
  }
  return std::nullopt;
}

// conv's padding, as the reader stores it: a dense tensor<Nx2xi64>.
ir::Attribute padding_attr(const Ints& pairs) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kDense;
  a.type = ir::Type::tensor(ir::ElementType::kSI64, {static_cast<int64_t>(pairs.size() / 2), 2});
  std::vector<uint8_t> bytes(pairs.size() * sizeof(int64_t));
  for (size_t i = 0; i < pairs.size(); ++i)
    for (size_t b = 0; b < sizeof(int64_t); ++b)
      bytes[i * 8 + b] = static_cast<uint8_t>(static_cast<uint64_t>(pairs[i]) >> (8 * b));
  a.data = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
  return a;
}

void copy_attributes(const ir::Op& from, ir::Op& to, std::initializer_list<std::string_view> except) {
  for (const ir::NamedAttribute& a : from.attributes) {
    bool skip = false;
    for (std::string_view e : except) skip = skip || a.first == e;
    if (!skip) to.attributes.push_back(a);
  }
}

// The result type fixed by `shape`: a '?' takes the shape's number; a
// static dimension must agree with it. False when they disagree.
bool refine_result(Rewriter& rw, ir::ValueId result, const Ints& shape) {
  ir::Type& t = rw.module().values[result];
  if (!t.is_tensor() || t.shape.size() != shape.size()) return false;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0) return false;
    if (t.shape[i] != ir::kDynamic && t.shape[i] != shape[i]) return false;
  }
  t.shape = shape;
  t.bounds.clear();
  return true;
}

[[noreturn]] void refuse_runtime_shape(const ir::Op& op, const std::string& what) {
  lower::fail(op, what + ": the shape depends on runtime values",
              "The mps plugin runs JAX programs with static shapes only; give every shape "
              "as a Python int (or export with concrete shapes)");
}

[[noreturn]] void refuse_mismatch(const ir::Op& op, const Ints& shape) {
  std::string s;
  for (int64_t d : shape) s += (s.empty() ? "" : ", ") + std::to_string(d);
  lower::fail(op, "its shape operand says [" + s + "], which does not fit its result type");
}

// One rewrite; nothing when a shape operand is not known (yet).
void fold(const Uses& u, Rewriter& rw, const ir::Op& op) {
  const std::string& n = op.name;
  if (!is_dynamic_shape_op(n) || op.results.size() != 1) return;
  const ir::ValueId result = op.results[0];
  auto shape_of = [&](size_t i) -> std::optional<Ints> {
    return i < op.operands.size() ? known_ints(u, op.operands[i]) : std::nullopt;
  };
  auto put = [&](ir::Op&& replacement) {
    std::vector<ir::Op> ops;
    ops.push_back(std::move(replacement));
    rw.replace(&op, std::move(ops));
  };
  if (n == "stablehlo.get_dimension_size") {
    std::optional<Ints> v = known_ints(u, result);
    ir::Attribute value;
    if (!v || !splat_attr(u.type(result), static_cast<double>((*v)[0]), &value)) return;
    ir::Op c = make_op("stablehlo.constant", {}, {result}, op);
    c.attributes.emplace_back("value", std::move(value));
    put(std::move(c));
    return;
  }
  if (n == "stablehlo.dynamic_broadcast_in_dim" || n == "stablehlo.dynamic_reshape" ||
      n == "stablehlo.dynamic_iota") {
    bool iota = n == "stablehlo.dynamic_iota";
    std::optional<Ints> shape = shape_of(iota ? 0 : 1);
    if (!shape || op.operands.size() != (iota ? 1u : 2u)) return;
    if (!refine_result(rw, result, *shape)) refuse_mismatch(op, *shape);
    ir::Op s = make_op(iota ? "stablehlo.iota"
                       : n == "stablehlo.dynamic_reshape" ? "stablehlo.reshape"
                                                          : "stablehlo.broadcast_in_dim",
                       iota ? std::vector<ir::ValueId>{} : std::vector{op.operands[0]}, {result}, op);
    copy_attributes(op, s, {"known_expanding_dimensions", "known_nonexpanding_dimensions"});
    put(std::move(s));
    return;
  }
  if (n == "stablehlo.real_dynamic_slice" || n == "stablehlo.dynamic_pad") {
    bool pad = n == "stablehlo.dynamic_pad";
    size_t first = pad ? 2 : 1;
    if (op.operands.size() != first + 3) return;
    std::optional<Ints> a = shape_of(first), b = shape_of(first + 1), c = shape_of(first + 2);
    if (!a || !b || !c) return;
    const ir::Type& x = u.type(op.operands[0]);
    if (!is_static(x) || a->size() != x.shape.size() || b->size() != a->size() ||
        c->size() != a->size())
      return;  // left for the refusal below, which names the op
    Ints shape(a->size());
    for (size_t d = 0; d < a->size(); ++d) {
      if (pad) {
        int64_t dilated = x.shape[d] == 0 ? 0 : x.shape[d] + (x.shape[d] - 1) * (*c)[d];
        shape[d] = (*a)[d] + dilated + (*b)[d];
      } else {
        int64_t stride = (*c)[d];
        if (stride < 1) lower::fail(op, "its strides must be positive");
        shape[d] = (*b)[d] <= (*a)[d] ? 0 : ((*b)[d] - (*a)[d] + stride - 1) / stride;
      }
    }
    if (!refine_result(rw, result, shape)) refuse_mismatch(op, shape);
    ir::Op s = make_op(pad ? "stablehlo.pad" : "stablehlo.slice",
                       pad ? std::vector{op.operands[0], op.operands[1]} : std::vector{op.operands[0]},
                       {result}, op);
    copy_attributes(op, s, {});
    s.attributes.emplace_back(pad ? "edge_padding_low" : "start_indices", ints_attr(*a));
    s.attributes.emplace_back(pad ? "edge_padding_high" : "limit_indices", ints_attr(*b));
    s.attributes.emplace_back(pad ? "interior_padding" : "strides", ints_attr(*c));
    put(std::move(s));
    return;
  }
  if (n == "stablehlo.dynamic_gather") {
    std::optional<Ints> sizes = shape_of(2);
    if (!sizes || op.operands.size() != 3 || !is_static(u.type(result))) return;
    ir::Op g = make_op("stablehlo.gather", {op.operands[0], op.operands[1]}, {result}, op);
    copy_attributes(op, g, {});
    g.attributes.emplace_back("slice_sizes", ints_attr(*sizes));
    put(std::move(g));
    return;
  }
  if (n == "stablehlo.dynamic_conv") {
    std::optional<Ints> padding = shape_of(2);
    if (!padding || op.operands.size() != 3 || !is_static(u.type(result))) return;
    ir::Op c = make_op("stablehlo.convolution", {op.operands[0], op.operands[1]}, {result}, op);
    copy_attributes(op, c, {"padding"});
    c.attributes.emplace_back("padding", padding_attr(*padding));
    put(std::move(c));
    return;
  }
}

// Function results follow the types of what they return, once refined.
void refine_function_results(ir::Module& m) {
  for (ir::Function& fn : m.functions) {
    if (fn.body.blocks.empty() || fn.body.blocks.back().ops.empty()) continue;
    const ir::Op& ret = fn.body.blocks.back().ops.back();
    for (size_t i = 0; i < fn.result_types.size() && i < ret.operands.size(); ++i)
      if (!is_static(fn.result_types[i]) && is_static(m.values[ret.operands[i]]))
        fn.result_types[i] = m.values[ret.operands[i]];
  }
}

void refuse_what_is_left(const ir::Module& m, const ir::Region& r) {
  for (const ir::Block& b : r.blocks)
    for (const ir::Op& op : b.ops) {
      if (is_dynamic_shape_op(op.name)) {
        refuse_runtime_shape(op, op.name == "stablehlo.get_dimension_size"
                                     ? "it reads a dimension not known before the run"
                                     : "its shape operands are not constants");
      }
      for (ir::ValueId v : op.results)
        if (!is_static(m.values[v]))
          refuse_runtime_shape(op, "its result type " + ir::to_string(m.values[v]) +
                                       " has a dimension not known before the run");
      for (const ir::Region& inner : op.regions) refuse_what_is_left(m, inner);
    }
}

}  // namespace

bool fold_dynamic_shapes(ir::Module& m) {
  bool changed = rewrite_each_op(m, 8, fold);
  if (changed) refine_function_results(m);
  for (const ir::Function& fn : m.functions) refuse_what_is_left(m, fn.body);
  return changed;
}

}  // namespace applejax::passes
