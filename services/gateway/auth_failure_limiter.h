// Slows down key guessing: each client address may fail authentication a
// few times (a burst), then once per refill interval; beyond that the
// gateway answers 429 without looking at the key. Successful requests never
// count. Memory is bounded: the least recently failing addresses are
// forgotten first.
#pragma once

#include <list>
#include <string>
#include <unordered_map>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"

namespace qudao::gateway {

class AuthFailureLimiter {
 public:
  struct Options {
    // Failures allowed at once.
    int burst = 20;
    // One more failure allowed per this long.
    absl::Duration refill = absl::Seconds(3);
    // Addresses remembered at most.
    size_t max_clients = 100000;
  };

  explicit AuthFailureLimiter(Options options,
                              const Clock* clock = &Clock::Real())
      : options_(options), clock_(clock) {}

  // Zero when `client` may try to authenticate now, else how long until it
  // may.
  absl::Duration WaitBeforeTrying(const std::string& client);
  // Records a failed attempt by `client`.
  void RecordFailure(const std::string& client);

 private:
  struct Bucket {
    double tokens;
    absl::Time updated;
    std::list<std::string>::iterator lru;
  };
  void Refill(Bucket& b, absl::Time now) const;

  const Options options_;
  const Clock* clock_;
  absl::Mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_ ABSL_GUARDED_BY(mu_);
  std::list<std::string> lru_ ABSL_GUARDED_BY(mu_);
};

}  // namespace qudao::gateway
