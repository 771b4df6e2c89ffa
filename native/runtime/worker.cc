#include "runtime/worker.h"

#include <chrono>
#include <exception>
#include <future>

namespace applejax::runtime {

Worker::Worker() : thread_([this] { loop(); }) {}

Worker::~Worker() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void Worker::post(std::function<void()> task) {
  bool wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(std::move(task));
    pending_.store(queue_.size(), std::memory_order_release);
    wake = sleeping_;
  }
  // A spinning worker sees `pending_` by itself; only a sleeping one needs
  // the (slower) notification.
  if (wake) cv_.notify_one();
}

void Worker::run_sync(const std::function<void()>& task) {
  if (std::this_thread::get_id() == thread_.get_id()) {
    task();
    return;
  }
  std::promise<void> done;
  post([&] {
    try {
      task();
      done.set_value();
    } catch (...) {
      done.set_exception(std::current_exception());
    }
  });
  done.get_future().get();
}

void Worker::loop() {
  for (;;) {
    std::function<void()> task;
    // JAX posts the next call a few µs after the last one's result is
    // ready; waking from a condition variable costs about 10 µs of that,
    // so spin a little before sleeping.
    auto until = std::chrono::steady_clock::now() + kSpin;
    while (pending_.load(std::memory_order_acquire) == 0 && std::chrono::steady_clock::now() < until)
      std::this_thread::yield();
    {
      std::unique_lock<std::mutex> lock(mu_);
      sleeping_ = true;
      cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      sleeping_ = false;
      if (queue_.empty()) return;
      task = std::move(queue_.front());
      queue_.pop_front();
      pending_.store(queue_.size(), std::memory_order_release);
    }
    // Tasks report their own failures through events; anything escaping is
    // a bug, and must not take the host process down.
    try {
      task();
    } catch (...) {
    }
  }
}

}  // namespace applejax::runtime
