// Collectives (all_reduce, all_gather, reduce_scatter, all_to_all,
// collective_permute, collective_broadcast, partition_id, replica_id) and the
// sharding custom calls, on the one device this plugin has.
//
// shard_map and pmap code written for meshes emits these ops even when the
// mesh or the mapped axis has a single device. With one participant each
// collective is trivial: a reduction over one contribution is that
// contribution (the combiner region never runs, as on XLA's own backends),
// gathering or scattering over a group of one changes nothing, and the only
// id is 0. What must not happen is a program written for more devices
// running as if it had them, so every group, pair and split count is checked
// to name device 0 alone, and anything else is refused with the op and the
// group it named.
#include <string>

#include <mlx/ops.h>

#include "lower/emitter.h"
#include "lower/errors.h"

namespace applejax::lower {
namespace {

constexpr const char* kOneDeviceHint =
    "The mps plugin has one device, so a collective can have only one participant; map over "
    "a mesh of one device (jax.make_mesh((1,), ...)) or pmap over one device, or run the "
    "program on a backend with enough devices";

// Ids printed in an error; a malformed table can hold millions.
constexpr size_t kIdsShown = 16;
// More ids than a table may hold: a one-device program needs one (plus
// padding), and a damaged splat attribute can claim any shape.
constexpr int64_t kMaxIds = int64_t{1} << 16;

// "[[0, 1], [2, 3]]" from a [rows, columns] id table.
std::string id_table(const std::vector<int64_t>& ids, int64_t columns) {
  std::string out = "[";
  for (size_t i = 0; i < ids.size() && i < kIdsShown; ++i) {
    bool row_start = columns > 0 && i % static_cast<size_t>(columns) == 0;
    if (row_start) out += i == 0 ? "[" : "], [";
    else out += ", ";
    out += std::to_string(ids[i]);
  }
  if (ids.size() > kIdsShown) out += ", ...";
  if (!ids.empty()) out += "]";
  return out + "]";
}

// The ids of a [rows, columns] dense attribute and its column count; absent
// means no rows.
std::vector<int64_t> id_rows(const ir::Op& op, std::string_view name, int64_t* columns) {
  const ir::Attribute* a = op.attr(name);
  *columns = 0;
  if (!a) return {};
  if (a->kind != ir::Attribute::Kind::kDense || a->type.shape.size() != 2 ||
      !ir::is_integer(a->type.element))
    fail(op, std::string(name) + " is not a two-dimensional integer tensor (malformed program)");
  int64_t rows = a->type.shape[0];
  *columns = a->type.shape[1];
  if (rows < 0 || *columns < 0 || (*columns > 0 && rows > kMaxIds / *columns))
    fail(op, std::string(name) + " has the shape " + std::to_string(rows) + "x" +
                 std::to_string(*columns) + " (malformed program)", kOneDeviceHint);
  std::vector<int64_t> ids = a->ints();
  if (static_cast<int64_t>(ids.size()) != rows * *columns)
    fail(op, std::string(name) + " holds fewer ids than its shape says (malformed program)");
  return ids;
}

// Each replica group must be device 0 alone (-1 pads unequal groups). No
// groups, or one empty group, means all devices: here, device 0 alone too.
void check_one_participant(const ir::Op& op) {
  int64_t columns = 0;
  std::vector<int64_t> ids = id_rows(op, "replica_groups", &columns);
  for (size_t row = 0; columns > 0 && row < ids.size(); row += static_cast<size_t>(columns)) {
    int64_t members = 0;
    for (int64_t c = 0; c < columns; ++c) members += ids[row + static_cast<size_t>(c)] != -1;
    if (members > 1)
      fail(op, "replica_groups " + id_table(ids, columns) + " put " + std::to_string(members) +
                   " participants in one group", kOneDeviceHint);
  }
  for (int64_t id : ids)
    if (id != -1 && id != 0)
      fail(op, "replica_groups " + id_table(ids, columns) + " name device " +
                   std::to_string(id) + ", but only device 0 exists", kOneDeviceHint);
}

// StableHLO's is_promotable: the same kind of number, at least as wide.
bool promotable(ir::ElementType from, ir::ElementType to) {
  if (from == to) return true;
  bool same_kind = (ir::is_float(from) && ir::is_float(to)) ||
                   (ir::is_complex(from) && ir::is_complex(to)) ||
                   (ir::is_integer(from) && ir::is_integer(to) &&
                    ir::is_unsigned(from) == ir::is_unsigned(to));
  return same_kind && ir::element_bit_width(from) <= ir::element_bit_width(to);
}

// `promoted`: a combining collective may widen the element type (f16 into
// f32, i8 into i32).
void check_results_are_operands(const Emitter& em, const ir::Op& op, bool promoted = false) {
  if (op.results.size() != op.operands.size())
    fail(op, std::to_string(op.operands.size()) + " operands but " +
                 std::to_string(op.results.size()) + " results (malformed program)");
  for (size_t i = 0; i < op.results.size(); ++i) {
    const ir::Type& in = em.type_of(op.operands[i]);
    const ir::Type& out = em.type_of(op.results[i]);
    bool same = promoted ? in.is_tensor() && out.is_tensor() && in.shape == out.shape &&
                               promotable(in.element, out.element)
                         : in == out;
    if (!same)
      fail(op, "result " + std::to_string(i) + " is " + ir::to_string(out) + ", operand " +
                   std::to_string(i) + " " + ir::to_string(in) +
                   "; on one participant they are the same, so the program was written for "
                   "more devices", kOneDeviceHint);
  }
}

// The combiner of all_reduce and reduce_scatter never runs on one
// participant, but a malformed one is still refused, as every other backend
// refuses it: (E, E) -> E for the results' element type E, one combiner for
// all operands of a variadic all_reduce.
void check_combiner(const Emitter& em, const ir::Op& op) {
  if (op.regions.size() != 1 || op.regions[0].blocks.size() != 1)
    fail(op, "expects one combiner region of one block (malformed program)");
  const ir::Block& body = op.regions[0].blocks[0];
  if (body.arguments.size() != 2)
    fail(op, "the combiner takes " + std::to_string(body.arguments.size()) +
                 " arguments, not 2 (malformed program)");
  for (ir::ValueId arg : body.arguments)
    for (ir::ValueId result : op.results) {
      const ir::Type& a = em.type_of(arg);
      if (!a.is_tensor() || !a.shape.empty() || a.element != em.type_of(result).element)
        fail(op, "combiner argument " + ir::to_string(a) +
                     " is not a scalar of the result element type (malformed program)");
    }
  if (body.ops.empty() || body.ops.back().name != "stablehlo.return" ||
      body.ops.back().operands.size() != 1)
    fail(op, "the combiner must end in a return of one value (malformed program)");
}

// An axis attribute of the operands, in [0, rank).
void check_dimension(const Emitter& em, const ir::Op& op, std::string_view name) {
  int64_t d = int_attr(op, name);
  for (ir::ValueId v : op.operands) {
    size_t rank = em.type_of(v).shape.size();
    if (d < 0 || d >= static_cast<int64_t>(rank))
      fail(op, std::string(name) + " " + std::to_string(d) + " is not an axis of a rank-" +
                   std::to_string(rank) + " operand (malformed program)");
  }
}

// The one contribution, in the result element type.
Values combined(Emitter& em, const ir::Op& op, const Values& in) {
  Values out;
  for (size_t i = 0; i < in.size(); ++i) {
    mx::Dtype d = result_dtype(em, op, i);
    out.push_back(in[i].dtype() == d ? in[i] : mx::astype(in[i], d, em.stream()));
  }
  return out;
}

Values all_reduce(Emitter& em, const ir::Op& op, const Values& in) {
  check_one_participant(op);
  check_results_are_operands(em, op, true);
  check_combiner(em, op);
  return combined(em, op, in);
}

Values reduce_scatter(Emitter& em, const ir::Op& op, const Values& in) {
  check_one_participant(op);
  check_dimension(em, op, "scatter_dimension");
  check_results_are_operands(em, op, true);
  check_combiner(em, op);
  return combined(em, op, in);
}

Values all_gather(Emitter& em, const ir::Op& op, const Values& in) {
  check_one_participant(op);
  check_dimension(em, op, "all_gather_dim");
  check_results_are_operands(em, op);
  return in;
}

// split_count is the group size: the operand is cut into one piece per
// participant.
void check_split_count(const ir::Op& op) {
  if (int64_t k = int_attr(op, "split_count"); k != 1)
    fail(op, "split_count " + std::to_string(k) + " sends pieces to " + std::to_string(k) +
                 " participants", kOneDeviceHint);
}

std::vector<int64_t> checked_pairs(const ir::Op& op) {
  int64_t columns = 0;
  std::vector<int64_t> ids = id_rows(op, "source_target_pairs", &columns);
  if (!ids.empty() && columns != 2)
    fail(op, "source_target_pairs must be [n, 2] (malformed program)");
  for (int64_t id : ids)
    if (id != 0)
      fail(op, "source_target_pairs " + id_table(ids, columns) + " name device " +
                   std::to_string(id) + ", but only device 0 exists", kOneDeviceHint);
  return ids;
}

Values all_to_all(Emitter& em, const ir::Op& op, const Values& in) {
  check_one_participant(op);
  check_dimension(em, op, "split_dimension");
  check_dimension(em, op, "concat_dimension");
  check_split_count(op);
  check_results_are_operands(em, op);
  return in;
}

Values collective_broadcast(Emitter& em, const ir::Op& op, const Values& in) {
  check_one_participant(op);
  check_results_are_operands(em, op);
  return in;
}

// A device that is no pair's target receives zeros; here the only possible
// pair is (0, 0).
Values collective_permute(Emitter& em, const ir::Op& op, const Values& in) {
  std::vector<int64_t> ids = checked_pairs(op);
  check_results_are_operands(em, op);
  if (!ids.empty()) return in;
  Values out;
  for (const mx::array& x : in) out.push_back(mx::zeros_like(x, em.stream()));
  return out;
}

// partition_id and replica_id: the one device is partition 0 of replica 0.
Values device_index(Emitter& em, const ir::Op& op, const Values&) {
  if (op.results.size() != 1 || !em.type_of(op.results[0]).shape.empty())
    fail(op, "expects one scalar result (malformed program)");
  return {mx::zeros({}, result_dtype(em, op), em.stream())};
}

// Sharding annotations and the shard/full shape conversions around a manual
// region (GSPMD's custom calls, and Shardy's when a program round-trips
// through XLA's export): on one device the shard is the whole array.
Values sharding_identity(Emitter& em, const ir::Op& op, const Values& in) {
  check_results_are_operands(em, op);
  return in;
}

}  // namespace

void check_device_ids(const ir::Op& op) {
  const std::string& n = op.name;
  if (n == "stablehlo.all_reduce" || n == "stablehlo.reduce_scatter" ||
      n == "stablehlo.all_gather" || n == "stablehlo.collective_broadcast")
    check_one_participant(op);
  else if (n == "stablehlo.all_to_all") {
    check_one_participant(op);
    check_split_count(op);
  } else if (n == "stablehlo.collective_permute") {
    checked_pairs(op);
  }
}

void register_collectives(Registry& r) {
  r.add("stablehlo.all_reduce", all_reduce);
  r.add("stablehlo.reduce_scatter", reduce_scatter);
  r.add("stablehlo.all_gather", all_gather);
  r.add("stablehlo.all_to_all", all_to_all);
  r.add("stablehlo.collective_broadcast", collective_broadcast);
  r.add("stablehlo.collective_permute", collective_permute);
  r.add("stablehlo.partition_id", device_index);
  r.add("stablehlo.replica_id", device_index);
  r.add(custom_call_key("Sharding"), sharding_identity);
  r.add(custom_call_key("SPMDFullToShardShape"), sharding_identity);
  r.add(custom_call_key("SPMDShardToFullShape"), sharding_identity);
  r.add(custom_call_key("xla.sdy.FuncResultSharding"), sharding_identity);
}

}  // namespace applejax::lower
