// Leased jobs on SQLite and a real PostgreSQL: hosts racing for a period,
// expiry and take-over, finished periods, failed runs.
#include "common/storage/leased_jobs.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/testing/database_fixture.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao::storage {
namespace {

using ::qudao::testing::IsOk;

template <typename B>
class LeasedJobsTest : public testing::DatabaseTest<B> {
 protected:
  void SetUp() override { this->OpenDatabase("test", {}); }

  JobSpec Counting(std::atomic<int>* runs, const std::string& period = "p1") {
    JobSpec job;
    job.name = "count";
    job.period = [period](absl::Time) { return period; };
    job.lease = absl::Minutes(5);
    job.run = [runs](const std::string&) {
      ++*runs;
      absl::SleepFor(absl::Milliseconds(20));  // overlap the racers
      return absl::OkStatus();
    };
    return job;
  }
};

TYPED_TEST_SUITE(LeasedJobsTest, testing::BothBackends);

TYPED_TEST(LeasedJobsTest, HostsRacingForAPeriodRunItOnce) {
  constexpr int kHosts = 8;
  std::atomic<int> runs{0};
  std::vector<std::unique_ptr<LeasedJobs>> hosts;
  std::vector<std::unique_ptr<Database>> dbs;
  for (int i = 0; i < kHosts; ++i) {
    // Each host with its own connections, as separate replicas have.
    auto db = OpenDatabase(this->url_);
    ASSERT_TRUE(db.ok());
    dbs.push_back(std::move(*db));
    hosts.push_back(std::make_unique<LeasedJobs>(
        dbs.back().get(), absl::StrCat("host-", i), &this->clock_));
  }
  std::vector<JobOutcome> outcomes(kHosts);
  std::vector<std::thread> threads;
  for (int i = 0; i < kHosts; ++i) {
    threads.emplace_back([&, i] {
      auto outcome = hosts[i]->RunIfDue(this->Counting(&runs));
      ASSERT_THAT(outcome, IsOk());
      outcomes[i] = *outcome;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), JobOutcome::kRan), 1);
  // Later attempts in the same period see it finished; a new period runs.
  auto again = hosts[0]->RunIfDue(this->Counting(&runs));
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, JobOutcome::kAlreadyDone);
  auto next = hosts[1]->RunIfDue(this->Counting(&runs, "p2"));
  ASSERT_THAT(next, IsOk());
  EXPECT_EQ(*next, JobOutcome::kRan);
  EXPECT_EQ(runs.load(), 2);
}

TYPED_TEST(LeasedJobsTest, AnExpiredLeaseIsTakenOver) {
  LeasedJobs a(this->db_.get(), "a", &this->clock_);
  LeasedJobs b(this->db_.get(), "b", &this->clock_);
  // a takes the lease and dies without finishing.
  auto taken = a.TryTake("count", "p1", absl::Minutes(5));
  ASSERT_THAT(taken, IsOk());
  EXPECT_TRUE(*taken);
  std::atomic<int> runs{0};
  auto held = b.RunIfDue(this->Counting(&runs));
  ASSERT_THAT(held, IsOk());
  EXPECT_EQ(*held, JobOutcome::kHeldElsewhere);
  this->clock_.Advance(absl::Minutes(5));
  auto took_over = b.RunIfDue(this->Counting(&runs));
  ASSERT_THAT(took_over, IsOk());
  EXPECT_EQ(*took_over, JobOutcome::kRan);
  EXPECT_EQ(runs.load(), 1);
  // a's late finish changes nothing: it no longer holds the lease.
  ASSERT_THAT(a.Finish("count", "p1"), IsOk());
  EXPECT_EQ(this->CountRows("job_leases"), 1);
}

TYPED_TEST(LeasedJobsTest, AFailedRunGivesTheLeaseBack) {
  LeasedJobs a(this->db_.get(), "a", &this->clock_);
  LeasedJobs b(this->db_.get(), "b", &this->clock_);
  JobSpec failing = this->Counting(nullptr);
  failing.run = [](const std::string&) {
    return absl::UnavailableError("backend down");
  };
  EXPECT_FALSE(a.RunIfDue(failing).ok());
  std::atomic<int> runs{0};
  auto retried = b.RunIfDue(this->Counting(&runs));
  ASSERT_THAT(retried, IsOk());
  EXPECT_EQ(*retried, JobOutcome::kRan);
  EXPECT_EQ(runs.load(), 1);
}

}  // namespace
}  // namespace qudao::storage
