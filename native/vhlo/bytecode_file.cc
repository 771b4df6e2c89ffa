#include "vhlo/bytecode_file.h"

#include "vhlo/version_range.h"

namespace applejax::vhlo {
namespace {

constexpr uint8_t kMagic[4] = {'M', 'L', 0xEF, 'R'};

const char* section_name(uint8_t id) {
  static const char* names[] = {"string",   "dialect",         "attribute/type",
                                "attribute/type offsets", "IR", "resource",
                                "resource offsets", "dialect versions", "properties"};
  return id < kNumSections ? names[id] : "unknown";
}

void read_strings(BytecodeFile& f) {
  const Section& s = *f.sections[kStringSection];
  ByteReader r = s.reader("string section");
  uint64_t n = r.count();
  f.strings.resize(n);
  // Lengths come in reverse order; the string bytes sit at the section's end.
  size_t end = s.data.size();
  for (uint64_t i = n; i-- > 0;) {
    uint64_t len = r.varint();
    if (len == 0 || len > end) r.fail("string length " + std::to_string(len) + " out of range");
    size_t start = end - static_cast<size_t>(len);
    if (s.data[end - 1] != 0) r.fail("string is not NUL-terminated");
    f.strings[i] = std::string_view(reinterpret_cast<const char*>(s.data.data() + start),
                                    static_cast<size_t>(len) - 1);
    end = start;
  }
  if (s.data.size() - r.remaining() != end) {
    r.fail("string lengths and string data do not meet");
  }
}

void read_dialects(BytecodeFile& f) {
  ByteReader r = f.sections[kDialectSection]->reader("dialect section");
  uint64_t n = r.count();
  f.dialects.resize(n);
  for (auto& d : f.dialects) {
    if (f.version < kVersionDialectVersioning) {
      d.name = f.read_string(r);
      continue;
    }
    bool has_version = false;
    uint64_t name = r.varint_with_flag(has_version);
    d.name = f.string(name, r);
    if (has_version) {
      uint8_t id = 0;
      d.version = read_section(r, id);
      if (id != kDialectVersionsSection) r.fail("expected a dialect version section");
    }
  }
  if (f.version >= kVersionElideUnknownBlockArgLocation) r.count();  // total op names
  while (!r.empty()) {
    uint64_t dialect = r.varint();
    if (dialect >= f.dialects.size()) r.fail("dialect index " + std::to_string(dialect) + " out of range");
    uint64_t count = r.count();
    for (uint64_t i = 0; i < count; ++i) {
      OpName op;
      op.dialect = static_cast<uint32_t>(dialect);
      if (f.version >= kVersionNativeProperties) {
        bool registered = false;
        op.name = f.string(r.varint_with_flag(registered), r);
        op.registered = registered;
      } else {
        op.name = f.read_string(r);
      }
      op.full = std::string(f.dialects[dialect].name) + "." + std::string(op.name);
      f.op_names.push_back(std::move(op));
    }
  }
}

void read_properties(BytecodeFile& f) {
  if (!f.sections[kPropertiesSection]) return;
  const Section& s = *f.sections[kPropertiesSection];
  if (s.data.empty()) return;
  ByteReader r = s.reader("properties section");
  uint64_t n = r.count();
  f.properties.reserve(n);
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t size = r.varint();
    uint64_t at = r.offset();
    auto data = r.bytes(size);
    f.properties.push_back(Section{data, at});
  }
  if (!r.empty()) r.fail("trailing bytes after the properties table");
}

}  // namespace

Section read_section(ByteReader& r, uint8_t& id) {
  uint8_t id_and_align = r.byte();
  id = id_and_align & 0x7F;
  if (id >= kNumSections) r.fail("unknown section id " + std::to_string(id));
  uint64_t length = r.varint();
  if (id_and_align & 0x80) r.align_to(r.varint());
  uint64_t at = r.offset();
  return Section{r.bytes(length), at};
}

const std::string_view& BytecodeFile::string(uint64_t index, const ByteReader& at) const {
  if (index >= strings.size()) {
    at.fail("string index " + std::to_string(index) + " out of range (" +
            std::to_string(strings.size()) + " strings)");
  }
  return strings[index];
}

BytecodeFile read_bytecode_file(std::span<const uint8_t> bytes) {
  BytecodeFile f;
  ByteReader r(bytes, 0, "bytecode header");
  auto magic = r.bytes(4);
  for (int i = 0; i < 4; ++i) {
    if (magic[i] != kMagic[i]) r.fail("not MLIR bytecode (bad magic number)");
  }
  f.version = r.varint();
  if (f.version > kVersionMaxSupported) {
    r.fail("bytecode format version " + std::to_string(f.version) +
           " is newer than this reader supports (" + std::to_string(kVersionMaxSupported) + ")");
  }
  uint64_t producer_at = r.offset();
  f.producer = r.null_terminated();
  // Before anything else: a version outside the range is the clearest reason.
  check_producer(f.producer, producer_at);
  ByteReader top(r.bytes(r.remaining()), r.offset(), "top-level sections");
  while (!top.empty()) {
    uint64_t at = top.offset();
    uint8_t id = 0;
    Section s = read_section(top, id);
    if (f.sections[id]) {
      throw ReadError(std::string("duplicate ") + section_name(id) + " section", at);
    }
    f.sections[id] = s;
  }
  for (uint8_t id : {kStringSection, kDialectSection, kAttrTypeSection, kAttrTypeOffsetSection,
                     kIRSection}) {
    if (!f.sections[id]) {
      throw ReadError(std::string("missing ") + section_name(id) + " section", bytes.size());
    }
  }
  if (f.version >= kVersionNativeProperties && !f.sections[kPropertiesSection]) {
    // Writers may omit an empty properties section; treat it as empty.
  }
  if (f.sections[kResourceSection].has_value() != f.sections[kResourceOffsetSection].has_value()) {
    throw ReadError("resource and resource offset sections must come together", bytes.size());
  }
  read_strings(f);
  read_properties(f);
  read_dialects(f);
  return f;
}

}  // namespace applejax::vhlo
