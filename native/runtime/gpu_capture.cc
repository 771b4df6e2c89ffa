#include "runtime/gpu_capture.h"

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <stdexcept>
#include <string_view>

#include <mlx/backend/metal/metal.h>

#include "runtime/gpu_facts.h"

namespace applejax::runtime {
namespace {

namespace fs = std::filesystem;
namespace mx = mlx::core;

constexpr char kPathVar[] = "APPLEJAX_GPU_CAPTURE";
constexpr char kCountVar[] = "APPLEJAX_GPU_CAPTURE_EXECUTIONS";
constexpr std::string_view kSuffix = ".gputrace";

[[noreturn]] void refuse(const std::string& var, const std::string& value,
                         const std::string& why) {
  throw std::invalid_argument(var + "='" + value + "': " + why);
}

std::string checked_path(const char* value) {
  std::string given(value);
  std::string name = fs::path(given).filename().string();
  if (name.size() <= kSuffix.size() ||
      name.compare(name.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0)
    refuse(kPathVar, given,
           "a Metal capture is written as a .gputrace document; give a path ending in .gputrace");
  std::error_code ec;
  fs::path path = fs::absolute(given, ec);
  if (ec) refuse(kPathVar, given, "cannot make the path absolute: " + ec.message());
  if (fs::exists(fs::symlink_status(path, ec)))
    refuse(kPathVar, given,
           path.string() + " already exists and Metal does not overwrite a capture; "
                           "remove it or choose another path");
  fs::path folder = path.parent_path();
  if (!fs::is_directory(folder, ec))
    refuse(kPathVar, given, "the folder " + folder.string() + " does not exist");
  return path.string();
}

int checked_count(const char* value) {
  if (!value || !*value) return 1;
  errno = 0;
  char* end = nullptr;
  long n = std::strtol(value, &end, 10);
  if (*end != '\0' || errno == ERANGE || n <= 0 || n > INT_MAX)
    refuse(kCountVar, value, "the number of executions to capture must be a positive whole number");
  return static_cast<int>(n);
}

}  // namespace

std::optional<CaptureRequest> capture_request_from_env() {
  const char* path = std::getenv(kPathVar);
  if (!path || !*path) return std::nullopt;
  CaptureRequest request;
  request.path = checked_path(path);
  request.executions = checked_count(std::getenv(kCountVar));
  // Outside Xcode, Metal allows a capture only when MTL_CAPTURE_ENABLED=1 is
  // in the environment before its capture manager is first used; to be safe,
  // before the process first uses Metal at all. So it is set here, before the
  // client's first MLX call. A process that used Metal before creating the
  // client (it imported mlx, say) must set it itself. A value the user set is
  // kept.
  setenv("MTL_CAPTURE_ENABLED", "1", /*overwrite=*/0);
  return request;
}

GpuCapture::GpuCapture(CaptureRequest request, const mx::Device& device)
    : request_(std::move(request)) {
  std::string backend = backend_of(device);
  if (backend != "metal")
    refuse(kPathVar, request_.path,
           "Metal capture needs MLX's Metal backend; this plugin runs on MLX's " + backend +
               " device");
}

GpuCapture::~GpuCapture() {
  if (!recording_) return;
  try {
    stop_and_report();
  } catch (const std::exception& e) {
    // Nothing is left to fail: the client is being destroyed.
    std::fprintf(stderr, "applejax: %s: stopping the Metal capture failed: %s\n", kPathVar,
                 e.what());
  }
}

std::optional<std::string> GpuCapture::begin_execution() {
  if (done_ || recording_) return std::nullopt;
  try {
    mx::metal::start_capture(request_.path);
    recording_ = true;
    return std::nullopt;
  } catch (const std::exception& e) {
    done_ = true;
    return std::string(kPathVar) + ": starting the Metal capture failed: " + e.what();
  }
}

std::optional<std::string> GpuCapture::end_execution() {
  if (!recording_) return std::nullopt;
  if (++ended_ < request_.executions) return std::nullopt;
  try {
    stop_and_report();
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string(kPathVar) + ": stopping the Metal capture failed: " + e.what();
  }
}

void GpuCapture::stop_and_report() {
  recording_ = false;
  done_ = true;
  mx::metal::stop_capture();
  std::fprintf(stderr, "applejax: wrote a Metal capture of %d execution(s) to %s\n", ended_,
               request_.path.c_str());
}

}  // namespace applejax::runtime
