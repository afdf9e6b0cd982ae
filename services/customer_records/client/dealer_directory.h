// What other services know about a dealer, and where they ask: the dealer
// facts owned by customer records. Plain C++ with no gRPC, so a service's
// operations can depend on it; the implementation calls customer records
// (customer_records_client.h).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "common/call/call_context.h"
#include "common/status/status.h"

namespace qudao::customer {

// A dealer's standing, as customer records keeps it. Values match the
// proto enum.
enum class DealerStanding {
  kProspect = 1,
  kActive = 2,
  kSuspended = 3,
  kTerminated = 4,
};

struct DealerFacts {
  std::string dealer_id;
  std::string legal_name;
  DealerStanding status = DealerStanding::kProspect;
  // Position in the chain: 1 distributor, 2 wholesaler, 3 retailer, 4 key
  // account (the proto's ChannelLevel).
  int channel_level = 0;
  std::string parent_dealer_id;
  std::string owner;
  std::string province;
  std::string city;
  std::string sales_territory;
  // Who is billed: empty when the dealer pays for itself (also when
  // customer records keeps the dealer's own id there), else an active
  // dealer up its parent chain when the payer was last checked.
  std::string payer_dealer_id;
  std::string pricing_zone;
  // "A", "B", "C", or empty while the dealer is not classified.
  std::string abc_class;
  // e.g. "strategic"; empty while the dealer is not classified.
  std::string value_tier;
  // Grows with every change; a fact read at a higher revision is newer.
  int64_t revision = 0;
};

// Customer records' change feed and its dealer topics (payload: the Dealer
// as the change left it; its etag carries the revision).
inline constexpr char kFeedSource[] = "customer_records";
inline constexpr char kDealerCreated[] = "dealer.created";
inline constexpr char kDealerUpdated[] = "dealer.updated";

// Where dealer records live in the shared cache, for customer records and
// every DealerDirectory alike: "<prefix><dealer id>" holds the Dealer API
// message at revision = the dealer's version. The v2 marks the layout.
inline constexpr char kDealerCacheKeyPrefix[] = "customer:dealer:v2:";

// The stable reasons a directory answers with, and services give when a
// dealer's standing stops what was asked.
inline constexpr char kReasonDealerNotFound[] = "DEALER_NOT_FOUND";
inline constexpr char kReasonDealerTerminated[] = "DEALER_TERMINATED";

// FAILED_PRECONDITION (DEALER_TERMINATED) when `dealer` is terminated: no
// new obligation (a credit limit, an order, a service ticket) is created
// for a dealer whose relationship has ended. `refusal` says what was
// refused and what to do instead, after "dealer <id> is terminated; ".
inline absl::Status CheckNotTerminated(const DealerFacts& dealer,
                                       absl::string_view refusal) {
  if (dealer.status != DealerStanding::kTerminated) return absl::OkStatus();
  return Refusal(
      absl::StatusCode::kFailedPrecondition, kReasonDealerTerminated,
      absl::StrCat("dealer ", dealer.dealer_id, " is terminated; ", refusal));
}

class DealerDirectory {
 public:
  virtual ~DealerDirectory() = default;
  // The dealer's facts; NOT_FOUND (reason DEALER_NOT_FOUND) when customer
  // records has no such dealer; UNAVAILABLE when it cannot be asked (never
  // a silent pass).
  virtual absl::StatusOr<DealerFacts> Get(const CallContext& call,
                                          const std::string& dealer_id) = 0;
};

}  // namespace qudao::customer
