#include "common/concurrency/worker_pool.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace qudao {
namespace {

TEST(WorkerPoolTest, RunsEveryAcceptedTaskBeforeDestruction) {
  std::atomic<int> ran{0};
  {
    WorkerPool pool(3);
    for (int i = 0; i < 100; ++i) {
      ASSERT_TRUE(pool.Schedule([&] { ++ran; }));
    }
  }
  EXPECT_EQ(ran.load(), 100);
}

TEST(WorkerPoolTest, RefusesWorkBeyondTheQueueBound) {
  absl::Notification release;
  absl::Notification started;
  WorkerPool pool(1, /*max_queue=*/2);
  ASSERT_TRUE(pool.Schedule([&] {
    started.Notify();
    release.WaitForNotification();
  }));
  started.WaitForNotification();  // the only worker is busy
  EXPECT_TRUE(pool.Schedule([] {}));
  EXPECT_TRUE(pool.Schedule([] {}));
  EXPECT_FALSE(pool.Schedule([] {}));  // queue full: shed, do not grow
  EXPECT_EQ(pool.QueueDepth(), 2u);
  release.Notify();
}

}  // namespace
}  // namespace qudao
