// ReadThroughCache against a real redis-server: single-flight, the
// stale-set race held open at a hook, and Redis killed under load.
#include "common/cache/read_through_cache.h"

#include <atomic>
#include <iostream>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/redis/redis_client.h"
#include "common/testing/harness.h"
#include "gtest/gtest.h"

namespace qudao {
namespace {

std::shared_ptr<Cache> RedisTier(const std::string& url) {
  static std::atomic<int> n{0};
  RedisCacheOptions options;
  options.key_prefix = absl::StrCat("rt", n++, ":");
  return std::shared_ptr<Cache>(NewRedisCache(url, options).value());
}

ReadThroughOptions Options(size_t near_entries) {
  ReadThroughOptions o;
  o.name = "test";
  o.key_prefix = "rec:v1:";
  o.near_entries = near_entries;
  return o;
}

// An owner whose records have revisions; counts its loads.
struct Owner {
  std::atomic<int> loads{0};
  std::atomic<int64_t> revision{1};
  absl::Duration delay = absl::ZeroDuration();

  ReadThroughCache::Loader For(const std::string& key) {
    return [this, key]() -> absl::StatusOr<CachedValue> {
      loads++;
      const int64_t r = revision.load();
      if (delay > absl::ZeroDuration()) absl::SleepFor(delay);
      return CachedValue{r, absl::StrCat(key, "@", r)};
    };
  }
};

TEST(ReadThroughCacheTest, NearCacheThenSharedTierThenOwner) {
  auto redis = testing::SharedRedis();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto shared = RedisTier((*redis)->Url());
  metrics::Registry registry;
  ReadThroughCache first(shared, Options(100), &registry);
  Owner owner;
  EXPECT_EQ(first.Get("a", owner.For("a"))->bytes, "a@1");
  EXPECT_EQ(first.Get("a", owner.For("a"))->bytes, "a@1");
  EXPECT_EQ(owner.loads, 1);
  // Another process (own near-cache) finds it in Redis.
  metrics::Registry other_registry;
  ReadThroughCache second(shared, Options(100), &other_registry);
  EXPECT_EQ(second.Get("a", owner.For("a"))->bytes, "a@1");
  EXPECT_EQ(owner.loads, 1);
  const std::string text = registry.Render();
  EXPECT_NE(text.find("qudao_cache_lookups_total{cache=\"test\",result="
                      "\"near_hit\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(other_registry.Render().find("result=\"hit\"} 1"),
            std::string::npos);
}

TEST(ReadThroughCacheTest, OwnerErrorsPassThroughAndAreNotCached) {
  ReadThroughCache cache(nullptr, Options(100), nullptr);
  int calls = 0;
  auto missing = [&]() -> absl::StatusOr<CachedValue> {
    ++calls;
    return absl::NotFoundError("no such record");
  };
  EXPECT_EQ(cache.Get("x", missing).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(cache.Get("x", missing).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(calls, 2);
}

TEST(ReadThroughCacheTest, AThousandConcurrentColdReadsLoadOnce) {
  metrics::Registry registry;
  ReadThroughCache cache(nullptr, Options(100), &registry);
  Owner owner;
  owner.delay = absl::Milliseconds(200);
  std::atomic<int> ok{0};
  std::vector<std::thread> readers;
  for (int i = 0; i < 1000; ++i) {
    readers.emplace_back([&] {
      if (cache.Get("cold", owner.For("cold")).ok()) ok++;
    });
  }
  for (auto& t : readers) t.join();
  EXPECT_EQ(ok, 1000);
  EXPECT_EQ(owner.loads, 1);
  const int64_t joined =
      registry.Counter("qudao_cache_lookups_total", "", {"cache", "result"})
          .Value({"test", "joined"});
  const int64_t near =
      registry.Counter("qudao_cache_lookups_total", "", {"cache", "result"})
          .Value({"test", "near_hit"});
  EXPECT_EQ(joined + near, 999);
  EXPECT_GT(joined, 0);
}

// The stale-set race: a reader loads revision 4 and stalls; the owner
// commits revision 5 and announces it (the value, or a tombstone); the
// reader's late fill must not win in Redis. When the slow reader's process
// heard the announcement too, the reader itself reads again and gets 5.
TEST(ReadThroughCacheTest, ASlowReaderNeverPutsAnOlderRevisionBack) {
  auto redis = testing::SharedRedis();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto shared = RedisTier((*redis)->Url());
  int run = 0;
  for (bool announce_value : {true, false}) {
    for (bool slow_hears : {false, true}) {
      SCOPED_TRACE(absl::StrCat(announce_value ? "value" : "tombstone",
                                slow_hears ? ", heard" : ", not heard"));
      const std::string key = absl::StrCat("d", run++);
      ReadThroughCache slow(shared, Options(100), nullptr);
      ReadThroughCache writer(shared, Options(100), nullptr);
      Owner owner;
      owner.revision = 4;
      absl::Notification loaded, release;
      slow.SetBeforeFillForTesting([&](const std::string&) {
        if (!loaded.HasBeenNotified()) loaded.Notify();
        release.WaitForNotification();
      });
      int64_t slow_got = 0;
      std::thread reader(
          [&] { slow_got = slow.Get(key, owner.For(key))->revision; });
      loaded.WaitForNotification();
      owner.revision = 5;
      const CachedValue announced =
          announce_value ? CachedValue{5, absl::StrCat(key, "@5")}
                         : CachedValue{5, std::nullopt};
      if (announce_value) {
        writer.Offer(key, announced);
      } else {
        writer.Announce(key, announced);
      }
      if (slow_hears) slow.Announce(key, announced);
      release.Notify();
      reader.join();
      slow.SetBeforeFillForTesting(nullptr);
      EXPECT_EQ(slow_got, slow_hears ? 5 : 4);
      // Redis never went back to 4: a fresh process reads 5.
      auto stored = shared->Get(absl::StrCat("rec:v1:", key)).value();
      ASSERT_TRUE(stored.has_value());
      EXPECT_EQ(stored->revision, 5);
      ReadThroughCache fresh(shared, Options(0), nullptr);
      EXPECT_EQ(fresh.Get(key, owner.For(key))->revision, 5);
    }
  }
}

TEST(ReadThroughCacheTest, InvalidationDropsOlderNearEntries) {
  ReadThroughCache cache(nullptr, Options(100), nullptr);
  Owner owner;
  EXPECT_EQ(cache.Get("k", owner.For("k"))->revision, 1);
  owner.revision = 2;
  EXPECT_EQ(cache.Get("k", owner.For("k"))->revision, 1);  // cached
  cache.Announce("k", CachedValue{2, std::nullopt});
  EXPECT_EQ(cache.Get("k", owner.For("k"))->revision, 2);
  cache.Offer("k", CachedValue{3, "k@3"});
  EXPECT_EQ(cache.Get("k", owner.For("k"))->bytes, "k@3");
  cache.Offer("k", CachedValue{2, "k@2"});  // late and older: ignored
  EXPECT_EQ(cache.Get("k", owner.For("k"))->bytes, "k@3");
  cache.ClearNear();
  owner.revision = 4;
  EXPECT_EQ(cache.Get("k", owner.For("k"))->revision, 4);
}

// An announcement Redis could not take (paused past its 50 ms timeout)
// does not let Redis's older copy come back: the process remembers the
// revision it saw, treats Redis's entry as stale, reloads, and Redis is
// repaired.
TEST(ReadThroughCacheTest, AnAnnouncementRedisMissedIsNotUndone) {
  auto server = testing::RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  auto shared = RedisTier((*server)->Url());
  FakeClock clock;
  metrics::Registry registry;
  ReadThroughCache owner_cache(shared, Options(100), &registry, &clock);
  Owner owner;
  owner.revision = 4;
  ASSERT_EQ(owner_cache.Get("x", owner.For("x"))->revision, 4);  // in Redis
  RedisClient admin(RedisAddress::Parse((*server)->Url()).value(),
                    absl::Seconds(2));
  ASSERT_TRUE(admin.Command({"CLIENT", "PAUSE", "1000", "ALL"}).ok());
  owner.revision = 5;
  owner_cache.Offer("x", CachedValue{5, "x@5"});  // Redis does not answer
  absl::SleepFor(absl::Milliseconds(1200));       // the pause ends
  clock.Advance(absl::Minutes(1));                // the near entry expires
  EXPECT_EQ(owner_cache.Get("x", owner.For("x"))->revision, 5);
  EXPECT_EQ(
      registry.Counter("qudao_cache_lookups_total", "", {"cache", "result"})
          .Value({"test", "stale"}),
      1);
  auto stored = shared->Get("rec:v1:x");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->revision, 5);
}

// A caller joining another's load waits only until its own deadline.
TEST(ReadThroughCacheTest, AJoinerWaitsUntilItsOwnDeadline) {
  ReadThroughCache cache(nullptr, Options(100), nullptr);
  Owner owner;
  owner.delay = absl::Milliseconds(500);
  std::thread leader([&] { EXPECT_TRUE(cache.Get("k", owner.For("k")).ok()); });
  while (owner.loads == 0) absl::SleepFor(absl::Milliseconds(1));
  const absl::Time start = absl::Now();
  auto joined =
      cache.Get("k", owner.For("k"), absl::Now() + absl::Milliseconds(50));
  EXPECT_EQ(joined.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(400));
  leader.join();
  EXPECT_EQ(owner.loads, 1);
}

// A reader of another service only reads the shared tier: it never puts a
// record there (only the owner does).
TEST(ReadThroughCacheTest, AReaderNeverWritesTheSharedTier) {
  auto redis = testing::SharedRedis();
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto shared = RedisTier((*redis)->Url());
  ReadThroughOptions options = Options(100);
  options.write_shared = false;
  ReadThroughCache reader(shared, options, nullptr);
  Owner owner;
  EXPECT_EQ(reader.Get("r", owner.For("r"))->revision, 1);
  reader.Announce("r", CachedValue{2, "r@2"});
  EXPECT_EQ(shared->Get("rec:v1:r").value(), std::nullopt);
}

// Redis SIGKILLed under load: every read still succeeds (from the owner),
// the breaker opens, and after a restart the hit ratio comes back.
TEST(ReadThroughCacheTest, RedisKilledUnderLoadIsNotAnOutage) {
  auto server = testing::RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  auto shared = RedisTier((*server)->Url());
  metrics::Registry registry;
  ReadThroughCache cache(shared, Options(0), &registry);  // Redis only
  Owner owner;
  constexpr int kKeys = 50;
  std::atomic<bool> stop{false};
  std::atomic<int64_t> reads{0}, failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&, t] {
      for (int i = t; !stop; ++i) {
        const std::string key = absl::StrCat("k", i % kKeys);
        if (!cache.Get(key, owner.For(key)).ok()) failures++;
        reads++;
      }
    });
  }
  auto hits = [&] {
    return registry
        .Counter("qudao_cache_lookups_total", "", {"cache", "result"})
        .Value({"test", "hit"});
  };
  auto misses = [&] {
    return registry
        .Counter("qudao_cache_lookups_total", "", {"cache", "result"})
        .Value({"test", "miss"});
  };
  absl::SleepFor(absl::Milliseconds(500));
  (*server)->Kill();
  const absl::Time killed = absl::Now();
  while (cache.breaker_state() != CircuitBreaker::State::kOpen &&
         absl::Now() - killed < absl::Seconds(10)) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  const absl::Duration to_open = absl::Now() - killed;
  EXPECT_EQ(cache.breaker_state(), CircuitBreaker::State::kOpen);
  absl::SleepFor(absl::Seconds(1));
  ASSERT_TRUE((*server)->Restart().ok());
  const absl::Time restarted = absl::Now();
  // Recovered: a 200 ms window in which at least 90% of lookups hit Redis.
  absl::Duration recovery = absl::InfiniteDuration();
  while (absl::Now() - restarted < absl::Seconds(30)) {
    const int64_t h0 = hits(), m0 = misses();
    absl::SleepFor(absl::Milliseconds(200));
    const int64_t h = hits() - h0, m = misses() - m0;
    if (h + m > 0 && h * 10 >= (h + m) * 9) {
      recovery = absl::Now() - restarted;
      break;
    }
  }
  stop = true;
  for (auto& t : readers) t.join();
  std::cout << "breaker open " << to_open << " after the kill; hit ratio back "
            << "above 90% " << recovery << " after the restart; " << reads
            << " reads, " << failures << " failed" << std::endl;
  EXPECT_EQ(failures, 0);
  EXPECT_LT(to_open, absl::Seconds(3));
  EXPECT_LT(recovery, absl::Seconds(10));
  EXPECT_GT(registry.Counter("qudao_cache_fall_throughs_total", "", {"cache"})
                .Value({"test"}),
            0);
}

}  // namespace
}  // namespace qudao
