#include "passes/rewriter.h"

#include "passes/match.h"

#include <cmath>
#include <cstring>
#include <limits>

#include <mlx/types/half_types.h>

namespace applejax::passes {

void Rewriter::replace(const ir::Op* root, std::vector<ir::Op> ops) {
  replaced_[root] = std::move(ops);
}

void Rewriter::erase(const ir::Op* op) { erased_.insert(op); }

void Rewriter::replace_uses(ir::ValueId from, ir::ValueId to) {
  if (from != to) renamed_[from] = to;
}

ir::ValueId Rewriter::resolve(ir::ValueId v) const {
  for (int hops = 0; hops < 1 << 20; ++hops) {
    auto it = renamed_.find(v);
    if (it == renamed_.end()) return v;
    v = it->second;
  }
  return v;
}

void Rewriter::rebuild(ir::Region& region) {
  for (ir::Block& block : region.blocks) {
    std::vector<ir::Op> ops;
    ops.reserve(block.ops.size());
    for (ir::Op& op : block.ops) {
      // Nested blocks first: their ops are keyed by address too.
      for (ir::Region& r : op.regions) rebuild(r);
      if (erased_.count(&op)) continue;
      auto it = replaced_.find(&op);
      if (it == replaced_.end()) {
        ops.push_back(std::move(op));
        continue;
      }
      for (ir::Op& n : it->second) ops.push_back(std::move(n));
    }
    block.ops = std::move(ops);
  }
}

void Rewriter::rename(ir::Region& region) {
  for (ir::Block& block : region.blocks)
    for (ir::Op& op : block.ops) {
      for (ir::ValueId& v : op.operands) v = resolve(v);
      for (ir::Region& r : op.regions) rename(r);
    }
}

bool Rewriter::apply() {
  if (empty()) return false;
  for (ir::Function& fn : module_.functions) {
    if (!replaced_.empty() || !erased_.empty()) rebuild(fn.body);
    if (!renamed_.empty()) rename(fn.body);
  }
  replaced_.clear();
  erased_.clear();
  renamed_.clear();
  return true;
}

bool rewrite_each_op(ir::Module& m, int rounds,
                     const std::function<void(const Uses&, Rewriter&, const ir::Op&)>& f) {
  bool changed = false;
  for (int round = 0; round < rounds; ++round) {
    Uses u(m);
    Rewriter rw(m);
    for_each_block(m, [&](ir::Block& b) {
      for (const ir::Op& op : b.ops) f(u, rw, op);
    });
    if (!rw.apply()) break;
    changed = true;
  }
  return changed;
}

ir::Op make_op(std::string name, std::vector<ir::ValueId> operands,
               std::vector<ir::ValueId> results, const ir::Op& where) {
  ir::Op op;
  op.name = std::move(name);
  op.operands = std::move(operands);
  op.results = std::move(results);
  op.loc = where.loc;
  return op;
}

ir::Attribute float_attr(double v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kFloat;
  // As the reader stores a float: the value, and its bits in `i` (what
  // the printer prints).
  float f = static_cast<float>(v);
  uint32_t bits;
  std::memcpy(&bits, &f, sizeof bits);
  a.f = f;
  a.i = bits;
  a.type = ir::Type::tensor(ir::ElementType::kF32, {});
  return a;
}

ir::Attribute ints_attr(const std::vector<int64_t>& v) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kArray;
  // A tensor type on an array marks MLIR's dense array<i64: ...> (ir.h).
  a.type = ir::Type::tensor(ir::ElementType::kSI64, {static_cast<int64_t>(v.size())});
  for (int64_t x : v) {
    ir::Attribute e;
    e.kind = ir::Attribute::Kind::kInteger;
    e.i = x;
    e.type = ir::Type::tensor(ir::ElementType::kSI64, {});
    a.array.push_back(e);
  }
  return a;
}

ir::Attribute string_attr(std::string s) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kString;
  a.s = std::move(s);
  return a;
}

namespace {

template <typename T>
bool put(T x, double v, std::vector<uint8_t>& bytes) {
  if (!(static_cast<double>(x) == v) && !(std::isnan(v) && std::isnan(static_cast<double>(x))))
    return false;
  bytes.resize(sizeof(T));
  std::memcpy(bytes.data(), &x, sizeof(T));
  return true;
}

template <typename T>
bool put_int(double v, std::vector<uint8_t>& bytes) {
  // Out of range, a cast to T is undefined; refuse first.
  if (!(v >= static_cast<double>(std::numeric_limits<T>::lowest()) &&
        v <= static_cast<double>(std::numeric_limits<T>::max()) && v == std::floor(v) &&
        std::abs(v) < 9.0e15))
    return false;
  return put(static_cast<T>(v), v, bytes);
}

}  // namespace

bool splat_attr(const ir::Type& t, double v, ir::Attribute* out) {
  if (!t.is_tensor()) return false;
  std::vector<uint8_t> bytes;
  bool ok = false;
  using E = ir::ElementType;
  switch (t.element) {
    case E::kF64: ok = put(v, v, bytes); break;
    case E::kF32:
      ok = std::abs(v) <= std::numeric_limits<float>::max() || !std::isfinite(v);
      ok = ok && put(static_cast<float>(v), v, bytes);
      break;
    case E::kF16: ok = put(mlx::core::float16_t(static_cast<float>(v)), v, bytes); break;
    case E::kBF16: ok = put(mlx::core::bfloat16_t(static_cast<float>(v)), v, bytes); break;
    case E::kI1: ok = (v == 0 || v == 1) && put_int<uint8_t>(v, bytes); break;
    case E::kSI8: ok = put_int<int8_t>(v, bytes); break;
    case E::kSI16: ok = put_int<int16_t>(v, bytes); break;
    case E::kSI32: ok = put_int<int32_t>(v, bytes); break;
    case E::kSI64: ok = put_int<int64_t>(v, bytes); break;
    case E::kUI8: ok = put_int<uint8_t>(v, bytes); break;
    case E::kUI16: ok = put_int<uint16_t>(v, bytes); break;
    case E::kUI32: ok = put_int<uint32_t>(v, bytes); break;
    case E::kUI64: ok = put_int<uint64_t>(v, bytes); break;
    default: return false;
  }
  if (!ok) return false;
  out->kind = ir::Attribute::Kind::kDense;
  out->type = t;
  // One element is stored as such, as the reader stores a scalar, so CSE
  // sees the two as equal.
  out->splat = t.num_elements() != 1;
  out->data = std::make_shared<const std::vector<uint8_t>>(std::move(bytes));
  return true;
}

}  // namespace applejax::passes
