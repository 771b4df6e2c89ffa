// The one exception the artifact reader throws. Its message says what was
// being read and at which byte offset of the artifact, so a bad artifact can
// be diagnosed from the error alone.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace applejax::vhlo {

class ReadError : public std::runtime_error {
 public:
  ReadError(const std::string& what, uint64_t offset)
      : std::runtime_error(what + " (at byte " + std::to_string(offset) + ")"),
        offset_(offset) {}
  uint64_t offset() const { return offset_; }

 private:
  uint64_t offset_;
};

}  // namespace applejax::vhlo
