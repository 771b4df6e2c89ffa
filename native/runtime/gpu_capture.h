// APPLEJAX_GPU_CAPTURE=<path>.gputrace records a Metal capture, to open in
// Xcode, of the next APPLEJAX_GPU_CAPTURE_EXECUTIONS executions (default 1),
// through MLX's capture API.
#pragma once

#include <optional>
#include <string>

#include <mlx/device.h>

namespace applejax::runtime {

struct CaptureRequest {
  std::string path;  // absolute, as MLX requires
  int executions = 1;
};

// Reads both variables; nullopt when APPLEJAX_GPU_CAPTURE is unset or empty.
// Throws std::invalid_argument, naming the variable, for a path that does not
// end in .gputrace, one that exists (Metal does not overwrite), one whose
// folder is missing, or a count that is not a positive whole number. When a
// capture is asked for it also sets MTL_CAPTURE_ENABLED=1 (see the .cc), so
// it must run before the client's first MLX call.
std::optional<CaptureRequest> capture_request_from_env();

// The capture of one client. Its calls run on the client's worker, the one
// thread that evaluates, so they need no lock.
class GpuCapture {
 public:
  // Throws std::invalid_argument unless `device` is MLX's Metal GPU.
  GpuCapture(CaptureRequest request, const mlx::core::Device& device);
  // Stops a capture that fewer than N executions ran into, so the trace of
  // those is still written.
  ~GpuCapture();
  GpuCapture(const GpuCapture&) = delete;
  GpuCapture& operator=(const GpuCapture&) = delete;

  // Around each execution's work: begin starts the capture before the first
  // captured execution enqueues anything; end stops it once the Nth one's
  // results are evaluated. They return MLX's failure instead of throwing, so
  // that the execution that started or stopped the capture fails with it.
  std::optional<std::string> begin_execution();
  std::optional<std::string> end_execution();

 private:
  void stop_and_report();  // throws MLX's failure

  CaptureRequest request_;
  int ended_ = 0;  // captured executions that have finished
  bool recording_ = false;
  bool done_ = false;  // written or failed: later executions are not captured
};

}  // namespace applejax::runtime
