#include "vhlo/attr_type_table.h"

namespace applejax::vhlo {

// Counts entries decoded inside one another on the native stack. A location
// chain adds one level however long it is (resolve_location walks it from a
// loop), so only arrays, dictionaries and types count toward kMaxNesting.
struct AttrTypeTable::DepthGuard {
  AttrTypeTable& t;
  DepthGuard(AttrTypeTable& table, const ByteReader& at) : t(table) {
    if (t.trees_.size() >= kMaxNesting) {
      at.fail("attributes/types nested deeper than " + std::to_string(kMaxNesting) +
              " (only locations may nest deeper)");
    }
    t.trees_.push_back(0);
  }
  ~DepthGuard() { t.trees_.pop_back(); }
  // The node count of the entry being decoded: itself and what it holds.
  uint64_t nodes() const { return 1 + t.trees_.back(); }
};

void AttrTypeTable::count(const Entry& e, const ByteReader& at) {
  if (trees_.empty()) return;
  trees_.back() += e.nodes;
  if (trees_.back() > kMaxTreeNodes) {
    at.fail("an attribute or type of more than " + std::to_string(kMaxTreeNodes) +
            " nested values (entries it refers to more than once count each time)");
  }
}

namespace {

// Builtin attribute codes of the locations (builtin_attributes.cc decodes
// them): call site, file:line:col, fused, fused with metadata, name, unknown,
// file range.
bool is_location_code(uint64_t code) { return (code >= 10 && code <= 15) || code == 22; }

// The entry's leading code without reading past a damaged entry: every
// location code fits one varint byte (low bit set, value in the rest); an
// entry that starts otherwise is simply not treated as a location here, and
// its decoder reports what is wrong with it.
bool starts_with_location_code(std::span<const uint8_t> data) {
  return !data.empty() && (data[0] & 1) && is_location_code(data[0] >> 1);
}

}  // namespace

AttrTypeTable::AttrTypeTable(const BytecodeFile& file, const Resources& resources)
    : file_(file), resources_(resources) {
  const Section& data = *file.sections[kAttrTypeSection];
  ByteReader r = file.sections[kAttrTypeOffsetSection]->reader("attribute/type offset section");
  uint64_t num_attrs = r.count();
  uint64_t num_types = r.count();
  if (num_attrs + num_types > r.remaining()) r.fail("more attributes and types than offsets");
  attr_entries_.resize(num_attrs);
  type_entries_.resize(num_types);
  attrs_.resize(num_attrs);
  types_.resize(num_types);
  uint64_t offset = 0;
  auto fill = [&](std::vector<Entry>& entries) {
    size_t i = 0;
    while (i < entries.size()) {
      uint64_t dialect = r.varint();
      if (dialect >= file.dialects.size()) r.fail("dialect index " + std::to_string(dialect) + " out of range");
      uint64_t n = r.count();
      if (n > entries.size() - i) r.fail("offset group overruns the entry count");
      for (uint64_t k = 0; k < n; ++k, ++i) {
        bool custom = false;
        uint64_t size = r.varint_with_flag(custom);
        if (offset > data.data.size() || size > data.data.size() - offset) {
          r.fail("attribute/type entry points past the end of its section");
        }
        entries[i].dialect = static_cast<uint32_t>(dialect);
        entries[i].custom = custom;
        entries[i].data = Section{data.data.subspan(offset, size), data.offset + offset};
        entries[i].location = custom && &entries == &attr_entries_ &&
                              file.dialects[dialect].name == "builtin" &&
                              starts_with_location_code(entries[i].data.data);
        offset += size;
      }
    }
  };
  fill(attr_entries_);
  fill(type_entries_);
  if (!r.empty()) r.fail("trailing bytes in the attribute/type offset section");
}

const AttrValue& AttrTypeTable::attr(uint64_t index, const ByteReader& at) {
  if (index >= attr_entries_.size()) {
    at.fail("attribute index " + std::to_string(index) + " out of range (" +
            std::to_string(attr_entries_.size()) + " attributes)");
  }
  Entry& e = attr_entries_[index];
  if (e.state != State::kDone) {
    if (e.state != State::kNew) at.fail("attribute " + std::to_string(index) + " refers to itself");
    if (e.location) {
      resolve_location(index, at);
    } else {
      decode_attr(index, at);
    }
  }
  count(e, at);
  return *attrs_[index];
}

std::vector<uint64_t> AttrTypeTable::location_children(const Entry& e) const {
  ByteReader r = e.data.reader("builtin attribute");
  std::vector<uint64_t> out;
  switch (r.varint()) {
    case 10:  // call site: callee, caller
      out.push_back(r.varint());
      out.push_back(r.varint());
      break;
    case 12:    // fused: locations
    case 13: {  // fused with metadata: locations, then the metadata
      uint64_t n = r.count();
      out.reserve(n);
      for (uint64_t i = 0; i < n; ++i) out.push_back(r.varint());
      break;
    }
    case 14:  // name: the name (a string), then the child location
      r.varint();
      out.push_back(r.varint());
      break;
    default:  // file:line:col, file range, unknown: no nested location
      break;
  }
  return out;
}

void AttrTypeTable::resolve_location(uint64_t index, const ByteReader& at) {
  // Depth-first, children before parents. The stack holds the path from
  // `index` down to the entry being looked at, so meeting an entry that is
  // on it again is a cycle; an entry reached twice along different paths
  // (JAX shares the frames of a common caller) is decoded once.
  struct Pending {
    uint64_t index;
    std::vector<uint64_t> children;
    size_t next = 0;
  };
  std::vector<Pending> path;
  auto push = [&](uint64_t i) {
    Entry& e = attr_entries_[i];
    e.state = State::kWaiting;
    path.push_back(Pending{i, location_children(e)});
  };
  push(index);
  while (!path.empty()) {
    Pending& top = path.back();
    if (top.next < top.children.size()) {
      uint64_t child = top.children[top.next++];
      // Out-of-range and non-location children are left to the decoder,
      // which reports them in context.
      if (child >= attr_entries_.size()) continue;
      Entry& c = attr_entries_[child];
      if (!c.location || c.state == State::kDone) continue;
      if (c.state != State::kNew) {
        c.data.reader("builtin attribute")
            .fail("location " + std::to_string(child) + " refers to itself");
      }
      push(child);
      continue;
    }
    uint64_t i = top.index;
    path.pop_back();
    // Every nested location is decoded now, so this is one level deep.
    decode_attr(i, at);
  }
}

void AttrTypeTable::decode_attr(uint64_t index, const ByteReader& at) {
  Entry& e = attr_entries_[index];
  DepthGuard guard(*this, at);
  e.state = State::kDecoding;
  std::string_view dialect = file_.dialects[e.dialect].name;
  ByteReader r = e.data.reader(dialect == "vhlo" ? "vhlo attribute" : "builtin attribute");
  AttrValue v;
  if (!e.custom) {
    // Assembly-format fallback: keep the text; nothing we lower needs it.
    v.attr.kind = ir::Attribute::Kind::kString;
    v.attr.s = std::string(r.null_terminated());
  } else if (dialect == "builtin") {
    v = decode_builtin_attr(r, *this);
  } else if (dialect == "vhlo") {
    v = decode_vhlo_attr(r, *this);
  } else {
    // Custom encoding of a dialect we do not know: keep a placeholder so that
    // an unneeded discardable attribute does not fail the whole artifact.
    v.attr.kind = ir::Attribute::Kind::kNone;
    v.attr.s = "<" + std::string(dialect) + " attribute>";
    r.skip(r.remaining());
  }
  if (!r.empty()) r.fail("trailing bytes after attribute " + std::to_string(index));
  // A location's tree is its text, however many locations made it.
  e.nodes = v.location ? 1 : guard.nodes();
  attrs_[index] = std::make_unique<AttrValue>(std::move(v));
  e.state = State::kDone;
}

const TypeValue& AttrTypeTable::type(uint64_t index, const ByteReader& at) {
  if (index >= type_entries_.size()) {
    at.fail("type index " + std::to_string(index) + " out of range (" +
            std::to_string(type_entries_.size()) + " types)");
  }
  Entry& e = type_entries_[index];
  if (e.state != State::kDone) {
    if (e.state != State::kNew) at.fail("type " + std::to_string(index) + " refers to itself");
    decode_type(index, at);
  }
  count(e, at);
  return *types_[index];
}

void AttrTypeTable::decode_type(uint64_t index, const ByteReader& at) {
  Entry& e = type_entries_[index];
  DepthGuard guard(*this, at);
  e.state = State::kDecoding;
  std::string_view dialect = file_.dialects[e.dialect].name;
  ByteReader r = e.data.reader(dialect == "vhlo" ? "vhlo type" : "builtin type");
  TypeValue v;
  if (!e.custom) {
    v.kind = TypeValue::Kind::kOther;
    v.description = std::string(r.null_terminated());
  } else if (dialect == "builtin") {
    v = decode_builtin_type(r, *this);
  } else if (dialect == "vhlo") {
    v = decode_vhlo_type(r, *this);
  } else {
    v.kind = TypeValue::Kind::kOther;
    v.description = "a type of dialect '" + std::string(dialect) + "'";
    r.skip(r.remaining());
  }
  if (!r.empty()) r.fail("trailing bytes after type " + std::to_string(index));
  e.nodes = guard.nodes();
  types_[index] = std::make_unique<TypeValue>(std::move(v));
  e.state = State::kDone;
}

ir::Type AttrTypeTable::read_value_type(ByteReader& r) {
  ByteReader at = r;
  const TypeValue& t = read_type(r);
  switch (t.kind) {
    case TypeValue::Kind::kTensor:
    case TypeValue::Kind::kTuple:
    case TypeValue::Kind::kToken:
    case TypeValue::Kind::kFuture:
      return t.type;
    default:
      at.fail("expected a tensor, tuple, token or future type, got " + type_description(t));
  }
}

ir::Attribute function_type_attribute(const TypeValue& t) {
  ir::Attribute a;
  a.kind = ir::Attribute::Kind::kType;
  a.s = "function";
  ir::Type ins, outs;
  ins.kind = outs.kind = ir::Type::Kind::kTuple;
  ins.elements = t.inputs;
  outs.elements = t.outputs;
  a.type.kind = ir::Type::Kind::kTuple;
  a.type.elements = {std::move(ins), std::move(outs)};
  return a;
}

ir::Type AttrTypeTable::read_any_type(ByteReader& r) {
  ByteReader at = r;
  const TypeValue& t = read_type(r);
  switch (t.kind) {
    case TypeValue::Kind::kTensor:
    case TypeValue::Kind::kTuple:
    case TypeValue::Kind::kToken:
    case TypeValue::Kind::kFuture:
    case TypeValue::Kind::kElement:
    case TypeValue::Kind::kNone:
      return t.type;
    default:
      at.fail("expected a type that can be named here, got " + type_description(t));
  }
}

ir::ElementType AttrTypeTable::read_element_type(ByteReader& r) {
  ByteReader at = r;
  const TypeValue& t = read_type(r);
  if (t.kind != TypeValue::Kind::kElement) {
    at.fail("expected an element type, got " + type_description(t));
  }
  return t.type.element;
}

std::string type_description(const TypeValue& t) {
  switch (t.kind) {
    case TypeValue::Kind::kElement:
      return std::string(ir::element_type_name(t.type.element));
    case TypeValue::Kind::kTensor:
    case TypeValue::Kind::kTuple:
    case TypeValue::Kind::kToken:
    case TypeValue::Kind::kFuture:
      return ir::to_string(t.type);
    case TypeValue::Kind::kFunction:
      return "a function type";
    case TypeValue::Kind::kNone:
      return "none";
    case TypeValue::Kind::kOther:
      return t.description.empty() ? "an unsupported type" : t.description;
  }
  return "?";
}

}  // namespace applejax::vhlo
