// A device array as PJRT sees it: a type and shape known at once, contents
// that become available when `ready` fires.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <vector>

#include <mlx/array.h>

#include "ir/ir.h"
#include "runtime/event.h"

namespace applejax::runtime {

struct Buffer {
  ir::ElementType element = ir::ElementType::kInvalid;
  std::vector<int64_t> dims;
  EventPtr ready;
  // Written by the worker before `ready` fires; read only after it has.
  std::optional<mlx::core::array> array;
  std::atomic<bool> deleted{false};

  int64_t num_elements() const;
  size_t byte_size() const;  // dense row-major size on the host
};

using BufferPtr = std::shared_ptr<Buffer>;

}  // namespace applejax::runtime
