// FeedFollower; see feed_follower.h.
#include "common/events/feed_follower.h"

#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/macros.h"

namespace qudao::events {
namespace {

bool Before(const storage::ChangeCursor& a, const storage::ChangeCursor& b) {
  return std::tie(a.txid, a.seq) < std::tie(b.txid, b.seq);
}

}  // namespace

FeedFollower::FeedFollower(EventBus* bus, Fetch fetch, Apply apply,
                           std::function<void()> on_position_lost,
                           Options options)
    : bus_(bus),
      fetch_(std::move(fetch)),
      apply_(std::move(apply)),
      on_position_lost_(std::move(on_position_lost)),
      options_(std::move(options)) {}

FeedFollower::~FeedFollower() { Stop(); }

void FeedFollower::Start() {
  if (bus_ != nullptr) {
    bus_->Subscribe(
        options_.source, [this](const ChangeEvent& event) { Deliver(event); },
        [this] {
          absl::MutexLock lock(&mu_);
          catch_up_due_ = true;
          current_ = false;
          ++gaps_;
        });
  }
  {
    absl::MutexLock lock(&mu_);
    catch_up_due_ = true;  // finds the position
  }
  thread_ = std::thread([this] { Run(); });
}

void FeedFollower::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void FeedFollower::Deliver(const ChangeEvent& event) {
  if (!absl::StartsWith(event.topic(), options_.topic_prefix)) return;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;
  }
  apply_(event);
  Advance(event.cursor());
}

void FeedFollower::Advance(const std::string& cursor) {
  absl::StatusOr<storage::ChangeCursor> c =
      storage::ChangeCursor::Decode(cursor);
  absl::MutexLock lock(&mu_);
  ++applied_;
  // Only a follower that knows where it stands moves on: an event from the
  // bus before the position is known says nothing about earlier ones.
  if (c.ok() && position_.has_value() && Before(*position_, *c)) {
    position_ = *c;
  }
}

absl::Status FeedFollower::CatchUp() {
  absl::MutexLock serial(&catch_up_mu_);
  int64_t gaps_before = 0;
  {
    absl::MutexLock lock(&mu_);
    gaps_before = gaps_;
  }
  absl::Status read = ReadToEnd();
  absl::MutexLock lock(&mu_);
  current_ = read.ok() && gaps_ == gaps_before;
  return read;
}

absl::Status FeedFollower::ReadToEnd() {
  std::optional<storage::ChangeCursor> from;
  {
    absl::MutexLock lock(&mu_);
    from = position_;
  }
  if (!from.has_value()) {
    type::v1::ListChangesRequest request;
    request.set_start_at_end(true);
    ASSIGN_OR_RETURN(const type::v1::ListChangesResponse end, fetch_(request));
    ASSIGN_OR_RETURN(const storage::ChangeCursor at,
                     storage::ChangeCursor::Decode(end.next_cursor()));
    // Whatever was derived before now may have missed changes.
    if (on_position_lost_) on_position_lost_();
    absl::MutexLock lock(&mu_);
    if (!position_.has_value()) position_ = at;
    return absl::OkStatus();
  }
  type::v1::ListChangesRequest request;
  request.set_after_cursor(from->Encode());
  request.set_topic_prefix(options_.topic_prefix);
  request.set_page_size(500);
  while (true) {
    ASSIGN_OR_RETURN(const type::v1::ListChangesResponse page, fetch_(request));
    for (const ChangeEvent& event : page.events()) {
      apply_(event);
      {
        absl::MutexLock lock(&mu_);
        ++applied_;
      }
      Advance(event.cursor());
    }
    Advance(page.next_cursor());
    if (page.events().empty() || page.next_cursor() == request.after_cursor()) {
      return absl::OkStatus();
    }
    request.set_after_cursor(page.next_cursor());
  }
}

void FeedFollower::Run() {
  const absl::Duration poll =
      bus_ != nullptr ? options_.poll_with_bus : options_.poll;
  absl::Time next_poll = absl::Now() + poll;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto due = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || catch_up_due_;
      };
      mu_.AwaitWithDeadline(absl::Condition(&due), next_poll);
      if (stopping_) return;
      catch_up_due_ = false;
    }
    next_poll = absl::Now() + poll;
    if (absl::Status s = CatchUp(); !s.ok()) {
      log::Warning("catching up on a change feed failed; retrying",
                   {{"source", options_.source}, {"error", s.ToString()}});
      absl::MutexLock lock(&mu_);
      if (mu_.AwaitWithTimeout(
              absl::Condition(
                  +[](bool* stopping) { return *stopping; }, &stopping_),
              options_.retry)) {
        return;
      }
      catch_up_due_ = true;
    }
  }
}

int64_t FeedFollower::applied() const {
  absl::MutexLock lock(&mu_);
  return applied_;
}

bool FeedFollower::current() const {
  absl::MutexLock lock(&mu_);
  return current_ && position_.has_value();
}

bool FeedFollower::knows_position() const {
  absl::MutexLock lock(&mu_);
  return position_.has_value();
}

}  // namespace qudao::events
