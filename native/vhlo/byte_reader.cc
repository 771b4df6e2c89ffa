#include "vhlo/byte_reader.h"

#include <bit>

namespace applejax::vhlo {

void ByteReader::fail(const std::string& what) const {
  throw ReadError(std::string(context_) + ": " + what, offset());
}

uint8_t ByteReader::byte() {
  if (pos_ >= data_.size()) fail("unexpected end of data");
  return data_[pos_++];
}

std::span<const uint8_t> ByteReader::bytes(uint64_t n) {
  if (n > remaining()) {
    fail("needs " + std::to_string(n) + " bytes but only " +
         std::to_string(remaining()) + " remain");
  }
  auto out = data_.subspan(pos_, static_cast<size_t>(n));
  pos_ += static_cast<size_t>(n);
  return out;
}

uint64_t ByteReader::varint() {
  uint8_t first = byte();
  if (first & 1) return first >> 1;
  if (first == 0) {
    auto rest = bytes(8);
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | rest[i];
    return v;
  }
  // n trailing zero bits => n more bytes; value bits start after the marker.
  int extra = std::countr_zero(static_cast<unsigned>(first));
  auto rest = bytes(static_cast<uint64_t>(extra));
  uint64_t v = first;
  for (int i = 0; i < extra; ++i) v |= static_cast<uint64_t>(rest[i]) << (8 * (i + 1));
  return v >> (extra + 1);
}

int64_t ByteReader::signed_varint() {
  uint64_t z = varint();
  return static_cast<int64_t>((z >> 1) ^ (~(z & 1) + 1));
}

uint64_t ByteReader::varint_with_flag(bool& flag) {
  uint64_t v = varint();
  flag = v & 1;
  return v >> 1;
}

uint64_t ByteReader::count(size_t min_item_bytes) {
  uint64_t n = varint();
  size_t per = min_item_bytes == 0 ? 1 : min_item_bytes;
  if (n > remaining() / per) {
    fail("count " + std::to_string(n) + " exceeds the " + std::to_string(remaining()) +
         " bytes left");
  }
  return n;
}

std::string_view ByteReader::null_terminated() {
  for (size_t i = pos_; i < data_.size(); ++i) {
    if (data_[i] == 0) {
      std::string_view s(reinterpret_cast<const char*>(data_.data() + pos_), i - pos_);
      pos_ = i + 1;
      return s;
    }
  }
  fail("string without a terminating NUL");
}

void ByteReader::align_to(uint64_t alignment) {
  if (alignment == 0 || (alignment & (alignment - 1)) != 0) {
    fail("alignment " + std::to_string(alignment) + " is not a power of two");
  }
  if (alignment > (uint64_t{1} << 32)) fail("alignment " + std::to_string(alignment) + " is too large");
  while (offset() % alignment != 0) {
    if (byte() != 0xCB) fail("expected alignment padding byte 0xCB");
  }
}

ByteReader ByteReader::sub(uint64_t n, std::string_view context) {
  uint64_t start = offset();
  auto span = bytes(n);
  return ByteReader(span, start, context);
}

}  // namespace applejax::vhlo
