// Walks IR functions and builds the equivalent MLX graph.
//
// Lowering is an interpretation of the IR over lazy mx::arrays: every op
// becomes MLX calls, nothing is computed until the caller evaluates the
// results (or control flow needs a predicate).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <mlx/array.h>
#include <mlx/stream.h>
#include <mlx/utils.h>

#include "ir/ir.h"

namespace applejax::lower {

namespace mx = mlx::core;
// Operands and results of an op. Indexing is checked: an op read from a
// damaged artifact can have fewer operands than its lowering reads, and that
// must become an error naming the op (Emitter::run_block), not a read past
// the end of the vector.
class Values : public std::vector<mx::array> {
 public:
  using std::vector<mx::array>::vector;
  Values(std::vector<mx::array> v) : std::vector<mx::array>(std::move(v)) {}
  mx::array& operator[](size_t i) { return checked(i); }
  const mx::array& operator[](size_t i) const { return const_cast<Values*>(this)->checked(i); }

 private:
  mx::array& checked(size_t i);
};

class Emitter;

// Whether lowering `op` reads device values back to the host (loop
// predicates, branch indices, the collision rounds of a general scatter):
// programs containing such ops cannot be traced by mlx::core::compile.
bool reads_host(const ir::Op& op);
// For collectives: fails unless every group, pair and split names device 0
// alone (collectives.cc), so a program for a bigger mesh is refused when it
// is compiled rather than at its first run.
void check_device_ids(const ir::Op& op);
using LowerFn = Values (*)(Emitter&, const ir::Op&, const Values& operands);

class Registry {
 public:
  static const Registry& instance();
  void add(std::string_view op_name, LowerFn fn);
  LowerFn find(std::string_view op_name) const;
  std::vector<std::string> names() const;

 private:
  std::unordered_map<std::string, LowerFn> table_;
};

// One function per op family file; Registry::instance() calls them all.
void register_elementwise(Registry& r);
void register_compare(Registry& r);
void register_constants(Registry& r);
void register_shape(Registry& r);
void register_dot(Registry& r);
void register_reduce(Registry& r);
void register_control_flow(Registry& r);
void register_composite(Registry& r);
void register_sort(Registry& r);
void register_gather(Registry& r);
void register_scatter(Registry& r);
void register_convolution(Registry& r);
void register_bitcast(Registry& r);
void register_reduce_window(Registry& r);
void register_select_and_scatter(Registry& r);
void register_fft(Registry& r);
void register_rng_bit_generator(Registry& r);
void register_custom_call(Registry& r);
void register_fast(Registry& r);  // the passes' fused ops
void register_linalg(Registry& r);
void register_fault_injection(Registry& r);
void register_host_callback(Registry& r);
void register_tokens(Registry& r);  // create_token, after_all
void register_collectives(Registry& r);  // one device: one participant
void register_async_ops(Registry& r);  // async_start, async_done (async_ops.cc)

// The registry key of a custom_call target's handler (custom_call.cc
// dispatches on call_target_name).
std::string custom_call_key(std::string_view target);

// How a program runs its while loops beyond one interpreted iteration at a
// time; implemented by runtime/program_loops.cc, which traces loop bodies
// into mlx::core::compile graphs of many iterations.
// How run_chunk runs a chunk: counted iterations (rows read at the counter
// gathered per chunk), the same with the rows written at the counter
// deferred to the chunk's end, or speculative iterations.
enum class ChunkKind { kCounted, kCountedStacked, kSpeculative };

class ChunkRows;

class LoopRunner {
 public:
  virtual ~LoopRunner() = default;
  // The most iterations of `loop` one traced graph may hold, or 0 when the
  // loop must run one interpreted iteration at a time (then *why says why).
  virtual int chunk_cap(const ir::Op& loop, std::string* why) = 0;
  // Values from outside `loop` that its regions read, in the order
  // run_chunk expects them.
  virtual const std::vector<ir::ValueId>& outer_values(const ir::Op& loop) = 0;
  // Runs k iterations of `loop` from `state` as one graph. Counted: the
  // state after k iterations. Speculative: iterations run only while the
  // condition holds (later ones leave the state as it was, through select),
  // and the condition on the final state is appended as one more value.
  virtual Values run_chunk(const ir::Op& loop, ChunkKind kind, int k, const Values& state,
                           const Values& outer) = 0;
  // The state slots of a counted loop that kCountedStacked defers
  // (chunk_rows.h); each must hold rows [i0, i0 + k) of a chunk.
  virtual const std::vector<size_t>& stacked_slots(const ir::Op& loop) = 0;
  // A loop condition or body through a graph traced once, or nullopt when
  // it has none and must be interpreted op by op.
  virtual std::optional<Values> run_region(const ir::Region& region, const Values& args) = 0;
  // Records which way `loop` ran, once per loop (APPLEJAX_LOG_LOOPS=1).
  virtual void log_path(const ir::Op& loop, const std::string& path) = 0;
};

class Emitter {
 public:
  // `tracing`: the emitter runs inside mlx::core::compile, where no value
  // can be read back; branches then become selects.
  Emitter(const ir::Module& module, mx::StreamOrDevice stream, LoopRunner* loops = nullptr,
          bool tracing = false);

  Values call(const ir::Function& fn, const Values& args);
  // Runs the single block of `region` with `args` bound to its arguments and
  // returns the operands of its terminator.
  Values run_region(const ir::Region& region, const Values& args);
  // run_region for loop conditions and bodies: through the loop runner's
  // traced graph when it has one.
  Values run_loop_region(const ir::Region& region, const Values& args);
  // Binds values defined outside the region about to run (a traced loop
  // chunk receives them as arguments).
  void bind_outer(const std::vector<ir::ValueId>& ids, const Values& values);
  // The current value of `id`, which `op` reads.
  const mx::array& value(const ir::Op& op, ir::ValueId id) const { return lookup(op, id); }
  // Runs a region written for scalars (a reduce or sort body) on whole
  // arrays: its ops are elementwise, so applying them to arrays computes the
  // body for every element at once. Rank-0 result types are not enforced.
  Values run_region_elementwise(const ir::Region& region, const Values& args);

  const ir::Module& module() const { return module_; }
  LoopRunner* loops() const { return loops_; }
  // Set while a traced counted chunk runs (chunk_rows.h).
  ChunkRows* chunk_rows() const { return rows_; }
  void set_chunk_rows(ChunkRows* rows) { rows_ = rows; }
  bool tracing() const { return tracing_; }
  mx::StreamOrDevice stream() const { return stream_; }
  const ir::Type& type_of(ir::ValueId v) const { return module_.values[v]; }

 private:
  Values run_block(const ir::Block& block);
  // stablehlo.tuple and get_tuple_element; false for any other op.
  bool run_tuple_op(const ir::Op& op);
  void bind(ir::ValueId id, mx::array value);
  const mx::array& lookup(const ir::Op& op, ir::ValueId id) const;

  const ir::Module& module_;
  mx::StreamOrDevice stream_;
  LoopRunner* loops_;
  bool tracing_;
  ChunkRows* rows_ = nullptr;
  std::vector<std::optional<mx::array>> env_;
  // Values of tuple type (stablehlo.tuple results), by value id. An element
  // is an array, or, for a tuple nested in the tuple, the id of its entry.
  struct TupleElement {
    std::optional<mx::array> array;
    ir::ValueId tuple = 0;
  };
  std::unordered_map<ir::ValueId, std::vector<TupleElement>> tuples_;
  int depth_ = 0;
  int elementwise_ = 0;  // > 0 inside run_region_elementwise
};

// Helpers shared by the op families.
mx::Dtype result_dtype(const Emitter& em, const ir::Op& op, size_t index = 0);
mx::Shape result_shape(const Emitter& em, const ir::Op& op, size_t index = 0);
mx::Shape to_shape(const std::vector<int64_t>& dims);
std::vector<int64_t> int_list(const ir::Op& op, std::string_view attr);
// int_list, or n copies of `fallback` when the attribute is absent (StableHLO
// omits default-valued window attributes); fails on a wrong length.
std::vector<int64_t> int_list_or(const ir::Op& op, std::string_view attr, size_t n,
                                 int64_t fallback);
int64_t int_attr(const ir::Op& op, std::string_view attr);

}  // namespace applejax::lower
