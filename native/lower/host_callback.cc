// stablehlo.custom_call @applejax.host_callback (see host_callback.h).
#include "lower/host_callback.h"

#include <mlx/ops.h>
#include <mlx/transforms.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <utility>

#include "lower/dtype.h"
#include "lower/emitter.h"
#include "lower/errors.h"
#include "lower/narrow.h"
#include "lower/narrow_format.h"

namespace applejax::lower {
namespace {

std::atomic<HostCallbackHandler> g_handler{nullptr};

// Result storage handed to the handler; owned here until an mx::array takes
// it over.
struct HostBytes {
  void* data = nullptr;
  explicit HostBytes(size_t n) : data(std::malloc(n ? n : 1)) {
    if (!data) throw std::bad_alloc();
  }
  HostBytes(HostBytes&& other) noexcept : data(std::exchange(other.data, nullptr)) {}
  HostBytes(const HostBytes&) = delete;
  HostBytes& operator=(const HostBytes&) = delete;
  ~HostBytes() { std::free(data); }
  void* release() { return std::exchange(data, nullptr); }
};

Values host_callback(Emitter& em, const ir::Op& op, const Values& in) {
  if (em.tracing())
    fail(op, "a host callback inside a traced graph",
         "This is a plugin bug: programs with host callbacks must run op by op. Please report it");
  HostCallbackHandler handler = g_handler.load();
  if (!handler)
    fail(op, "the program calls back into Python, but no host-callback handler is installed",
         "Host callbacks work through JAX with the applejax python package (jax_plugins.mps); "
         "a program compiled elsewhere cannot call them");
  const ir::Attribute* key = op.attr("backend_config");
  if (!key || key->kind != ir::Attribute::Kind::kString || key->s.empty())
    fail(op, "host callback without a key in backend_config");

  // Tokens order the call; they carry no data.
  std::vector<mx::array> operands;
  std::vector<ir::ElementType> operand_types;
  for (size_t i = 0; i < op.operands.size(); ++i)
    if (const ir::Type& t = em.type_of(op.operands[i]); t.is_tensor()) {
      operands.push_back(mx::contiguous(in[i], false, em.stream()));
      operand_types.push_back(t.element);
    }
  mx::eval(operands);
  // Python sees a narrow type (int4, float8) as one byte per element, not
  // as the wider dtype the device keeps it in.
  std::vector<HostBytes> narrow_operands;
  narrow_operands.reserve(operands.size());
  std::vector<const void*> operand_ptrs;
  for (size_t i = 0; i < operands.size(); ++i) {
    if (!is_narrow(operand_types[i])) {
      operand_ptrs.push_back(operands[i].data<void>());
      continue;
    }
    HostBytes& bytes = narrow_operands.emplace_back(operands[i].size());
    narrow_to_host(operand_types[i], operands[i], static_cast<uint8_t*>(bytes.data));
    operand_ptrs.push_back(bytes.data);
  }

  std::vector<HostBytes> storage;
  std::vector<void*> result_ptrs;
  storage.reserve(op.results.size());
  for (ir::ValueId r : op.results) {
    const ir::Type& t = em.type_of(r);
    if (!t.is_tensor()) continue;
    auto d = to_mlx(t.element);
    if (!d) fail_unsupported(op, "a host callback result of type " + ir::to_string(t));
    size_t element_bytes = is_narrow(t.element) ? 1 : d->size();
    storage.emplace_back(static_cast<size_t>(t.num_elements()) * element_bytes);
    result_ptrs.push_back(storage.back().data);
  }

  char error[4096] = {0};
  int status = handler(key->s.c_str(), operand_ptrs.data(), operand_ptrs.size(),
                       result_ptrs.data(), result_ptrs.size(), error, sizeof(error));
  if (status != 0) {
    error[sizeof(error) - 1] = 0;
    fail(op, std::string("the host callback raised ") +
                 (error[0] ? error : "an error without a message"),
         "The exception came from the Python function given to the callback; fix it there");
  }

  Values out;
  size_t next = 0;
  for (size_t i = 0; i < op.results.size(); ++i) {
    const ir::Type& t = em.type_of(op.results[i]);
    if (!t.is_tensor()) {
      // A token result: any placeholder; nothing reads tokens' data.
      out.push_back(mx::array(false));
      continue;
    }
    HostBytes& bytes = storage[next++];
    if (is_narrow(t.element)) {
      out.push_back(narrow_from_host(t.element, static_cast<const uint8_t*>(bytes.data),
                                     result_shape(em, op, i)));
      continue;
    }
    mx::array a(bytes.data, result_shape(em, op, i), *to_mlx(t.element),
                [](void* p) { std::free(p); });
    bytes.release();
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

void set_host_callback_handler(HostCallbackHandler handler) { g_handler.store(handler); }

bool is_host_callback(const ir::Op& op) {
  if (op.name != "stablehlo.custom_call") return false;
  const ir::Attribute* target = op.attr("call_target_name");
  return target && target->s == kHostCallbackTarget;
}

void register_host_callback(Registry& r) {
  r.add(custom_call_key(kHostCallbackTarget), host_callback);
}

}  // namespace applejax::lower
