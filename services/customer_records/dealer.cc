// Dealer rules; see dealer.h.
#include "services/customer_records/dealer.h"

#include <set>

#include "absl/strings/str_cat.h"
#include "common/grpc/status.h"

namespace qudao::customer {
namespace {

const char* StatusName(DealerStatus s) {
  switch (s) {
    case DealerStatus::kProspect:
      return "prospect";
    case DealerStatus::kActive:
      return "active";
    case DealerStatus::kSuspended:
      return "suspended";
    case DealerStatus::kTerminated:
      return "terminated";
  }
  return "unknown";
}

// Position in the chain; lower is further upstream.
int Tier(ChannelLevel level) {
  switch (level) {
    case ChannelLevel::kDistributor:
      return 1;
    case ChannelLevel::kWholesaler:
      return 2;
    case ChannelLevel::kRetailer:
      return 3;
    case ChannelLevel::kKeyAccount:
      return 0;
  }
  return 0;
}

}  // namespace

absl::Status CheckStatusTransition(DealerStatus from, DealerStatus to) {
  if (from == to) return absl::OkStatus();
  bool allowed = false;
  switch (from) {
    case DealerStatus::kProspect:
      allowed = to == DealerStatus::kActive || to == DealerStatus::kTerminated;
      break;
    case DealerStatus::kActive:
      allowed =
          to == DealerStatus::kSuspended || to == DealerStatus::kTerminated;
      break;
    case DealerStatus::kSuspended:
      allowed = to == DealerStatus::kActive || to == DealerStatus::kTerminated;
      break;
    case DealerStatus::kTerminated:
      allowed = false;
      break;
  }
  if (allowed) return absl::OkStatus();
  return WithReason(
      absl::FailedPreconditionError(absl::StrCat(
          "a dealer cannot go from ", StatusName(from), " to ", StatusName(to),
          from == DealerStatus::kTerminated
              ? ": termination is final; create a new dealer record"
              : "")),
      "INVALID_STATUS_TRANSITION");
}

absl::Status CheckParent(const Dealer& child, const Dealer& parent) {
  if (child.channel_level == ChannelLevel::kKeyAccount) {
    return WithReason(
        absl::FailedPreconditionError(
            "a key account buys from the manufacturer directly and has no "
            "parent dealer"),
        "INVALID_PARENT");
  }
  if (parent.channel_level == ChannelLevel::kKeyAccount ||
      Tier(parent.channel_level) >= Tier(child.channel_level)) {
    return WithReason(
        absl::FailedPreconditionError(absl::StrCat(
            "parent dealer ", parent.id,
            " is not upstream of this dealer's channel level; a dealer buys "
            "from a distributor (if a wholesaler) or a distributor or "
            "wholesaler (if a retailer)")),
        "INVALID_PARENT");
  }
  if (parent.status == DealerStatus::kTerminated) {
    return WithReason(absl::FailedPreconditionError(absl::StrCat(
                          "parent dealer ", parent.id, " is terminated")),
                      "INVALID_PARENT");
  }
  return absl::OkStatus();
}

absl::Status CheckDealerInvariants(const Dealer& dealer) {
  if (dealer.registered_capital.has_value() &&
      dealer.registered_capital->is_negative()) {
    return InvalidField("dealer.registered_capital", "must not be negative");
  }
  std::set<std::string> seen;
  for (const std::string& b : dealer.brands) {
    if (!seen.insert(b).second) {
      return InvalidField("dealer.brands",
                          absl::StrCat("brand '", b, "' is listed twice"));
    }
  }
  if (!dealer.parent_dealer_id.empty() &&
      dealer.parent_dealer_id == dealer.id) {
    return InvalidField("dealer.parent_dealer_id",
                        "a dealer cannot be its own parent");
  }
  return absl::OkStatus();
}

std::string EtagOf(const Dealer& dealer) {
  return absl::StrCat("\"v", dealer.version, "\"");
}

}  // namespace qudao::customer
