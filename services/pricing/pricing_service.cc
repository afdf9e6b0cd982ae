// PricingService; see pricing_service.h.
#include "services/pricing/pricing_service.h"

#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/grpc/unary.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"
#include "services/pricing/price_list_proto.h"
#include "services/pricing/product_proto.h"

namespace qudao::pricing {
namespace {

constexpr size_t kMaxSkuChars = 64;
constexpr size_t kMaxCodeChars = 64;
constexpr size_t kMaxNameChars = 200;
constexpr size_t kMaxNoteChars = 500;

// A SKU or group/line code from a request: syntax checked, then canonical.
absl::StatusOr<std::string> Code(absl::string_view field,
                                 absl::string_view value,
                                 size_t max_chars = kMaxCodeChars) {
  RETURN_IF_ERROR(RequireCode(field, value, max_chars));
  return CanonicalCode(value);
}

absl::StatusOr<std::string> Currency(absl::string_view field,
                                     const std::string& code) {
  if (code.empty()) return InvalidField(field, "is required, e.g. CNY");
  if (absl::Status s = Money::Create(code, 0).status(); !s.ok()) {
    return InvalidField(field, s.message());
  }
  return code;
}

// A day field: empty means `fallback` if given, else required.
absl::StatusOr<absl::CivilDay> DayOr(absl::string_view field,
                                     const std::string& text,
                                     std::optional<absl::CivilDay> fallback) {
  if (text.empty()) {
    if (fallback.has_value()) return *fallback;
    return InvalidField(field, "is required (YYYY-MM-DD)");
  }
  return ParseDay(field, text);
}

}  // namespace

const auth::PermissionTable& PricingPermissions() {
  using auth::Access;
  using auth::PartnerAccess;
  using auth::Role;
  const auth::RoleSet readers = auth::RoleSet::Staff().Union(
      {Role::kPricingService, Role::kCreditControlService,
       Role::kCustomerRecordsService, Role::kDealerSupportService,
       Role::kWarehouseService});
  const auth::RoleSet writers = {Role::kPricingManager, Role::kAdmin};
  // Standard costs are confidential: pricing and finance (the credit
  // manager) only, and pricing's own account (quotes measure margins).
  const auth::RoleSet cost_readers = {Role::kPricingManager,
                                      Role::kCreditManager, Role::kAdmin,
                                      Role::kPricingService};
  const auth::RoleSet staff = auth::RoleSet::Staff();
  const auth::RoleSet quoters = {Role::kSalesRep, Role::kSalesManager,
                                 Role::kAdmin, Role::kPricingService};
  static const auto* table = new auth::PermissionTable(
      pb::PricingService::service_full_name(),
      {
          {"CreateProduct", Access::kWrite, writers, PartnerAccess::kNone,
           "products", "sku", ""},
          {"GetProduct", Access::kRead, readers, PartnerAccess::kShared,
           "products", "sku", "the catalogue is open to partners"},
          {"UpdateProduct", Access::kWrite, writers, PartnerAccess::kNone,
           "products", "product.sku", ""},
          {"ListProducts", Access::kRead, readers, PartnerAccess::kShared,
           "products", "", "the catalogue is open to partners"},
          {"CreateProductGroup", Access::kWrite, writers, PartnerAccess::kNone,
           "product_groups", "group_code", ""},
          {"ListProductGroups", Access::kRead, readers, PartnerAccess::kShared,
           "product_groups", "", "the catalogue is open to partners"},
          {"PublishPriceList", Access::kWrite, writers, PartnerAccess::kNone,
           "price_lists", "price_list.currency_code", ""},
          {"GetPriceListVersion", Access::kRead, readers, PartnerAccess::kNone,
           "price_lists", "currency_code",
           "partners read prices with GetPrice, not the lists' history"},
          {"ListPriceListVersions", Access::kRead, readers,
           PartnerAccess::kNone, "price_lists", "currency_code", ""},
          {"GetPrice", Access::kRead, readers, PartnerAccess::kShared,
           "price_lists", "sku",
           "list prices are open to partners, for days up to today only "
           "(a later day is PERMISSION_DENIED PARTNER_NOT_ALLOWED)"},
          {"SetStandardCost", Access::kWrite, writers, PartnerAccess::kNone,
           "standard_costs", "standard_cost.sku", ""},
          {"GetStandardCost", Access::kRead, cost_readers, PartnerAccess::kNone,
           "standard_costs", "sku",
           "costs are confidential: pricing and finance only"},
          {"GetPricingSettings", Access::kRead, readers, PartnerAccess::kShared,
           "", "", ""},
          // Price rules: pricing managers write, staff read.
          {"CreatePriceRule", Access::kWrite, writers, PartnerAccess::kNone,
           "price_rules", "price_rule.rule_id", "always a draft"},
          {"UpdatePriceRule", Access::kWrite, writers, PartnerAccess::kNone,
           "price_rules", "price_rule.rule_id", "drafts only"},
          {"PublishPriceRule", Access::kWrite, writers, PartnerAccess::kNone,
           "price_rules", "rule_id",
           "four eyes: never by the draft's author or last editor"},
          {"RetirePriceRule", Access::kWrite, writers, PartnerAccess::kNone,
           "price_rules", "rule_id", "active rules, with a reason"},
          {"GetPriceRule", Access::kRead, staff, PartnerAccess::kNone,
           "price_rules", "rule_id", ""},
          {"ListPriceRules", Access::kRead, staff, PartnerAccess::kNone,
           "price_rules", "", ""},
          // Freight and geography.
          {"SetFreightAssignment", Access::kWrite, writers,
           PartnerAccess::kNone, "freight_assignments", "assignment.dealer_id",
           ""},
          {"ListFreightAssignments", Access::kRead, staff, PartnerAccess::kNone,
           "freight_assignments", "", ""},
          {"SetFreightRate", Access::kWrite, writers, PartnerAccess::kNone,
           "freight_rates", "rate.origin", ""},
          {"ListFreightRates", Access::kRead, staff, PartnerAccess::kNone,
           "freight_rates", "", ""},
          {"SetZoneAdjustment", Access::kWrite, writers, PartnerAccess::kNone,
           "zone_adjustments", "adjustment.zone", ""},
          {"ListZoneAdjustments", Access::kRead, staff, PartnerAccess::kNone,
           "zone_adjustments", "", ""},
          // Quotes: sales and pricing's own account; partners for their
          // own dealer.
          {"PriceBasket", Access::kRead, quoters, PartnerAccess::kOwnDealer,
           "quotes", "dealer_id",
           "computes only; standard costs shown to cost readers only; a "
           "partner sees only the rules in force (no OUT_OF_WINDOW)"},
          {"CreateQuote", Access::kWrite, quoters, PartnerAccess::kOwnDealer,
           "quotes", "quote_id",
           "a basket with lines below a floor is refused; a partner sees "
           "only the rules in force"},
          {"GetQuote", Access::kRead, quoters, PartnerAccess::kOwnDealer,
           "quotes", "quote_id",
           "another dealer's quote is NOT_FOUND for a partner; its own "
           "shows only the rules in force"},
          {"ListQuotes", Access::kRead, quoters, PartnerAccess::kOwnDealer,
           "quotes", "dealer_id", ""},
          {"SimulateRuleChange",
           Access::kRead,
           {Role::kPricingManager, Role::kAdmin},
           PartnerAccess::kNone,
           "quotes",
           "",
           "computes only; nothing stored"},
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

PricingService::PricingService(PricingOperations ops, Serving serving)
    : ServedService(serving),
      products_(ops.products),
      prices_(ops.prices),
      rules_(ops.rules),
      freight_(ops.freight),
      quotes_(ops.quotes) {
  Handle<pb::CreateProductRequest, pb::Product>(
      "CreateProduct",
      [this](const Call& c, const pb::CreateProductRequest& r,
             pb::Product* out) { return HandleCreateProduct(c, r, out); });
  Handle<pb::GetProductRequest, pb::Product>(
      "GetProduct",
      [this](const Call& c, const pb::GetProductRequest& r, pb::Product* out) {
        return HandleGetProduct(c, r, out);
      });
  Handle<pb::UpdateProductRequest, pb::Product>(
      "UpdateProduct",
      [this](const Call& c, const pb::UpdateProductRequest& r,
             pb::Product* out) { return HandleUpdateProduct(c, r, out); });
  Handle<pb::ListProductsRequest, pb::ListProductsResponse>(
      "ListProducts", [this](const Call& c, const pb::ListProductsRequest& r,
                             pb::ListProductsResponse* out) {
        return HandleListProducts(c, r, out);
      });
  Handle<pb::CreateProductGroupRequest, pb::ProductGroup>(
      "CreateProductGroup",
      [this](const Call& c, const pb::CreateProductGroupRequest& r,
             pb::ProductGroup* out) {
        return HandleCreateProductGroup(c, r, out);
      });
  Handle<pb::ListProductGroupsRequest, pb::ListProductGroupsResponse>(
      "ListProductGroups",
      [this](const Call& c, const pb::ListProductGroupsRequest& r,
             pb::ListProductGroupsResponse* out) {
        return HandleListProductGroups(c, r, out);
      });
  Handle<pb::PublishPriceListRequest, pb::PriceListVersion>(
      "PublishPriceList",
      [this](const Call& c, const pb::PublishPriceListRequest& r,
             pb::PriceListVersion* out) {
        return HandlePublishPriceList(c, r, out);
      });
  Handle<pb::GetPriceListVersionRequest, pb::PriceListVersion>(
      "GetPriceListVersion",
      [this](const Call& c, const pb::GetPriceListVersionRequest& r,
             pb::PriceListVersion* out) {
        return HandleGetPriceListVersion(c, r, out);
      });
  Handle<pb::ListPriceListVersionsRequest, pb::ListPriceListVersionsResponse>(
      "ListPriceListVersions",
      [this](const Call& c, const pb::ListPriceListVersionsRequest& r,
             pb::ListPriceListVersionsResponse* out) {
        return HandleListPriceListVersions(c, r, out);
      });
  Handle<pb::GetPriceRequest, pb::Price>(
      "GetPrice", [this](const Call& c, const pb::GetPriceRequest& r,
                         pb::Price* out) { return HandleGetPrice(c, r, out); });
  Handle<pb::SetStandardCostRequest, pb::StandardCost>(
      "SetStandardCost",
      [this](const Call& c, const pb::SetStandardCostRequest& r,
             pb::StandardCost* out) {
        return HandleSetStandardCost(c, r, out);
      });
  Handle<pb::GetStandardCostRequest, pb::GetStandardCostResponse>(
      "GetStandardCost",
      [this](const Call& c, const pb::GetStandardCostRequest& r,
             pb::GetStandardCostResponse* out) {
        return HandleGetStandardCost(c, r, out);
      });
  Handle<pb::GetPricingSettingsRequest, pb::PricingSettings>(
      "GetPricingSettings",
      [this](const Call&, const pb::GetPricingSettingsRequest&,
             pb::PricingSettings* out) {
        out->set_vat_rate_bp(prices_->vat_rate_bp());
        return absl::OkStatus();
      });
  ServeRulesAndQuotes();
  ServeAuditTrail();
}

absl::Status PricingService::HandleCreateProduct(
    const Call& call, const pb::CreateProductRequest& request,
    pb::Product* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  if (!request.has_product()) return InvalidField("product", "is required");
  const pb::Product& in = request.product();
  Product draft;
  ASSIGN_OR_RETURN(draft.sku, Code("product.sku", in.sku(), kMaxSkuChars));
  RETURN_IF_ERROR(RequireText("product.name", in.name(), kMaxNameChars));
  draft.name = std::string(absl::StripAsciiWhitespace(in.name()));
  ASSIGN_OR_RETURN(draft.product_group,
                   Code("product.product_group", in.product_group()));
  // Create reads neither the etag nor output-only fields, so a retry that
  // sends back what it got is the same request.
  pb::CreateProductRequest read = request;
  read.mutable_product()->clear_etag();
  // Fingerprinted with codes canonical: a retry in another case is the
  // same request.
  read.mutable_product()->set_sku(draft.sku);
  read.mutable_product()->set_product_group(draft.product_group);
  ASSIGN_OR_RETURN(
      const Product created,
      products_->Create(draft, call.Idempotent(request.request_id(),
                                               RequestFingerprint(read))));
  *response = ProductToProto(created);
  return absl::OkStatus();
}

absl::Status PricingService::HandleGetProduct(
    const Call& /*call*/, const pb::GetProductRequest& request,
    pb::Product* response) {
  ASSIGN_OR_RETURN(const std::string sku,
                   Code("sku", request.sku(), kMaxSkuChars));
  ASSIGN_OR_RETURN(const Product product, products_->Get(sku));
  *response = ProductToProto(product);
  return absl::OkStatus();
}

absl::Status PricingService::HandleUpdateProduct(
    const Call& call, const pb::UpdateProductRequest& request,
    pb::Product* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  if (!request.has_product()) return InvalidField("product", "is required");
  const pb::Product& in = request.product();
  ProductUpdate update;
  ASSIGN_OR_RETURN(update.sku, Code("product.sku", in.sku(), kMaxSkuChars));
  if (request.update_mask().paths_size() == 0) {
    return InvalidField("update_mask",
                        "must name the fields to change: name, product_group");
  }
  for (const std::string& path : request.update_mask().paths()) {
    if (path == "name") {
      RETURN_IF_ERROR(RequireText("product.name", in.name(), kMaxNameChars));
      update.name = std::string(absl::StripAsciiWhitespace(in.name()));
    } else if (path == "product_group") {
      ASSIGN_OR_RETURN(update.product_group,
                       Code("product.product_group", in.product_group()));
    } else {
      return InvalidField(
          "update_mask",
          absl::StrCat(QuoteInput(path),
                       " is not an updatable product field (name, "
                       "product_group)"));
    }
  }
  if (!in.etag().empty()) {
    ASSIGN_OR_RETURN(update.expected_version,
                     VersionFromEtag("product.etag", in.etag()));
  }
  // Fingerprinted with codes canonical and without the output-only
  // fields the update does not read.
  pb::UpdateProductRequest read = request;
  pb::Product* fp = read.mutable_product();
  fp->set_sku(update.sku);
  if (update.product_group.has_value()) {
    fp->set_product_group(*update.product_group);
  }
  fp->clear_product_line();
  fp->clear_create_time();
  fp->clear_update_time();
  ASSIGN_OR_RETURN(
      const Product updated,
      products_->Update(update, call.Idempotent(request.request_id(),
                                                RequestFingerprint(read))));
  *response = ProductToProto(updated);
  return absl::OkStatus();
}

absl::Status PricingService::HandleListProducts(
    const Call& /*call*/, const pb::ListProductsRequest& request,
    pb::ListProductsResponse* response) {
  ProductFilter filter;
  if (!request.product_line().empty()) {
    ASSIGN_OR_RETURN(filter.product_line,
                     Code("product_line", request.product_line()));
  }
  if (!request.product_group().empty()) {
    ASSIGN_OR_RETURN(filter.product_group,
                     Code("product_group", request.product_group()));
  }
  ASSIGN_OR_RETURN(
      const PageRequest page,
      ParsePage(request.page_size(), request.page_token(), filter.Canonical()));
  ASSIGN_OR_RETURN(const ProductPage result, products_->List(filter, page));
  for (const Product& p : result.products) {
    *response->add_products() = ProductToProto(p);
  }
  response->set_next_page_token(result.next_page_token);
  return absl::OkStatus();
}

absl::Status PricingService::HandleCreateProductGroup(
    const Call& call, const pb::CreateProductGroupRequest& request,
    pb::ProductGroup* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  if (!request.has_product_group()) {
    return InvalidField("product_group", "is required");
  }
  const pb::ProductGroup& in = request.product_group();
  ProductGroup draft;
  ASSIGN_OR_RETURN(draft.group_code,
                   Code("product_group.group_code", in.group_code()));
  ASSIGN_OR_RETURN(draft.product_line,
                   Code("product_group.product_line", in.product_line()));
  RETURN_IF_ERROR(RequireText("product_group.name", in.name(), kMaxNameChars));
  draft.name = std::string(absl::StripAsciiWhitespace(in.name()));
  pb::CreateProductGroupRequest read = request;
  read.mutable_product_group()->set_group_code(draft.group_code);
  read.mutable_product_group()->set_product_line(draft.product_line);
  ASSIGN_OR_RETURN(
      const ProductGroup created,
      products_->CreateGroup(draft, call.Idempotent(request.request_id(),
                                                    RequestFingerprint(read))));
  *response = ProductGroupToProto(created);
  return absl::OkStatus();
}

absl::Status PricingService::HandleListProductGroups(
    const Call& /*call*/, const pb::ListProductGroupsRequest& request,
    pb::ListProductGroupsResponse* response) {
  std::string line;
  if (!request.product_line().empty()) {
    ASSIGN_OR_RETURN(line, Code("product_line", request.product_line()));
  }
  ASSIGN_OR_RETURN(const PageRequest page,
                   ParsePage(request.page_size(), request.page_token(),
                             ProductGroupFilter(line)));
  ASSIGN_OR_RETURN(const ProductGroupPage result,
                   products_->ListGroups(line, page));
  for (const ProductGroup& g : result.groups) {
    *response->add_product_groups() = ProductGroupToProto(g);
  }
  response->set_next_page_token(result.next_page_token);
  return absl::OkStatus();
}

absl::Status PricingService::HandlePublishPriceList(
    const Call& call, const pb::PublishPriceListRequest& request,
    pb::PriceListVersion* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  if (!request.has_price_list()) {
    return InvalidField("price_list", "is required");
  }
  const pb::PriceListVersion& in = request.price_list();
  PriceListVersion draft;
  ASSIGN_OR_RETURN(draft.currency,
                   Currency("price_list.currency_code", in.currency_code()));
  ASSIGN_OR_RETURN(draft.valid_from, DayOr("price_list.valid_from",
                                           in.valid_from(), std::nullopt));
  if (!in.valid_until().empty()) {
    ASSIGN_OR_RETURN(draft.valid_until,
                     ParseDay("price_list.valid_until", in.valid_until()));
  }
  RETURN_IF_ERROR(
      OptionalMultilineText("price_list.note", in.note(), kMaxNoteChars));
  draft.note = in.note();
  if (in.entries_size() == 0 || in.entries_size() > kMaxPriceListEntries) {
    return InvalidField("price_list.entries",
                        absl::StrCat("must hold 1 to ", kMaxPriceListEntries,
                                     " prices (got ", in.entries_size(), ")"));
  }
  // Fingerprinted with SKUs canonical: a retry in another case is the same
  // request.
  pb::PublishPriceListRequest read = request;
  draft.entries.reserve(in.entries_size());
  for (int i = 0; i < in.entries_size(); ++i) {
    const pb::PriceListEntry& e = in.entries(i);
    const std::string at = absl::StrCat("price_list.entries[", i, "]");
    PriceListEntry entry;
    ASSIGN_OR_RETURN(entry.sku,
                     Code(absl::StrCat(at, ".sku"), e.sku(), kMaxSkuChars));
    read.mutable_price_list()->mutable_entries(i)->set_sku(entry.sku);
    if (e.withdrawn()) {
      if (e.has_list_price()) {
        return InvalidField(absl::StrCat(at, ".list_price"),
                            "must be empty for a withdrawn SKU");
      }
      entry.withdrawn = true;
      entry.list_price = Money::Create(draft.currency, 0).value();
      draft.entries.push_back(std::move(entry));
      continue;
    }
    if (!e.has_list_price()) {
      return InvalidField(absl::StrCat(at, ".list_price"),
                          "is required (or set withdrawn)");
    }
    ASSIGN_OR_RETURN(
        entry.list_price,
        MoneyFromProto(absl::StrCat(at, ".list_price"), e.list_price()));
    draft.entries.push_back(std::move(entry));
  }
  ASSIGN_OR_RETURN(const PriceListVersion published,
                   prices_->Publish(call.principal.DisplayName(), draft,
                                    call.Idempotent(request.request_id(),
                                                    RequestFingerprint(read))));
  PriceListVersionToProto(published, response);
  return absl::OkStatus();
}

absl::Status PricingService::HandleGetPriceListVersion(
    const Call& /*call*/, const pb::GetPriceListVersionRequest& request,
    pb::PriceListVersion* response) {
  ASSIGN_OR_RETURN(const std::string currency,
                   Currency("currency_code", request.currency_code()));
  if (request.version() < 0) {
    return InvalidField("version",
                        "must be a version number, or 0 for the "
                        "latest");
  }
  ASSIGN_OR_RETURN(const PriceListVersion version,
                   prices_->GetVersion(currency, request.version()));
  PriceListVersionToProto(version, response);
  return absl::OkStatus();
}

absl::Status PricingService::HandleListPriceListVersions(
    const Call& /*call*/, const pb::ListPriceListVersionsRequest& request,
    pb::ListPriceListVersionsResponse* response) {
  ASSIGN_OR_RETURN(const std::string currency,
                   Currency("currency_code", request.currency_code()));
  ASSIGN_OR_RETURN(const PageRequest page,
                   ParsePage(request.page_size(), request.page_token(),
                             PriceListVersionFilter(currency)));
  ASSIGN_OR_RETURN(const PriceListVersionPage result,
                   prices_->ListVersions(currency, page));
  for (const PriceListVersion& v : result.versions) {
    PriceListVersionToProto(v, response->add_price_list_versions());
  }
  response->set_next_page_token(result.next_page_token);
  return absl::OkStatus();
}

absl::Status PricingService::HandleGetPrice(const Call& call,
                                            const pb::GetPriceRequest& request,
                                            pb::Price* response) {
  ASSIGN_OR_RETURN(const std::string sku,
                   Code("sku", request.sku(), kMaxSkuChars));
  ASSIGN_OR_RETURN(const std::string currency,
                   Currency("currency_code", request.currency_code()));
  const absl::CivilDay today = prices_->Today();
  ASSIGN_OR_RETURN(const absl::CivilDay day,
                   DayOr("day", request.day(), today));
  // Future prices (published ahead of their day) are not yet the
  // partners' business.
  if (call.principal.is_partner() && day > today) {
    return Refusal(
        absl::StatusCode::kPermissionDenied, auth::kReasonPartnerNotAllowed,
        absl::StrCat("partners may read list prices for days up to today (",
                     FormatDay(today), "), not ", FormatDay(day)));
  }
  ASSIGN_OR_RETURN(const ListPrice price,
                   prices_->GetPrice(sku, currency, day));
  *response = PriceToProto(price, day);
  return absl::OkStatus();
}

absl::Status PricingService::HandleSetStandardCost(
    const Call& call, const pb::SetStandardCostRequest& request,
    pb::StandardCost* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  if (!request.has_standard_cost()) {
    return InvalidField("standard_cost", "is required");
  }
  const pb::StandardCost& in = request.standard_cost();
  StandardCost draft;
  ASSIGN_OR_RETURN(draft.sku,
                   Code("standard_cost.sku", in.sku(), kMaxSkuChars));
  if (!in.has_cost()) return InvalidField("standard_cost.cost", "is required");
  ASSIGN_OR_RETURN(draft.cost, MoneyFromProto("standard_cost.cost", in.cost()));
  ASSIGN_OR_RETURN(
      draft.effective_from,
      DayOr("standard_cost.effective_from", in.effective_from(), std::nullopt));
  RETURN_IF_ERROR(
      OptionalMultilineText("standard_cost.note", in.note(), kMaxNoteChars));
  draft.note = in.note();
  pb::SetStandardCostRequest read = request;
  read.mutable_standard_cost()->set_sku(draft.sku);
  ASSIGN_OR_RETURN(
      const StandardCost set,
      prices_->SetStandardCost(
          call.principal.DisplayName(), draft,
          call.Idempotent(request.request_id(), RequestFingerprint(read))));
  *response = StandardCostToProto(set);
  return absl::OkStatus();
}

absl::Status PricingService::HandleGetStandardCost(
    const Call& /*call*/, const pb::GetStandardCostRequest& request,
    pb::GetStandardCostResponse* response) {
  ASSIGN_OR_RETURN(const std::string sku,
                   Code("sku", request.sku(), kMaxSkuChars));
  ASSIGN_OR_RETURN(const absl::CivilDay day,
                   DayOr("day", request.day(), prices_->Today()));
  ASSIGN_OR_RETURN(const StandardCostAnswer answer,
                   prices_->GetStandardCost(sku, day));
  if (answer.in_force.has_value()) {
    *response->mutable_standard_cost() = StandardCostToProto(*answer.in_force);
  }
  for (const StandardCost& c : answer.history) {
    *response->add_history() = StandardCostToProto(c);
  }
  return absl::OkStatus();
}

}  // namespace qudao::pricing
