// A one-line progress display for long simulator runs (verify, bench): what is being
// done, how far (vectors done) and the elapsed time, redrawn in place on stderr twice a
// second. Only when stderr is a terminal: logs, pipes and CI stay quiet.
#pragma once

#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>

namespace microflow {

class Progress {
 public:
  explicit Progress(std::string label) : label_(std::move(label)), enabled_(isatty(STDERR_FILENO) != 0) {
    if (enabled_) ticker_ = std::thread([this] { tick(); });
  }
  ~Progress() {
    if (!enabled_) return;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    ticker_.join();
    std::fprintf(stderr, "\r\033[K");  // leave the terminal line as it was
    std::fflush(stderr);
  }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // What is happening now, e.g. "12/200 vectors"; shown with the elapsed time.
  void set(std::string status) {
    if (!enabled_) return;
    std::lock_guard<std::mutex> lock(mutex_);
    status_ = std::move(status);
    draw();
  }

 private:
  void tick() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, std::chrono::milliseconds(500), [this] { return done_; })) draw();
  }
  void draw() {  // with mutex_ held
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const std::string line = fmt::format("{}{}{} ({:.0f} s)", label_, status_.empty() ? "" : ": ", status_, s);
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
  }

  std::string label_, status_;
  bool enabled_, done_ = false;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread ticker_;
};

}  // namespace microflow
