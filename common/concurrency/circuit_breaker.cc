// CircuitBreaker; see circuit_breaker.h.
#include "common/concurrency/circuit_breaker.h"

namespace qudao {

bool CircuitBreaker::IsBackendFault(const absl::Status& status) {
  return absl::IsUnavailable(status) || absl::IsDeadlineExceeded(status);
}

bool CircuitBreaker::Allow() {
  absl::MutexLock lock(&mu_);
  switch (state_) {
    case State::kClosed:
      return true;
    case State::kOpen:
      if (clock_->Now() - opened_at_ < open_for_) return false;
      state_ = State::kHalfOpen;
      probing_ = true;
      return true;
    case State::kHalfOpen:
      if (probing_) return false;
      probing_ = true;
      return true;
  }
  return true;
}

void CircuitBreaker::Record(const absl::Status& status) {
  absl::MutexLock lock(&mu_);
  const bool fault = IsBackendFault(status);
  if (state_ == State::kHalfOpen) {
    probing_ = false;
    if (fault) {
      state_ = State::kOpen;
      opened_at_ = clock_->Now();
    } else {
      state_ = State::kClosed;
      failures_ = 0;
    }
    return;
  }
  if (!fault) {
    failures_ = 0;
    return;
  }
  if (++failures_ >= threshold_ && state_ == State::kClosed) {
    state_ = State::kOpen;
    opened_at_ = clock_->Now();
  }
}

CircuitBreaker::State CircuitBreaker::state() const {
  absl::MutexLock lock(&mu_);
  return state_;
}

}  // namespace qudao
