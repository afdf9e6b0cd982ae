// Risk controls of credit control (DOMAIN.md §3): trade suspension and
// shipment hold per payer, with who placed them, why and until when. A
// suspension rejects new orders and stops invoicing; a shipment hold holds
// new orders and stops shipments (invoices) until lifted. Plain C++.
#pragma once

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace qudao::credit {

enum class RestrictionKind {
  kTradeSuspension = 1,
  kShipmentHold = 2,
};
std::string RestrictionKindName(RestrictionKind kind);

struct Restriction {
  std::string restriction_id;
  std::string payer_dealer_id;
  RestrictionKind kind = RestrictionKind::kShipmentHold;
  std::string reason;
  std::string placed_by;
  absl::Time place_time;
  // In force through this day (nullopt: until lifted).
  std::optional<absl::CivilDay> until;
  std::string lifted_by;
  std::string lift_reason;
  std::optional<absl::Time> lift_time;
};

// Whether `r` is in force on `day`: not lifted and not past its last day.
bool InForce(const Restriction& r, absl::CivilDay day);

// A new restriction: a reason, and a last day not before `today`
// (INVALID_ARGUMENT naming the field).
absl::Status CheckNewRestriction(const Restriction& r, absl::CivilDay today);

}  // namespace qudao::credit
