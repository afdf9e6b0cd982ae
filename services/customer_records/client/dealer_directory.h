// What other services know about a dealer, and where they ask: the dealer
// facts owned by customer records. Plain C++ with no gRPC, so a service's
// operations can depend on it; the implementation calls customer records
// (customer_records_client.h).
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/call/call_context.h"

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

// The stable reasons a directory answers with.
inline constexpr char kReasonDealerNotFound[] = "DEALER_NOT_FOUND";

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
