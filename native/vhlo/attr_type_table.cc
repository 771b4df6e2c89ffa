#include "vhlo/attr_type_table.h"

namespace applejax::vhlo {

struct AttrTypeTable::DepthGuard {
  AttrTypeTable& t;
  DepthGuard(AttrTypeTable& table, const ByteReader& at) : t(table) {
    if (++t.depth_ > kMaxNesting) {
      --t.depth_;
      at.fail("attributes/types nested deeper than " + std::to_string(kMaxNesting));
    }
  }
  ~DepthGuard() { --t.depth_; }
};

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
  if (e.state == 2) return *attrs_[index];
  if (e.state == 1) at.fail("attribute " + std::to_string(index) + " refers to itself");
  DepthGuard guard(*this, at);
  e.state = 1;
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
  attrs_[index] = std::make_unique<AttrValue>(std::move(v));
  e.state = 2;
  return *attrs_[index];
}

const TypeValue& AttrTypeTable::type(uint64_t index, const ByteReader& at) {
  if (index >= type_entries_.size()) {
    at.fail("type index " + std::to_string(index) + " out of range (" +
            std::to_string(type_entries_.size()) + " types)");
  }
  Entry& e = type_entries_[index];
  if (e.state == 2) return *types_[index];
  if (e.state == 1) at.fail("type " + std::to_string(index) + " refers to itself");
  DepthGuard guard(*this, at);
  e.state = 1;
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
  types_[index] = std::make_unique<TypeValue>(std::move(v));
  e.state = 2;
  return *types_[index];
}

ir::Type AttrTypeTable::read_value_type(ByteReader& r) {
  ByteReader at = r;
  const TypeValue& t = read_type(r);
  switch (t.kind) {
    case TypeValue::Kind::kTensor:
    case TypeValue::Kind::kTuple:
    case TypeValue::Kind::kToken:
      return t.type;
    default:
      at.fail("expected a tensor, tuple or token type, got " + type_description(t));
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
