// The receivables RPCs of CreditControlService: invoices, payments, credit
// notes, restrictions, aging, revenue and the portfolio. Converts proto ⇄
// domain, validates the request's shape and calls one receivables
// operation.
#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/calendar/calendar.h"
#include "common/pagination/pagination.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"
#include "services/credit_control/credit_control_service.h"
#include "services/credit_control/credit_proto.h"
#include "services/credit_control/receivables_proto.h"

namespace qudao::credit {
namespace {

constexpr size_t kMaxReasonChars = 500;
constexpr size_t kMaxReferenceChars = 100;

}  // namespace

void CreditControlService::ServeReceivables() {
  Handle<pb::IssueInvoiceRequest, pb::Invoice>(
      "IssueInvoice",
      [this](const Call& c, const pb::IssueInvoiceRequest& r,
             pb::Invoice* out) { return HandleIssueInvoice(c, r, out); });
  Handle<pb::GetInvoiceRequest, pb::Invoice>(
      "GetInvoice",
      [this](const Call& c, const pb::GetInvoiceRequest& r, pb::Invoice* out) {
        return HandleGetInvoice(c, r, out);
      });
  Handle<pb::ListInvoicesRequest, pb::ListInvoicesResponse>(
      "ListInvoices", [this](const Call& c, const pb::ListInvoicesRequest& r,
                             pb::ListInvoicesResponse* out) {
        return HandleListInvoices(c, r, out);
      });
  Handle<pb::RecordPaymentRequest, pb::Payment>(
      "RecordPayment",
      [this](const Call& c, const pb::RecordPaymentRequest& r,
             pb::Payment* out) { return HandleRecordPayment(c, r, out); });
  Handle<pb::IssueCreditNoteRequest, pb::CreditNote>(
      "IssueCreditNote",
      [this](const Call& c, const pb::IssueCreditNoteRequest& r,
             pb::CreditNote* out) { return HandleIssueCreditNote(c, r, out); });
  Handle<pb::CheckLedgerConsistencyRequest, pb::CheckLedgerConsistencyResponse>(
      "CheckLedgerConsistency",
      [this](const Call&, const pb::CheckLedgerConsistencyRequest&,
             pb::CheckLedgerConsistencyResponse* out) -> absl::Status {
        ASSIGN_OR_RETURN(const auto differences,
                         receivables_->CheckConsistency());
        for (const ReceivablesStore::Difference& d : differences) {
          pb::LedgerDifference* p = out->add_differences();
          p->set_what(d.what);
          p->set_stored_minor(d.stored_minor);
          p->set_from_entries_minor(d.from_entries_minor);
        }
        *out->mutable_check_time() = TimeToProto(receivables_->Now());
        return absl::OkStatus();
      });
  Handle<pb::PlaceRestrictionRequest, pb::Restriction>(
      "PlaceRestriction",
      [this](const Call& c, const pb::PlaceRestrictionRequest& r,
             pb::Restriction* out) {
        return HandlePlaceRestriction(c, r, out);
      });
  Handle<pb::LiftRestrictionRequest, pb::Restriction>(
      "LiftRestriction",
      [this](const Call& c, const pb::LiftRestrictionRequest& r,
             pb::Restriction* out) {
        return HandleLiftRestriction(c, r, out);
      });
  Handle<pb::ListRestrictionsRequest, pb::ListRestrictionsResponse>(
      "ListRestrictions",
      [this](const Call&, const pb::ListRestrictionsRequest& r,
             pb::ListRestrictionsResponse* out) -> absl::Status {
        if (!r.payer_dealer_id().empty()) {
          RETURN_IF_ERROR(
              RequireDealerId("payer_dealer_id", r.payer_dealer_id()));
        }
        ASSIGN_OR_RETURN(const std::vector<Restriction> list,
                         receivables_->ListRestrictions(r.payer_dealer_id(),
                                                        r.in_force_only()));
        const absl::CivilDay today = receivables_->Today();
        for (const Restriction& x : list) {
          pb::Restriction* p = out->add_restrictions();
          *p = RestrictionToProto(x);
          p->set_in_force(InForce(x, today));
        }
        return absl::OkStatus();
      });
  Handle<pb::GetAgingRequest, pb::AgingReport>(
      "GetAging",
      [this](const Call& c, const pb::GetAgingRequest& r,
             pb::AgingReport* out) { return HandleGetAging(c, r, out); });
  Handle<pb::GetRevenueSummaryRequest, pb::RevenueSummary>(
      "GetRevenueSummary",
      [this](const Call& c, const pb::GetRevenueSummaryRequest& r,
             pb::RevenueSummary* out) {
        return HandleGetRevenueSummary(c, r, out);
      });
  Handle<pb::ListCreditPositionsRequest, pb::ListCreditPositionsResponse>(
      "ListCreditPositions",
      [this](const Call& c, const pb::ListCreditPositionsRequest& r,
             pb::ListCreditPositionsResponse* out) {
        return HandleListCreditPositions(c, r, out);
      });
}

absl::Status CreditControlService::HandleIssueInvoice(
    const Call& call, const pb::IssueInvoiceRequest& request,
    pb::Invoice* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  RETURN_IF_ERROR(RequireCode("order_id", request.order_id(), 64));
  ASSIGN_OR_RETURN(const InvoiceInput input, InvoiceInputFromProto(request));
  ASSIGN_OR_RETURN(
      const Invoice invoice,
      receivables_->IssueInvoice(
          call.principal, input,
          call.Idempotent(request.request_id(), RequestFingerprint(request))));
  *response = InvoiceToProto(invoice);
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleGetInvoice(
    const Call& call, const pb::GetInvoiceRequest& request,
    pb::Invoice* response) {
  RETURN_IF_ERROR(RequireId("invoice_id", request.invoice_id(), "inv"));
  if (!request.dealer_id().empty()) {
    RETURN_IF_ERROR(RequireDealerId("dealer_id", request.dealer_id()));
  }
  absl::StatusOr<ReceivablesOperations::InvoiceWithEntries> found =
      receivables_->GetInvoice(request.invoice_id());
  // Scoped to a dealer (always, for a partner): another's invoice is
  // NOT_FOUND, as if it did not exist.
  if (found.ok() && !request.dealer_id().empty() &&
      found->invoice.dealer_id != request.dealer_id() &&
      found->invoice.payer_dealer_id != request.dealer_id()) {
    found = absl::NotFoundError(
        absl::StrCat("invoice ", request.invoice_id(), " does not exist"));
  }
  RETURN_IF_ERROR(found.status());
  (void)call;
  *response = InvoiceToProto(found->invoice, found->entries);
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleListInvoices(
    const Call& /*call*/, const pb::ListInvoicesRequest& request,
    pb::ListInvoicesResponse* response) {
  RETURN_IF_ERROR(RequireDealerId("dealer_id", request.dealer_id()));
  const std::string scope =
      absl::StrCat("invoices:", request.dealer_id(), ":", request.open_only());
  ASSIGN_OR_RETURN(
      PageRequest page,
      ParsePageRequest(request.page_size(), request.page_token(), scope));
  page.limit = std::min(page.limit, 500);
  ReceivablesStore::InvoiceFilter filter;
  filter.dealer_id = request.dealer_id();
  filter.payer_dealer_id = request.dealer_id();
  filter.open_only = request.open_only();
  ASSIGN_OR_RETURN(std::vector<Invoice> invoices,
                   receivables_->ListInvoices(filter, page));
  response->set_next_page_token(TrimToPage(
      invoices, page, scope, [](const Invoice& i) { return i.invoice_id; }));
  for (const Invoice& i : invoices) {
    v1::Invoice p = InvoiceToProto(i);
    p.clear_lines();
    *response->add_invoices() = std::move(p);
  }
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleRecordPayment(
    const Call& call, const pb::RecordPaymentRequest& request,
    pb::Payment* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  if (!request.has_payment()) return InvalidField("payment", "is required");
  const pb::Payment& p = request.payment();
  RETURN_IF_ERROR(
      RequireDealerId("payment.payer_dealer_id", p.payer_dealer_id()));
  RETURN_IF_ERROR(
      RequireText("payment.reference", p.reference(), kMaxReferenceChars));
  for (int i = 0; i < p.invoice_ids_size(); ++i) {
    RETURN_IF_ERROR(RequireId(absl::StrCat("payment.invoice_ids[", i, "]"),
                              p.invoice_ids(i), "inv"));
  }
  RETURN_IF_ERROR(auth::ActorOf(call.principal, "payment.recorded_by",
                                absl::StripAsciiWhitespace(p.recorded_by()))
                      .status());
  ASSIGN_OR_RETURN(Payment payment, PaymentFromProto(p, receivables_->Today()));
  payment.reference = std::string(absl::StripAsciiWhitespace(p.reference()));
  ASSIGN_OR_RETURN(
      const Payment recorded,
      receivables_->RecordPayment(
          call.Outgoing(), call.principal, std::move(payment),
          call.Idempotent(request.request_id(), RequestFingerprint(request))));
  *response = PaymentToProto(recorded);
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleIssueCreditNote(
    const Call& call, const pb::IssueCreditNoteRequest& request,
    pb::CreditNote* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  if (!request.has_credit_note()) {
    return InvalidField("credit_note", "is required");
  }
  const pb::CreditNote& n = request.credit_note();
  RETURN_IF_ERROR(RequireDealerId("credit_note.dealer_id", n.dealer_id()));
  if (!n.invoice_id().empty()) {
    RETURN_IF_ERROR(RequireId("credit_note.invoice_id", n.invoice_id(), "inv"));
  }
  RETURN_IF_ERROR(auth::ActorOf(call.principal, "credit_note.issued_by",
                                absl::StripAsciiWhitespace(n.issued_by()))
                      .status());
  ASSIGN_OR_RETURN(CreditNote note, CreditNoteFromProto(n));
  note.source = std::string(absl::StripAsciiWhitespace(note.source));
  note.reason = std::string(absl::StripAsciiWhitespace(note.reason));
  ASSIGN_OR_RETURN(
      const CreditNote issued,
      receivables_->IssueCreditNote(
          call.Outgoing(), call.principal, std::move(note),
          call.Idempotent(request.request_id(), RequestFingerprint(request))));
  *response = CreditNoteToProto(issued);
  return absl::OkStatus();
}

absl::Status CreditControlService::HandlePlaceRestriction(
    const Call& call, const pb::PlaceRestrictionRequest& request,
    pb::Restriction* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  if (!request.has_restriction()) {
    return InvalidField("restriction", "is required");
  }
  RETURN_IF_ERROR(RequireDealerId("restriction.payer_dealer_id",
                                  request.restriction().payer_dealer_id()));
  RETURN_IF_ERROR(RequireText("restriction.reason",
                              request.restriction().reason(), kMaxReasonChars));
  RETURN_IF_ERROR(auth::ActorOf(call.principal, "restriction.placed_by",
                                absl::StripAsciiWhitespace(
                                    request.restriction().placed_by()))
                      .status());
  ASSIGN_OR_RETURN(Restriction r, RestrictionFromProto(request.restriction()));
  r.reason = std::string(absl::StripAsciiWhitespace(r.reason));
  ASSIGN_OR_RETURN(
      const Restriction placed,
      receivables_->PlaceRestriction(
          call.Outgoing(), call.principal, std::move(r),
          call.Idempotent(request.request_id(), RequestFingerprint(request))));
  *response = RestrictionToProto(placed);
  response->set_in_force(InForce(placed, receivables_->Today()));
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleLiftRestriction(
    const Call& call, const pb::LiftRestrictionRequest& request,
    pb::Restriction* response) {
  RETURN_IF_ERROR(ValidRequestId("request_id", request.request_id()));
  RETURN_IF_ERROR(RequireId("restriction_id", request.restriction_id(), "rst"));
  RETURN_IF_ERROR(RequireText("reason", request.reason(), kMaxReasonChars));
  ASSIGN_OR_RETURN(
      const Restriction lifted,
      receivables_->LiftRestriction(
          call.principal, request.restriction_id(),
          std::string(absl::StripAsciiWhitespace(request.reason())),
          call.Idempotent(request.request_id(), RequestFingerprint(request))));
  *response = RestrictionToProto(lifted);
  response->set_in_force(InForce(lifted, receivables_->Today()));
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleGetAging(
    const Call& call, const pb::GetAgingRequest& request,
    pb::AgingReport* response) {
  ReceivablesStore::AgingQuery q;
  q.as_of = receivables_->Today();
  if (!request.as_of().empty()) {
    ASSIGN_OR_RETURN(q.as_of, ParseDay("as_of", request.as_of()));
  }
  if (request.basis() < pb::AGING_BASIS_UNSPECIFIED ||
      request.basis() > pb::AGING_BASIS_INVOICE_DATE) {
    return InvalidField("basis", "must be DUE_DATE or INVOICE_DATE");
  }
  q.by_invoice_date = request.basis() == pb::AGING_BASIS_INVOICE_DATE;
  q.bucket_bounds.assign(request.bucket_upper_bounds().begin(),
                         request.bucket_upper_bounds().end());
  if (!q.bucket_bounds.empty())
    RETURN_IF_ERROR(CheckBucketBounds(q.bucket_bounds));
  if (!request.dealer_id().empty()) {
    RETURN_IF_ERROR(RequireDealerId("dealer_id", request.dealer_id()));
  }
  if (!request.payer_dealer_id().empty()) {
    RETURN_IF_ERROR(
        RequireDealerId("payer_dealer_id", request.payer_dealer_id()));
  }
  q.dealer_id = request.dealer_id();
  q.payer_dealer_id = request.payer_dealer_id();
  using Group = ReceivablesOperations::AgingGroup;
  Group group = Group::kDealer;
  switch (request.group_by()) {
    case pb::AGING_GROUP_BY_UNSPECIFIED:
    case pb::AGING_GROUP_BY_DEALER:
      break;
    case pb::AGING_GROUP_BY_PAYER:
      group = Group::kPayer;
      break;
    case pb::AGING_GROUP_BY_TERRITORY:
      group = Group::kTerritory;
      break;
    case pb::AGING_GROUP_BY_OWNER:
      group = Group::kOwner;
      break;
    default:
      return InvalidField("group_by",
                          "must be DEALER, PAYER, TERRITORY or OWNER");
  }
  if (call.principal.is_partner()) {
    // A partner sees what it pays for, by ordering dealer.
    q.payer_dealer_id = call.principal.partner_dealer_id;
    q.dealer_id.clear();
    group = Group::kDealer;
  }
  ASSIGN_OR_RETURN(const ReceivablesOperations::AgingReport report,
                   receivables_->Aging(call.Outgoing(), q, group));
  response->set_as_of(FormatDay(report.as_of));
  for (const std::string& label : report.bucket_labels) {
    response->add_bucket_labels(label);
  }
  auto fill = [](const ReceivablesOperations::AgingRow& row, pb::AgingRow* p) {
    p->set_group(row.group);
    for (const Money& m : row.buckets) *p->add_buckets() = MoneyToProto(m);
    *p->mutable_total() = MoneyToProto(row.total);
    p->set_open_invoices(row.invoices);
    p->set_max_days_overdue(row.max_days_overdue);
  };
  for (const auto& row : report.rows) fill(row, response->add_rows());
  for (const auto& row : report.totals) fill(row, response->add_totals());
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleGetRevenueSummary(
    const Call& /*call*/, const pb::GetRevenueSummaryRequest& request,
    pb::RevenueSummary* response) {
  if (!request.dealer_id().empty()) {
    RETURN_IF_ERROR(RequireDealerId("dealer_id", request.dealer_id()));
  }
  ASSIGN_OR_RETURN(const absl::CivilDay from,
                   ParseDay("from_date", request.from_date()));
  ASSIGN_OR_RETURN(const absl::CivilDay to,
                   ParseDay("to_date", request.to_date()));
  using Key = ReceivablesStore::RevenueKey;
  Key key = Key::kNone;
  switch (request.breakdown()) {
    case pb::REVENUE_BREAKDOWN_UNSPECIFIED:
      break;
    case pb::REVENUE_BREAKDOWN_PRODUCT_GROUP:
      key = Key::kProductGroup;
      break;
    case pb::REVENUE_BREAKDOWN_SKU:
      key = Key::kSku;
      break;
    default:
      return InvalidField("breakdown", "must be PRODUCT_GROUP or SKU");
  }
  if (key == Key::kSku && request.dealer_id().empty()) {
    return InvalidField("dealer_id",
                        "a per-SKU summary is for one dealer (the "
                        "portfolio's runs to hundreds of thousands of rows); "
                        "ask per product group for the portfolio");
  }
  ASSIGN_OR_RETURN(const ReceivablesOperations::RevenueReport report,
                   receivables_->Revenue(from, to, request.dealer_id(), key));
  for (const ReceivablesOperations::RevenueRow& row : report.rows) {
    const ReceivablesStore::RevenueCell& c = row.cell;
    pb::RevenueRow* p = response->add_rows();
    p->set_dealer_id(c.dealer_id);
    p->set_key(c.key);
    auto money = [&c](int64_t minor) {
      return MoneyToProto(Money::Create(c.currency, minor).value());
    };
    *p->mutable_invoiced_net() = money(c.invoiced_net_minor);
    *p->mutable_returns() = money(c.returns_minor);
    *p->mutable_price_corrections() = money(c.price_corrections_minor);
    *p->mutable_net_revenue() = MoneyToProto(row.net_revenue);
    *p->mutable_cost() = MoneyToProto(row.net_cost);
    *p->mutable_margin() = MoneyToProto(row.margin);
    p->set_units(c.units - c.returned_units);
    p->set_invoices(c.invoices);
    if (c.first_purchase.has_value()) {
      p->set_first_purchase_date(FormatDay(*c.first_purchase));
    }
    if (c.last_purchase.has_value()) {
      p->set_last_purchase_date(FormatDay(*c.last_purchase));
    }
  }
  for (const ReceivablesStore::IncentiveCell& i : report.incentives) {
    pb::IncentiveRow* p = response->add_incentives();
    p->set_dealer_id(i.dealer_id);
    p->set_kind(static_cast<pb::CreditNoteKind>(i.kind));
    *p->mutable_amount() =
        MoneyToProto(Money::Create(i.currency, i.amount_minor).value());
  }
  return absl::OkStatus();
}

absl::Status CreditControlService::HandleListCreditPositions(
    const Call& call, const pb::ListCreditPositionsRequest& request,
    pb::ListCreditPositionsResponse* response) {
  RETURN_IF_ERROR(
      OptionalText("sales_territory", request.sales_territory(), 100));
  if (!request.abc_class().empty() && request.abc_class() != "A" &&
      request.abc_class() != "B" && request.abc_class() != "C") {
    return InvalidField("abc_class", "must be A, B or C");
  }
  const std::string scope =
      absl::StrCat("positions:", request.lowest_first(), ":",
                   request.sales_territory(), ":", request.abc_class());
  ASSIGN_OR_RETURN(
      PageRequest page,
      ParsePageRequest(request.page_size(), request.page_token(), scope));
  page.limit = std::min(page.limit, 500);
  std::string next;
  ASSIGN_OR_RETURN(
      const std::vector<ReceivablesOperations::PositionRow> rows,
      receivables_->ListPositions(call.Outgoing(), !request.lowest_first(),
                                  request.sales_territory(),
                                  request.abc_class(), page, &next));
  if (!next.empty()) response->set_next_page_token(MakePageToken(next, scope));
  for (const ReceivablesOperations::PositionRow& row : rows) {
    pb::PortfolioPosition* p = response->add_positions();
    *p->mutable_position() = CreditPositionToProto(row.position);
    p->set_utilisation_basis_points(row.utilisation_bp);
    p->set_legal_name(row.facts.legal_name);
    p->set_sales_territory(row.facts.sales_territory);
    p->set_abc_class(row.facts.abc_class);
  }
  return absl::OkStatus();
}

}  // namespace qudao::credit
