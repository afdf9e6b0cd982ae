// A VolumeSource that keeps the volumes it was told in a bounded in-process
// cache, by (dealer, the rule's product scope, the period, the currency),
// and drops a dealer's entries when credit control's change feed says the
// dealer's revenue moved (an invoice issued, a credit note — a return, a
// price correction, a rebate — issued). So a quote asks credit control
// once per dealer, scope and period until the dealer is invoiced again,
// not once per cumulative rule per quote.
//
// Staleness: an invoice committed in credit control is counted by the
// first quote after its event reaches this replica (the feed's lag: about
// a millisecond over the event bus, up to the poll interval without one,
// FeedFollower::Options). A quote in that window counts the volume before
// the invoice; the order and the invoice are the authority, a quote is an
// offer. While the feed cannot be followed (the position is not known
// yet, a read of the feed failed, the bus reported a gap not yet caught
// up) no entry is served: every quote asks credit control. Entries expire
// after `ttl` anyway, and at most `max_entries` are kept (least recently
// used go first).
//
// A volume read from credit control is stored with the dealer's
// generation at the start of the read; an event bumps the generation, so
// a read that raced an invoice is never served afterwards (the stale-set
// race).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "common/cache/cache.h"
#include "common/clock/clock.h"
#include "common/events/feed_follower.h"
#include "services/pricing/volume_source.h"

namespace qudao::pricing {

struct VolumeCacheOptions {
  size_t max_entries = 100000;
  absl::Duration ttl = absl::Minutes(10);
};

class CachedVolumeSource : public VolumeSource {
 public:
  // `owner` answers misses (credit control); it outlives this.
  CachedVolumeSource(VolumeSource* owner, const Clock* clock,
                     VolumeCacheOptions options = {});
  ~CachedVolumeSource() override;

  // Follows credit control's feed through `fetch` (its ListChanges) and
  // `bus` (may be null: poll). Entries are served only while it is
  // current. Call once.
  void Follow(events::EventBus* bus, events::FeedFollower::Fetch fetch,
              events::FeedFollower::Options options = {});

  absl::StatusOr<PriorVolume> VolumeFor(const CallContext& call,
                                        const std::string& dealer_id,
                                        const PriceRule& rule,
                                        const VolumeWindow& window,
                                        const std::string& currency) override;

  // Applies one event of credit control's feed: an invoice or a credit
  // note drops its dealer's entries; other topics are ignored.
  void Apply(const events::ChangeEvent& event);
  // Drops the dealer's entries (and any read of them in flight).
  void Invalidate(const std::string& dealer_id);
  // Drops every entry.
  void InvalidateAll();

  // Whether entries are served now (following the feed, current).
  bool serving() const;
  // The follower (null before Follow), for tests that drive catch-ups.
  events::FeedFollower* follower() const { return follower_.get(); }

  struct Counters {
    // Served from the cache.
    int64_t hits = 0;
    // Asked the owner and stored the answer.
    int64_t misses = 0;
    // Asked the owner because the feed was not current.
    int64_t bypassed = 0;
    // Invoice and credit-note events applied.
    int64_t invalidations = 0;
  };
  Counters counters() const;

 private:
  static constexpr size_t kStripes = 4096;
  std::atomic<int64_t>& GenerationOf(const std::string& dealer_id);

  VolumeSource* const owner_;
  const VolumeCacheOptions options_;
  std::unique_ptr<Cache> cache_;
  std::array<std::atomic<int64_t>, kStripes> generations_{};
  std::atomic<int64_t> hits_{0}, misses_{0}, bypassed_{0}, invalidations_{0};
  // Last: stopped first, so no event is applied to a half-destroyed cache.
  std::unique_ptr<events::FeedFollower> follower_;
};

}  // namespace qudao::pricing
