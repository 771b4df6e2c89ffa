#include "lower/emitter.h"

#include <limits>
#include <stdexcept>

#include <mlx/ops.h>

#include "lower/dtype.h"
#include "lower/errors.h"
#include "lower/narrow.h"

namespace applejax::lower {

namespace {
// Nesting of calls and regions deeper than this is a malformed program, and
// following it would exhaust the native stack.
constexpr int kMaxDepth = 256;

Registry build_registry() {
  Registry r;
  register_elementwise(r);
  register_compare(r);
  register_constants(r);
  register_shape(r);
  register_dot(r);
  register_reduce(r);
  register_control_flow(r);
  register_composite(r);
  register_sort(r);
  register_gather(r);
  register_scatter(r);
  register_convolution(r);
  register_bitcast(r);
  register_reduce_window(r);
  register_select_and_scatter(r);
  register_fft(r);
  register_rng_bit_generator(r);
  register_custom_call(r);
  register_fast(r);
  register_linalg(r);
  register_fault_injection(r);
  register_host_callback(r);
  register_tokens(r);
  register_collectives(r);
  register_async_ops(r);
  return r;
}

bool is_terminator(std::string_view name) {
  return name == "func.return" || name == "stablehlo.return";
}
}  // namespace

const Registry& Registry::instance() {
  static const Registry registry = build_registry();
  return registry;
}

void Registry::add(std::string_view op_name, LowerFn fn) {
  table_[std::string(op_name)] = fn;
}

LowerFn Registry::find(std::string_view op_name) const {
  auto it = table_.find(std::string(op_name));
  return it == table_.end() ? nullptr : it->second;
}

std::vector<std::string> Registry::names() const {
  std::vector<std::string> out;
  for (auto& [k, v] : table_) out.push_back(k);
  return out;
}

Emitter::Emitter(const ir::Module& module, mx::StreamOrDevice stream, LoopRunner* loops,
                 bool tracing)
    : module_(module), stream_(stream), loops_(loops), tracing_(tracing),
      env_(module.values.size()) {}

void Emitter::bind_outer(const std::vector<ir::ValueId>& ids, const Values& values) {
  if (ids.size() != values.size())
    throw LowerError("a loop chunk got " + std::to_string(values.size()) + " outer values for " +
                     std::to_string(ids.size()));
  for (size_t i = 0; i < ids.size(); ++i) bind(ids[i], values[i]);
}

void Emitter::bind(ir::ValueId id, mx::array value) {
  env_.at(id).emplace(std::move(value));
}

const mx::array& Emitter::lookup(const ir::Op& op, ir::ValueId id) const {
  if (tuples_.count(id))
    fail_unsupported(op, "a tuple value as an operand (only get_tuple_element reads tuples)");
  if (id >= env_.size() || !env_[id])
    fail(op, "uses value %" + std::to_string(id) + " before it is defined");
  return *env_[id];
}

Values Emitter::call(const ir::Function& fn, const Values& args) {
  if (fn.body.blocks.size() != 1)
    throw LowerError("function @" + fn.name + " has " +
                     std::to_string(fn.body.blocks.size()) +
                     " blocks; StableHLO functions have exactly one");
  return run_region(fn.body, args);
}

Values Emitter::run_region(const ir::Region& region, const Values& args) {
  if (region.blocks.size() != 1)
    throw LowerError("a region with " + std::to_string(region.blocks.size()) +
                     " blocks cannot be lowered; StableHLO regions have one");
  const ir::Block& block = region.blocks.front();
  if (block.arguments.size() != args.size())
    throw LowerError("a region expects " +
                     std::to_string(block.arguments.size()) +
                     " arguments but was given " + std::to_string(args.size()));
  if (++depth_ > kMaxDepth) {
    depth_ = 0;
    throw LowerError("calls and regions nest deeper than " +
                     std::to_string(kMaxDepth));
  }
  for (size_t i = 0; i < args.size(); ++i) bind(block.arguments[i], args[i]);
  Values out = run_block(block);
  --depth_;
  return out;
}

Values Emitter::run_loop_region(const ir::Region& region, const Values& args) {
  if (loops_)
    if (auto out = loops_->run_region(region, args)) return std::move(*out);
  return run_region(region, args);
}

Values Emitter::run_region_elementwise(const ir::Region& region, const Values& args) {
  ++elementwise_;
  try {
    Values out = run_region(region, args);
    --elementwise_;
    return out;
  } catch (...) {
    --elementwise_;
    throw;
  }
}

bool Emitter::run_tuple_op(const ir::Op& op) {
  if (op.name == "stablehlo.tuple") {
    std::vector<TupleElement> items;
    for (ir::ValueId id : op.operands) {
      if (tuples_.count(id)) items.push_back({std::nullopt, id});
      else items.push_back({lookup(op, id), 0});
    }
    tuples_[op.results.at(0)] = std::move(items);
    return true;
  }
  if (op.name == "stablehlo.get_tuple_element") {
    auto t = op.operands.empty() ? tuples_.end() : tuples_.find(op.operands[0]);
    if (t == tuples_.end()) fail(op, "operand is not a tuple made in this function");
    int64_t i = int_attr(op, "index");
    if (i < 0 || i >= static_cast<int64_t>(t->second.size())) fail(op, "tuple index out of range");
    const TupleElement& item = t->second[i];
    if (item.array) {
      bind(op.results.at(0), *item.array);
    } else {
      // A nested tuple: the result names the same elements (copied first,
      // since inserting may rehash the table).
      std::vector<TupleElement> inner = tuples_.at(item.tuple);
      tuples_[op.results.at(0)] = std::move(inner);
    }
    return true;
  }
  return false;
}

mx::array& Values::checked(size_t i) {
  if (i >= size())
    throw std::out_of_range("it has " + std::to_string(size()) + " operands where " +
                            std::to_string(i + 1) + " or more are needed");
  return std::vector<mx::array>::operator[](i);
}

Values Emitter::run_block(const ir::Block& block) {
  const Registry& registry = Registry::instance();
  for (const ir::Op& op : block.ops) {
    if (run_tuple_op(op)) continue;
    Values operands;
    operands.reserve(op.operands.size());
    for (ir::ValueId id : op.operands) operands.push_back(lookup(op, id));
    if (is_terminator(op.name)) return operands;
    const bool flush = flushes_subnormals(op, module_);
    if (flush)
      for (size_t i = 0; i < operands.size(); ++i)
        if (module_.values[op.operands[i]].element == ir::ElementType::kF8E8M0FNU)
          operands[i] = flush_subnormals(operands[i], stream_);

    LowerFn fn = registry.find(op.name);
    if (!fn) fail_unsupported(op, "no lowering for this op");
    Values results;
    try {
      results = fn(*this, op, operands);
    } catch (const LowerError&) {
      throw;
    } catch (const std::out_of_range& e) {
      fail(op, std::string("malformed op: ") + e.what());
    } catch (const std::exception& e) {
      // MLX reports shape/dtype problems as std::invalid_argument and friends.
      fail(op, std::string("MLX rejected the lowering: ") + e.what());
    }
    if (results.size() != op.results.size())
      fail(op, "lowering produced " + std::to_string(results.size()) +
                   " results, the op declares " +
                   std::to_string(op.results.size()));
    for (size_t i = 0; i < results.size(); ++i) {
      const ir::Type& t = module_.values[op.results[i]];
      if (t.is_tensor()) {
        bool scalar_body = elementwise_ > 0 && t.shape.empty();
        if (!scalar_body && results[i].shape() != to_shape(t.shape))
          fail(op, "lowering produced shape mismatch for result " +
                       std::to_string(i) + " (expected " + ir::to_string(t) +
                       ")");
        auto want = to_mlx(t.element);
        if (is_narrow(t.element) && rounds_narrow_result(op.name))
          results[i] = round_result(results[i], t.element, stream_, flush);  // onto the type's grid
        else if (want && results[i].dtype() != *want)
          results[i] = mx::astype(results[i], *want, stream_);
      }
      bind(op.results[i], std::move(results[i]));
    }
  }
  throw LowerError("a block ends without a return");
}

mx::Shape to_shape(const std::vector<int64_t>& dims) {
  mx::Shape s;
  for (int64_t d : dims) {
    // MLX dimensions are 32-bit; a silent wrap would compute on the wrong shape.
    if (d > std::numeric_limits<mx::ShapeElem>::max())
      throw LowerError("a dimension of " + std::to_string(d) +
                       " elements is larger than MLX supports (2^31 - 1 per dimension)");
    s.push_back(static_cast<mx::ShapeElem>(d));
  }
  return s;
}

mx::Dtype result_dtype(const Emitter& em, const ir::Op& op, size_t index) {
  const ir::Type& t = em.type_of(op.results.at(index));
  auto d = to_mlx(t.element);
  if (!d)
    fail_unsupported(op, std::string("element type ") +
                             std::string(ir::element_type_name(t.element)) +
                             " has no MLX equivalent");
  return *d;
}

mx::Shape result_shape(const Emitter& em, const ir::Op& op, size_t index) {
  const ir::Type& t = em.type_of(op.results.at(index));
  for (int64_t d : t.shape)
    if (d == ir::kDynamic)
      fail_unsupported(op, "dynamic shapes are not supported");
  return to_shape(t.shape);
}

std::vector<int64_t> int_list(const ir::Op& op, std::string_view attr) {
  const ir::Attribute* a = op.attr(attr);
  if (!a) return {};
  return a->ints();
}

std::vector<int64_t> int_list_or(const ir::Op& op, std::string_view attr, size_t n,
                                 int64_t fallback) {
  std::vector<int64_t> v = int_list(op, attr);
  if (v.empty()) return std::vector<int64_t>(n, fallback);
  if (v.size() != n) fail(op, "attribute '" + std::string(attr) + "' has the wrong length");
  return v;
}

int64_t int_attr(const ir::Op& op, std::string_view attr) {
  const ir::Attribute* a = op.attr(attr);
  if (!a || a->kind != ir::Attribute::Kind::kInteger)
    fail(op, "missing integer attribute '" + std::string(attr) + "'");
  return a->i;
}

}  // namespace applejax::lower
