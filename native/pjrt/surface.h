// Each file of the C surface installs its entries into the PJRT_Api table.
#pragma once

#include "pjrt/pjrt_abi.h"
#include "runtime/buffer.h"
#include "runtime/event.h"

namespace applejax::pjrt {

void install_client_entries(PJRT_Api& api);
void install_device_entries(PJRT_Api& api);
void install_buffer_entries(PJRT_Api& api);
void install_executable_entries(PJRT_Api& api);

// A new PJRT_Event handle the caller owns.
PJRT_Event* wrap(runtime::EventPtr event);
// A new PJRT_Buffer handle the caller owns, in the client's memory space
// memory_list[memory_index].
PJRT_Buffer* make_buffer_handle(PJRT_Client* client, runtime::BufferPtr buffer,
                                int memory_index = 0);

}  // namespace applejax::pjrt
