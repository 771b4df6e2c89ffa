// Host callbacks: a program calling back into the process that compiled it
// (jax.debug.print, jax.pure_callback, io_callback, checkify).
//
// The python shim lowers each callback to `stablehlo.custom_call
// @applejax.host_callback` whose backend_config is the key of the Python
// function in the shim's registry, and installs one handler through
// ApplejaxSetHostCallbackHandler (pjrt/host_callback_entry.cc). The plugin
// never links Python: the handler is a plain C function pointer (a ctypes
// callback, which takes the GIL itself), called on the worker thread with
// the operands evaluated and row-major. The worker does not hold the GIL
// while MLX runs, so the caller's Python threads keep running.
#pragma once

#include <cstddef>

#include "ir/ir.h"

namespace applejax::lower {

// Returns 0 when the callback ran and filled every result buffer; otherwise
// nonzero, with a NUL-terminated message in `error` (at most error_size
// bytes). `key` is the custom call's backend_config.
using HostCallbackHandler = int (*)(const char* key, const void* const* operands,
                                    size_t num_operands, void* const* results,
                                    size_t num_results, char* error, size_t error_size);

void set_host_callback_handler(HostCallbackHandler handler);

inline constexpr const char* kHostCallbackTarget = "applejax.host_callback";

// Whether `op` calls back into the host: such a program, and any loop body
// around the op, must run op by op (a traced graph would call it once).
bool is_host_callback(const ir::Op& op);

}  // namespace applejax::lower
