#include "lower/chunk_rows.h"

#include <algorithm>

#include <mlx/ops.h>

#include "lower/errors.h"

namespace applejax::lower {
namespace {

bool used_in(const ir::Region& region, ir::ValueId v) {
  for (const ir::Block& b : region.blocks)
    for (const ir::Op& op : b.ops) {
      if (std::find(op.operands.begin(), op.operands.end(), v) != op.operands.end()) return true;
      for (const ir::Region& r : op.regions)
        if (used_in(r, v)) return true;
    }
  return false;
}

// Uses of `v` among the block's ops; a use inside a nested region counts
// as two, since it cannot be seen past.
size_t uses_of(const ir::Block& block, ir::ValueId v, const ir::Op** user) {
  size_t n = 0;
  for (const ir::Op& op : block.ops) {
    for (ir::ValueId o : op.operands)
      if (o == v) {
        ++n;
        *user = &op;
      }
    for (const ir::Region& r : op.regions)
      if (used_in(r, v)) n += 2;
  }
  return n;
}

const ir::Op* defining(const ir::Block& block, ir::ValueId v, size_t* index) {
  for (const ir::Op& op : block.ops)
    for (size_t i = 0; i < op.results.size(); ++i)
      if (op.results[i] == v) {
        *index = i;
        return &op;
      }
  return nullptr;
}

// `dus` writes into `target` at `counter` along axis 0, zeros elsewhere
// (checked at trace time), one row.
bool row_write(const ir::Op& dus, ir::ValueId target, ir::ValueId counter) {
  return dus.name == "stablehlo.dynamic_update_slice" && dus.operands.size() >= 3 &&
         dus.operands[0] == target && dus.operands[2] == counter &&
         std::find(dus.operands.begin() + 1, dus.operands.end(), target) == dus.operands.end();
}

bool is_zero_constant(const mx::array& a) {
  if (a.has_primitive() || !a.is_available() || a.size() != 1) return false;
  mx::array v = a;
  return mx::astype(v, mx::int64).item<int64_t>() == 0;
}

}  // namespace

std::vector<size_t> stacked_output_slots(const ir::Op& loop, const ir::Module& module,
                                         size_t counter) {
  std::vector<size_t> out;
  if (loop.regions.size() != 2 || loop.regions[1].blocks.size() != 1) return out;
  const ir::Block& body = loop.regions[1].blocks.front();
  const ir::Op& ret = body.ops.back();
  if (ret.operands.size() != body.arguments.size() || counter >= body.arguments.size()) return out;
  ir::ValueId i = body.arguments[counter];
  for (size_t s = 0; s < body.arguments.size(); ++s) {
    if (s == counter) continue;
    ir::ValueId arg = body.arguments[s];
    const ir::Op* user = nullptr;
    if (uses_of(body, arg, &user) != 1) continue;
    size_t result = 0;
    if (defining(body, ret.operands[s], &result) != user) continue;
    const ir::Op* other = nullptr;
    if (uses_of(body, ret.operands[s], &other) != 1 || other != &ret) continue;
    if (row_write(*user, arg, i)) {
      out.push_back(s);
      continue;
    }
    // JAX writes through a small private function (dynamic_update_index_in_dim).
    if (user->name != "func.call") continue;
    const ir::Attribute* name = user->attr("callee");
    const ir::Function* fn = name ? module.find_function(name->s) : nullptr;
    if (!fn || fn->body.blocks.size() != 1) continue;
    const ir::Block& cb = fn->body.blocks.front();
    auto pos = [&](ir::ValueId v) {
      auto it = std::find(user->operands.begin(), user->operands.end(), v);
      return it == user->operands.end() ? user->operands.size() : size_t(it - user->operands.begin());
    };
    size_t p = pos(arg), q = pos(i);
    if (p >= cb.arguments.size() || q >= cb.arguments.size()) continue;
    if (std::count(user->operands.begin(), user->operands.end(), arg) != 1) continue;
    const ir::Op* dus = nullptr;
    if (uses_of(cb, cb.arguments[p], &dus) != 1 || !row_write(*dus, cb.arguments[p], cb.arguments[q]))
      continue;
    const ir::Op& cret = cb.ops.back();
    if (result >= cret.operands.size() || cret.operands[result] != dus->results.at(0)) continue;
    const ir::Op* dus_user = nullptr;
    if (uses_of(cb, dus->results[0], &dus_user) != 1) continue;
    out.push_back(s);
  }
  return out;
}

ChunkRows::ChunkRows(const Values& state, size_t counter, const std::vector<size_t>& written,
                     int k, mx::StreamOrDevice s)
    : s_(s), k_(k), i0_(mx::astype(state[counter], mx::int32, s)) {
  std::unordered_map<std::uintptr_t, int> slots_per_array;
  for (const mx::array& a : state) ++slots_per_array[a.id()];
  for (size_t slot = 0; slot < state.size(); ++slot)
    if (slot != counter && state[slot].ndim() > 0) inputs_.emplace(state[slot].id(), state[slot]);
  for (size_t slot : written) {
    // Writes are told apart by the array they go into, so a slot that
    // starts out as the same array as another one (two outputs made from
    // one zeros) is written as usual.
    inputs_.erase(state[slot].id());
    if (slots_per_array[state[slot].id()] == 1) written_.emplace(state[slot].id(), slot);
  }
}

void ChunkRows::begin_iteration(int j, const mx::array& counter) {
  j_ = j;
  counter_id_ = counter.id();
}

bool ChunkRows::at_counter(const Values& starts) const {
  if (starts.empty() || starts[0].id() != counter_id_) return false;
  for (size_t d = 1; d < starts.size(); ++d)
    if (!is_zero_constant(starts[d])) return false;
  return true;
}

std::optional<mx::array> ChunkRows::read(const Values& in, const mx::Shape& sizes) {
  if (in.empty()) return std::nullopt;
  auto input = inputs_.find(in[0].id());
  if (input == inputs_.end()) return std::nullopt;
  const mx::array& x = input->second;
  if (sizes.size() != x.ndim() || sizes[0] != 1) return std::nullopt;
  for (size_t d = 1; d < sizes.size(); ++d)
    if (sizes[d] != x.shape()[d]) return std::nullopt;
  if (!at_counter(Values(in.begin() + 1, in.end()))) return std::nullopt;
  auto g = gathered_.find(x.id());
  if (g == gathered_.end()) {
    // Each row's start is clamped on its own, as dynamic_slice clamps it.
    mx::array rows = mx::clip(mx::add(i0_, mx::arange(k_, mx::int32, s_), s_), mx::array(0),
                              mx::array(x.shape()[0] - 1), s_);
    g = gathered_.emplace(x.id(), mx::take(x, rows, 0, s_)).first;
  }
  mx::Shape start(x.ndim(), 0), stop = x.shape();
  start[0] = j_;
  stop[0] = j_ + 1;
  return mx::slice(g->second, start, stop, s_);
}

bool ChunkRows::write(const Values& in) {
  if (in.size() < 3) return false;
  auto slot = written_.find(in[0].id());
  if (slot == written_.end()) return false;
  const mx::array& update = in[1];
  if (update.ndim() != in[0].ndim() || update.shape()[0] != 1) return false;
  for (size_t d = 1; d < update.ndim(); ++d)
    if (update.shape()[d] != in[0].shape()[d]) return false;
  if (!at_counter(Values(in.begin() + 2, in.end()))) return false;
  auto& rows = rows_[slot->second];
  if (static_cast<int>(rows.size()) != j_)
    throw LowerError("a scan output row was skipped inside a loop chunk");
  rows.push_back(mx::astype(update, in[0].dtype(), s_));
  return true;
}

void ChunkRows::finish(Values& state) {
  for (auto& [id, slot] : written_) {
    auto it = rows_.find(slot);
    if (it == rows_.end()) continue;
    if (static_cast<int>(it->second.size()) != k_)
      throw LowerError("a scan output got " + std::to_string(it->second.size()) +
                       " rows in a loop chunk of " + std::to_string(k_));
    const mx::array& ys = state[slot];
    std::vector<mx::array> start(ys.ndim(), mx::array(0, mx::int32));
    start[0] = i0_;
    std::vector<int> axes(ys.ndim());
    for (size_t d = 0; d < axes.size(); ++d) axes[d] = static_cast<int>(d);
    state[slot] = mx::slice_update(ys, mx::concatenate(it->second, 0, s_), mx::stack(start, s_),
                                   axes, s_);
  }
}

}  // namespace applejax::lower
