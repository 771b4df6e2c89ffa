// Buffer entries: host-to-device upload, queries, and device-to-host copies.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include <mlx/allocator.h>
#include <mlx/ops.h>

#include "lower/dtype.h"
#include "lower/narrow.h"
#include "pjrt/entry.h"
#include "pjrt/objects.h"
#include "pjrt/surface.h"
#include "pjrt/types.h"

namespace applejax::pjrt {
namespace {

namespace mx = mlx::core;

runtime::Buffer& live(PJRT_Buffer* b, const char* entry) {
  require(b, "buffer");
  if (b->buffer->deleted)
    throw ApiError{PJRT_Error_Code_FAILED_PRECONDITION,
                   std::string(entry) + ": the buffer has been deleted"};
  return *b->buffer;
}

PJRT_Buffer* wrap_buffer(PJRT_Client* client, runtime::BufferPtr buffer) {
  auto* b = new PJRT_Buffer;
  b->client = client;
  b->type = to_buffer_type(buffer->element);
  size_t rank = buffer->dims.size();
  for (size_t i = 0; i < rank; ++i) b->minor_to_major.push_back(int64_t(rank - 1 - i));
  b->buffer = std::move(buffer);
  return b;
}

// `memory` when it is one of the client's spaces (null: the default one).
PJRT_Memory* own_memory(PJRT_Client* client, PJRT_Memory* memory, const char* entry) {
  if (!memory) return &client->memory;
  for (PJRT_Memory* m : client->memory_list)
    if (m == memory) return m;
  throw ApiError{PJRT_Error_Code_INVALID_ARGUMENT,
                 std::string(entry) + ": the memory space is not one of the mps device's "
                                      "(device, pinned_host, unpinned_host)"};
}

// Copies a possibly strided host array into dense row-major `dst`.
void gather_strided(uint8_t* dst, const uint8_t* src, const std::vector<int64_t>& dims,
                    const int64_t* strides, size_t elem, size_t dim = 0) {
  if (dim == dims.size()) {
    std::memcpy(dst, src, elem);
    return;
  }
  size_t inner = elem;
  for (size_t d = dim + 1; d < dims.size(); ++d) inner *= size_t(dims[d]);
  for (int64_t i = 0; i < dims[dim]; ++i)
    gather_strided(dst + size_t(i) * inner, src + i * strides[dim], dims, strides, elem,
                   dim + 1);
}

bool is_dense(const std::vector<int64_t>& dims, const int64_t* strides, size_t elem) {
  int64_t expect = int64_t(elem);
  for (size_t d = dims.size(); d-- > 0;) {
    if (dims[d] != 1 && strides[d] != expect) return false;
    expect *= dims[d];
  }
  return true;
}

PJRT_Error* buffer_from_host(PJRT_Client_BufferFromHostBuffer_Args* args) {
  return guarded("PJRT_Client_BufferFromHostBuffer", [&] {
    auto* client = require(args->client, "client");
    ir::ElementType element = to_element_type(args->type);
    auto dtype = lower::to_mlx(element);
    if (!dtype)
      throw ApiError{PJRT_Error_Code_UNIMPLEMENTED,
                     "mps: arrays of dtype " +
                         std::string(ir::element_type_name(element)) +
                         " cannot be placed on the mps device (MLX has no such type)"};
    if (*dtype == mx::float64 && client->mlx_device.type == mx::Device::gpu)
      throw ApiError{PJRT_Error_Code_UNIMPLEMENTED,
                     "mps: float64 arrays are not supported on the GPU; use float32"};
    auto buffer = std::make_shared<runtime::Buffer>();
    buffer->element = element;
    buffer->dims.assign(args->dims, args->dims + args->num_dims);
    for (int64_t d : buffer->dims)
      if (d < 0) invalid("negative dimension in BufferFromHostBuffer");
    // A narrow type (int4, float8, ...) is one byte per element on the host
    // and its wider storage dtype on the device (lower/narrow_format.h).
    const bool narrow = lower::is_narrow(element);
    size_t elem = narrow ? 1 : dtype->size();
    size_t count = 1;
    for (int64_t d : buffer->dims) {
      if (d != 0 && count > SIZE_MAX / dtype->size() / size_t(d))
        invalid("BufferFromHostBuffer: the shape's byte size overflows");
      count *= size_t(d);
    }
    size_t bytes = count * elem;
    if (bytes && !args->data) invalid("BufferFromHostBuffer: data is null for a non-empty array");
    const auto* src = static_cast<const uint8_t*>(args->data);
    auto fill = [&](uint8_t* dst) {
      if (bytes && (!args->byte_strides || args->num_byte_strides != args->num_dims ||
                    is_dense(buffer->dims, args->byte_strides, elem)))
        std::memcpy(dst, src, bytes);
      else if (bytes)
        gather_strided(dst, src, buffer->dims, args->byte_strides, elem);
    };
    mx::Shape shape(buffer->dims.begin(), buffer->dims.end());
    if (narrow) {
      std::unique_ptr<uint8_t[]> staging(new uint8_t[bytes ? bytes : 1]);
      fill(staging.get());
      buffer->array.emplace(lower::narrow_from_host(element, staging.get(), shape));
    } else {
      // Straight into memory from MLX's allocator: memory_stats counts it,
      // MLX may reuse it for a result once it is donated, and on Metal it
      // is already a GPU buffer (unified memory), with no second copy.
      mx::array a(shape, *dtype, nullptr, {});
      a.set_data(mx::allocator::malloc(bytes ? bytes : 1));  // empty arrays too get a buffer, as before
      a.set_status(mx::array::Status::available);
      fill(a.data<uint8_t>());
      buffer->array.emplace(std::move(a));
    }
    buffer->ready = runtime::Event::ready();
    // We copied synchronously, so the caller may reuse its memory at once.
    args->done_with_host_buffer = wrap(runtime::Event::ready());
    PJRT_Memory* memory = nullptr;
    if (offsetof(PJRT_Client_BufferFromHostBuffer_Args, memory) + sizeof(args->memory) <=
        args->struct_size)
      memory = args->memory;
    // Checked before wrapping, so a bad space leaks no handle.
    memory = own_memory(client, memory, "PJRT_Client_BufferFromHostBuffer");
    args->buffer = wrap_buffer(client, std::move(buffer));
    args->buffer->memory = memory;
  });
}

PJRT_Error* buffer_destroy(PJRT_Buffer_Destroy_Args* args) {
  // A pinned array (external references never released) is freed on the
  // worker, where MLX runs.
  if (args->buffer && args->buffer->pinned) {
    auto pinned = std::make_shared<mx::array>(std::move(*args->buffer->pinned));
    args->buffer->client->worker.post([pinned]() mutable { pinned.reset(); });
  }
  delete args->buffer;
  return nullptr;
}

PJRT_Error* buffer_element_type(PJRT_Buffer_ElementType_Args* args) {
  return guarded("PJRT_Buffer_ElementType",
                 [&] { args->type = require(args->buffer, "buffer")->type; });
}

PJRT_Error* buffer_dimensions(PJRT_Buffer_Dimensions_Args* args) {
  return guarded("PJRT_Buffer_Dimensions", [&] {
    auto& dims = require(args->buffer, "buffer")->buffer->dims;
    args->dims = dims.data();
    args->num_dims = dims.size();
  });
}

PJRT_Error* buffer_unpadded_dimensions(PJRT_Buffer_UnpaddedDimensions_Args* args) {
  return guarded("PJRT_Buffer_UnpaddedDimensions", [&] {
    auto& dims = require(args->buffer, "buffer")->buffer->dims;
    args->unpadded_dims = dims.data();
    args->num_dims = dims.size();
  });
}

PJRT_Error* buffer_dynamic_dimension_indices(
    PJRT_Buffer_DynamicDimensionIndices_Args* args) {
  args->dynamic_dim_indices = nullptr;
  args->num_dynamic_dims = 0;
  return nullptr;
}

PJRT_Error* buffer_get_memory_layout(PJRT_Buffer_GetMemoryLayout_Args* args) {
  return guarded("PJRT_Buffer_GetMemoryLayout", [&] {
    auto* b = require(args->buffer, "buffer");
    PJRT_Buffer_MemoryLayout& layout = args->layout;
    layout.struct_size = PJRT_Buffer_MemoryLayout_STRUCT_SIZE;
    layout.extension_start = nullptr;
    layout.type = PJRT_Buffer_MemoryLayout_Type_Tiled;
    layout.tiled = {};
    layout.tiled.struct_size = PJRT_Buffer_MemoryLayout_Tiled_STRUCT_SIZE;
    layout.tiled.minor_to_major = b->minor_to_major.data();
    layout.tiled.minor_to_major_size = b->minor_to_major.size();
    layout.tiled.num_tiles = 0;
  });
}

PJRT_Error* buffer_on_device_size(PJRT_Buffer_OnDeviceSizeInBytes_Args* args) {
  return guarded("PJRT_Buffer_OnDeviceSizeInBytes", [&] {
    // What the device holds: a narrow type takes its storage dtype's bytes.
    const runtime::Buffer& b = *require(args->buffer, "buffer")->buffer;
    auto dtype = lower::to_mlx(b.element);
    args->on_device_size_in_bytes =
        dtype ? size_t(b.num_elements()) * dtype->size() : b.byte_size();
  });
}

PJRT_Error* buffer_device(PJRT_Buffer_Device_Args* args) {
  return guarded("PJRT_Buffer_Device",
                 [&] { args->device = &require(args->buffer, "buffer")->client->device; });
}

PJRT_Error* buffer_memory(PJRT_Buffer_Memory_Args* args) {
  return guarded("PJRT_Buffer_Memory",
                 [&] {
                   PJRT_Buffer* b = require(args->buffer, "buffer");
                   args->memory = b->memory ? b->memory : &b->client->memory;
                 });
}

PJRT_Error* buffer_delete(PJRT_Buffer_Delete_Args* args) {
  return guarded("PJRT_Buffer_Delete", [&] {
    PJRT_Buffer* handle = require(args->buffer, "buffer");
    handle->buffer->deleted = true;
    // Queued behind any work that reads it (the worker is FIFO), then the
    // device memory goes.
    runtime::BufferPtr held = handle->buffer;
    handle->client->worker.post([held] { held->array.reset(); });
  });
}

PJRT_Error* buffer_is_deleted(PJRT_Buffer_IsDeleted_Args* args) {
  return guarded("PJRT_Buffer_IsDeleted", [&] {
    args->is_deleted = require(args->buffer, "buffer")->buffer->deleted;
  });
}

PJRT_Error* buffer_is_on_cpu(PJRT_Buffer_IsOnCpu_Args* args) {
  // Even on MLX's CPU device the memory is ours, not the host runtime's.
  args->is_on_cpu = false;
  return nullptr;
}

PJRT_Error* buffer_ready_event(PJRT_Buffer_ReadyEvent_Args* args) {
  return guarded("PJRT_Buffer_ReadyEvent",
                 [&] { args->event = wrap(require(args->buffer, "buffer")->buffer->ready); });
}

bool is_row_major(const PJRT_Buffer_MemoryLayout* layout, size_t rank, size_t elem,
                  const std::vector<int64_t>& dims) {
  if (!layout) return true;
  if (layout->type == PJRT_Buffer_MemoryLayout_Type_Tiled) {
    const auto& t = layout->tiled;
    if (t.num_tiles != 0 || t.minor_to_major_size != rank) return false;
    for (size_t i = 0; i < rank; ++i)
      if (t.minor_to_major[i] != int64_t(rank - 1 - i)) return false;
    return true;
  }
  const auto& s = layout->strides;
  return s.num_byte_strides == rank && is_dense(dims, s.byte_strides, elem);
}

PJRT_Error* buffer_to_host(PJRT_Buffer_ToHostBuffer_Args* args) {
  return guarded("PJRT_Buffer_ToHostBuffer", [&] {
    PJRT_Buffer* handle = require(args->src, "src");
    runtime::BufferPtr buffer = handle->buffer;
    live(handle, "PJRT_Buffer_ToHostBuffer");
    size_t bytes = buffer->byte_size();
    if (!args->dst) {
      args->dst_size = bytes;
      return;
    }
    if (args->dst_size < bytes)
      invalid("PJRT_Buffer_ToHostBuffer: destination holds " +
              std::to_string(args->dst_size) + " bytes, the buffer needs " +
              std::to_string(bytes));
    size_t elem = size_t(ir::element_byte_width(buffer->element));
    if (!is_row_major(args->host_layout, buffer->dims.size(), elem, buffer->dims))
      throw ApiError{PJRT_Error_Code_UNIMPLEMENTED,
                     "PJRT_Buffer_ToHostBuffer: only dense row-major host layouts are "
                     "supported"};
    auto done = std::make_shared<runtime::Event>();
    void* dst = args->dst;
    handle->client->worker.post([buffer, done, dst, bytes] {
      const ir::ElementType element = buffer->element;
      if (auto err = buffer->ready->wait()) return done->set_error(*err);
      try {
        if (!buffer->array) return done->set_error("the buffer has been deleted");
        mx::array a = mx::contiguous(*buffer->array);
        a.eval();
        if (bytes && lower::is_narrow(element))
          lower::narrow_to_host(element, a, static_cast<uint8_t*>(dst));
        else if (bytes)
          std::memcpy(dst, a.data<uint8_t>(), bytes);
        done->set_ready();
      } catch (const std::exception& e) {
        done->set_error(std::string("copying the result to the host failed: ") +
                        e.what());
      }
    });
    args->event = wrap(done);
  });
}

PJRT_Error* buffer_copy_to_device(PJRT_Buffer_CopyToDevice_Args* args) {
  return guarded("PJRT_Buffer_CopyToDevice", [&] {
    PJRT_Buffer* src = require(args->buffer, "buffer");
    live(src, "PJRT_Buffer_CopyToDevice");
    // One device: arrays are immutable, so the copy can share storage.
    auto copy = std::make_shared<runtime::Buffer>();
    copy->element = src->buffer->element;
    copy->dims = src->buffer->dims;
    auto original = src->buffer;
    auto ready = std::make_shared<runtime::Event>();
    copy->ready = ready;
    original->ready->on_ready([original, copy, ready](const std::optional<std::string>& e) {
      if (e) return ready->set_error(*e);
      copy->array = original->array;
      ready->set_ready();
    });
    args->dst_buffer = wrap_buffer(src->client, std::move(copy));
  });
}

// Between the device and the host spaces nothing moves: every space is the
// same host-addressable MLX memory (objects.h), so the copy shares the
// array, as a copy to the device does.
PJRT_Error* buffer_copy_to_memory(PJRT_Buffer_CopyToMemory_Args* args) {
  PJRT_Memory* memory = nullptr;
  if (PJRT_Error* e = guarded("PJRT_Buffer_CopyToMemory", [&] {
        memory = own_memory(require(args->buffer, "buffer")->client, args->dst_memory,
                            "PJRT_Buffer_CopyToMemory");
      }))
    return e;
  PJRT_Buffer_CopyToDevice_Args inner{};
  inner.struct_size = PJRT_Buffer_CopyToDevice_Args_STRUCT_SIZE;
  inner.buffer = args->buffer;
  PJRT_Error* err = buffer_copy_to_device(&inner);
  args->dst_buffer = inner.dst_buffer;
  if (!err) args->dst_buffer->memory = memory;
  return err;
}

// ---- external references and raw pointers (DLPack) -----------------------
//
// MLX arrays live in host-addressable memory: malloc'ed on MLX's CPU device,
// unified memory on Apple GPUs, managed memory on CUDA. So the data pointer
// of an evaluated, row-major contiguous array is what a DLPack consumer may
// read, with no copy.

std::mutex external_mutex;  // guards every handle's external_refs and pinned

// The buffer's array, evaluated and row-major contiguous. A strided array
// (never made by the plugin today, but MLX allows it) is replaced by a
// contiguous copy of itself, which holds the same values.
mx::array contiguous_array(PJRT_Buffer* handle, const char* entry) {
  runtime::Buffer& b = live(handle, entry);
  if (auto err = b.ready->wait())
    throw ApiError{PJRT_Error_Code_FAILED_PRECONDITION,
                   std::string(entry) + ": the buffer's computation failed: " + *err};
  std::optional<mx::array> result;
  handle->client->worker.run_sync([&] {
    if (!b.array)
      throw ApiError{PJRT_Error_Code_FAILED_PRECONDITION,
                     std::string(entry) + ": the buffer has been deleted"};
    if (!b.array->flags().row_contiguous) {
      mx::array dense = mx::contiguous(*b.array);
      dense.eval();
      b.array = dense;
    }
    b.array->eval();
    result = *b.array;
  });
  return *result;
}

uintptr_t data_pointer(PJRT_Buffer* handle, const char* entry) {
  live(handle, entry);  // a deleted buffer has no memory to point at for JAX
  {
    std::lock_guard lock(external_mutex);
    if (handle->pinned) return reinterpret_cast<uintptr_t>(handle->pinned->data<uint8_t>());
  }
  return reinterpret_cast<uintptr_t>(contiguous_array(handle, entry).data<uint8_t>());
}

PJRT_Error* buffer_unsafe_pointer(PJRT_Buffer_UnsafePointer_Args* args) {
  return guarded("PJRT_Buffer_UnsafePointer", [&] {
    args->buffer_pointer =
        data_pointer(require(args->buffer, "buffer"), "PJRT_Buffer_UnsafePointer");
  });
}

PJRT_Error* buffer_opaque_pointer(PJRT_Buffer_OpaqueDeviceMemoryDataPointer_Args* args) {
  return guarded("PJRT_Buffer_OpaqueDeviceMemoryDataPointer", [&] {
    args->device_memory_ptr = reinterpret_cast<void*>(data_pointer(
        require(args->buffer, "buffer"), "PJRT_Buffer_OpaqueDeviceMemoryDataPointer"));
  });
}

// The first reference pins the array in the handle: Delete then frees the
// buffer for JAX, but the memory stays until the last reference goes.
PJRT_Error* buffer_increase_external(PJRT_Buffer_IncreaseExternalReferenceCount_Args* args) {
  return guarded("PJRT_Buffer_IncreaseExternalReferenceCount", [&] {
    PJRT_Buffer* handle = require(args->buffer, "buffer");
    {
      std::lock_guard lock(external_mutex);
      if (handle->external_refs > 0) {
        ++handle->external_refs;
        return;
      }
    }
    mx::array a = contiguous_array(handle, "PJRT_Buffer_IncreaseExternalReferenceCount");
    std::lock_guard lock(external_mutex);
    if (handle->external_refs++ == 0) handle->pinned = std::move(a);
  });
}

PJRT_Error* buffer_decrease_external(PJRT_Buffer_DecreaseExternalReferenceCount_Args* args) {
  return guarded("PJRT_Buffer_DecreaseExternalReferenceCount", [&] {
    PJRT_Buffer* handle = require(args->buffer, "buffer");
    std::shared_ptr<mx::array> released;
    {
      std::lock_guard lock(external_mutex);
      if (handle->external_refs == 0)
        throw ApiError{PJRT_Error_Code_FAILED_PRECONDITION,
                       "PJRT_Buffer_DecreaseExternalReferenceCount: the buffer holds no "
                       "external reference"};
      if (--handle->external_refs == 0 && handle->pinned) {
        released = std::make_shared<mx::array>(std::move(*handle->pinned));
        handle->pinned.reset();
      }
    }
    if (released) handle->client->worker.post([released]() mutable { released.reset(); });
  });
}

}  // namespace

PJRT_Buffer* make_buffer_handle(PJRT_Client* client, runtime::BufferPtr buffer,
                                int memory_index) {
  PJRT_Buffer* b = wrap_buffer(client, std::move(buffer));
  b->memory = client->memory_list[memory_index];
  return b;
}

void install_buffer_entries(PJRT_Api& api) {
  api.PJRT_Client_BufferFromHostBuffer = buffer_from_host;
  api.PJRT_Buffer_Destroy = buffer_destroy;
  api.PJRT_Buffer_ElementType = buffer_element_type;
  api.PJRT_Buffer_Dimensions = buffer_dimensions;
  api.PJRT_Buffer_UnpaddedDimensions = buffer_unpadded_dimensions;
  api.PJRT_Buffer_DynamicDimensionIndices = buffer_dynamic_dimension_indices;
  api.PJRT_Buffer_GetMemoryLayout = buffer_get_memory_layout;
  api.PJRT_Buffer_OnDeviceSizeInBytes = buffer_on_device_size;
  api.PJRT_Buffer_Device = buffer_device;
  api.PJRT_Buffer_Memory = buffer_memory;
  api.PJRT_Buffer_Delete = buffer_delete;
  api.PJRT_Buffer_IsDeleted = buffer_is_deleted;
  api.PJRT_Buffer_IsOnCpu = buffer_is_on_cpu;
  api.PJRT_Buffer_ReadyEvent = buffer_ready_event;
  api.PJRT_Buffer_ToHostBuffer = buffer_to_host;
  api.PJRT_Buffer_CopyToDevice = buffer_copy_to_device;
  api.PJRT_Buffer_CopyToMemory = buffer_copy_to_memory;
  api.PJRT_Buffer_UnsafePointer = buffer_unsafe_pointer;
  api.PJRT_Buffer_OpaqueDeviceMemoryDataPointer = buffer_opaque_pointer;
  api.PJRT_Buffer_IncreaseExternalReferenceCount = buffer_increase_external;
  api.PJRT_Buffer_DecreaseExternalReferenceCount = buffer_decrease_external;
}

}  // namespace applejax::pjrt
