// The outer layer of an MLIR bytecode file: magic, format version, producer,
// and the top-level sections, plus the three small tables every later stage
// needs (strings, dialects with their op names, properties offsets).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vhlo/byte_reader.h"

namespace applejax::vhlo {

// Section ids of the format.
enum SectionId : uint8_t {
  kStringSection = 0,
  kDialectSection = 1,
  kAttrTypeSection = 2,
  kAttrTypeOffsetSection = 3,
  kIRSection = 4,
  kResourceSection = 5,
  kResourceOffsetSection = 6,
  kDialectVersionsSection = 7,
  kPropertiesSection = 8,
  kNumSections = 9,
};

// Format versions at which encodings changed.
inline constexpr uint64_t kVersionDialectVersioning = 1;
inline constexpr uint64_t kVersionLazyLoading = 2;
inline constexpr uint64_t kVersionUseListOrdering = 3;
inline constexpr uint64_t kVersionElideUnknownBlockArgLocation = 4;
inline constexpr uint64_t kVersionNativeProperties = 5;
inline constexpr uint64_t kVersionMaxSupported = 6;

struct Section {
  std::span<const uint8_t> data;
  uint64_t offset = 0;  // absolute offset of data[0]
  ByteReader reader(std::string_view context) const { return ByteReader(data, offset, context); }
};

// Reads one section header (id byte with alignment flag, length, alignment,
// padding) and returns the section body.
Section read_section(ByteReader& r, uint8_t& id);

struct Dialect {
  std::string_view name;
  std::optional<Section> version;  // raw dialect version payload, if any
};

struct OpName {
  uint32_t dialect = 0;
  std::string_view name;  // without the dialect prefix
  std::string full;       // "dialect.name"
  bool registered = true; // known to the writer (from format 5 on)
};

struct BytecodeFile {
  uint64_t version = 0;
  std::string_view producer;
  std::array<std::optional<Section>, kNumSections> sections;

  std::vector<std::string_view> strings;
  std::vector<Dialect> dialects;
  std::vector<OpName> op_names;
  // Properties section: each entry is an absolute-offset span of one blob.
  std::vector<Section> properties;

  const std::string_view& string(uint64_t index, const ByteReader& at) const;
  std::string_view read_string(ByteReader& r) const { return string(r.varint(), r); }
};

// Parses the header and the string, dialect and properties sections.
BytecodeFile read_bytecode_file(std::span<const uint8_t> bytes);

}  // namespace applejax::vhlo
