// The shape every PJRT_Api entry shares: check the handles, run the body,
// turn any C++ exception into a PJRT_Error that names the entry, so nothing
// escapes across the C boundary.
#pragma once

#include <exception>
#include <new>
#include <string>

#include "pjrt/error.h"

namespace applejax::pjrt {

// Thrown inside entries for a precise error code.
struct ApiError {
  PJRT_Error_Code code;
  std::string message;
};

template <typename Body>
PJRT_Error* guarded(const char* entry, Body&& body) noexcept {
  try {
    body();
    return nullptr;
  } catch (const ApiError& e) {
    return make_error(e.code, e.message);
  } catch (const std::bad_alloc&) {
    return make_error(PJRT_Error_Code_RESOURCE_EXHAUSTED,
                      std::string(entry) +
                          ": out of memory. Free arrays you no longer need or "
                          "use smaller batches");
  } catch (const std::exception& e) {
    return make_error(PJRT_Error_Code_INTERNAL,
                      std::string(entry) + ": " + e.what());
  } catch (...) {
    return make_error(PJRT_Error_Code_INTERNAL,
                      std::string(entry) + ": unknown failure");
  }
}

[[noreturn]] inline void invalid(std::string message) {
  throw ApiError{PJRT_Error_Code_INVALID_ARGUMENT, std::move(message)};
}

template <typename T>
T* require(T* handle, const char* what) {
  if (!handle) invalid(std::string(what) + " is null");
  return handle;
}

}  // namespace applejax::pjrt
