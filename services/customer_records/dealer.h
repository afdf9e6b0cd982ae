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

// The ABC classification by purchase amount (DOMAIN.md §1). Values match
// the proto enum; kUnclassified until the classification fills it.
enum class AbcClass {
  kUnclassified = 0,
  kA = 1,
  kB = 2,
  kC = 3,
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
  // The dealer that is billed and whose credit is used: empty or the
  // dealer's own id when it pays for itself, else an active dealer up its
  // parent chain (CheckPayer).
  std::string payer_dealer_id;
  // The manufacturer's pricing zone code; empty: none assigned.
  std::string pricing_zone;
  // 统一社会信用代码 in normal form (ParseUnifiedSocialCreditCode); empty
  // until the licence is seen; required to be active, unique.
  std::string unified_social_credit_code;
  // Filled by the customer classification (not built yet); empty until
  // then and never changed through UpdateDealer.
  AbcClass abc_class = AbcClass::kUnclassified;
  std::string value_tier;
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
inline constexpr char kReasonInvalidPayer[] = "INVALID_PAYER";
inline constexpr char kReasonUsccRequired[] = "USCC_REQUIRED";
inline constexpr char kReasonDuplicateDealer[] = "DUPLICATE_DEALER";

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
  kPayer,
  kPricingZone,
  kUnifiedSocialCreditCode,
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

// Reads dealers for the rules that follow the chain, inside the caller's
// transaction (the operations implement it over the store).
class DealerLookup {
 public:
  virtual ~DealerLookup() = default;
  // The dealer; NOT_FOUND when there is none.
  virtual absl::StatusOr<Dealer> Get(const std::string& dealer_id) = 0;
  // The non-terminated dealers whose parent is `dealer_id`.
  virtual absl::StatusOr<std::vector<Dealer>> ChildrenOf(
      const std::string& dealer_id) = 0;
};

// How far the chain is followed: a dealer has at most this many ancestors
// (the levels allow two; more means the records are damaged).
inline constexpr int kMaxChainDepth = 16;

// The dealers `dealer` buys from, its parent first, read through
// `lookup`. A chain that loops or is deeper than kMaxChainDepth is refused
// (FAILED_PRECONDITION, INVALID_PAYER): it is never followed further.
absl::StatusOr<std::vector<Dealer>> AncestorsOf(const Dealer& dealer,
                                                DealerLookup& lookup);

// True when the dealer is billed itself: no payer, or its own id.
bool PaysForItself(const Dealer& dealer);

// The payer rule, for a new dealer (`before` null) or a change from
// `before` to `after`. Checked on create, and on a change of the payer,
// the parent, or the status to PROSPECT or ACTIVE; nothing else (an owner
// change, suspending or terminating) re-checks it. A dealer that does not
// pay for itself is billed to a dealer that exists and is up its parent
// chain (FAILED_PRECONDITION, INVALID_PAYER, naming the payer). The payer
// must be ACTIVE when it is newly named and whenever the dealer is
// prospect or active after the change.
absl::Status CheckPayer(const Dealer* before, const Dealer& after,
                        DealerLookup& lookup);

// When `after` moves to another parent, the dealers below it that are
// billed to a dealer above it must still have their payer upstream
// (INVALID_PAYER naming the first that would not). OK when the parent did
// not change.
absl::Status CheckPayersBelow(const Dealer& before, const Dealer& after,
                              DealerLookup& lookup);

// A dealer is ACTIVE only with its unified social credit code recorded:
// creating an active dealer without one, activating one without one, or
// clearing an active dealer's code is FAILED_PRECONDITION, USCC_REQUIRED.
// (An active dealer recorded before codes were asked for keeps trading
// until one of those changes.)
absl::Status CheckUsccForStatus(const Dealer* before, const Dealer& after);

// ALREADY_EXISTS (DUPLICATE_DEALER): the dealer `existing_id` already has
// the unified social credit code `code`.
absl::Status DuplicateDealer(absl::string_view existing_id,
                             absl::string_view code);

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
