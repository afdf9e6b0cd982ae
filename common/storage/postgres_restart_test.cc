// A PostgreSQL restart under a steady load: every pooled connection dies
// with it. Calls during the restart fail (UNAVAILABLE); once the server
// accepts connections again, none may: a connection lost before the
// transaction's COMMIT was sent is replaced and the transaction run again,
// and the pool refreshes its other connections instead of letting each
// fail a caller first.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/storage/database.h"
#include "common/testing/harness.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao::storage {
namespace {

TEST(PostgresRestartTest, NoCallFailsOnceTheServerIsBack) {
  auto pg = testing::PostgresServer::Start();
  ASSERT_TRUE(pg.ok()) << pg.status();
  DatabaseOptions options;
  options.pool_size = 8;
  auto db = OpenDatabase((*pg)->Uri(), options);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->ExecuteScript("CREATE TABLE hits (n BIGINT);").ok());

  absl::Mutex mu;
  std::vector<std::pair<absl::Time, std::string>> failures;
  std::atomic<int64_t> ok{0};
  std::atomic<bool> running{true};
  std::vector<std::thread> load;
  for (int t = 0; t < 8; ++t) {
    load.emplace_back([&, t] {
      for (int64_t i = 0; running; ++i) {
        absl::Status s = (*db)->RunInTransaction(
            t % 2 == 0 ? TransactionMode::kReadWrite : TransactionMode::kHotRow,
            [&](Transaction& tx) {
              return tx.Execute("INSERT INTO hits (n) VALUES ($1)", {i})
                  .status();
            });
        if (s.ok()) {
          ++ok;
        } else {
          absl::MutexLock lock(&mu);
          failures.emplace_back(absl::Now(), s.ToString());
        }
        absl::SleepFor(absl::Milliseconds(5));
      }
    });
  }
  absl::SleepFor(absl::Seconds(1));
  const int64_t before = ok.load();
  ASSERT_TRUE((*pg)->Restart().ok());
  const absl::Time back = absl::Now();
  absl::SleepFor(absl::Seconds(3));
  running = false;
  for (auto& th : load) th.join();

  EXPECT_GT(before, 0);
  EXPECT_GT(ok.load(), before) << "work resumed after the restart";
  int after_back = 0;
  absl::MutexLock lock(&mu);
  for (const auto& [at, error] : failures) {
    if (at > back) {
      ++after_back;
      ADD_FAILURE() << "failed " << absl::FormatDuration(at - back)
                    << " after the server was back: " << error;
    }
  }
  EXPECT_EQ(after_back, 0);
  EXPECT_TRUE((*db)->Ping().ok());
  std::printf("%zu calls failed during the restart, %d after it\n",
              failures.size(), after_back);
}

}  // namespace
}  // namespace qudao::storage
