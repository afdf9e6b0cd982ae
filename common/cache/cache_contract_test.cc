// One contract for both caches: the in-process one and a real redis-server
// started by the harness on a free port.
#include <thread>

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

TYPED_TEST(CacheContractTest, SetGetDelete) {
  EXPECT_TRUE(this->cache_->Ping().ok());
  EXPECT_FALSE(this->cache_->Get("dealer:1").has_value());
  const std::string binary("a\0b\xff", 4);
  this->cache_->Set("dealer:1", binary, absl::Minutes(1));
  EXPECT_EQ(this->cache_->Get("dealer:1"), binary);
  this->cache_->Set("dealer:1", "v2", absl::Minutes(1));
  EXPECT_EQ(this->cache_->Get("dealer:1"), "v2");
  this->cache_->Delete("dealer:1");
  EXPECT_FALSE(this->cache_->Get("dealer:1").has_value());
}

TYPED_TEST(CacheContractTest, EntriesExpire) {
  this->cache_->Set("short", "x", absl::Milliseconds(50));
  EXPECT_TRUE(this->cache_->Get("short").has_value());
  absl::SleepFor(absl::Milliseconds(150));
  EXPECT_FALSE(this->cache_->Get("short").has_value());
}

TEST(InProcessCacheTest, EvictsLeastRecentlyUsedAndUsesInjectedClock) {
  FakeClock clock;
  auto cache = NewInProcessCache(2, &clock);
  cache->Set("a", "1", absl::Hours(1));
  cache->Set("b", "2", absl::Hours(1));
  EXPECT_TRUE(cache->Get("a").has_value());  // a is now most recent
  cache->Set("c", "3", absl::Hours(1));      // evicts b
  EXPECT_FALSE(cache->Get("b").has_value());
  EXPECT_TRUE(cache->Get("a").has_value());
  clock.Advance(absl::Hours(2));
  EXPECT_FALSE(cache->Get("a").has_value());
}

TEST(RedisCacheTest, OutageReadsAsMissAndRecovers) {
  auto server = testing::RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string url = (*server)->Url();
  auto cache = NewRedisCache(url, {absl::Milliseconds(200), "t:"});
  ASSERT_TRUE(cache.ok());
  (*cache)->Set("k", "v", absl::Minutes(1));
  EXPECT_EQ((*cache)->Get("k"), "v");
  (*server)->Kill();
  EXPECT_FALSE((*cache)->Get("k").has_value());  // a miss, not a crash
  EXPECT_FALSE((*cache)->Ping().ok());
}

TEST(RedisCacheTest, RejectsMalformedUrls) {
  for (const char* bad : {"http://x", "redis://", "redis://h:0", "redis://h:x",
                          "redis://h:1/-1"}) {
    EXPECT_EQ(NewRedisCache(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_TRUE(NewRedisCache("redis://127.0.0.1:6379/2").ok());
}

}  // namespace
}  // namespace qudao
