// A fixed pool of threads for blocking work (database calls) that must not
// run on gRPC's callback threads.
#pragma once

#include <deque>
#include <functional>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace qudao {

class WorkerPool {
 public:
  // At most `max_queue` tasks wait; beyond that Schedule refuses work so an
  // overloaded server sheds load instead of queueing without bound.
  explicit WorkerPool(int threads, size_t max_queue = 10000);
  // Runs queued work to completion, then joins.
  ~WorkerPool();
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // False (and `work` dropped) when the queue is full or the pool stopping.
  [[nodiscard]] bool Schedule(std::function<void()> work);
  size_t QueueDepth() const;

 private:
  void Loop();

  mutable absl::Mutex mu_;
  std::deque<std::function<void()>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  const size_t max_queue_;
  std::vector<std::thread> threads_;
};

}  // namespace qudao
