// CustomerRecordsService; see customer_records_service.h.
#include "services/customer_records/customer_records_service.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/events/change_feed.h"
#include "common/grpc/unary.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"
#include "services/customer_records/dealer_proto.h"

namespace qudao::customer {
namespace {

constexpr size_t kMaxBrands = 100;

// The update_mask paths UpdateDealer accepts, and the field each changes.
const std::map<std::string, DealerField>& UpdatablePaths() {
  static const auto* paths = new std::map<std::string, DealerField>{
      {"legal_name", DealerField::kLegalName},
      {"region", DealerField::kRegion},
      {"channel_level", DealerField::kChannelLevel},
      {"parent_dealer_id", DealerField::kParent},
      {"status", DealerField::kStatus},
      {"owner", DealerField::kOwner},
      {"registered_capital", DealerField::kRegisteredCapital},
      {"brands", DealerField::kBrands},
      {"business_scope", DealerField::kBusinessScope},
      {"payer_dealer_id", DealerField::kPayer},
      {"pricing_zone", DealerField::kPricingZone},
      {"unified_social_credit_code", DealerField::kUnifiedSocialCreditCode}};
  return *paths;
}

// Paths of fields the service sets, which UpdateDealer refuses by name.
const std::map<std::string, std::string>& OutputOnlyPaths() {
  static const auto* paths = new std::map<std::string, std::string>{
      {"dealer_id", "the id is assigned when the dealer is created"},
      {"create_time", "set by the service"},
      {"update_time", "set by the service"},
      {"etag", "send the etag you read in dealer.etag instead"},
      {"abc_class",
       "the ABC classification is computed from purchases, not edited"},
      {"value_tier", "the value tier is computed, not edited"}};
  return *paths;
}

constexpr size_t kMaxCodeChars = 32;
constexpr size_t kMaxNameQueryChars = 100;

absl::Status ValidateRegion(const pb::Region& region) {
  RETURN_IF_ERROR(RequireText("dealer.region.province", region.province(), 64));
  RETURN_IF_ERROR(RequireText("dealer.region.city", region.city(), 64));
  if (!region.sales_territory().empty()) {
    return RequireCode("dealer.region.sales_territory",
                       region.sales_territory(), kMaxCodeChars);
  }
  return absl::OkStatus();
}

// Validates the syntax of one dealer field of `in` and copies it into
// `dealer`.
absl::Status ApplyField(DealerField field, const pb::Dealer& in,
                        Dealer& dealer) {
  switch (field) {
    case DealerField::kLegalName:
      RETURN_IF_ERROR(RequireText("dealer.legal_name", in.legal_name(), 200));
      dealer.legal_name =
          std::string(absl::StripAsciiWhitespace(in.legal_name()));
      return absl::OkStatus();
    case DealerField::kRegion:
      RETURN_IF_ERROR(ValidateRegion(in.region()));
      dealer.region = {in.region().province(), in.region().city(),
                       in.region().sales_territory()};
      return absl::OkStatus();
    case DealerField::kChannelLevel:
      if (in.channel_level() == pb::CHANNEL_LEVEL_UNSPECIFIED ||
          !pb::ChannelLevel_IsValid(in.channel_level())) {
        return InvalidField("dealer.channel_level",
                            "must be DISTRIBUTOR, WHOLESALER, RETAILER or "
                            "KEY_ACCOUNT");
      }
      dealer.channel_level = static_cast<ChannelLevel>(in.channel_level());
      return absl::OkStatus();
    case DealerField::kParent:
      if (!in.parent_dealer_id().empty()) {
        RETURN_IF_ERROR(
            RequireDealerId("dealer.parent_dealer_id", in.parent_dealer_id()));
      }
      dealer.parent_dealer_id = in.parent_dealer_id();
      return absl::OkStatus();
    case DealerField::kStatus:
      if (in.status() == pb::DEALER_STATUS_UNSPECIFIED ||
          !pb::DealerStatus_IsValid(in.status())) {
        return InvalidField(
            "dealer.status",
            "must be PROSPECT, ACTIVE, SUSPENDED or TERMINATED");
      }
      dealer.status = static_cast<DealerStatus>(in.status());
      return absl::OkStatus();
    case DealerField::kOwner:
      // The owner is a principal's name, compared with callers' names by
      // the ownership and four-eyes rules: stored without surrounding
      // spaces.
      RETURN_IF_ERROR(RequireText("dealer.owner", in.owner(), 64));
      dealer.owner = std::string(absl::StripAsciiWhitespace(in.owner()));
      return absl::OkStatus();
    case DealerField::kRegisteredCapital: {
      if (!in.has_registered_capital()) {
        dealer.registered_capital.reset();
        return absl::OkStatus();
      }
      ASSIGN_OR_RETURN(
          dealer.registered_capital,
          MoneyFromProto("dealer.registered_capital", in.registered_capital()));
      return absl::OkStatus();
    }
    case DealerField::kBrands:
      if (static_cast<size_t>(in.brands_size()) > kMaxBrands) {
        return InvalidField("dealer.brands",
                            absl::StrCat("at most ", kMaxBrands, " brands"));
      }
      dealer.brands.clear();
      for (int i = 0; i < in.brands_size(); ++i) {
        RETURN_IF_ERROR(RequireText(absl::StrCat("dealer.brands[", i, "]"),
                                    in.brands(i), 64));
        dealer.brands.push_back(in.brands(i));
      }
      return absl::OkStatus();
    case DealerField::kBusinessScope:
      RETURN_IF_ERROR(OptionalMultilineText("dealer.business_scope",
                                            in.business_scope(), 2000));
      dealer.business_scope = in.business_scope();
      return absl::OkStatus();
    case DealerField::kPayer:
      if (!in.payer_dealer_id().empty()) {
        RETURN_IF_ERROR(
            RequireDealerId("dealer.payer_dealer_id", in.payer_dealer_id()));
      }
      dealer.payer_dealer_id = in.payer_dealer_id();
      return absl::OkStatus();
    case DealerField::kPricingZone:
      if (!in.pricing_zone().empty()) {
        RETURN_IF_ERROR(RequireCode("dealer.pricing_zone", in.pricing_zone(),
                                    kMaxCodeChars));
      }
      dealer.pricing_zone = in.pricing_zone();
      return absl::OkStatus();
    case DealerField::kUnifiedSocialCreditCode:
      // Empty (or blank) records none; anything else must be a valid code.
      if (absl::StripAsciiWhitespace(in.unified_social_credit_code()).empty()) {
        dealer.unified_social_credit_code.clear();
        return absl::OkStatus();
      }
      ASSIGN_OR_RETURN(
          dealer.unified_social_credit_code,
          ParseUnifiedSocialCreditCode("dealer.unified_social_credit_code",
                                       in.unified_social_credit_code()));
      return absl::OkStatus();
  }
  return absl::InternalError("unknown dealer field");
}

// The fields a new dealer is created with (status is decided separately;
// the output-only classification starts empty).
constexpr DealerField kCreateFields[] = {DealerField::kLegalName,
                                         DealerField::kRegion,
                                         DealerField::kChannelLevel,
                                         DealerField::kParent,
                                         DealerField::kOwner,
                                         DealerField::kRegisteredCapital,
                                         DealerField::kBrands,
                                         DealerField::kBusinessScope,
                                         DealerField::kPayer,
                                         DealerField::kPricingZone,
                                         DealerField::kUnifiedSocialCreditCode};

// A ListDealers filter that names a code (territory, zone): any, or a
// well-formed code.
absl::Status OptionalCodeFilter(absl::string_view field,
                                absl::string_view value) {
  if (value.empty()) return absl::OkStatus();
  return RequireCode(field, value, kMaxCodeChars);
}

}  // namespace

const auth::PermissionTable& CustomerRecordsPermissions() {
  using auth::Access;
  using auth::PartnerAccess;
  using auth::Role;
  const auth::RoleSet sales = {Role::kSalesRep, Role::kSalesManager,
                               Role::kAdmin};
  const auth::RoleSet services = {
      Role::kPricingService, Role::kCreditControlService,
      Role::kCustomerRecordsService, Role::kDealerSupportService,
      Role::kWarehouseService};
  static const auto* table = new auth::PermissionTable(
      pb::CustomerRecordsService::service_full_name(),
      {
          {"CreateDealer", Access::kWrite, sales, PartnerAccess::kNone,
           "dealers", "dealer_id", "a sales_rep creates dealers they own"},
          {"GetDealer", Access::kRead, auth::RoleSet::Staff().Union(services),
           PartnerAccess::kOwnDealer, "dealers", "dealer_id", ""},
          {"ListDealers", Access::kRead, auth::RoleSet::Staff().Union(services),
           PartnerAccess::kNone, "dealers", "", ""},
          {"UpdateDealer", Access::kWrite, sales, PartnerAccess::kNone,
           "dealers", "dealer.dealer_id",
           "a sales_rep only the dealers they own, never the owner"},
          {"ListChanges", Access::kRead, services.Union({Role::kAdmin}),
           PartnerAccess::kNone, "", "", ""},
          {"ListAuditEvents",
           Access::kRead,
           {Role::kAdmin},
           PartnerAccess::kNone,
           "",
           "",
           ""},
      });
  return *table;
}

CustomerRecordsService::CustomerRecordsService(DealerOperations* dealers,
                                               storage::Database* feed,
                                               Serving serving)
    : ServedService(serving), dealers_(dealers), feed_(feed) {
  Handle<pb::CreateDealerRequest, pb::Dealer>(
      "CreateDealer",
      [this](const Call& c, const pb::CreateDealerRequest& r, pb::Dealer* out) {
        return HandleCreateDealer(c, r, out);
      });
  Handle<pb::GetDealerRequest, pb::Dealer>(
      "GetDealer",
      [this](const Call& c, const pb::GetDealerRequest& r, pb::Dealer* out) {
        return HandleGetDealer(c, r, out);
      });
  Handle<pb::ListDealersRequest, pb::ListDealersResponse>(
      "ListDealers", [this](const Call& c, const pb::ListDealersRequest& r,
                            pb::ListDealersResponse* out) {
        return HandleListDealers(c, r, out);
      });
  Handle<pb::UpdateDealerRequest, pb::Dealer>(
      "UpdateDealer",
      [this](const Call& c, const pb::UpdateDealerRequest& r, pb::Dealer* out) {
        return HandleUpdateDealer(c, r, out);
      });
  Handle<type::v1::ListChangesRequest, type::v1::ListChangesResponse>(
      "ListChanges",
      [this](const Call& c, const type::v1::ListChangesRequest& r,
             type::v1::ListChangesResponse* out) {
        return HandleListChanges(c, r, out);
      });
  ServeAuditTrail();
}

absl::Status CustomerRecordsService::HandleCreateDealer(
    const Call& call, const pb::CreateDealerRequest& request,
    pb::Dealer* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  if (!request.has_dealer()) return InvalidField("dealer", "is required");
  const pb::Dealer& in = request.dealer();
  Dealer draft;
  for (DealerField field : kCreateFields) {
    // The owner may be left out: the dealer is then its creator's.
    if (field == DealerField::kOwner && in.owner().empty()) continue;
    RETURN_IF_ERROR(ApplyField(field, in, draft));
  }
  if (in.status() == pb::DEALER_STATUS_UNSPECIFIED ||
      in.status() == pb::DEALER_STATUS_PROSPECT) {
    draft.status = DealerStatus::kProspect;
  } else if (in.status() == pb::DEALER_STATUS_ACTIVE) {
    draft.status = DealerStatus::kActive;
  } else {
    return InvalidField("dealer.status",
                        "a new dealer starts as PROSPECT or ACTIVE");
  }
  // Create reads neither the etag nor output-only fields, so a retry that
  // sends back what it got is the same request.
  pb::CreateDealerRequest read = request;
  read.mutable_dealer()->clear_etag();
  ASSIGN_OR_RETURN(const Dealer created,
                   dealers_->Create(call.principal, draft,
                                    call.Idempotent(request.request_id(),
                                                    RequestFingerprint(read))));
  *response = DealerToProto(created);
  return absl::OkStatus();
}

absl::Status CustomerRecordsService::HandleGetDealer(
    const Call& /*call*/, const pb::GetDealerRequest& request,
    pb::Dealer* response) {
  RETURN_IF_ERROR(RequireDealerId("dealer_id", request.dealer_id()));
  ASSIGN_OR_RETURN(const Dealer dealer, dealers_->Get(request.dealer_id()));
  *response = DealerToProto(dealer);
  return absl::OkStatus();
}

absl::Status CustomerRecordsService::HandleListDealers(
    const Call& /*call*/, const pb::ListDealersRequest& request,
    pb::ListDealersResponse* response) {
  DealerFilter filter;
  if (request.status() != pb::DEALER_STATUS_UNSPECIFIED) {
    if (!pb::DealerStatus_IsValid(request.status())) {
      return InvalidField("status", "is not a dealer status");
    }
    filter.status = static_cast<DealerStatus>(request.status());
  }
  RETURN_IF_ERROR(OptionalText("province", request.province(), 64));
  filter.province = request.province();
  RETURN_IF_ERROR(
      OptionalCodeFilter("sales_territory", request.sales_territory()));
  filter.sales_territory = request.sales_territory();
  if (request.channel_level() != pb::CHANNEL_LEVEL_UNSPECIFIED) {
    if (!pb::ChannelLevel_IsValid(request.channel_level())) {
      return InvalidField("channel_level",
                          "must be DISTRIBUTOR, WHOLESALER, RETAILER or "
                          "KEY_ACCOUNT");
    }
    filter.channel_level = static_cast<ChannelLevel>(request.channel_level());
  }
  if (request.abc_class() != pb::ABC_CLASS_UNSPECIFIED) {
    if (!pb::AbcClass_IsValid(request.abc_class())) {
      return InvalidField("abc_class", "must be A, B or C");
    }
    filter.abc_class = static_cast<AbcClass>(request.abc_class());
  }
  // Owners are stored trimmed.
  RETURN_IF_ERROR(OptionalText("owner", request.owner(), 64));
  filter.owner = std::string(absl::StripAsciiWhitespace(request.owner()));
  if (!request.payer_dealer_id().empty()) {
    RETURN_IF_ERROR(
        RequireDealerId("payer_dealer_id", request.payer_dealer_id()));
  }
  filter.payer_dealer_id = request.payer_dealer_id();
  RETURN_IF_ERROR(OptionalCodeFilter("pricing_zone", request.pricing_zone()));
  filter.pricing_zone = request.pricing_zone();
  RETURN_IF_ERROR(
      OptionalText("name_query", request.name_query(), kMaxNameQueryChars));
  filter.name_query = request.name_query();
  ASSIGN_OR_RETURN(
      const PageRequest page,
      ParsePage(request.page_size(), request.page_token(), filter.Canonical()));
  ASSIGN_OR_RETURN(const DealerPage result, dealers_->List(filter, page));
  for (const Dealer& d : result.dealers) {
    *response->add_dealers() = DealerToProto(d);
  }
  response->set_next_page_token(result.next_page_token);
  return absl::OkStatus();
}

absl::Status CustomerRecordsService::HandleUpdateDealer(
    const Call& call, const pb::UpdateDealerRequest& request,
    pb::Dealer* response) {
  if (!request.has_dealer()) return InvalidField("dealer", "is required");
  const pb::Dealer& in = request.dealer();
  RETURN_IF_ERROR(RequireDealerId("dealer.dealer_id", in.dealer_id()));
  if (request.update_mask().paths_size() == 0) {
    return InvalidField("update_mask",
                        "must name the fields to change, e.g. \"owner\"");
  }
  DealerUpdate update;
  update.dealer_id = in.dealer_id();
  for (const std::string& path : request.update_mask().paths()) {
    if (auto out = OutputOnlyPaths().find(path);
        out != OutputOnlyPaths().end()) {
      return InvalidField("update_mask",
                          absl::StrCat(path, " is output only: ", out->second));
    }
    auto it = UpdatablePaths().find(path);
    if (it == UpdatablePaths().end()) {
      return InvalidField(
          "update_mask",
          absl::StrCat(QuoteInput(path), " is not an updatable dealer field"));
    }
    update.fields.insert(it->second);
  }
  if (!in.etag().empty()) {
    ASSIGN_OR_RETURN(update.expected_version,
                     VersionFromEtag("dealer.etag", in.etag()));
  }
  // Every named field is validated before anything is read or written.
  for (DealerField field : update.fields) {
    RETURN_IF_ERROR(ApplyField(field, in, update.values));
  }
  ASSIGN_OR_RETURN(const Dealer updated,
                   dealers_->Update(call.principal, update));
  *response = DealerToProto(updated);
  return absl::OkStatus();
}

absl::Status CustomerRecordsService::HandleListChanges(
    const Call& /*call*/, const type::v1::ListChangesRequest& request,
    type::v1::ListChangesResponse* response) {
  ASSIGN_OR_RETURN(*response,
                   events::ListChanges(*feed_, kFeedSource, request));
  return absl::OkStatus();
}

}  // namespace qudao::customer
