// The single thread that builds and evaluates MLX graphs.
//
// MLX's graph construction is not meant to be shared between threads, and
// PJRT callers (JAX's dispatch, user threads) call from anywhere, so all MLX
// work for a client is funnelled through one FIFO queue. Callers get events
// and return at once, which is what makes dispatch asynchronous.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>

namespace applejax::runtime {

class Worker {
 public:
  Worker();
  ~Worker();  // drains the queue, then joins
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void post(std::function<void()> task);
  // Runs `task` on the worker and waits for it; for the few calls that must
  // be synchronous (compile checks, tests).
  void run_sync(const std::function<void()>& task);

 private:
  void loop();

  // How long an idle worker polls for the next task before it sleeps.
  static constexpr std::chrono::microseconds kSpin{50};

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  std::atomic<size_t> pending_{0};  // queue_.size(), readable without the lock
  bool sleeping_ = false;           // under mu_: waiting on cv_
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace applejax::runtime
