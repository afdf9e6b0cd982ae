// Who may call what, against every method of the four services, in process
// over real gRPC: no token, an expired one, the wrong issuer or audience, a
// tampered signature, `alg: none`, and a valid token without a role the
// method's row allows are each refused with the right code; nothing is
// written, and every refused write is in the audit trail. Plus the audit
// trail itself: allowed writes are recorded with their resource in the
// change's transaction, refusals and replays beside them, listed newest
// first for admins only.
#include "common/testing/identity.h"

#include <google/protobuf/descriptor.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "common/auth/permissions.h"
#include "common/grpc/status.h"
#include "common/storage/database.h"
#include "common/testing/service_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "qudao/pricing/v1/order_service.grpc.pb.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "qudao/support/v1/dealer_support_service.grpc.pb.h"
#include "services/credit_control/credit_control_module.h"
#include "services/credit_control/credit_control_service.h"
#include "services/customer_records/customer_records_module.h"
#include "services/customer_records/customer_records_service.h"
#include "services/dealer_support/dealer_support_module.h"
#include "services/dealer_support/dealer_support_service.h"
#include "services/pricing/order_service.h"
#include "services/pricing/pricing_module.h"
#include "services/pricing/pricing_service.h"

namespace qudao {
namespace {

using ::testing::HasSubstr;
using testing::TestIdentity;

// A token that is wrong in one way.
struct BadToken {
  std::string name;
  // Empty: no authorization metadata at all.
  std::string token;
  grpc::StatusCode code;
  std::string reason;
};

std::vector<BadToken> BadTokens() {
  const TestIdentity& id = TestIdentity::Get();
  auto mint = [&](auto adjust) {
    auth::TokenClaims claims;
    claims.subject = "mallory";
    claims.roles = testing::AllStaffRoles();
    claims.issuer = id.issuer();
    adjust(claims);
    return id.signer().Mint(claims).value();
  };
  const std::string valid = id.StaffToken();
  std::vector<std::string> parts = absl::StrSplit(valid, '.');
  // A different character in the middle of the signature.
  std::string tampered_signature = parts[2];
  char& c = tampered_signature[tampered_signature.size() / 2];
  c = c == 'A' ? 'B' : 'A';
  const std::string none_header =
      absl::WebSafeBase64Escape(R"({"alg":"none","typ":"JWT"})");
  return {
      {"no token", "", grpc::StatusCode::UNAUTHENTICATED, "UNAUTHENTICATED"},
      {"expired",
       id.Token("mallory", testing::AllStaffRoles(), absl::Minutes(10),
                absl::Now() - absl::Hours(1)),
       grpc::StatusCode::UNAUTHENTICATED, "TOKEN_EXPIRED"},
      {"wrong issuer",
       mint([](auth::TokenClaims& c) { c.issuer = "https://evil.example"; }),
       grpc::StatusCode::UNAUTHENTICATED, "TOKEN_INVALID"},
      {"wrong audience",
       mint([](auth::TokenClaims& c) { c.audience = "another-platform"; }),
       grpc::StatusCode::UNAUTHENTICATED, "TOKEN_INVALID"},
      {"tampered signature",
       absl::StrCat(parts[0], ".", parts[1], ".", tampered_signature),
       grpc::StatusCode::UNAUTHENTICATED, "TOKEN_INVALID"},
      {"alg none", absl::StrCat(none_header, ".", parts[1], "."),
       grpc::StatusCode::UNAUTHENTICATED, "TOKEN_INVALID"},
  };
}

// A role the method's row does not allow (staff first), as a token.
std::string TokenWithoutTheRole(const auth::MethodRule& rule) {
  for (auth::Role role : auth::RoleSet::All().roles()) {
    if (!rule.roles.Has(role)) {
      return TestIdentity::Get().Token("eve",
                                       {std::string(auth::RoleName(role))});
    }
  }
  return "";
}

class IdentityTest : public ::testing::Test {
 protected:
  struct Served {
    std::string name;
    const auth::PermissionTable* table;
    // Shared by the services one module serves (pricing: PricingService
    // and OrderService).
    std::shared_ptr<testing::ServiceFixture> fixture;
  };

  void SetUp() override {
    auto customers =
        testing::ServiceFixture::Start(customer::NewCustomerRecordsModule);
    ASSERT_TRUE(customers.ok()) << customers.status();
    const std::string customers_target =
        absl::StrCat("127.0.0.1:", (*customers)->port());
    auto credit = testing::ServiceFixture::Start(
        credit::NewCreditControlModule, &Clock::Real(), "", nullptr,
        {{"customer_records", customers_target}});
    ASSERT_TRUE(credit.ok()) << credit.status();
    // Quotes read dealers from customer records and volumes from credit
    // control.
    auto pricing = testing::ServiceFixture::Start(
        pricing::NewPricingModule, &Clock::Real(), "", nullptr,
        {{"customer_records", customers_target},
         {"credit_control", absl::StrCat("127.0.0.1:", (*credit)->port())}});
    ASSERT_TRUE(pricing.ok()) << pricing.status();
    auto support =
        testing::ServiceFixture::Start(support::NewDealerSupportModule);
    ASSERT_TRUE(support.ok()) << support.status();
    served_.push_back(
        {customer::v1::CustomerRecordsService::service_full_name(),
         &customer::CustomerRecordsPermissions(), std::move(*customers)});
    std::shared_ptr<testing::ServiceFixture> pricing_fixture =
        std::move(*pricing);
    served_.push_back({pricing::v1::PricingService::service_full_name(),
                       &pricing::PricingPermissions(), pricing_fixture});
    served_.push_back({pricing::v1::OrderService::service_full_name(),
                       &pricing::OrderPermissions(), pricing_fixture});
    served_.push_back({credit::v1::CreditControlService::service_full_name(),
                       &credit::CreditControlPermissions(),
                       std::move(*credit)});
    served_.push_back({support::v1::DealerSupportService::service_full_name(),
                       &support::DealerSupportPermissions(),
                       std::move(*support)});
    dealer_ = CreateDealer("rep.wang");
    ASSERT_FALSE(dealer_.empty());
  }

  Served& Service(const std::string& name) {
    for (Served& s : served_) {
      if (s.name == name) return s;
    }
    std::abort();
  }

  std::string CreateDealer(const std::string& owner) {
    auto stub = customer::v1::CustomerRecordsService::NewStub(
        Service(customer::v1::CustomerRecordsService::service_full_name())
            .fixture->channel());
    grpc::ClientContext ctx;
    customer::v1::Dealer out;
    grpc::Status s = stub->CreateDealer(&ctx, CreateDealerRequest(owner), &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out.dealer_id();
  }

  static customer::v1::CreateDealerRequest CreateDealerRequest(
      const std::string& owner) {
    customer::v1::CreateDealerRequest req;
    req.mutable_dealer()->set_legal_name("Mingda Trading");
    req.mutable_dealer()->mutable_region()->set_province("Zhejiang");
    req.mutable_dealer()->mutable_region()->set_city("Hangzhou");
    req.mutable_dealer()->set_channel_level(
        customer::v1::CHANNEL_LEVEL_DISTRIBUTOR);
    req.mutable_dealer()->set_owner(owner);
    return req;
  }

  // A request of `method` that the service would carry out for a caller
  // allowed to: a refused write then proves the refusal, not bad input,
  // stopped it.
  std::string ValidRequest(const std::string& method) {
    if (method == "CreateDealer") {
      return CreateDealerRequest("rep.wang").SerializeAsString();
    }
    if (method == "GetDealer") {
      customer::v1::GetDealerRequest req;
      req.set_dealer_id(dealer_);
      return req.SerializeAsString();
    }
    if (method == "UpdateDealer") {
      customer::v1::UpdateDealerRequest req;
      req.mutable_dealer()->set_dealer_id(dealer_);
      req.mutable_dealer()->set_legal_name("Renamed Trading");
      req.mutable_update_mask()->add_paths("legal_name");
      return req.SerializeAsString();
    }
    if (method == "PlaceOrder") {
      pricing::v1::PlaceOrderRequest req;
      req.set_quote_id("qt_1");
      req.set_request_id("place-1");
      return req.SerializeAsString();
    }
    if (method == "GetOrder") {
      pricing::v1::GetOrderRequest req;
      req.set_order_id("ord_0190f3c2a1b24e8f0a1b");
      return req.SerializeAsString();
    }
    if (method == "ListOrders") {
      pricing::v1::ListOrdersRequest req;
      req.set_dealer_id(dealer_);
      return req.SerializeAsString();
    }
    if (method == "ShipOrder" || method == "ReturnOrderLines") {
      pricing::v1::ShipOrderRequest req;  // the same first three fields
      req.set_order_id("ord_0190f3c2a1b24e8f0a1b");
      pricing::v1::LineQuantity* line = req.add_lines();
      line->set_line(0);
      line->set_quantity(1);
      if (method == "ShipOrder") {
        req.set_request_id("ship-1");
        return req.SerializeAsString();
      }
      pricing::v1::ReturnOrderLinesRequest ret;
      ret.set_order_id(req.order_id());
      *ret.mutable_lines() = req.lines();
      ret.set_reason("damaged in transit");
      ret.set_request_id("return-1");
      return ret.SerializeAsString();
    }
    if (method == "CancelOrder") {
      pricing::v1::CancelOrderRequest req;
      req.set_order_id("ord_0190f3c2a1b24e8f0a1b");
      req.set_reason("dealer changed its mind");
      req.set_request_id("cancel-1");
      return req.SerializeAsString();
    }
    if (method == "RepriceOrder") {
      pricing::v1::RepriceOrderRequest req;
      req.set_order_id("ord_0190f3c2a1b24e8f0a1b");
      req.set_quote_id("qt_2");
      req.set_request_id("reprice-1");
      return req.SerializeAsString();
    }
    if (method == "CreateProduct") {
      pricing::v1::CreateProductRequest req;
      req.mutable_product()->set_sku("PUMP-100");
      req.mutable_product()->set_name("Pump 100");
      req.mutable_product()->set_product_group("pumps-centrifugal");
      return req.SerializeAsString();
    }
    if (method == "GetProduct") {
      pricing::v1::GetProductRequest req;
      req.set_sku("PUMP-100");
      return req.SerializeAsString();
    }
    if (method == "GetStandardCost") {
      pricing::v1::GetStandardCostRequest req;
      req.set_sku("PUMP-100");
      return req.SerializeAsString();
    }
    if (method == "UpdateProduct") {
      pricing::v1::UpdateProductRequest req;
      req.mutable_product()->set_sku("PUMP-100");
      req.mutable_product()->set_name("Pump 100 renamed");
      req.mutable_update_mask()->add_paths("name");
      req.set_request_id("rename-pump-100");
      return req.SerializeAsString();
    }
    if (method == "CreateProductGroup") {
      pricing::v1::CreateProductGroupRequest req;
      req.mutable_product_group()->set_group_code("PUMPS-CENTRIFUGAL");
      req.mutable_product_group()->set_product_line("PUMPS");
      req.mutable_product_group()->set_name("Centrifugal pumps");
      return req.SerializeAsString();
    }
    if (method == "PublishPriceList") {
      pricing::v1::PublishPriceListRequest req;
      req.mutable_price_list()->set_currency_code("CNY");
      req.mutable_price_list()->set_valid_from("2027-01-01");
      pricing::v1::PriceListEntry* e = req.mutable_price_list()->add_entries();
      e->set_sku("PUMP-100");
      e->mutable_list_price()->set_currency_code("CNY");
      e->mutable_list_price()->set_minor_units(150000);
      return req.SerializeAsString();
    }
    if (method == "GetPriceListVersion" || method == "ListPriceListVersions") {
      pricing::v1::GetPriceListVersionRequest req;
      req.set_currency_code("CNY");
      if (method == "ListPriceListVersions") {
        pricing::v1::ListPriceListVersionsRequest list;
        list.set_currency_code("CNY");
        return list.SerializeAsString();
      }
      return req.SerializeAsString();
    }
    if (method == "GetPrice") {
      pricing::v1::GetPriceRequest req;
      req.set_sku("PUMP-100");
      req.set_currency_code("CNY");
      return req.SerializeAsString();
    }
    if (method == "SetStandardCost") {
      pricing::v1::SetStandardCostRequest req;
      req.mutable_standard_cost()->set_sku("PUMP-100");
      req.mutable_standard_cost()->mutable_cost()->set_currency_code("CNY");
      req.mutable_standard_cost()->mutable_cost()->set_minor_units(90000);
      req.mutable_standard_cost()->set_effective_from("2027-01-01");
      return req.SerializeAsString();
    }
    if (method == "SetCreditLimit" || method == "GetCreditPosition") {
      credit::v1::SetCreditLimitRequest req;
      req.set_dealer_id(dealer_);
      req.mutable_credit_limit()->set_currency_code("CNY");
      req.mutable_credit_limit()->set_minor_units(5000000);
      req.set_reason("annual review");
      if (method == "GetCreditPosition") {
        credit::v1::GetCreditPositionRequest get;
        get.set_dealer_id(dealer_);
        return get.SerializeAsString();
      }
      return req.SerializeAsString();
    }
    if (method == "AssessCredit") {
      credit::v1::AssessCreditRequest req;
      credit::v1::CreditAssessment* a = req.mutable_assessment();
      a->set_dealer_id(dealer_);
      for (credit::v1::CScore* c :
           {a->mutable_character(), a->mutable_capacity(),
            a->mutable_collateral(), a->mutable_conditions()}) {
        c->set_score(4);
        c->set_evidence("reviewed");
      }
      a->mutable_total_liabilities()->set_currency_code("CNY");
      a->mutable_total_liabilities()->set_minor_units(300);
      a->mutable_total_assets()->set_currency_code("CNY");
      a->mutable_total_assets()->set_minor_units(1000);
      a->set_capital_evidence("2025 balance sheet");
      a->mutable_expected_monthly_purchases()->set_currency_code("CNY");
      a->mutable_expected_monthly_purchases()->set_minor_units(100000000);
      a->set_payment_term_days(30);
      return req.SerializeAsString();
    }
    if (method == "ReserveCredit") {
      credit::v1::ReserveCreditRequest req;
      req.set_order_id("ord-identity-1");
      req.set_dealer_id(dealer_);
      req.mutable_amount()->set_currency_code("CNY");
      req.mutable_amount()->set_minor_units(1000);
      req.set_payment_term_days(30);
      return req.SerializeAsString();
    }
    if (method == "UpdateCreditPolicy") {
      credit::v1::UpdateCreditPolicyRequest req;
      req.mutable_policy()->set_abc_class("A");
      req.mutable_policy()->set_overdue_hold_days(30);
      req.mutable_policy()->set_watch_ratio_percent(90);
      req.mutable_policy()->set_slow_payment_days(15);
      return req.SerializeAsString();
    }
    if (method == "AdjustCreditReservation") {
      credit::v1::AdjustCreditReservationRequest req;
      req.set_reservation_id("crs_0190f3c2a1b24e8f0a1b");
      req.mutable_amount()->set_currency_code("CNY");
      req.mutable_amount()->set_minor_units(1000);
      req.set_reason("re-priced");
      return req.SerializeAsString();
    }
    if (method == "ReleaseCreditReservation" ||
        method == "RejectCreditReservation") {
      // Release and reject requests share their fields and numbers.
      credit::v1::ReleaseCreditReservationRequest req;
      req.set_reservation_id("crs_0190f3c2a1b24e8f0a1b");
      req.set_reason("reviewed");
      return req.SerializeAsString();
    }
    if (method == "GetCreditReservation" ||
        method == "CancelCreditReservation") {
      credit::v1::CancelCreditReservationRequest req;
      req.set_reservation_id("crs_0190f3c2a1b24e8f0a1b");
      req.set_reason("order cancelled");
      if (method == "GetCreditReservation") {
        credit::v1::GetCreditReservationRequest get;
        get.set_reservation_id(req.reservation_id());
        return get.SerializeAsString();
      }
      return req.SerializeAsString();
    }
    if (method == "ListCreditAssessments") {
      credit::v1::ListCreditAssessmentsRequest req;
      req.set_dealer_id(dealer_);
      return req.SerializeAsString();
    }
    if (method == "IssueInvoice") {
      credit::v1::IssueInvoiceRequest req;
      req.set_order_id("ord-identity-1");
      credit::v1::InvoiceLine* line = req.add_lines();
      line->set_sku("PUMP-100");
      line->set_quantity(1);
      line->mutable_net_price()->set_currency_code("CNY");
      line->mutable_net_price()->set_minor_units(1000);
      line->mutable_unit_cost()->set_currency_code("CNY");
      line->mutable_unit_cost()->set_minor_units(500);
      req.mutable_payment_term()->set_net_days(30);
      return req.SerializeAsString();
    }
    if (method == "GetInvoice") {
      credit::v1::GetInvoiceRequest req;
      req.set_invoice_id("inv_0190f3c2a1b24e8f0a1b");
      return req.SerializeAsString();
    }
    if (method == "ListInvoices") {
      credit::v1::ListInvoicesRequest req;
      req.set_dealer_id(dealer_);
      return req.SerializeAsString();
    }
    if (method == "RecordPayment") {
      credit::v1::RecordPaymentRequest req;
      req.mutable_payment()->set_payer_dealer_id(dealer_);
      req.mutable_payment()->mutable_amount()->set_currency_code("CNY");
      req.mutable_payment()->mutable_amount()->set_minor_units(1000);
      req.mutable_payment()->set_reference("BOC 1");
      return req.SerializeAsString();
    }
    if (method == "IssueCreditNote") {
      credit::v1::IssueCreditNoteRequest req;
      req.mutable_credit_note()->set_kind(credit::v1::CREDIT_NOTE_KIND_REBATE);
      req.mutable_credit_note()->set_dealer_id(dealer_);
      req.mutable_credit_note()->set_source("rebate 2026-10");
      req.mutable_credit_note()->mutable_net_amount()->set_currency_code("CNY");
      req.mutable_credit_note()->mutable_net_amount()->set_minor_units(1000);
      return req.SerializeAsString();
    }
    if (method == "PlaceRestriction") {
      credit::v1::PlaceRestrictionRequest req;
      req.mutable_restriction()->set_payer_dealer_id(dealer_);
      req.mutable_restriction()->set_kind(
          credit::v1::RESTRICTION_KIND_SHIPMENT_HOLD);
      req.mutable_restriction()->set_reason("cheque bounced");
      return req.SerializeAsString();
    }
    if (method == "LiftRestriction") {
      credit::v1::LiftRestrictionRequest req;
      req.set_restriction_id("rst_0190f3c2a1b24e8f0a1b");
      req.set_reason("cleared");
      return req.SerializeAsString();
    }
    if (method == "GetRevenueSummary") {
      credit::v1::GetRevenueSummaryRequest req;
      req.set_from_date("2026-01-01");
      req.set_to_date("2026-12-31");
      return req.SerializeAsString();
    }
    if (method == "AcknowledgeAlert") {
      credit::v1::AcknowledgeAlertRequest req;
      req.set_alert_id("alr_0190f3c2a1b24e8f0a1b");
      req.set_note("called the owner");
      return req.SerializeAsString();
    }
    if (method == "RecordGuarantee") {
      credit::v1::RecordGuaranteeRequest req;
      credit::v1::Guarantee* g = req.mutable_guarantee();
      g->set_payer_dealer_id(dealer_);
      g->set_kind(credit::v1::GUARANTEE_KIND_BANK_GUARANTEE);
      g->set_provider("Bank of China");
      g->mutable_value()->set_currency_code("CNY");
      g->mutable_value()->set_minor_units(1000000);
      g->set_expiry_date("2099-12-31");
      return req.SerializeAsString();
    }
    if (method == "ListGuarantees" || method == "ListInspections") {
      credit::v1::ListGuaranteesRequest req;  // same field, same number
      req.set_payer_dealer_id(dealer_);
      return req.SerializeAsString();
    }
    if (method == "RecordInspection") {
      credit::v1::RecordInspectionRequest req;
      req.mutable_inspection()->set_payer_dealer_id(dealer_);
      req.mutable_inspection()->set_inspector("credit.li");
      req.mutable_inspection()->set_findings("stock matches the books");
      return req.SerializeAsString();
    }
    if (method == "GetOverdueCase") {
      credit::v1::GetOverdueCaseRequest req;
      req.set_case_id("odc_0190f3c2a1b24e8f0a1b");
      return req.SerializeAsString();
    }
    if (method == "SetOverdueCause") {
      credit::v1::SetOverdueCauseRequest req;
      req.set_case_id("odc_0190f3c2a1b24e8f0a1b");
      req.set_cause(credit::v1::OVERDUE_CAUSE_CASH_FLOW);
      req.set_note("late customer payments");
      return req.SerializeAsString();
    }
    if (method == "AddCaseRecord") {
      credit::v1::AddCaseRecordRequest req;
      req.set_case_id("odc_0190f3c2a1b24e8f0a1b");
      req.mutable_record()->set_kind(credit::v1::CASE_RECORD_KIND_ACTION);
      req.mutable_record()->set_action(credit::v1::COLLECTION_ACTION_CALL);
      req.mutable_record()->set_outcome("promised to pay Friday");
      return req.SerializeAsString();
    }
    if (method == "RecordPaymentPromise") {
      credit::v1::RecordPaymentPromiseRequest req;
      req.set_case_id("odc_0190f3c2a1b24e8f0a1b");
      req.mutable_promise()->mutable_amount()->set_currency_code("CNY");
      req.mutable_promise()->mutable_amount()->set_minor_units(1000);
      req.mutable_promise()->set_promised_date("2099-01-01");
      return req.SerializeAsString();
    }
    if (method == "CreateServiceTicket") {
      support::v1::CreateServiceTicketRequest req;
      req.mutable_ticket()->set_dealer_id(dealer_);
      req.mutable_ticket()->set_type(support::v1::TICKET_TYPE_INSTALLATION);
      req.mutable_ticket()->set_subject("Install two pumps");
      return req.SerializeAsString();
    }
    if (method == "ListServiceTickets") {
      support::v1::ListServiceTicketsRequest req;
      req.set_dealer_id(dealer_);
      return req.SerializeAsString();
    }
    if (method == "CreatePriceRule" || method == "UpdatePriceRule") {
      pricing::v1::PriceRule rule;
      rule.set_rule_id("CM-DIST");
      rule.set_type(pricing::v1::PRICE_RULE_TYPE_CHANNEL_MARGIN);
      rule.set_valid_from("2027-01-01");
      rule.set_basis_points(1000);
      if (method == "UpdatePriceRule") {
        pricing::v1::UpdatePriceRuleRequest req;
        *req.mutable_price_rule() = rule;
        req.mutable_price_rule()->set_etag("\"v1\"");
        return req.SerializeAsString();
      }
      pricing::v1::CreatePriceRuleRequest req;
      *req.mutable_price_rule() = rule;
      return req.SerializeAsString();
    }
    if (method == "PublishPriceRule" || method == "GetPriceRule") {
      pricing::v1::PublishPriceRuleRequest req;
      req.set_rule_id("CM-DIST");
      return req.SerializeAsString();
    }
    if (method == "RetirePriceRule") {
      pricing::v1::RetirePriceRuleRequest req;
      req.set_rule_id("CM-DIST");
      req.set_reason("replaced");
      return req.SerializeAsString();
    }
    if (method == "SetFreightAssignment") {
      pricing::v1::SetFreightAssignmentRequest req;
      req.mutable_assignment()->set_pricing_zone("ZONE-EAST");
      req.mutable_assignment()->set_method(
          pricing::v1::FREIGHT_METHOD_BASING_POINT);
      req.mutable_assignment()->set_base_city("Shanghai");
      return req.SerializeAsString();
    }
    if (method == "SetFreightRate") {
      pricing::v1::SetFreightRateRequest req;
      req.mutable_rate()->set_origin("Shanghai");
      req.mutable_rate()->set_province("Zhejiang");
      for (auto* m : {req.mutable_rate()->mutable_per_order(),
                      req.mutable_rate()->mutable_per_unit(),
                      req.mutable_rate()->mutable_per_kg()}) {
        m->set_currency_code("CNY");
        m->set_minor_units(100);
      }
      return req.SerializeAsString();
    }
    if (method == "SetZoneAdjustment") {
      pricing::v1::SetZoneAdjustmentRequest req;
      req.mutable_adjustment()->set_zone("ZONE-EAST");
      req.mutable_adjustment()->mutable_amount()->set_currency_code("CNY");
      req.mutable_adjustment()->mutable_amount()->set_minor_units(5000);
      return req.SerializeAsString();
    }
    if (method == "PriceBasket" || method == "CreateQuote") {
      pricing::v1::Basket basket;
      basket.set_currency_code("CNY");
      basket.mutable_payment_term()->set_net_days(30);
      basket.add_lines()->set_sku("PUMP-100");
      basket.mutable_lines(0)->set_quantity(2);
      if (method == "PriceBasket") {
        pricing::v1::PriceBasketRequest req;
        req.set_dealer_id(dealer_);
        *req.mutable_basket() = basket;
        return req.SerializeAsString();
      }
      pricing::v1::CreateQuoteRequest req;
      req.set_dealer_id(dealer_);
      *req.mutable_basket() = basket;
      return req.SerializeAsString();
    }
    if (method == "GetQuote") {
      pricing::v1::GetQuoteRequest req;
      req.set_quote_id("qt_0190f3c2a1b24e8f0a1b");
      return req.SerializeAsString();
    }
    if (method == "ListQuotes") {
      pricing::v1::ListQuotesRequest req;
      req.set_dealer_id(dealer_);
      return req.SerializeAsString();
    }
    if (method == "SimulateRuleChange") {
      pricing::v1::SimulateRuleChangeRequest req;
      req.add_draft_rule_ids("CM-DIST");
      req.add_quote_ids("qt_0190f3c2a1b24e8f0a1b");
      return req.SerializeAsString();
    }
    // Lists, change feeds and audit trails take an empty request.
    return "";
  }

  // Rows of every table but the audit trail, the schema's own, and the
  // bookkeeping background work writes on its own schedule (the outbox
  // relay's position, job leases).
  std::map<std::string, int64_t> DataRows(const Served& s) {
    std::map<std::string, int64_t> counts;
    auto db = storage::OpenDatabase(s.fixture->database_url());
    EXPECT_TRUE(db.ok()) << db.status();
    absl::Status status = (*db)->RunInTransaction(
        storage::TransactionMode::kReadOnly,
        [&](storage::Transaction& tx) -> absl::Status {
          auto tables = tx.Query(
              "SELECT name FROM sqlite_master WHERE type = 'table' AND name "
              "NOT IN ('audit_events', 'schema_migrations', "
              "'sqlite_sequence', 'outbox_cursors', 'job_leases')");
          if (!tables.ok()) return tables.status();
          for (const storage::Row& row : *tables) {
            const std::string table = row.Text(0);
            auto n = tx.Query(absl::StrCat("SELECT COUNT(*) FROM ", table));
            if (!n.ok()) return n.status();
            counts[table] = (*n)[0].Int(0);
          }
          return absl::OkStatus();
        });
    EXPECT_TRUE(status.ok()) << status;
    return counts;
  }

  // The audit trail of `s`, newest first, as an admin reads it.
  std::vector<type::v1::AuditEvent> Audit(
      const Served& s, const type::v1::ListAuditEventsRequest& req = {}) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization",
                    absl::StrCat("Bearer ", TestIdentity::Get().Token(
                                                "admin.audit", {"admin"})));
    std::string bytes;
    grpc::Status status = testing::CallRaw(
        s.fixture->channel(), absl::StrCat("/", s.name, "/ListAuditEvents"),
        req.SerializeAsString(), &ctx, &bytes);
    EXPECT_TRUE(status.ok()) << status.error_message();
    type::v1::ListAuditEventsResponse out;
    EXPECT_TRUE(out.ParseFromString(bytes));
    return {out.events().begin(), out.events().end()};
  }

  std::vector<Served> served_;
  std::string dealer_;
};

TEST_F(IdentityTest, EveryMethodRefusesBadTokensAndMissingRolesWritingNothing) {
  const std::vector<BadToken> bad_tokens = BadTokens();
  int methods = 0;
  for (Served& s : served_) {
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            s.name);
    ASSERT_NE(service, nullptr);
    const std::map<std::string, int64_t> before = DataRows(s);
    const size_t audit_before = Audit(s).size();
    size_t refused_writes = 0;
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string name = service->method(i)->name();
      const auth::MethodRule* rule = s.table->Find(name);
      ASSERT_NE(rule, nullptr) << s.name << "/" << name << " has no row";
      const std::string path = absl::StrCat("/", s.name, "/", name);
      const std::string request = ValidRequest(name);
      std::vector<BadToken> cases = bad_tokens;
      // A valid token without a role the row allows (when some role is
      // not allowed), and one holding no qudao role at all.
      if (const std::string unprivileged = TokenWithoutTheRole(*rule);
          !unprivileged.empty()) {
        cases.push_back({"a role the row does not allow", unprivileged,
                         grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"});
      }
      cases.push_back({"no qudao role",
                       TestIdentity::Get().Token("eve", {"guest"}),
                       grpc::StatusCode::PERMISSION_DENIED, "ROLE_REQUIRED"});
      for (const BadToken& bad : cases) {
        grpc::ClientContext ctx;
        // Not the channel's default token: no credentials at all, or these.
        ctx.AddMetadata(
            "authorization",
            bad.token.empty() ? "" : absl::StrCat("Bearer ", bad.token));
        grpc::Status status =
            testing::CallRaw(s.fixture->channel(), path, request, &ctx);
        EXPECT_EQ(status.error_code(), bad.code)
            << path << " with " << bad.name << ": " << status.error_message();
        EXPECT_EQ(TrailingValue(ctx, kErrorReasonKey), bad.reason)
            << path << " with " << bad.name;
        if (!bad.token.empty()) {
          EXPECT_THAT(status.error_message(),
                      ::testing::Not(HasSubstr(bad.token.substr(0, 40))))
              << path << " echoes the token";
        }
        // Refusals of someone are audited; calls that name nobody are not.
        if (rule->access == auth::Access::kWrite &&
            bad.code == grpc::StatusCode::PERMISSION_DENIED) {
          ++refused_writes;
        }
      }
      ++methods;
    }
    EXPECT_EQ(DataRows(s), before) << s.name << " wrote something";
    // Every refused write of an authenticated caller is in the trail, and
    // nothing else was added.
    const std::vector<type::v1::AuditEvent> after = Audit(s);
    EXPECT_EQ(after.size() - audit_before, refused_writes) << s.name;
    for (size_t i = 0; i < refused_writes && i < after.size(); ++i) {
      EXPECT_NE(after[i].outcome(), "OK") << s.name;
    }
  }
  EXPECT_GE(methods, 17);
}

// The rules that need data: a partner through the gateway reaches only its
// own dealer (another is NOT_FOUND, as a missing one), a partner header is
// believed only from the gateway's account, and a staff token with the
// header is refused.
TEST_F(IdentityTest, PartnersReachOnlyTheirOwnDealerThroughTheGateway) {
  const std::string other = CreateDealer("rep.li");
  Served& customers =
      Service(customer::v1::CustomerRecordsService::service_full_name());
  auto get = [&](const std::string& token, const std::string& partner,
                 const std::string& dealer) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    if (!partner.empty()) ctx.AddMetadata("x-qudao-partner-dealer", partner);
    customer::v1::GetDealerRequest req;
    req.set_dealer_id(dealer);
    grpc::Status status =
        testing::CallRaw(customers.fixture->channel(),
                         absl::StrCat("/", customers.name, "/GetDealer"),
                         req.SerializeAsString(), &ctx);
    return std::make_pair(status, TrailingValue(ctx, kErrorReasonKey));
  };
  const std::string gateway = TestIdentity::Get().ServiceToken("gateway");
  EXPECT_TRUE(get(gateway, dealer_, dealer_).first.ok());
  auto [other_status, other_reason] = get(gateway, dealer_, other);
  auto [missing_status, missing_reason] =
      get(gateway, dealer_, "dlr_0000000000000000beef");
  EXPECT_EQ(other_status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(missing_status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(other_reason, missing_reason);
  EXPECT_EQ(absl::StrReplaceAll(other_status.error_message(), {{other, "X"}}),
            absl::StrReplaceAll(missing_status.error_message(),
                                {{"dlr_0000000000000000beef", "X"}}));
  auto [staff, staff_reason] =
      get(TestIdentity::Get().StaffToken(), dealer_, dealer_);
  EXPECT_EQ(staff.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(staff_reason, auth::kReasonPartnerNotAllowed);
  // A partner may not list dealers or write.
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", absl::StrCat("Bearer ", gateway));
  ctx.AddMetadata("x-qudao-partner-dealer", dealer_);
  grpc::Status create = testing::CallRaw(
      customers.fixture->channel(),
      absl::StrCat("/", customers.name, "/CreateDealer"),
      CreateDealerRequest("rep.wang").SerializeAsString(), &ctx);
  EXPECT_EQ(create.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Partners read their own credit position, never another's.
  Served& credit =
      Service(credit::v1::CreditControlService::service_full_name());
  grpc::ClientContext position_ctx;
  position_ctx.AddMetadata("authorization", absl::StrCat("Bearer ", gateway));
  position_ctx.AddMetadata("x-qudao-partner-dealer", dealer_);
  credit::v1::GetCreditPositionRequest position;
  position.set_dealer_id(other);
  EXPECT_EQ(
      testing::CallRaw(credit.fixture->channel(),
                       absl::StrCat("/", credit.name, "/GetCreditPosition"),
                       position.SerializeAsString(), &position_ctx)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
}

// Allowed writes are recorded once, with the resource (a create's from its
// response) and the caller; refusals by the rules, and replays, too; the
// trail filters by principal and resource and pages newest first; only
// admins read it.
TEST_F(IdentityTest, TheAuditTrailRecordsWhoDidWhatAndIsForAdmins) {
  Served& customers =
      Service(customer::v1::CustomerRecordsService::service_full_name());
  auto stub = customer::v1::CustomerRecordsService::NewStub(
      customers.fixture->channel());
  const std::string rep = TestIdentity::Get().Token("rep.zhao", {"sales_rep"});
  auto as = [](grpc::ClientContext& ctx, const std::string& token) {
    ctx.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  };
  customer::v1::CreateDealerRequest create = CreateDealerRequest("");
  create.set_request_id("zhao-1");
  customer::v1::Dealer created;
  {
    grpc::ClientContext ctx;
    as(ctx, rep);
    ASSERT_TRUE(stub->CreateDealer(&ctx, create, &created).ok());
    EXPECT_EQ(created.owner(), "rep.zhao");
  }
  {
    grpc::ClientContext ctx;  // the same request again: a replay
    as(ctx, rep);
    customer::v1::Dealer again;
    ASSERT_TRUE(stub->CreateDealer(&ctx, create, &again).ok());
    EXPECT_EQ(again.dealer_id(), created.dealer_id());
  }
  {
    grpc::ClientContext ctx;  // not theirs: refused by the ownership rule
    as(ctx, rep);
    customer::v1::UpdateDealerRequest update;
    update.mutable_dealer()->set_dealer_id(dealer_);
    update.mutable_dealer()->set_legal_name("Taken Over");
    update.mutable_update_mask()->add_paths("legal_name");
    customer::v1::Dealer out;
    grpc::Status s = stub->UpdateDealer(&ctx, update, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_EQ(TrailingValue(ctx, kErrorReasonKey), auth::kReasonNotOwner);
  }
  type::v1::ListAuditEventsRequest by_rep;
  by_rep.set_principal("rep.zhao");
  const std::vector<type::v1::AuditEvent> events = Audit(customers, by_rep);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].method(), "CustomerRecordsService/UpdateDealer");
  EXPECT_EQ(events[0].outcome(), "PERMISSION_DENIED");
  EXPECT_EQ(events[0].reason(), auth::kReasonNotOwner);
  EXPECT_EQ(events[0].resource(), absl::StrCat("dealers/", dealer_));
  EXPECT_EQ(events[1].reason(), "REPLAY");
  EXPECT_EQ(events[2].reason(), "");
  for (int i : {1, 2}) {
    EXPECT_EQ(events[i].method(), "CustomerRecordsService/CreateDealer");
    EXPECT_EQ(events[i].outcome(), "OK");
    EXPECT_EQ(events[i].resource(),
              absl::StrCat("dealers/", created.dealer_id()));
    EXPECT_EQ(events[i].request_id(), "zhao-1");
    EXPECT_THAT(events[i].roles(), ::testing::ElementsAre("sales_rep"));
    EXPECT_FALSE(events[i].correlation_id().empty());
  }
  EXPECT_GT(events[0].sequence(), events[1].sequence());

  type::v1::ListAuditEventsRequest by_resource;
  by_resource.set_resource(absl::StrCat("dealers/", created.dealer_id()));
  by_resource.set_page_size(1);
  std::vector<type::v1::AuditEvent> first_page = Audit(customers, by_resource);
  EXPECT_EQ(first_page.size(), 1u);

  // A sales manager may not read the trail; it is not changed by trying.
  grpc::ClientContext ctx;
  as(ctx, TestIdentity::Get().Token("manager.qian", {"sales_manager"}));
  type::v1::ListAuditEventsResponse out;
  grpc::Status s = stub->ListAuditEvents(&ctx, by_rep, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Bad filters are INVALID_ARGUMENT naming the field.
  grpc::ClientContext bad_ctx;
  as(bad_ctx, TestIdentity::Get().Token("admin.audit", {"admin"}));
  type::v1::ListAuditEventsRequest bad;
  bad.mutable_start_time()->set_seconds(2000);
  bad.mutable_end_time()->set_seconds(1000);
  s = stub->ListAuditEvents(&bad_ctx, bad, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(TrailingValue(bad_ctx, kErrorFieldKey), "end_time");
}

// Idempotency keys are scoped by caller: two people using the same request
// id get their own dealers, and one cannot replay the other's answer.
TEST_F(IdentityTest, RequestIdsOfDifferentCallersNeverCollide) {
  auto stub = customer::v1::CustomerRecordsService::NewStub(
      Service(customer::v1::CustomerRecordsService::service_full_name())
          .fixture->channel());
  auto create = [&](const std::string& subject) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization",
                    absl::StrCat("Bearer ", TestIdentity::Get().Token(
                                                subject, {"sales_rep"})));
    customer::v1::CreateDealerRequest req = CreateDealerRequest("");
    req.set_request_id("monday-1");
    customer::v1::Dealer out;
    EXPECT_TRUE(stub->CreateDealer(&ctx, req, &out).ok());
    return out;
  };
  const customer::v1::Dealer wang = create("rep.wang");
  const customer::v1::Dealer li = create("rep.li");
  EXPECT_NE(wang.dealer_id(), li.dealer_id());
  EXPECT_EQ(wang.owner(), "rep.wang");
  EXPECT_EQ(li.owner(), "rep.li");
  EXPECT_EQ(create("rep.wang").dealer_id(), wang.dealer_id());
}

}  // namespace
}  // namespace qudao
