// Scan rows batched per loop chunk. JAX's scan reads xs[i] with a
// dynamic_slice and writes ys[i] with a dynamic_update_slice at the loop
// counter, one of each per iteration; inside a traced chunk of K
// iterations these become one gather of K rows before the chunk and one
// write of K rows after it, and each iteration only views its row.
#pragma once

#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

#include <mlx/array.h>

#include "ir/ir.h"
#include "lower/emitter.h"

namespace applejax::lower {

// State slots of a counted loop whose only use in the body is one
// dynamic_update_slice (directly or inside one called function) writing a
// row at the counter, its result returned to the same slot: the stacked
// outputs of a scan. Their writes can be deferred to the end of a chunk.
std::vector<size_t> stacked_output_slots(const ir::Op& loop, const ir::Module& module,
                                         size_t counter);

class ChunkRows {
 public:
  // `state` is the chunk's input state; `written` the slots whose rows are
  // deferred (the caller has checked they fit: i0 >= 0, i0 + k <= rows).
  ChunkRows(const Values& state, size_t counter, const std::vector<size_t>& written, int k,
            mx::StreamOrDevice s);

  // Called before iteration j with the counter value it sees.
  void begin_iteration(int j, const mx::array& counter);
  // A dynamic_slice of one row at the counter from a chunk input: the
  // row from the chunk's gather; nullopt for any other slice.
  std::optional<mx::array> read(const Values& in, const mx::Shape& sizes);
  // A dynamic_update_slice of one row at the counter into a deferred slot:
  // records the row and returns true (the operand stands for the result).
  bool write(const Values& in);
  // The deferred slots' arrays with all their rows written.
  void finish(Values& state);

 private:
  bool at_counter(const Values& starts) const;

  mx::StreamOrDevice s_;
  int k_;
  int j_ = 0;
  mx::array i0_;
  std::uintptr_t counter_id_ = 0;
  std::unordered_map<std::uintptr_t, mx::array> inputs_;  // chunk inputs by id
  std::unordered_map<std::uintptr_t, mx::array> gathered_;
  std::unordered_map<std::uintptr_t, size_t> written_;  // input id -> slot
  std::unordered_map<size_t, std::vector<mx::array>> rows_;
};

}  // namespace applejax::lower
