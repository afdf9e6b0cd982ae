// A circuit breaker for calls to another service: after `threshold`
// consecutive backend faults (UNAVAILABLE, DEADLINE_EXCEEDED) it opens and
// fails calls at once for `open_for`, sparing the struggling backend and the
// caller's threads; then it lets one probe through (half-open) and closes
// on its success or opens again on its failure.
#pragma once

#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/clock/clock.h"

namespace qudao {

class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  CircuitBreaker(int threshold, absl::Duration open_for,
                 const Clock* clock = &Clock::Real())
      : threshold_(threshold), open_for_(open_for), clock_(clock) {}

  // Whether a call may go out now. In half-open state only one probe may
  // be outstanding.
  bool Allow();
  // The outcome of a call that was allowed.
  void Record(const absl::Status& status);
  State state() const;

  // Whether `status` counts as the backend failing (as opposed to a
  // refusal, which proves the backend works).
  static bool IsBackendFault(const absl::Status& status);

 private:
  const int threshold_;
  const absl::Duration open_for_;
  const Clock* clock_;
  mutable absl::Mutex mu_;
  State state_ ABSL_GUARDED_BY(mu_) = State::kClosed;
  int failures_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Time opened_at_ ABSL_GUARDED_BY(mu_);
  bool probing_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace qudao
