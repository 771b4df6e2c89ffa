#include "runtime/buffer.h"

namespace applejax::runtime {

int64_t Buffer::num_elements() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

size_t Buffer::byte_size() const {
  return static_cast<size_t>(num_elements()) *
         static_cast<size_t>(ir::element_byte_width(element));
}

}  // namespace applejax::runtime
