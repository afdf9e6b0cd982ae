// Dealer records: the rules of the dealer master data (DOMAIN.md §1), in
// plain C++ with no gRPC or SQL.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/money/money.h"

namespace qudao::customer {

// Levels of the distribution chain, manufacturer side first. Values match
// the proto enum.
enum class ChannelLevel {
  kDistributor = 1,
  kWholesaler = 2,
  kRetailer = 3,
  kKeyAccount = 4,
};

enum class DealerStatus {
  kProspect = 1,
  kActive = 2,
  kSuspended = 3,
  kTerminated = 4,
};

struct Region {
  std::string province;
  std::string city;
  std::string sales_territory;
};

struct Dealer {
  std::string id;
  std::string legal_name;
  Region region;
  ChannelLevel channel_level = ChannelLevel::kRetailer;
  std::string parent_dealer_id;  // empty: buys from the manufacturer
  DealerStatus status = DealerStatus::kProspect;
  std::string owner;
  std::optional<Money> registered_capital;
  std::vector<std::string> brands;
  std::string business_scope;
  absl::Time create_time;
  absl::Time update_time;
  // Incremented on every change; the API's etag is derived from it.
  int64_t version = 0;
};

// The statuses a dealer may move between: prospect → active (signed) or
// terminated (not pursued); active ⇄ suspended; anything → terminated;
// terminated is final.
absl::Status CheckStatusTransition(DealerStatus from, DealerStatus to);

// A dealer buys from a dealer strictly upstream of it (distributor →
// wholesaler → retailer); key accounts buy from the manufacturer directly.
// A terminated dealer cannot be anyone's parent.
absl::Status CheckParent(const Dealer& child, const Dealer& parent);

// Rules that hold for any stored dealer (beyond field syntax, which the API
// boundary checks): registered capital is not negative, brands are unique.
absl::Status CheckDealerInvariants(const Dealer& dealer);

std::string EtagOf(const Dealer& dealer);

}  // namespace qudao::customer
