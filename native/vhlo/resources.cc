#include "vhlo/resources.h"

namespace applejax::vhlo {
namespace {

// Reads one group of resources; when `out` is null the group is skipped.
void read_group(const BytecodeFile& f, ByteReader& offsets, ByteReader& data,
                const std::string& owner, std::vector<Resource>* out) {
  uint64_t n = offsets.count(3);
  for (uint64_t i = 0; i < n; ++i) {
    Resource res;
    res.dialect = owner;
    res.key = std::string(f.read_string(offsets));
    uint64_t size = offsets.varint();
    uint8_t kind = offsets.byte();
    ByteReader entry = data.sub(size, "resource entry");
    if (!out) continue;
    if (entry.empty()) {
      res.kind = Resource::Kind::kEmpty;  // a declaration without data
    } else if (kind == 0) {
      res.kind = Resource::Kind::kBlob;
      uint64_t alignment = entry.varint();
      uint64_t blob_size = entry.varint();
      entry.align_to(alignment);
      res.blob = entry.bytes(blob_size);
    } else if (kind == 1) {
      res.kind = Resource::Kind::kBool;
      res.flag = entry.byte() != 0;
    } else if (kind == 2) {
      res.kind = Resource::Kind::kString;
      res.text = std::string(f.read_string(entry));
    } else {
      entry.fail("unknown resource kind " + std::to_string(kind));
    }
    if (!entry.empty()) entry.fail("trailing bytes in resource '" + res.key + "'");
    out->push_back(std::move(res));
  }
}

}  // namespace

Resources read_resources(const BytecodeFile& f) {
  Resources out;
  if (!f.sections[kResourceSection]) return out;
  ByteReader data = f.sections[kResourceSection]->reader("resource section");
  ByteReader offsets = f.sections[kResourceOffsetSection]->reader("resource offset section");
  uint64_t external = offsets.count();
  for (uint64_t i = 0; i < external; ++i) {
    std::string owner(f.read_string(offsets));
    read_group(f, offsets, data, owner, nullptr);
  }
  while (!offsets.empty()) {
    uint64_t dialect = offsets.varint();
    if (dialect >= f.dialects.size()) offsets.fail("dialect index out of range");
    read_group(f, offsets, data, std::string(f.dialects[dialect].name), &out.dialect_resources);
  }
  return out;
}

}  // namespace applejax::vhlo
