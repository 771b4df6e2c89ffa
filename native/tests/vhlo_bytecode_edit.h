// Rewrites the attribute table of a real artifact, so the tests can make
// nestings no small JAX program has (call-site chains thousands of frames
// long, cycles, deep arrays) while everything else stays jaxlib's own bytes.
//
// Entries are only appended or given new payloads: attribute and type
// indices stay valid, so the IR section, which refers to them, is copied
// unchanged. Only the attribute/type data and offset sections are written
// anew; every section keeps its alignment.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "vhlo/byte_reader.h"
#include "vhlo/bytecode_file.h"

namespace applejax::test {

// MLIR bytecode's prefix varint (what vhlo::ByteReader::varint reads).
inline void put_varint(std::vector<uint8_t>& out, uint64_t v) {
  for (int n = 1; n <= 8; ++n) {
    if (n < 8 ? v < (uint64_t{1} << (7 * n)) : v < (uint64_t{1} << 56)) {
      uint64_t encoded = (v << n) | (uint64_t{1} << (n - 1));
      for (int i = 0; i < n; ++i) out.push_back(static_cast<uint8_t>(encoded >> (8 * i)));
      return;
    }
  }
  out.push_back(0);
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

struct AttrTable {
  struct Entry {
    uint64_t dialect = 0;
    bool custom = false;
    std::vector<uint8_t> payload;
  };
  std::vector<Entry> attrs;
  std::vector<Entry> types;
  uint64_t builtin = UINT64_MAX;  // index of the builtin dialect

  uint64_t add(Entry e) {
    attrs.push_back(std::move(e));
    return attrs.size() - 1;
  }
  // A builtin attribute of the given code and varint operands, with the
  // dialect of `like` (an existing builtin entry).
  uint64_t add_builtin(uint64_t like, std::initializer_list<uint64_t> words) {
    Entry e{attrs[like].dialect, true, {}};
    for (uint64_t w : words) put_varint(e.payload, w);
    return add(std::move(e));
  }
  static std::vector<uint8_t> payload(std::initializer_list<uint64_t> words) {
    std::vector<uint8_t> p;
    for (uint64_t w : words) put_varint(p, w);
    return p;
  }
};

class ArtifactEditor {
 public:
  explicit ArtifactEditor(std::vector<uint8_t> bytes) : bytes_(std::move(bytes)) {
    vhlo::ByteReader r(bytes_, 0, "test artifact");
    r.bytes(4);
    r.varint();
    r.null_terminated();
    header_end_ = r.offset();
    while (!r.empty()) {
      Section s;
      uint8_t id_and_align = r.byte();
      s.id = id_and_align & 0x7F;
      uint64_t length = r.varint();
      if (id_and_align & 0x80) {
        s.alignment = r.varint();
        r.align_to(s.alignment);
      }
      auto data = r.bytes(length);
      s.data.assign(data.begin(), data.end());
      sections_.push_back(std::move(s));
    }
    read_table();
    auto file = vhlo::read_bytecode_file(bytes_);
    for (size_t i = 0; i < file.dialects.size(); ++i)
      if (file.dialects[i].name == "builtin") table_.builtin = i;
  }

  AttrTable& table() { return table_; }

  // The artifact with the edited table.
  std::vector<uint8_t> bytes() const {
    std::vector<uint8_t> data, offsets;
    put_varint(offsets, table_.attrs.size());
    put_varint(offsets, table_.types.size());
    for (const auto* entries : {&table_.attrs, &table_.types}) {
      // One group per run of entries of the same dialect.
      for (size_t i = 0; i < entries->size();) {
        size_t j = i;
        while (j < entries->size() && (*entries)[j].dialect == (*entries)[i].dialect) ++j;
        put_varint(offsets, (*entries)[i].dialect);
        put_varint(offsets, j - i);
        for (size_t k = i; k < j; ++k) {
          const auto& e = (*entries)[k];
          put_varint(offsets, (e.payload.size() << 1) | (e.custom ? 1 : 0));
          data.insert(data.end(), e.payload.begin(), e.payload.end());
        }
        i = j;
      }
    }
    std::vector<uint8_t> out(bytes_.begin(), bytes_.begin() + static_cast<std::ptrdiff_t>(header_end_));
    for (const Section& s : sections_) {
      const std::vector<uint8_t>& body = s.id == kData ? data : s.id == kOffsets ? offsets : s.data;
      out.push_back(static_cast<uint8_t>(s.id | (s.alignment ? 0x80 : 0)));
      put_varint(out, body.size());
      if (s.alignment) {
        put_varint(out, s.alignment);
        while (out.size() % s.alignment) out.push_back(0xCB);
      }
      out.insert(out.end(), body.begin(), body.end());
    }
    return out;
  }

 private:
  static constexpr uint8_t kData = 2, kOffsets = 3;
  struct Section {
    uint8_t id = 0;
    uint64_t alignment = 0;
    std::vector<uint8_t> data;
  };

  const Section& section(uint8_t id) const {
    for (const Section& s : sections_)
      if (s.id == id) return s;
    throw std::runtime_error("artifact without section " + std::to_string(id));
  }

  void read_table() {
    const Section& offsets = section(kOffsets);
    const Section& data = section(kData);
    vhlo::ByteReader r(offsets.data, 0, "offsets");
    uint64_t num_attrs = r.varint();
    uint64_t num_types = r.varint();
    size_t at = 0;
    auto fill = [&](std::vector<AttrTable::Entry>& entries, uint64_t n) {
      while (entries.size() < n) {
        uint64_t dialect = r.varint();
        uint64_t count = r.varint();
        for (uint64_t k = 0; k < count; ++k) {
          bool custom = false;
          uint64_t size = r.varint_with_flag(custom);
          entries.push_back({dialect, custom,
                             std::vector<uint8_t>(data.data.begin() + static_cast<std::ptrdiff_t>(at),
                                                  data.data.begin() + static_cast<std::ptrdiff_t>(at + size))});
          at += size;
        }
      }
    };
    fill(table_.attrs, num_attrs);
    fill(table_.types, num_types);
  }

  std::vector<uint8_t> bytes_;
  size_t header_end_ = 0;
  std::vector<Section> sections_;
  AttrTable table_;
};

}  // namespace applejax::test
