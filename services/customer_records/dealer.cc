// Dealer rules; see dealer.h.
#include "services/customer_records/dealer.h"

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status/macros.h"
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
      case DealerField::kPayer:
        out.payer_dealer_id = in.payer_dealer_id;
        break;
      case DealerField::kPricingZone:
        out.pricing_zone = in.pricing_zone;
        break;
      case DealerField::kUnifiedSocialCreditCode:
        out.unified_social_credit_code = in.unified_social_credit_code;
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

namespace {

absl::Status InvalidPayer(std::string message) {
  return WithField(Refusal(absl::StatusCode::kFailedPrecondition,
                           kReasonInvalidPayer, message),
                   "dealer.payer_dealer_id");
}

// Whether a dealer of this level can be anyone's parent.
bool CanSupply(ChannelLevel level) {
  return level == ChannelLevel::kDistributor ||
         level == ChannelLevel::kWholesaler;
}

bool Trades(DealerStatus status) {
  return status == DealerStatus::kProspect || status == DealerStatus::kActive;
}

}  // namespace

absl::StatusOr<std::vector<Dealer>> AncestorsOf(const Dealer& dealer,
                                                DealerLookup& lookup) {
  std::vector<Dealer> chain;
  std::set<std::string> seen = {dealer.id};
  for (std::string next = dealer.parent_dealer_id; !next.empty();) {
    if (seen.count(next) > 0) {
      return Refusal(absl::StatusCode::kFailedPrecondition, kReasonInvalidPayer,
                     absl::StrCat("the parent chain of dealer ", dealer.id,
                                  " loops back to dealer ", next,
                                  "; correct the parents first"));
    }
    if (static_cast<int>(chain.size()) == kMaxChainDepth) {
      return Refusal(absl::StatusCode::kFailedPrecondition, kReasonInvalidPayer,
                     absl::StrCat("the parent chain of dealer ", dealer.id,
                                  " is deeper than ", kMaxChainDepth,
                                  " dealers; correct the parents first"));
    }
    seen.insert(next);
    absl::StatusOr<Dealer> parent = lookup.Get(next);
    if (absl::IsNotFound(parent.status())) {
      return Refusal(
          absl::StatusCode::kFailedPrecondition, kReasonInvalidPayer,
          absl::StrCat("the parent chain of dealer ", dealer.id,
                       " names dealer ", next, ", which does not exist"));
    }
    if (!parent.ok()) return parent.status();
    next = parent->parent_dealer_id;
    chain.push_back(*std::move(parent));
  }
  return chain;
}

bool PaysForItself(const Dealer& dealer) {
  return dealer.payer_dealer_id.empty() || dealer.payer_dealer_id == dealer.id;
}

absl::Status CheckPayer(const Dealer* before, const Dealer& after,
                        DealerLookup& lookup) {
  const bool payer_named =
      before == nullptr || before->payer_dealer_id != after.payer_dealer_id;
  const bool applies = payer_named ||
                       before->parent_dealer_id != after.parent_dealer_id ||
                       (before->status != after.status && Trades(after.status));
  if (!applies || PaysForItself(after)) return absl::OkStatus();
  const std::string& payer = after.payer_dealer_id;
  ASSIGN_OR_RETURN(const std::vector<Dealer> ancestors,
                   AncestorsOf(after, lookup));
  for (const Dealer& a : ancestors) {
    if (a.id != payer) continue;
    if (a.status != DealerStatus::kActive &&
        (payer_named || Trades(after.status))) {
      return InvalidPayer(absl::StrCat(
          "payer dealer ", payer, " is ", StatusName(a.status),
          "; a dealer is billed to an active dealer: choose another payer "
          "(or none, to bill the dealer itself)"));
    }
    return absl::OkStatus();
  }
  absl::StatusOr<Dealer> found = lookup.Get(payer);
  if (absl::IsNotFound(found.status())) {
    return InvalidPayer(
        absl::StrCat("payer dealer ", payer, " does not exist"));
  }
  RETURN_IF_ERROR(found.status());
  const bool moved =
      before != nullptr && before->parent_dealer_id != after.parent_dealer_id;
  return InvalidPayer(absl::StrCat(
      "payer dealer ", payer, " is not upstream of this dealer",
      moved && !payer_named ? " under its new parent" : "",
      "; a dealer is billed to itself or to a dealer it buys from, directly "
      "or through its parents",
      moved && !payer_named ? " (change payer_dealer_id in the same update)"
                            : ""));
}

absl::Status CheckPayersBelow(const Dealer& before, const Dealer& after,
                              DealerLookup& lookup) {
  if (before.parent_dealer_id == after.parent_dealer_id) {
    return absl::OkStatus();
  }
  // Each dealer below `after`, with the ids between it and `after` (its
  // own ancestors that stay with it).
  struct Below {
    std::string id;
    std::vector<std::string> path;
  };
  std::vector<Below> pending = {{after.id, {}}};
  std::set<std::string> seen = {after.id};
  std::optional<std::set<std::string>> above;  // read when first needed
  while (!pending.empty()) {
    Below supplier = std::move(pending.back());
    pending.pop_back();
    supplier.path.push_back(supplier.id);
    if (static_cast<int>(supplier.path.size()) > kMaxChainDepth) {
      return Refusal(
          absl::StatusCode::kFailedPrecondition, kReasonInvalidPayer,
          absl::StrCat("the dealers below ", after.id, " are deeper than ",
                       kMaxChainDepth, " levels; correct the parents first"));
    }
    ASSIGN_OR_RETURN(const std::vector<Dealer> children,
                     lookup.ChildrenOf(supplier.id));
    for (const Dealer& child : children) {
      if (!seen.insert(child.id).second) {
        return Refusal(absl::StatusCode::kFailedPrecondition,
                       kReasonInvalidPayer,
                       absl::StrCat("the dealers below ", after.id,
                                    " loop back to dealer ", child.id,
                                    "; correct the parents first"));
      }
      const std::string& payer = child.payer_dealer_id;
      bool upstream = PaysForItself(child);
      for (const std::string& id : supplier.path) upstream |= id == payer;
      if (!upstream) {
        if (!above.has_value()) {
          ASSIGN_OR_RETURN(const std::vector<Dealer> ancestors,
                           AncestorsOf(after, lookup));
          above.emplace();
          for (const Dealer& a : ancestors) above->insert(a.id);
        }
        if (above->count(payer) == 0) {
          return InvalidPayer(absl::StrCat(
              "dealer ", child.id, ", which buys through dealer ", after.id,
              ", is billed to dealer ", payer,
              ", which would no longer be upstream of it; change that "
              "dealer's payer first"));
        }
      }
      if (CanSupply(child.channel_level)) {
        pending.push_back({child.id, supplier.path});
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckUsccForStatus(const Dealer* before, const Dealer& after) {
  if (after.status != DealerStatus::kActive ||
      !after.unified_social_credit_code.empty()) {
    return absl::OkStatus();
  }
  const bool becomes_active =
      before == nullptr || before->status != DealerStatus::kActive;
  const bool cleared =
      before != nullptr && !before->unified_social_credit_code.empty();
  if (!becomes_active && !cleared) return absl::OkStatus();
  return WithField(
      Refusal(absl::StatusCode::kFailedPrecondition, kReasonUsccRequired,
              cleared && !becomes_active
                  ? "an active dealer keeps its unified social credit code "
                    "(统一社会信用代码); correct it instead of clearing it, "
                    "or suspend or terminate the dealer first"
                  : "a dealer becomes active only with its unified social "
                    "credit code (统一社会信用代码, on its business licence) "
                    "recorded: set dealer.unified_social_credit_code"),
      "dealer.unified_social_credit_code");
}

absl::Status DuplicateDealer(absl::string_view existing_id,
                             absl::string_view code) {
  return WithField(
      Refusal(absl::StatusCode::kAlreadyExists, kReasonDuplicateDealer,
              absl::StrCat("dealer ", existing_id,
                           " already has unified social credit code ", code,
                           "; a business is recorded once: update dealer ",
                           existing_id, " instead")),
      "dealer.unified_social_credit_code");
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
