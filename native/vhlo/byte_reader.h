// A bounds-checked cursor over one stretch of the artifact.
//
// Every read checks what is left and throws ReadError naming `context` and
// the absolute byte offset, so nothing downstream ever indexes past the end.
// Integers use MLIR bytecode's prefix varint: the count of trailing zero bits
// of the first byte is the number of extra bytes that follow.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "vhlo/read_error.h"

namespace applejax::vhlo {

class ByteReader {
 public:
  // `base` is the absolute offset of data[0] within the artifact.
  ByteReader(std::span<const uint8_t> data, uint64_t base, std::string_view context)
      : data_(data), base_(base), context_(context) {}

  bool empty() const { return pos_ == data_.size(); }
  size_t remaining() const { return data_.size() - pos_; }
  uint64_t offset() const { return base_ + pos_; }
  std::string_view context() const { return context_; }

  [[noreturn]] void fail(const std::string& what) const;

  uint8_t byte();
  std::span<const uint8_t> bytes(uint64_t n);
  void skip(uint64_t n) { bytes(n); }
  uint64_t varint();
  int64_t signed_varint();
  // A varint whose low bit is a flag: returns value >> 1, sets flag.
  uint64_t varint_with_flag(bool& flag);
  // A count of items that will each take at least `min_item_bytes` bytes;
  // rejects counts the remaining bytes could not possibly hold.
  uint64_t count(size_t min_item_bytes = 1);
  std::string_view null_terminated();
  // Skips 0xCB padding until the absolute offset is a multiple of `alignment`.
  void align_to(uint64_t alignment);

  // A sub-reader over the next n bytes (advancing this one past them).
  ByteReader sub(uint64_t n, std::string_view context);

 private:
  std::span<const uint8_t> data_;
  size_t pos_ = 0;
  uint64_t base_ = 0;
  std::string_view context_;
};

}  // namespace applejax::vhlo
