// The outbox, the change feed and the relay, on SQLite and a real
// PostgreSQL; the Redis bus against a real redis-server.
#include "common/events/change_feed.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "common/events/feed_follower.h"
#include "common/status/macros.h"
#include "common/testing/database_fixture.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao::events {
namespace {

using ::qudao::testing::IsOk;
using ::qudao::testing::StatusIs;
using storage::ChangeCursor;
using storage::Transaction;
using storage::TransactionMode;

// Collects what a bus delivers.
class Recorder {
 public:
  void Add(const ChangeEvent& e) {
    absl::MutexLock lock(&mu_);
    keys_.push_back(e.key());
  }
  std::vector<std::string> keys() {
    absl::MutexLock lock(&mu_);
    return keys_;
  }
  bool WaitFor(size_t n, absl::Duration timeout) {
    absl::MutexLock lock(&mu_);
    auto enough = [&]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
      return keys_.size() >= n;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&enough), timeout);
  }

 private:
  absl::Mutex mu_;
  std::vector<std::string> keys_ ABSL_GUARDED_BY(mu_);
};

template <typename B>
class ChangeFeedTest : public testing::DatabaseTest<B> {
 protected:
  void SetUp() override {
    this->OpenDatabase("test", {});
    if (::testing::Test::HasFatalFailure()) return;
    ASSERT_THAT(
        this->db_->ExecuteScript("CREATE TABLE things (id TEXT PRIMARY KEY);"),
        IsOk());
  }

  // A change and its event in one transaction; fails after appending when
  // asked to, to show the event goes with the change.
  absl::Status Change(const std::string& key, bool fail = false) {
    return this->db_->RunInTransaction(
        TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
          RETURN_IF_ERROR(
              tx.Execute("INSERT INTO things (id) VALUES ($1)", {key}));
          RETURN_IF_ERROR(
              storage::AppendEvent(tx, {"thing.created", key, "payload-" + key},
                                   this->clock_.Now()));
          if (fail) return absl::InternalError("changed my mind");
          return absl::OkStatus();
        });
  }

  std::vector<std::string> Keys(const ChangeCursor& after, int limit = 100,
                                const std::string& prefix = "") {
    auto events = storage::ReadChanges(*this->db_, after, limit, prefix);
    EXPECT_THAT(events, IsOk());
    std::vector<std::string> keys;
    if (events.ok()) {
      for (const auto& e : *events) keys.push_back(e.event.key);
    }
    return keys;
  }
};

TYPED_TEST_SUITE(ChangeFeedTest, testing::BothBackends);

TYPED_TEST(ChangeFeedTest, AnEventExistsExactlyWhenItsChangeCommitted) {
  ASSERT_THAT(this->Change("a"), IsOk());
  EXPECT_FALSE(this->Change("b", /*fail=*/true).ok());
  ASSERT_THAT(this->Change("c"), IsOk());
  EXPECT_THAT(this->Keys({}), ::testing::ElementsAre("a", "c"));
  EXPECT_EQ(this->CountRows("things"), 2);
}

TYPED_TEST(ChangeFeedTest, CursorsContinueWhereTheLastReadStopped) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_THAT(this->Change(absl::StrCat("k", i)), IsOk());
  }
  auto first = storage::ReadChanges(*this->db_, {}, 2);
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->size(), 2u);
  auto token = first->back().cursor.Encode();
  auto decoded = ChangeCursor::Decode(token);
  ASSERT_THAT(decoded, IsOk());
  EXPECT_EQ(*decoded, first->back().cursor);
  EXPECT_THAT(this->Keys(*decoded), ::testing::ElementsAre("k2", "k3", "k4"));
  EXPECT_THAT(ChangeCursor::Decode("garbage!"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(first->front().event.payload, "payload-k0");
}

TYPED_TEST(ChangeFeedTest, ListChangesValidatesAndPages) {
  ASSERT_THAT(this->Change("a"), IsOk());
  ASSERT_THAT(this->Change("b"), IsOk());
  type::v1::ListChangesRequest req;
  req.set_page_size(1);
  auto page = ListChanges(*this->db_, "test", req);
  ASSERT_THAT(page, IsOk());
  ASSERT_EQ(page->events_size(), 1);
  EXPECT_EQ(page->events(0).key(), "a");
  EXPECT_EQ(page->events(0).source(), "test");
  EXPECT_EQ(page->events(0).topic(), "thing.created");
  req.set_after_cursor(page->next_cursor());
  req.set_page_size(0);
  page = ListChanges(*this->db_, "test", req);
  ASSERT_THAT(page, IsOk());
  ASSERT_EQ(page->events_size(), 1);
  EXPECT_EQ(page->events(0).key(), "b");
  // Nothing new: the cursor stays where it was.
  req.set_after_cursor(page->next_cursor());
  page = ListChanges(*this->db_, "test", req);
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->events_size(), 0);
  EXPECT_EQ(page->next_cursor(), req.after_cursor());
  req.set_after_cursor("not-a-cursor");
  auto bad = ListChanges(*this->db_, "test", req);
  EXPECT_THAT(
      bad, StatusIs(absl::StatusCode::kInvalidArgument, kReasonInvalidField));
  EXPECT_EQ(FieldOf(bad.status()), "after_cursor");
  req.set_after_cursor("");
  req.set_page_size(-1);
  EXPECT_EQ(FieldOf(ListChanges(*this->db_, "test", req).status()),
            "page_size");
  // Topic filter.
  req.set_page_size(10);
  req.set_topic_prefix("other.");
  page = ListChanges(*this->db_, "test", req);
  ASSERT_THAT(page, IsOk());
  EXPECT_EQ(page->events_size(), 0);
}

// A follower that needs only what happens from now on starts at the end.
TYPED_TEST(ChangeFeedTest, StartAtEndSkipsEverythingBefore) {
  type::v1::ListChangesRequest end;
  end.set_start_at_end(true);
  auto empty = ListChanges(*this->db_, "test", end);
  ASSERT_THAT(empty, IsOk());
  EXPECT_EQ(empty->next_cursor(), "");  // an empty feed ends at its start
  for (const char* key : {"a", "b", "c"}) {
    ASSERT_THAT(this->Change(key), IsOk());
  }
  end.set_after_cursor("ignored");
  auto at_end = ListChanges(*this->db_, "test", end);
  ASSERT_THAT(at_end, IsOk());
  EXPECT_EQ(at_end->events_size(), 0);
  ASSERT_THAT(this->Change("d"), IsOk());
  auto cursor = ChangeCursor::Decode(at_end->next_cursor());
  ASSERT_THAT(cursor, IsOk());
  EXPECT_THAT(this->Keys(*cursor), ::testing::ElementsAre("d"));
}

// The follower without a bus: finds the end, then polls the feed and
// applies each later event once.
TYPED_TEST(ChangeFeedTest, AFollowerWithoutABusPollsFromTheEnd) {
  ASSERT_THAT(this->Change("before"), IsOk());
  Recorder applied;
  std::atomic<int> lost{0};
  FeedFollower::Options options;
  options.source = "test";
  options.topic_prefix = "thing.";
  options.poll = absl::Milliseconds(20);
  storage::Database* db = this->db_.get();
  FeedFollower follower(
      nullptr,
      [db](const type::v1::ListChangesRequest& r) {
        return ListChanges(*db, "test", r);
      },
      [&](const ChangeEvent& e) { applied.Add(e); }, [&] { lost++; }, options);
  follower.Start();
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (!follower.knows_position() && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_TRUE(follower.knows_position());
  ASSERT_THAT(this->Change("x"), IsOk());
  ASSERT_THAT(this->Change("y"), IsOk());
  EXPECT_TRUE(applied.WaitFor(2, absl::Seconds(10)));
  absl::SleepFor(absl::Milliseconds(100));  // more polls: nothing twice
  follower.Stop();
  EXPECT_THAT(applied.keys(), ::testing::ElementsAre("x", "y"));
  EXPECT_EQ(lost, 1);  // it never knew a position before: drop derived data
}

TYPED_TEST(ChangeFeedTest, TheRelayPublishesEachEventOnceInOrder) {
  auto bus = NewInProcessEventBus();
  Recorder seen;
  bus->Subscribe("test", [&](const ChangeEvent& e) { seen.Add(e); });
  OutboxRelay relay(this->db_.get(), bus.get(), &this->clock_, {"test"});
  for (int i = 0; i < 3; ++i) {
    ASSERT_THAT(this->Change(absl::StrCat("k", i)), IsOk());
  }
  auto n = relay.RunOnce();
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(*n, 3);
  ASSERT_THAT(this->Change("k3"), IsOk());
  n = relay.RunOnce();
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(*n, 1);
  n = relay.RunOnce();
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(*n, 0);
  EXPECT_THAT(seen.keys(), ::testing::ElementsAre("k0", "k1", "k2", "k3"));
  // A second replica's relay publishes nothing while the first leads.
  OutboxRelay other(this->db_.get(), bus.get(), &this->clock_, {"test"});
  ASSERT_THAT(this->Change("k4"), IsOk());
  n = other.RunOnce();
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(*n, 0);
  // Until its lease lapses: then it takes over from the saved position.
  this->clock_.Advance(absl::Seconds(10));
  n = other.RunOnce();
  ASSERT_THAT(n, IsOk());
  EXPECT_EQ(*n, 1);
  EXPECT_THAT(seen.keys(),
              ::testing::ElementsAre("k0", "k1", "k2", "k3", "k4"));
}

TYPED_TEST(ChangeFeedTest, TheRunningRelayIsWokenByCommits) {
  auto bus = NewInProcessEventBus();
  Recorder seen;
  bus->Subscribe("test", [&](const ChangeEvent& e) { seen.Add(e); });
  OutboxRelay::Options options{"test"};
  options.poll = absl::Seconds(30);  // only a commit can wake it in time
  OutboxRelay relay(this->db_.get(), bus.get(), &this->clock_, options);
  relay.Start();
  absl::SleepFor(absl::Milliseconds(100));
  ASSERT_THAT(this->Change("woken"), IsOk());
  EXPECT_TRUE(seen.WaitFor(1, absl::Seconds(10)));
  relay.Stop();
  EXPECT_THAT(seen.keys(), ::testing::ElementsAre("woken"));
}

TYPED_TEST(ChangeFeedTest, OldEventsArePurgedOnlyBehindEveryFollower) {
  ASSERT_THAT(this->Change("old"), IsOk());
  auto events = storage::ReadChanges(*this->db_, {}, 10);
  ASSERT_THAT(events, IsOk());
  ASSERT_THAT(storage::SaveCursor(*this->db_, "slow", {}), IsOk());
  this->clock_.Advance(absl::Hours(24 * 8));
  ASSERT_THAT(this->Change("new"), IsOk());
  auto purged = storage::PurgeOutbox(
      *this->db_, this->clock_.Now() - storage::kOutboxRetention);
  ASSERT_THAT(purged, IsOk());
  EXPECT_EQ(*purged, 0) << "the slow follower has not read it";
  ASSERT_THAT(storage::SaveCursor(*this->db_, "slow", events->back().cursor),
              IsOk());
  purged = storage::PurgeOutbox(*this->db_,
                                this->clock_.Now() - storage::kOutboxRetention);
  ASSERT_THAT(purged, IsOk());
  EXPECT_EQ(*purged, 1);
  EXPECT_THAT(this->Keys({}), ::testing::ElementsAre("new"));
}

// PostgreSQL numbers events when they are inserted, and transactions
// commit in any order. (SQLite runs one writer at a time, so two open
// write transactions cannot exist there.) A follower must never skip an
// event that commits after a later-numbered one was read.
class PostgresFeedOrderTest
    : public testing::DatabaseTest<
          testing::On<testing::TestBackend::kPostgres>> {
 protected:
  void SetUp() override { OpenDatabase("test", {}); }
};

TEST_F(PostgresFeedOrderTest, AFollowerNeverSkipsALateCommit) {
  absl::Notification first_appended, second_committed, release_first;
  std::thread first([&] {
    ASSERT_THAT(db_->RunInTransaction(
                    TransactionMode::kReadWrite,
                    [&](Transaction& tx) -> absl::Status {
                      // The event travels with the
                      // commit, but the transaction's id
                      // (the event's place) is taken by
                      // its first write: here, now.
                      RETURN_IF_ERROR(tx.Query("SELECT "
                                               "pg_current_xact_id()")
                                          .status());
                      RETURN_IF_ERROR(storage::AppendEvent(
                          tx, {"t", "early-number", ""}, clock_.Now()));
                      if (!first_appended.HasBeenNotified()) {
                        first_appended.Notify();
                      }
                      release_first.WaitForNotification();
                      return absl::OkStatus();
                    }),
                IsOk());
  });
  first_appended.WaitForNotification();
  ASSERT_THAT(db_->RunInTransaction(TransactionMode::kReadWrite,
                                    [&](Transaction& tx) {
                                      return storage::AppendEvent(
                                          tx, {"t", "late-number", ""},
                                          clock_.Now());
                                    }),
              IsOk());
  // The later-numbered event has committed, the earlier one has not: the
  // follower must not move past the earlier one's place yet.
  std::vector<std::string> followed;
  ChangeCursor cursor;
  auto read = [&] {
    auto events = storage::ReadChanges(*db_, cursor, 100);
    ASSERT_THAT(events, IsOk());
    for (const auto& e : *events) {
      followed.push_back(e.event.key);
      cursor = e.cursor;
    }
  };
  read();
  EXPECT_TRUE(followed.empty()) << "read past an open transaction";
  release_first.Notify();
  first.join();
  read();
  EXPECT_THAT(followed,
              ::testing::UnorderedElementsAre("early-number", "late-number"));
  read();
  EXPECT_EQ(followed.size(), 2u);
}

// The Redis bus, against a real redis-server: what one process publishes,
// every subscriber gets; a subscriber is told to catch up after reconnects.
TEST(RedisEventBusTest, DeliversAcrossConnectionsAndReportsGaps) {
  auto redis = testing::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto publisher = NewRedisEventBus((*redis)->Url());
  auto subscriber = NewRedisEventBus((*redis)->Url());
  ASSERT_THAT(publisher, IsOk());
  ASSERT_THAT(subscriber, IsOk());
  Recorder seen;
  std::atomic<int> gaps{0};
  (*subscriber)
      ->Subscribe(
          "svc", [&](const ChangeEvent& e) { seen.Add(e); }, [&] { ++gaps; });
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (gaps.load() == 0 && absl::Now() < deadline) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  ASSERT_EQ(gaps.load(), 1) << "connected and told to catch up once";
  std::vector<ChangeEvent> events(3);
  for (int i = 0; i < 3; ++i) events[i].set_key(absl::StrCat("e", i));
  ASSERT_THAT((*publisher)->Publish("svc", events), IsOk());
  ASSERT_THAT((*publisher)->Publish("other", events), IsOk());
  ASSERT_TRUE(seen.WaitFor(3, absl::Seconds(10)));
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_THAT(seen.keys(), ::testing::ElementsAre("e0", "e1", "e2"));
  (*subscriber)->Stop();
  (*publisher)->Stop();
}

}  // namespace
}  // namespace qudao::events
