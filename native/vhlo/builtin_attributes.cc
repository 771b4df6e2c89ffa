// Builtin (MLIR core) attributes: the op attribute dictionary and its string
// keys, symbol references, and locations, plus the few value attributes a
// module may carry outside VHLO.
#include "vhlo/attr_type_table.h"

namespace applejax::vhlo {

using ir::Attribute;
using Kind = Attribute::Kind;

namespace {

std::string location_text(const AttrValue& v) {
  return v.location ? v.location->text : std::string();
}

const AttrValue& read_location(ByteReader& r, AttrTypeTable& table) {
  ByteReader at = r;
  const AttrValue& v = table.read_attr(r);
  if (!v.location) at.fail("expected a location attribute");
  return v;
}

std::string read_string_attr(ByteReader& r, AttrTypeTable& table) {
  ByteReader at = r;
  const AttrValue& v = table.read_attr(r);
  if (v.attr.kind != Kind::kString) at.fail("expected a string attribute");
  return v.attr.s;
}

// Location text is only ever quoted (error messages, the printer), so a
// location longer than this keeps its start (the op's name) and its end (the
// user's file:line) and drops the middle. Nested names (name(name(...))) would
// otherwise grow the text with every level of a deep chain.
constexpr size_t kMaxLocationText = 1024;
constexpr size_t kLocationHead = 320;
constexpr std::string_view kElided = " ... ";

// Moves a cut point back to the start of a UTF-8 character, so that the
// shortened text stays valid UTF-8 (it reaches Python in error messages).
size_t char_start(const std::string& s, size_t at) {
  while (at > 0 && (static_cast<unsigned char>(s[at]) & 0xC0) == 0x80) --at;
  return at;
}

AttrValue located(std::string text) {
  if (text.size() > kMaxLocationText) {
    size_t head = char_start(text, kLocationHead);
    size_t tail = char_start(text, text.size() - (kMaxLocationText - kLocationHead - kElided.size()));
    text = text.substr(0, head) + std::string(kElided) + text.substr(tail);
  }
  AttrValue v;
  v.attr.kind = Kind::kString;
  v.attr.s = text;
  v.location = ir::Location{std::move(text)};
  return v;
}

Attribute elements_from_blob(ir::ElementType e, uint64_t count, std::span<const uint8_t> blob,
                             const ByteReader& at) {
  Attribute a;
  a.kind = Kind::kArray;
  // The tensor type marks a dense array (array<i64: ...>) apart from a plain
  // array of scalars, and keeps the element type of an empty one.
  a.type = ir::Type::tensor(e, {static_cast<int64_t>(count)});
  uint64_t stride = static_cast<uint64_t>((ir::element_bit_width(e) + 7) / 8);
  if (stride == 0 || ir::is_complex(e)) at.fail("dense array of an unsupported element type");
  if (count > blob.size() / stride || blob.size() != count * stride) {
    at.fail("dense array data does not match its size");
  }
  a.array.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t bits = 0;
    for (uint64_t b = 0; b < stride && b < 8; ++b) bits |= uint64_t{blob[i * stride + b]} << (8 * b);
    Attribute x;
    x.type.element = e;
    if (ir::is_float(e)) {
      x.kind = Kind::kFloat;
      x.f = float_bits_to_double(bits, e);
      x.i = static_cast<int64_t>(bits);
    } else {
      x.kind = e == ir::ElementType::kI1 ? Kind::kBool : Kind::kInteger;
      x.i = extend_integer(bits, e);
      x.b = x.i != 0;
    }
    a.array.push_back(std::move(x));
  }
  return a;
}

}  // namespace

AttrValue decode_builtin_attr(ByteReader& r, AttrTypeTable& table) {
  AttrValue out;
  Attribute& a = out.attr;
  uint64_t code = r.varint();
  switch (code) {
    case 0: {  // array
      a.kind = Kind::kArray;
      uint64_t n = r.count();
      a.array.reserve(n);
      for (uint64_t i = 0; i < n; ++i) a.array.push_back(table.read_attr(r).attr);
      break;
    }
    case 1: {  // dictionary
      a.kind = Kind::kDictionary;
      uint64_t n = r.count(2);
      a.dict.reserve(n);
      for (uint64_t i = 0; i < n; ++i) {
        std::string key = read_string_attr(r, table);
        a.dict.emplace_back(std::move(key), table.read_attr(r).attr);
      }
      break;
    }
    case 2:  // string
      a.kind = Kind::kString;
      a.s = std::string(table.file().read_string(r));
      break;
    case 3:  // string with type
      a.kind = Kind::kString;
      a.s = std::string(table.file().read_string(r));
      table.read_type(r);
      break;
    case 4:  // flat symbol ref
      a.kind = Kind::kSymbolRef;
      a.s = read_string_attr(r, table);
      break;
    case 5: {  // nested symbol ref
      a.kind = Kind::kSymbolRef;
      a.s = read_string_attr(r, table);
      uint64_t n = r.count();
      for (uint64_t i = 0; i < n; ++i) {
        ByteReader at = r;
        const AttrValue& leaf = table.read_attr(r);
        if (leaf.attr.kind != Kind::kSymbolRef) at.fail("expected a symbol reference");
        a.s += "::" + leaf.attr.s;
      }
      break;
    }
    case 6: {  // type
      ByteReader at = r;
      const TypeValue& t = table.read_type(r);
      a.kind = Kind::kType;
      if (t.kind == TypeValue::Kind::kFunction) {
        a = function_type_attribute(t);
      } else if (t.kind != TypeValue::Kind::kOther) {
        a.type = t.type;
      } else {
        at.fail("type attribute of " + type_description(t));
      }
      break;
    }
    case 7: a.kind = Kind::kUnit; break;
    case 8:    // integer
    case 9: {  // float
      ir::ElementType e = table.read_element_type(r);
      a = read_scalar_attr(r, e);
      break;
    }
    case 10: {  // call site: callee, caller; the callee is the user's frame
      std::string callee = location_text(read_location(r, table));
      std::string caller = location_text(read_location(r, table));
      return located(callee.empty() ? caller : callee);
    }
    case 11: {  // file:line:col
      std::string file = read_string_attr(r, table);
      uint64_t line = r.varint();
      uint64_t col = r.varint();
      return located(file + ":" + std::to_string(line) + ":" + std::to_string(col));
    }
    case 12:
    case 13: {  // fused, fused with metadata
      uint64_t n = r.count();
      std::string text;
      for (uint64_t i = 0; i < n; ++i) {
        std::string part = location_text(read_location(r, table));
        if (!part.empty() && text.size() < 512) text += (text.empty() ? "" : ", ") + part;
      }
      if (code == 13) table.read_attr(r);
      return located(text);
    }
    case 14: {  // name loc
      std::string name = read_string_attr(r, table);
      std::string child = location_text(read_location(r, table));
      return located(child.empty() ? name : name + " at " + child);
    }
    case 15: return located("");
    case 16: {  // dense resource elements
      ByteReader at = r;
      ir::Type type = table.read_value_type(r);
      uint64_t handle = r.varint();
      const auto& res = table.resources().dialect_resources;
      if (handle >= res.size()) at.fail("resource handle " + std::to_string(handle) + " out of range");
      if (res[handle].kind != Resource::Kind::kBlob) {
        at.fail("resource '" + res[handle].key + "' holds no data");
      }
      a = make_dense(type, res[handle].blob, at);
      break;
    }
    case 17: {  // dense array
      ByteReader at = r;
      ir::ElementType e = table.read_element_type(r);
      uint64_t count = r.varint();
      uint64_t size = r.varint();
      a = elements_from_blob(e, count, r.bytes(size), at);
      break;
    }
    case 18: {  // dense int or float elements
      ByteReader at = r;
      ir::Type type = table.read_value_type(r);
      uint64_t size = r.varint();
      a = make_dense(type, r.bytes(size), at);
      break;
    }
    case 19: {  // dense string elements
      ir::Type type = table.read_value_type(r);
      bool splat = r.varint() != 0;
      int64_t n = splat ? 1 : type.num_elements();
      if (n < 0 || static_cast<uint64_t>(n) > r.remaining()) r.fail("bad dense string count");
      a.kind = Kind::kArray;
      for (int64_t i = 0; i < n; ++i) {
        Attribute s;
        s.kind = Kind::kString;
        s.s = std::string(table.file().read_string(r));
        a.array.push_back(std::move(s));
      }
      break;
    }
    case 20:  // sparse elements: type, indices, values
      table.read_type(r);
      table.read_attr(r);
      table.read_attr(r);
      a.kind = Kind::kNone;
      a.s = "<sparse elements>";
      break;
    case 21:  // distinct
      return AttrValue(table.read_attr(r));
    case 22: {  // file line/col range
      std::string file = read_string_attr(r, table);
      uint64_t n = r.count();
      if (n > 4) r.fail("file range with " + std::to_string(n) + " numbers");
      std::string text = file;
      for (uint64_t i = 0; i < n; ++i) {
        uint64_t v = r.varint();
        if (i < 2) text += ":" + std::to_string(v);
      }
      return located(text);
    }
    default:
      r.fail("unknown builtin attribute code " + std::to_string(code));
  }
  return out;
}

}  // namespace applejax::vhlo
