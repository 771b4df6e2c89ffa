// The one entry point besides GetPjrtApi: the python shim installs its
// host-callback handler here (see lower/host_callback.h). PJRT's C API has
// no slot for it; the shim finds the symbol with ctypes in the library JAX
// already loaded.
#include "lower/host_callback.h"

extern "C" __attribute__((visibility("default"))) void ApplejaxSetHostCallbackHandler(
    applejax::lower::HostCallbackHandler handler) {
  applejax::lower::set_host_callback_handler(handler);
}
