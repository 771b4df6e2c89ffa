#include "runtime/event.h"

namespace applejax::runtime {

std::shared_ptr<Event> Event::ready() {
  auto e = std::make_shared<Event>();
  e->set_ready();
  return e;
}

std::shared_ptr<Event> Event::failed(std::string error) {
  auto e = std::make_shared<Event>();
  e->set_error(std::move(error));
  return e;
}

void Event::set_ready() { complete(std::nullopt); }
void Event::set_error(std::string error) { complete(std::move(error)); }

void Event::complete(std::optional<std::string> error) {
  std::vector<Callback> callbacks;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_) return;
    done_ = true;
    error_ = std::move(error);
    callbacks.swap(callbacks_);
  }
  cv_.notify_all();
  // Outside the lock: callbacks may query this event.
  for (auto& cb : callbacks) cb(error_);
}

bool Event::is_ready() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

std::optional<std::string> Event::wait() const {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return done_; });
  return error_;
}

void Event::on_ready(Callback cb) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!done_) {
      callbacks_.push_back(std::move(cb));
      return;
    }
  }
  cb(error_);
}

}  // namespace applejax::runtime
