// Dealer records: the rules of the dealer master data (DOMAIN.md §1), in
// plain C++ with no gRPC or SQL.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/auth/principal.h"
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

// Stable reasons for callers to branch on.
inline constexpr char kReasonInvalidStatusTransition[] =
    "INVALID_STATUS_TRANSITION";
inline constexpr char kReasonInvalidParent[] = "INVALID_PARENT";
inline constexpr char kReasonHasActiveChildren[] = "HAS_ACTIVE_CHILDREN";
inline constexpr char kReasonEtagMismatch[] = "ETAG_MISMATCH";

// The fields of a dealer that UpdateDealer may change.
enum class DealerField {
  kLegalName,
  kRegion,
  kChannelLevel,
  kParent,
  kStatus,
  kOwner,
  kRegisteredCapital,
  kBrands,
  kBusinessScope,
};

// A change to a stored dealer: the named fields take their values from
// `values`; every other field keeps its stored value.
struct DealerUpdate {
  std::string dealer_id;
  // The version the caller read (from its etag); 0 makes the update
  // unconditional.
  int64_t expected_version = 0;
  std::set<DealerField> fields;
  Dealer values;

  bool Changes(DealerField field) const { return fields.count(field) > 0; }
};

// `current` with the update's fields copied from its values.
Dealer ApplyUpdate(const Dealer& current, const DealerUpdate& update);

// ABORTED (reason ETAG_MISMATCH) when the dealer changed since the caller
// read it at `expected_version`; OK when expected_version is 0.
absl::Status CheckExpectedVersion(const Dealer& current,
                                  int64_t expected_version);

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

// Dealers that buy from this one must keep a valid parent: a dealer that
// supplies `active_children` non-terminated dealers can be neither
// terminated nor moved to another channel level (FAILED_PRECONDITION,
// HAS_ACTIVE_CHILDREN). Whether the change does either is read from
// `before` and `after`.
bool ChangeAffectsChildren(const Dealer& before, const Dealer& after);
absl::Status CheckNoActiveChildren(const Dealer& before, const Dealer& after,
                                   int64_t active_children);

// Who may create and change which dealers. A new dealer without an owner
// is its creator's. sales_manager and admin: any dealer, any field, any
// owner. A sales_rep creates dealers they own (naming another owner is
// PERMISSION_DENIED NOT_OWNER) and
// changes only the dealers they own, never the owner (reassigning is a
// sales_manager's decision). Returns the draft's owner to store.
absl::StatusOr<std::string> OwnerOfNewDealer(const auth::Principal& who,
                                             const Dealer& draft);
absl::Status CheckMayChangeDealer(const auth::Principal& who,
                                  const Dealer& current,
                                  const DealerUpdate& update);

// The etag of a stored dealer ("\"v<version>\""), and its inverse
// (INVALID_ARGUMENT naming `field` for anything this service did not issue).
std::string EtagOf(const Dealer& dealer);
absl::StatusOr<int64_t> VersionFromEtag(absl::string_view field,
                                        absl::string_view etag);

}  // namespace qudao::customer
