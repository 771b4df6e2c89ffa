// A one-shot completion signal with an error status, shared between the
// thread that does the work and everyone waiting on it.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace applejax::runtime {

class Event {
 public:
  // Empty error string means success.
  using Callback = std::function<void(const std::optional<std::string>& error)>;

  static std::shared_ptr<Event> ready();  // already completed successfully
  static std::shared_ptr<Event> failed(std::string error);

  void set_ready();
  void set_error(std::string error);
  bool is_ready() const;
  // Blocks; returns the error, if any.
  std::optional<std::string> wait() const;
  // Runs `cb` once ready: immediately on this thread if already ready.
  void on_ready(Callback cb);

 private:
  void complete(std::optional<std::string> error);

  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool done_ = false;
  std::optional<std::string> error_;
  std::vector<Callback> callbacks_;
};

using EventPtr = std::shared_ptr<Event>;

}  // namespace applejax::runtime
