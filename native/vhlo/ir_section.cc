#include "vhlo/ir_section.h"

#include <limits>

#include "vhlo/op_attribute_names.h"

namespace applejax::vhlo {

using ir::ValueId;

namespace {

constexpr ValueId kNoValue = std::numeric_limits<ValueId>::max();
constexpr int kMaxRegionDepth = 128;

class IrReader {
 public:
  IrReader(const BytecodeFile& f, AttrTypeTable& t, ir::Module& m) : f_(f), table_(t), m_(m) {}

  std::vector<ir::Op> read_top(ByteReader& r) {
    scopes_.emplace_back();
    ir::Block top;
    Region region{0, 0, 0};
    bool has_args = false;
    uint64_t num_ops = r.varint_with_flag(has_args);
    if (has_args) r.fail("the top-level block cannot have arguments");
    read_ops(r, top, num_ops, region);
    if (!r.empty()) r.fail("trailing bytes after the top-level block");
    if (pending_ != 0) r.fail(std::to_string(pending_) + " operand(s) refer to values never defined");
    return std::move(top.ops);
  }

 private:
  // Where the current region's values live in the current scope's slots.
  struct Region {
    size_t next;       // slot of the next value to define
    size_t end;        // one past the region's last slot
    uint64_t count;    // values declared by the region
  };
  struct Scope {
    std::vector<ValueId> slots;
  };

  void read_ops(ByteReader& r, ir::Block& block, uint64_t num_ops, Region& region) {
    // Every op takes at least three bytes (name, mask, location).
    if (num_ops > r.remaining() / 3) r.fail("block claims " + std::to_string(num_ops) + " ops");
    block.ops.reserve(num_ops);
    for (uint64_t i = 0; i < num_ops; ++i) block.ops.push_back(read_op(r, region));
  }

  ValueId define(const ir::Type& type, Region& region, ByteReader& r) {
    if (region.count == 0) return m_.add_value(type);
    if (region.next >= region.end) r.fail("more values defined than the region declared");
    ValueId& slot = scopes_.back().slots[region.next++];
    if (slot == kNoValue) {
      slot = m_.add_value(type);
    } else if (slot < forward_.size() && forward_[slot]) {
      forward_[slot] = 0;
      --pending_;
      m_.values[slot] = type;
    } else {
      r.fail("value defined twice");
    }
    return slot;
  }

  ValueId operand(ByteReader& r) {
    uint64_t index = r.varint();
    auto& slots = scopes_.back().slots;
    if (index >= slots.size()) r.fail("operand refers to value " + std::to_string(index) + " out of scope");
    ValueId& slot = slots[index];
    if (slot == kNoValue) {  // a use before the definition
      slot = m_.add_value(ir::Type{});
      if (forward_.size() < m_.values.size()) forward_.resize(m_.values.size() * 2);
      forward_[slot] = 1;
      ++pending_;
    }
    return slot;
  }

  void skip_use_list_orders(ByteReader& r, uint64_t range_size) {
    uint64_t entries = range_size > 1 ? r.count() : 1;
    for (uint64_t i = 0; i < entries; ++i) {
      if (range_size > 1) r.varint();
      bool pairs = false;
      uint64_t n = r.varint_with_flag(pairs);
      if (n > r.remaining()) r.fail("use-list order longer than the data");
      for (uint64_t k = 0; k < n; ++k) r.varint();
    }
  }

  std::string attr_key(ByteReader& r) {
    ByteReader at = r;
    const AttrValue& v = table_.read_attr(r);
    if (v.attr.kind != ir::Attribute::Kind::kString) at.fail("attribute name is not a string");
    return v.attr.s;
  }

  void read_properties(ByteReader& r, const OpName& name, ir::Op& op) {
    if (!name.registered) {  // stored as a plain attribute (a dictionary)
      const AttrValue& v = table_.read_attr(r);
      for (const auto& kv : v.attr.dict) op.attributes.push_back(kv);
      return;
    }
    uint64_t index = r.varint();
    if (index >= f_.properties.size()) r.fail("properties index " + std::to_string(index) + " out of range");
    ByteReader p = f_.properties[index].reader("op properties");
    std::string_view dialect = f_.dialects[name.dialect].name;
    if (dialect == "vhlo") {
      const std::vector<std::string>* names = vhlo_op_attribute_names(name.name);
      if (!names) p.fail("unknown VHLO op '" + name.full + "'");
      for (const std::string& n : *names) op.attributes.emplace_back(n, table_.read_attr(p).attr);
    } else if (name.full == "builtin.module") {
      for (const char* n : {"sym_name", "sym_visibility"}) {
        bool present = false;
        uint64_t a = p.varint_with_flag(present);
        if (present) op.attributes.emplace_back(n, table_.attr(a, p).attr);
      }
    } else {
      // Properties of other dialects (sdy.mesh from the partitioner, ...)
      // have encodings we do not know. Such ops never reach the lowering
      // (Program refuses unknown ops by name), so their properties are
      // dropped rather than failing the artifact.
      p.skip(p.remaining());
    }
    if (!p.empty()) p.fail("trailing bytes in the properties of '" + name.full + "'");
  }

  ir::Op read_op(ByteReader& r, Region& region) {
    ir::Op op;
    uint64_t name_index = r.varint();
    if (name_index >= f_.op_names.size()) r.fail("op name index " + std::to_string(name_index) + " out of range");
    const OpName& name = f_.op_names[name_index];
    op.name = name.full;
    uint8_t mask = r.byte();
    if (mask & 0x80) r.fail("unknown bits in the op encoding mask");
    {
      ByteReader at = r;
      const AttrValue& loc = table_.read_attr(r);
      if (!loc.location) at.fail("op location is not a location");
      op.loc = *loc.location;
    }
    if (mask & 0x01) {  // discardable attributes: a dictionary
      ByteReader at = r;
      const AttrValue& d = table_.read_attr(r);
      if (d.attr.kind != ir::Attribute::Kind::kDictionary) at.fail("op attributes are not a dictionary");
      for (const auto& kv : d.attr.dict) op.attributes.push_back(kv);
    }
    if (mask & 0x40) {
      if (f_.version < kVersionNativeProperties) r.fail("properties in a format before version 5");
      read_properties(r, name, op);
    }
    std::vector<ir::Type> result_types;
    if (mask & 0x02) {
      uint64_t n = r.count();
      result_types.reserve(n);
      for (uint64_t i = 0; i < n; ++i) result_types.push_back(table_.read_value_type(r));
    }
    if (mask & 0x04) {
      uint64_t n = r.count();
      op.operands.reserve(n);
      for (uint64_t i = 0; i < n; ++i) op.operands.push_back(operand(r));
    }
    if (mask & 0x08) r.fail("op '" + name.full + "' has successors (multi-block control flow is not supported)");
    if ((mask & 0x20) && f_.version >= kVersionUseListOrdering) {
      skip_use_list_orders(r, result_types.size());
    }
    uint64_t num_regions = 0;
    bool isolated = false;
    if (mask & 0x10) {
      num_regions = r.varint_with_flag(isolated);
      if (num_regions > r.remaining() + 1) r.fail("op claims " + std::to_string(num_regions) + " regions");
    }
    for (const ir::Type& t : result_types) op.results.push_back(define(t, region, r));
    if (num_regions == 0) return op;

    if (++depth_ > kMaxRegionDepth) r.fail("regions nested too deeply");
    op.regions.resize(num_regions);
    if (isolated) scopes_.emplace_back();
    if (isolated && f_.version >= kVersionLazyLoading) {
      uint8_t id = 0;
      Section s = read_section(r, id);
      if (id != kIRSection) r.fail("expected an IR section holding the regions of '" + name.full + "'");
      ByteReader inner = s.reader("isolated regions");
      for (ir::Region& reg : op.regions) read_region(inner, reg);
      if (!inner.empty()) inner.fail("trailing bytes after the regions of '" + name.full + "'");
    } else {
      for (ir::Region& reg : op.regions) read_region(r, reg);
    }
    if (isolated) scopes_.pop_back();
    --depth_;
    return op;
  }

  void read_region(ByteReader& r, ir::Region& region) {
    uint64_t num_blocks = r.count();
    if (num_blocks == 0) return;
    uint64_t num_values = r.count();
    auto& slots = scopes_.back().slots;
    size_t base = slots.size();
    slots.resize(base + num_values, kNoValue);
    Region state{base, base + num_values, num_values};
    region.blocks.resize(num_blocks);
    for (ir::Block& block : region.blocks) {
      bool has_args = false;
      uint64_t num_ops = r.varint_with_flag(has_args);
      if (has_args) read_block_arguments(r, block, state);
      read_ops(r, block, num_ops, state);
    }
    // Values of this region go out of scope; forward refs left are errors
    // (counted in pending_).
    scopes_.back().slots.resize(base);
  }

  void read_block_arguments(ByteReader& r, ir::Block& block, Region& state) {
    uint64_t n = r.count();
    block.arguments.reserve(n);
    for (uint64_t i = 0; i < n; ++i) {
      ir::Type type;
      if (f_.version >= kVersionElideUnknownBlockArgLocation) {
        bool has_loc = false;
        uint64_t t = r.varint_with_flag(has_loc);
        ByteReader at = r;
        const TypeValue& tv = table_.type(t, at);
        if (tv.kind != TypeValue::Kind::kTensor && tv.kind != TypeValue::Kind::kTuple &&
            tv.kind != TypeValue::Kind::kToken && tv.kind != TypeValue::Kind::kFuture) {
          at.fail("block argument of " + type_description(tv));
        }
        type = tv.type;
        if (has_loc) table_.read_attr(r);
      } else {
        type = table_.read_value_type(r);
        table_.read_attr(r);
      }
      if (state.count == 0) r.fail("block arguments in a region without values");
      block.arguments.push_back(define(type, state, r));
    }
    if (f_.version >= kVersionUseListOrdering) {
      uint8_t has_orders = r.byte();
      if (has_orders) skip_use_list_orders(r, n);
    }
  }

  const BytecodeFile& f_;
  AttrTypeTable& table_;
  ir::Module& m_;
  std::vector<Scope> scopes_;
  std::vector<uint8_t> forward_;
  uint64_t pending_ = 0;
  int depth_ = 0;
};

}  // namespace

std::vector<ir::Op> read_ir_section(const BytecodeFile& file, AttrTypeTable& table,
                                    ir::Module& module) {
  ByteReader r = file.sections[kIRSection]->reader("IR section");
  IrReader reader(file, table, module);
  return reader.read_top(r);
}

}  // namespace applejax::vhlo
