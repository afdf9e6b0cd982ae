// Dealer rules; see dealer.h.
#include "services/customer_records/dealer.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status/status.h"

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
  return Refusal(absl::StatusCode::kFailedPrecondition,
                 kReasonInvalidStatusTransition,
                 absl::StrCat("a dealer cannot go from ", StatusName(from),
                              " to ", StatusName(to),
                              from == DealerStatus::kTerminated
                                  ? ": termination is final; create a new "
                                    "dealer record"
                                  : ""));
}

absl::Status CheckParent(const Dealer& child, const Dealer& parent) {
  if (child.channel_level == ChannelLevel::kKeyAccount) {
    return Refusal(absl::StatusCode::kFailedPrecondition, kReasonInvalidParent,
                   "a key account buys from the manufacturer directly and has "
                   "no parent dealer");
  }
  if (parent.channel_level == ChannelLevel::kKeyAccount ||
      Tier(parent.channel_level) >= Tier(child.channel_level)) {
    return Refusal(
        absl::StatusCode::kFailedPrecondition, kReasonInvalidParent,
        absl::StrCat("parent dealer ", parent.id,
                     " is not upstream of this dealer's channel level; a "
                     "dealer buys from a distributor (if a wholesaler) or a "
                     "distributor or wholesaler (if a retailer)"));
  }
  if (parent.status == DealerStatus::kTerminated) {
    return Refusal(absl::StatusCode::kFailedPrecondition, kReasonInvalidParent,
                   absl::StrCat("parent dealer ", parent.id, " is terminated"));
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

Dealer ApplyUpdate(const Dealer& current, const DealerUpdate& update) {
  Dealer out = current;
  const Dealer& in = update.values;
  for (DealerField field : update.fields) {
    switch (field) {
      case DealerField::kLegalName:
        out.legal_name = in.legal_name;
        break;
      case DealerField::kRegion:
        out.region = in.region;
        break;
      case DealerField::kChannelLevel:
        out.channel_level = in.channel_level;
        break;
      case DealerField::kParent:
        out.parent_dealer_id = in.parent_dealer_id;
        break;
      case DealerField::kStatus:
        out.status = in.status;
        break;
      case DealerField::kOwner:
        out.owner = in.owner;
        break;
      case DealerField::kRegisteredCapital:
        out.registered_capital = in.registered_capital;
        break;
      case DealerField::kBrands:
        out.brands = in.brands;
        break;
      case DealerField::kBusinessScope:
        out.business_scope = in.business_scope;
        break;
    }
  }
  return out;
}

absl::Status CheckExpectedVersion(const Dealer& current,
                                  int64_t expected_version) {
  if (expected_version == 0 || current.version == expected_version) {
    return absl::OkStatus();
  }
  return Refusal(
      absl::StatusCode::kAborted, kReasonEtagMismatch,
      absl::StrCat("dealer ", current.id, " was changed by someone else (etag ",
                   EtagOf(current),
                   "); read it again and reapply your change"));
}

bool ChangeAffectsChildren(const Dealer& before, const Dealer& after) {
  const bool terminating = after.status == DealerStatus::kTerminated &&
                           before.status != DealerStatus::kTerminated;
  return terminating || after.channel_level != before.channel_level;
}

absl::Status CheckNoActiveChildren(const Dealer& before, const Dealer& after,
                                   int64_t active_children) {
  if (active_children == 0 || !ChangeAffectsChildren(before, after)) {
    return absl::OkStatus();
  }
  const bool terminating = after.status == DealerStatus::kTerminated &&
                           before.status != DealerStatus::kTerminated;
  return Refusal(
      absl::StatusCode::kFailedPrecondition, kReasonHasActiveChildren,
      absl::StrCat(
          "dealer ", after.id, " supplies ", active_children,
          " active dealer(s); move them to another parent before ",
          terminating ? "terminating it" : "changing its channel level"));
}

std::string EtagOf(const Dealer& dealer) {
  return absl::StrCat("\"v", dealer.version, "\"");
}

absl::StatusOr<int64_t> VersionFromEtag(absl::string_view field,
                                        absl::string_view etag) {
  absl::string_view v = etag;
  int64_t version = 0;
  if (!absl::ConsumePrefix(&v, "\"v") || !absl::ConsumeSuffix(&v, "\"") ||
      !absl::SimpleAtoi(v, &version) || version <= 0) {
    return InvalidField(field, "is not an etag returned by this service");
  }
  return version;
}

namespace {

bool ManagesAllDealers(const auth::Principal& who) {
  return who.HasAny({auth::Role::kSalesManager, auth::Role::kAdmin});
}

}  // namespace

absl::StatusOr<std::string> OwnerOfNewDealer(const auth::Principal& who,
                                             const Dealer& draft) {
  if (draft.owner.empty() || draft.owner == who.subject) return who.subject;
  if (ManagesAllDealers(who)) return draft.owner;
  return Refusal(absl::StatusCode::kPermissionDenied, auth::kReasonNotOwner,
                 absl::StrCat("a sales_rep creates dealers they own; leave "
                              "dealer.owner empty or ask a sales_manager to "
                              "create it for ",
                              QuoteInput(draft.owner)));
}

absl::Status CheckMayChangeDealer(const auth::Principal& who,
                                  const Dealer& current,
                                  const DealerUpdate& update) {
  if (ManagesAllDealers(who)) return absl::OkStatus();
  if (current.owner != who.subject) {
    return Refusal(
        absl::StatusCode::kPermissionDenied, auth::kReasonNotOwner,
        absl::StrCat("dealer ", current.id, " is owned by ",
                     current.owner.empty() ? "nobody" : current.owner,
                     "; a sales_rep changes only the dealers they own (ask "
                     "the owner or a sales_manager)"));
  }
  if (update.Changes(DealerField::kOwner) &&
      update.values.owner != current.owner) {
    return Refusal(absl::StatusCode::kPermissionDenied, auth::kReasonNotOwner,
                   "reassigning a dealer to another owner is a "
                   "sales_manager's decision");
  }
  return absl::OkStatus();
}

}  // namespace qudao::customer
