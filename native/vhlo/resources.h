// Dialect resources (the blobs behind dense_resource<...> constants). The
// bytecode lists them in an offset section grouped by owner; a dense resource
// attribute refers to one by its position among all dialect resources.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vhlo/bytecode_file.h"

namespace applejax::vhlo {

struct Resource {
  enum class Kind : uint8_t { kBlob = 0, kBool = 1, kString = 2, kEmpty = 255 };
  std::string dialect;
  std::string key;
  Kind kind = Kind::kEmpty;
  std::span<const uint8_t> blob;  // kBlob: the bytes, inside the artifact
  bool flag = false;              // kBool
  std::string text;               // kString
};

struct Resources {
  std::vector<Resource> dialect_resources;
};

Resources read_resources(const BytecodeFile& file);

}  // namespace applejax::vhlo
