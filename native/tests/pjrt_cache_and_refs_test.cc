// The plugin's C surface for the persistent compilation cache and DLPack,
// through GetPjrtApi of the library built beside this test (run from the
// source root, as ctest does, for the fixture): Serialize / DeserializeAndLoad round
// trips, every damaged entry is an error (never a crash), and external
// references keep a deleted buffer's memory alive until the last one goes.
#include <dlfcn.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "pjrt/pjrt_abi.h"
#include "tests/check.h"

namespace {

const PJRT_Api* api() {
  static const PJRT_Api* loaded = [] () -> const PJRT_Api* {
    // The plugin of this build (the ASan build's own, in the ASan build).
    std::string path = std::filesystem::read_symlink("/proc/self/exe").parent_path() /
                       "libpjrt_plugin_mps.so";
    void* lib = dlopen(path.c_str(), RTLD_NOW);
    if (!lib) return nullptr;
    auto get = reinterpret_cast<const PJRT_Api* (*)()>(dlsym(lib, "GetPjrtApi"));
    return get ? get() : nullptr;
  }();
  return loaded;
}

template <typename T>
T args() {
  T a{};
  a.struct_size = sizeof(T);
  return a;
}

// The error's code, or -1 for success; the message goes to `message`.
int code_of(PJRT_Error* e, std::string* message = nullptr) {
  if (!e) return -1;
  auto get = args<PJRT_Error_GetCode_Args>();
  get.error = e;
  api()->PJRT_Error_GetCode(&get);
  auto msg = args<PJRT_Error_Message_Args>();
  msg.error = e;
  api()->PJRT_Error_Message(&msg);
  if (message) message->assign(msg.message, msg.message_size);
  auto destroy = args<PJRT_Error_Destroy_Args>();
  destroy.error = e;
  api()->PJRT_Error_Destroy(&destroy);
  return get.code;
}

struct Client {
  PJRT_Client* client = nullptr;
  Client() {
    auto a = args<PJRT_Client_Create_Args>();
    CHECK_EQ(code_of(api()->PJRT_Client_Create(&a)), -1);
    client = a.client;
  }
  ~Client() {
    auto a = args<PJRT_Client_Destroy_Args>();
    a.client = client;
    api()->PJRT_Client_Destroy(&a);
  }
};

std::string read_file(const char* path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), {}};
}

PJRT_LoadedExecutable* compile(PJRT_Client* client, std::string& code) {
  auto program = args<PJRT_Program>();
  program.code = code.data();
  program.code_size = code.size();
  program.format = "mlir";
  program.format_size = 4;
  auto a = args<PJRT_Client_Compile_Args>();
  a.client = client;
  a.program = &program;
  CHECK_EQ(code_of(api()->PJRT_Client_Compile(&a)), -1);
  return a.executable;
}

std::string fingerprint(PJRT_LoadedExecutable* e) {
  auto a = args<PJRT_LoadedExecutable_Fingerprint_Args>();
  a.executable = e;
  CHECK_EQ(code_of(api()->PJRT_LoadedExecutable_Fingerprint(&a)), -1);
  return {a.executable_fingerprint, a.executable_fingerprint_size};
}

void destroy(PJRT_LoadedExecutable* e) {
  auto a = args<PJRT_LoadedExecutable_Destroy_Args>();
  a.executable = e;
  api()->PJRT_LoadedExecutable_Destroy(&a);
}

std::string serialize(PJRT_LoadedExecutable* loaded) {
  auto get = args<PJRT_LoadedExecutable_GetExecutable_Args>();
  get.loaded_executable = loaded;
  CHECK_EQ(code_of(api()->PJRT_LoadedExecutable_GetExecutable(&get)), -1);
  auto a = args<PJRT_Executable_Serialize_Args>();
  a.executable = get.executable;
  CHECK_EQ(code_of(api()->PJRT_Executable_Serialize(&a)), -1);
  std::string bytes(a.serialized_bytes, a.serialized_bytes_size);
  a.serialized_executable_deleter(a.serialized_executable);
  auto d = args<PJRT_Executable_Destroy_Args>();
  d.executable = get.executable;
  api()->PJRT_Executable_Destroy(&d);
  return bytes;
}

// The loaded executable, or null with the error's code and message.
PJRT_LoadedExecutable* deserialize(PJRT_Client* client, const std::string& bytes, int* code,
                                   std::string* message = nullptr) {
  auto a = args<PJRT_Executable_DeserializeAndLoad_Args>();
  a.client = client;
  a.serialized_executable = bytes.data();
  a.serialized_executable_size = bytes.size();
  *code = code_of(api()->PJRT_Executable_DeserializeAndLoad(&a), message);
  return a.loaded_executable;
}

const char kArtifact[] = "tests/fixtures/bench/add_f32_1k.mlirbc";

TEST_CASE(plugin_loads) { CHECK(api() != nullptr); }

TEST_CASE(serialize_round_trip) {
  if (!api()) return;
  Client c;
  std::string code = read_file(kArtifact);
  CHECK(!code.empty());
  PJRT_LoadedExecutable* original = compile(c.client, code);
  std::string bytes = serialize(original);
  CHECK(bytes.find(code) != std::string::npos);  // the artifact, as received
  int err = 0;
  PJRT_LoadedExecutable* again = deserialize(c.client, bytes, &err);
  CHECK_EQ(err, -1);
  CHECK(again != nullptr);
  if (again) {
    CHECK_EQ(fingerprint(again), fingerprint(original));
    CHECK_EQ(serialize(again), bytes);
    destroy(again);
  }
  destroy(original);
}

TEST_CASE(every_damaged_entry_is_refused) {
  if (!api()) return;
  Client c;
  std::string code = read_file(kArtifact);
  PJRT_LoadedExecutable* original = compile(c.client, code);
  std::string bytes = serialize(original);
  destroy(original);
  // Every truncation, and one flipped bit at each of a spread of offsets.
  std::vector<std::string> damaged;
  for (size_t n = 0; n < bytes.size(); n += 1 + n / 8) damaged.push_back(bytes.substr(0, n));
  for (size_t at = 0; at < bytes.size(); at += 1 + bytes.size() / 97) {
    std::string b = bytes;
    b[at] = char(b[at] ^ 0x10);
    damaged.push_back(b);
  }
  damaged.push_back(std::string(64, '\0'));
  for (const std::string& b : damaged) {
    int err = 0;
    std::string message;
    PJRT_LoadedExecutable* e = deserialize(c.client, b, &err, &message);
    CHECK_EQ(err, int(PJRT_Error_Code_INVALID_ARGUMENT));
    CHECK(e == nullptr);
    CHECK(message.find("mps: this serialized executable cannot be loaded") != std::string::npos);
  }
}

PJRT_Buffer* upload(PJRT_Client* client, const std::vector<float>& values) {
  int64_t dims[1] = {int64_t(values.size())};
  auto a = args<PJRT_Client_BufferFromHostBuffer_Args>();
  a.client = client;
  a.data = values.data();
  a.type = PJRT_Buffer_Type_F32;
  a.dims = dims;
  a.num_dims = 1;
  a.host_buffer_semantics = PJRT_HostBufferSemantics_kImmutableOnlyDuringCall;
  CHECK_EQ(code_of(api()->PJRT_Client_BufferFromHostBuffer(&a)), -1);
  auto e = args<PJRT_Event_Destroy_Args>();
  e.event = a.done_with_host_buffer;
  api()->PJRT_Event_Destroy(&e);
  return a.buffer;
}

int unsafe_pointer(PJRT_Buffer* b, uintptr_t* out) {
  auto a = args<PJRT_Buffer_UnsafePointer_Args>();
  a.buffer = b;
  int err = code_of(api()->PJRT_Buffer_UnsafePointer(&a));
  *out = a.buffer_pointer;
  return err;
}

int change_refs(PJRT_Buffer* b, int delta, std::string* message = nullptr) {
  if (delta > 0) {
    auto a = args<PJRT_Buffer_IncreaseExternalReferenceCount_Args>();
    a.buffer = b;
    return code_of(api()->PJRT_Buffer_IncreaseExternalReferenceCount(&a), message);
  }
  auto a = args<PJRT_Buffer_DecreaseExternalReferenceCount_Args>();
  a.buffer = b;
  return code_of(api()->PJRT_Buffer_DecreaseExternalReferenceCount(&a), message);
}

TEST_CASE(external_references_outlive_delete) {
  if (!api()) return;
  Client c;
  // Large enough for malloc to hand it back to the system when freed, where
  // the ASan build then catches any read of freed memory.
  std::vector<float> values(1 << 16);
  for (size_t i = 0; i < values.size(); ++i) values[i] = float(i) * 0.5f;
  PJRT_Buffer* b = upload(c.client, values);
  uintptr_t p = 0, opaque = 0;
  CHECK_EQ(unsafe_pointer(b, &p), -1);
  auto o = args<PJRT_Buffer_OpaqueDeviceMemoryDataPointer_Args>();
  o.buffer = b;
  CHECK_EQ(code_of(api()->PJRT_Buffer_OpaqueDeviceMemoryDataPointer(&o)), -1);
  opaque = reinterpret_cast<uintptr_t>(o.device_memory_ptr);
  CHECK_EQ(p, opaque);
  CHECK_EQ(change_refs(b, +1), -1);
  CHECK_EQ(change_refs(b, +1), -1);

  auto del = args<PJRT_Buffer_Delete_Args>();
  del.buffer = b;
  CHECK_EQ(code_of(api()->PJRT_Buffer_Delete(&del)), -1);
  // A second buffer's pointer goes through the worker, after the delete.
  PJRT_Buffer* other = upload(c.client, {1.0f});
  uintptr_t unused = 0;
  CHECK_EQ(unsafe_pointer(other, &unused), -1);
  uintptr_t after = 0;
  CHECK_EQ(unsafe_pointer(b, &after), int(PJRT_Error_Code_FAILED_PRECONDITION));
  // Still the exported memory, with its values.
  const float* data = reinterpret_cast<const float*>(p);
  CHECK(std::memcmp(data, values.data(), values.size() * sizeof(float)) == 0);

  CHECK_EQ(change_refs(b, -1), -1);
  CHECK(std::memcmp(data, values.data(), values.size() * sizeof(float)) == 0);
  CHECK_EQ(change_refs(b, -1), -1);
  std::string message;
  CHECK_EQ(change_refs(b, -1, &message), int(PJRT_Error_Code_FAILED_PRECONDITION));
  CHECK(message.find("holds no external reference") != std::string::npos);

  for (PJRT_Buffer* handle : {b, other}) {
    auto d = args<PJRT_Buffer_Destroy_Args>();
    d.buffer = handle;
    api()->PJRT_Buffer_Destroy(&d);
  }
}

}  // namespace
