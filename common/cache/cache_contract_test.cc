// One contract for both caches: the in-process one and a real redis-server
// started by the harness on a free port.
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/cache/cache.h"
#include "common/testing/harness.h"
#include "gtest/gtest.h"

namespace qudao {
namespace {

struct InProcess {
  static std::unique_ptr<Cache> Make() { return NewInProcessCache(1000); }
};

struct Redis {
  static std::unique_ptr<Cache> Make() {
    auto server = testing::SharedRedis();
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) return nullptr;
    RedisCacheOptions options;
    options.timeout = absl::Seconds(1);
    static int n = 0;
    options.key_prefix = absl::StrCat("test", n++, ":");
    return NewRedisCache((*server)->Url(), options).value();
  }
};

template <typename T>
class CacheContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cache_ = T::Make();
    ASSERT_NE(cache_, nullptr);
  }
  std::unique_ptr<Cache> cache_;
};

using Caches = ::testing::Types<InProcess, Redis>;
TYPED_TEST_SUITE(CacheContractTest, Caches);

CachedValue V(int64_t revision, std::string bytes) {
  return CachedValue{revision, std::move(bytes)};
}
CachedValue Tombstone(int64_t revision) {
  return CachedValue{revision, std::nullopt};
}

TYPED_TEST(CacheContractTest, StoresRevisionedValuesAndBinaryBytes) {
  Cache& cache = *this->cache_;
  EXPECT_TRUE(cache.Ping().ok());
  EXPECT_EQ(cache.Get("dealer:1").value(), std::nullopt);
  const std::string binary("a\0b\xff", 4);
  EXPECT_TRUE(cache.Put("dealer:1", V(3, binary), absl::Minutes(1)).value());
  EXPECT_EQ(cache.Get("dealer:1").value(), V(3, binary));
  EXPECT_TRUE(cache.Put("dealer:1", V(4, ""), absl::Minutes(1)).value());
  EXPECT_EQ(cache.Get("dealer:1").value(), V(4, ""));  // empty is a value
}

TYPED_TEST(CacheContractTest, AnOlderRevisionNeverReplacesANewerOne) {
  Cache& cache = *this->cache_;
  ASSERT_TRUE(cache.Put("k", V(5, "five"), absl::Minutes(1)).value());
  EXPECT_FALSE(cache.Put("k", V(4, "four"), absl::Minutes(1)).value());
  EXPECT_FALSE(cache.Put("k", V(5, "other five"), absl::Minutes(1)).value());
  EXPECT_EQ(cache.Get("k").value(), V(5, "five"));
  // An invalidation of an older revision is stale too; of the same
  // revision, the value is already current.
  EXPECT_FALSE(cache.Put("k", Tombstone(4), absl::Minutes(1)).value());
  EXPECT_FALSE(cache.Put("k", Tombstone(5), absl::Minutes(1)).value());
  EXPECT_EQ(cache.Get("k").value(), V(5, "five"));
}

TYPED_TEST(CacheContractTest, ATombstoneKeepsOutOlderRevisionsAfterADelete) {
  Cache& cache = *this->cache_;
  ASSERT_TRUE(cache.Put("k", V(4, "four"), absl::Minutes(1)).value());
  ASSERT_TRUE(cache.Put("k", Tombstone(5), absl::Minutes(1)).value());
  EXPECT_EQ(cache.Get("k").value(), Tombstone(5));
  // The slow reader of revision 4 arrives late: refused.
  EXPECT_FALSE(cache.Put("k", V(4, "four"), absl::Minutes(1)).value());
  // The value of the announced revision fills the tombstone.
  EXPECT_TRUE(cache.Put("k", V(5, "five"), absl::Minutes(1)).value());
  EXPECT_EQ(cache.Get("k").value(), V(5, "five"));
  // A tombstone on a never-seen key is stored too.
  EXPECT_TRUE(cache.Put("fresh", Tombstone(2), absl::Minutes(1)).value());
  EXPECT_FALSE(cache.Put("fresh", V(1, "one"), absl::Minutes(1)).value());
}

TYPED_TEST(CacheContractTest, ConcurrentFillsKeepTheNewestRevision) {
  Cache& cache = *this->cache_;
  std::vector<std::thread> writers;
  for (int t = 0; t < 8; ++t) {
    writers.emplace_back([&cache, t] {
      for (int i = 0; i < 25; ++i) {
        const int64_t revision = (i * 8 + t) % 100 + 1;
        (void)cache.Put("hot", V(revision, absl::StrCat(revision)),
                        absl::Minutes(1));
      }
    });
  }
  for (auto& w : writers) w.join();
  EXPECT_EQ(cache.Get("hot").value(), V(100, "100"));
}

TYPED_TEST(CacheContractTest, EntriesExpire) {
  Cache& cache = *this->cache_;
  ASSERT_TRUE(cache.Put("short", V(1, "x"), absl::Milliseconds(50)).value());
  EXPECT_NE(cache.Get("short").value(), std::nullopt);
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_EQ(cache.Get("short").value(), std::nullopt);
  // An expired entry no longer guards its revision.
  EXPECT_TRUE(cache.Put("short", V(0, "y"), absl::Minutes(1)).value());
}

TEST(InProcessCacheTest, EvictsLeastRecentlyUsedAndUsesInjectedClock) {
  FakeClock clock;
  auto cache = NewInProcessCache(2, &clock);
  ASSERT_TRUE(cache->Put("a", V(1, "1"), absl::Hours(1)).value());
  ASSERT_TRUE(cache->Put("b", V(1, "2"), absl::Hours(1)).value());
  EXPECT_NE(cache->Get("a").value(), std::nullopt);  // a is now most recent
  ASSERT_TRUE(cache->Put("c", V(1, "3"), absl::Hours(1)).value());  // evicts b
  EXPECT_EQ(cache->Get("b").value(), std::nullopt);
  EXPECT_NE(cache->Get("a").value(), std::nullopt);
  clock.Advance(absl::Hours(2));
  EXPECT_EQ(cache->Get("a").value(), std::nullopt);
  ASSERT_TRUE(cache->Put("d", V(1, "4"), absl::Hours(1)).value());
  cache->Clear();
  EXPECT_EQ(cache->Get("d").value(), std::nullopt);
}

TEST(RedisCacheTest, OutageIsReportedAndRecovers) {
  auto server = testing::RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string url = (*server)->Url();
  auto cache = NewRedisCache(url, {absl::Milliseconds(200), "t:"});
  ASSERT_TRUE(cache.ok());
  ASSERT_TRUE((*cache)->Put("k", V(1, "v"), absl::Minutes(1)).value());
  EXPECT_EQ((*cache)->Get("k").value(), V(1, "v"));
  (*server)->Kill();
  EXPECT_EQ((*cache)->Get("k").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ((*cache)->Put("k", V(2, "w"), absl::Minutes(1)).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_FALSE((*cache)->Ping().ok());
  ASSERT_TRUE((*server)->Restart().ok());
  // The client redials by itself (after its one-second back-off).
  absl::StatusOr<bool> put = absl::UnavailableError("not tried");
  for (int i = 0; i < 40 && !put.ok(); ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    put = (*cache)->Put("k", V(2, "w"), absl::Minutes(1));
  }
  ASSERT_TRUE(put.ok()) << put.status();
  EXPECT_EQ((*cache)->Get("k").value(), V(2, "w"));
}

TEST(RedisCacheTest, RejectsMalformedUrls) {
  for (const char* bad : {"http://x", "redis://", "redis://h:0", "redis://h:x",
                          "redis://h:1/-1"}) {
    EXPECT_EQ(NewRedisCache(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_TRUE(NewRedisCache("redis://127.0.0.1:6379/2").ok());
  EXPECT_EQ(SharedCacheFromSetting("").value(), nullptr);
}

}  // namespace
}  // namespace qudao
