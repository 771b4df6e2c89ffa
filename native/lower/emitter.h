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
void register_reduce_window(Registry& r);
void register_select_and_scatter(Registry& r);
void register_fft(Registry& r);
void register_rng_bit_generator(Registry& r);
void register_custom_call(Registry& r);
void register_linalg(Registry& r);
void register_fault_injection(Registry& r);

// The registry key of a custom_call target's handler (custom_call.cc
// dispatches on call_target_name).
std::string custom_call_key(std::string_view target);

// Loop regions that a program has traced once into a cached graph
// (mlx::core::compile); see runtime/program.cc.
class RegionCache {
 public:
  virtual ~RegionCache() = default;
  // The region's results through its cached graph, or nullopt when it has
  // none and must be interpreted op by op.
  virtual std::optional<Values> run(const ir::Region& region, const Values& args) = 0;
};

class Emitter {
 public:
  Emitter(const ir::Module& module, mx::StreamOrDevice stream, RegionCache* cache = nullptr);

  Values call(const ir::Function& fn, const Values& args);
  // Runs the single block of `region` with `args` bound to its arguments and
  // returns the operands of its terminator.
  Values run_region(const ir::Region& region, const Values& args);
  // run_region for loop conditions and bodies: through the region cache when
  // the region is in it.
  Values run_loop_region(const ir::Region& region, const Values& args);
  // Runs a region written for scalars (a reduce or sort body) on whole
  // arrays: its ops are elementwise, so applying them to arrays computes the
  // body for every element at once. Rank-0 result types are not enforced.
  Values run_region_elementwise(const ir::Region& region, const Values& args);

  const ir::Module& module() const { return module_; }
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
  RegionCache* cache_;
  std::vector<std::optional<mx::array>> env_;
  // Values of tuple type (stablehlo.tuple results), by value id.
  std::unordered_map<ir::ValueId, Values> tuples_;
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
