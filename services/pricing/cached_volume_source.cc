// CachedVolumeSource; see cached_volume_source.h.
#include "services/pricing/cached_volume_source.h"

#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status/macros.h"
#include "qudao/credit/v1/receivables.pb.h"
#include "services/pricing/price_list.h"

namespace qudao::pricing {
namespace {

// Credit control's topics that move a dealer's revenue (its
// receivables_operations.h): invoices, and credit notes (returns, price
// corrections, rebates).
constexpr char kInvoiceTopics[] = "invoice.";
constexpr char kCreditNoteTopics[] = "credit_note.";

// The days as numbers since 1970-01-01: the key is this process's alone,
// made at every quote for each cumulative rule (no day formatting).
std::string KeyOf(const std::string& dealer_id, const PriceRule& rule,
                  const VolumeWindow& window, const std::string& currency) {
  const absl::CivilDay epoch(1970, 1, 1);
  std::string key =
      absl::StrCat(dealer_id, "|", static_cast<int>(rule.product_scope.kind),
                   "|", rule.product_scope.code, "|", window.from - epoch, "|",
                   window.until - epoch, "|", currency);
  // Codes are canonical (upper case) from the API; rules built otherwise
  // are made so here.
  absl::AsciiStrToUpper(&key);
  return key;
}

std::string Encode(const PriorVolume& v) {
  return absl::StrCat(v.units, ":", v.amount.minor_units());
}

std::optional<PriorVolume> Decode(const std::string& bytes,
                                  const std::string& currency) {
  std::pair<std::string, std::string> parts = absl::StrSplit(bytes, ':');
  PriorVolume v;
  int64_t minor = 0;
  if (!absl::SimpleAtoi(parts.first, &v.units) ||
      !absl::SimpleAtoi(parts.second, &minor)) {
    return std::nullopt;
  }
  absl::StatusOr<Money> amount = Money::Create(currency, minor);
  if (!amount.ok()) return std::nullopt;
  v.amount = *amount;
  return v;
}

}  // namespace

CachedVolumeSource::CachedVolumeSource(VolumeSource* owner, const Clock* clock,
                                       VolumeCacheOptions options)
    : owner_(owner),
      options_(options),
      cache_(NewInProcessCache(options.max_entries, clock)) {}

CachedVolumeSource::~CachedVolumeSource() {
  if (follower_ != nullptr) follower_->Stop();
}

void CachedVolumeSource::Follow(events::EventBus* bus,
                                events::FeedFollower::Fetch fetch,
                                events::FeedFollower::Options options) {
  if (options.source.empty()) options.source = "credit_control";
  follower_ = std::make_unique<events::FeedFollower>(
      bus, std::move(fetch),
      [this](const events::ChangeEvent& event) { Apply(event); },
      // Changes may have been missed: nothing cached can be trusted.
      [this] { InvalidateAll(); }, std::move(options));
  follower_->Start();
}

std::atomic<int64_t>& CachedVolumeSource::GenerationOf(
    const std::string& dealer_id) {
  return generations_[absl::HashOf(dealer_id) % kStripes];
}

bool CachedVolumeSource::serving() const {
  return follower_ != nullptr && follower_->current();
}

absl::StatusOr<PriorVolume> CachedVolumeSource::VolumeFor(
    const CallContext& call, const std::string& dealer_id,
    const PriceRule& rule, const VolumeWindow& window,
    const std::string& currency) {
  if (!serving()) {
    bypassed_.fetch_add(1, std::memory_order_relaxed);
    return owner_->VolumeFor(call, dealer_id, rule, window, currency);
  }
  std::atomic<int64_t>& generation = GenerationOf(dealer_id);
  const int64_t at = generation.load(std::memory_order_acquire);
  const std::string key = KeyOf(dealer_id, rule, window, currency);
  absl::StatusOr<std::optional<CachedValue>> cached = cache_->Get(key);
  if (cached.ok() && cached->has_value() && !(*cached)->is_tombstone() &&
      (*cached)->revision == at) {
    std::optional<PriorVolume> v = Decode(*(*cached)->bytes, currency);
    if (v.has_value()) {
      hits_.fetch_add(1, std::memory_order_relaxed);
      v->rule_id = rule.rule_id;
      return *std::move(v);
    }
  }
  ASSIGN_OR_RETURN(PriorVolume v,
                   owner_->VolumeFor(call, dealer_id, rule, window, currency));
  misses_.fetch_add(1, std::memory_order_relaxed);
  // Stored at the generation the read began at: if an event came
  // meanwhile, the entry is never served.
  if (generation.load(std::memory_order_acquire) == at) {
    (void)cache_->Put(key, CachedValue{at, Encode(v)}, options_.ttl);
  }
  return v;
}

void CachedVolumeSource::Apply(const events::ChangeEvent& event) {
  std::string dealer_id;
  if (absl::StartsWith(event.topic(), kInvoiceTopics)) {
    credit::v1::Invoice invoice;
    if (event.payload().UnpackTo(&invoice)) dealer_id = invoice.dealer_id();
  } else if (absl::StartsWith(event.topic(), kCreditNoteTopics)) {
    credit::v1::CreditNote note;
    if (event.payload().UnpackTo(&note)) dealer_id = note.dealer_id();
  } else {
    return;
  }
  invalidations_.fetch_add(1, std::memory_order_relaxed);
  // A document whose dealer cannot be read may be anyone's.
  if (dealer_id.empty()) {
    InvalidateAll();
  } else {
    Invalidate(dealer_id);
  }
}

void CachedVolumeSource::Invalidate(const std::string& dealer_id) {
  GenerationOf(dealer_id).fetch_add(1, std::memory_order_acq_rel);
}

void CachedVolumeSource::InvalidateAll() {
  for (std::atomic<int64_t>& g : generations_) {
    g.fetch_add(1, std::memory_order_acq_rel);
  }
  cache_->Clear();
}

CachedVolumeSource::Counters CachedVolumeSource::counters() const {
  Counters c;
  c.hits = hits_.load(std::memory_order_relaxed);
  c.misses = misses_.load(std::memory_order_relaxed);
  c.bypassed = bypassed_.load(std::memory_order_relaxed);
  c.invalidations = invalidations_.load(std::memory_order_relaxed);
  return c;
}

}  // namespace qudao::pricing
