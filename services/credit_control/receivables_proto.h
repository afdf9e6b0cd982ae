// Receivables documents in their API form (qudao.credit.v1 Invoice,
// Payment, CreditNote, Restriction): the one conversion the adapter and
// the stored idempotent responses share.
#pragma once

#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/idempotency.h"
#include "qudao/credit/v1/credit_control_service.pb.h"
#include "qudao/credit/v1/receivables.pb.h"
#include "services/credit_control/receivables.h"
#include "services/credit_control/risk_controls.h"

namespace qudao::credit {

// Conversions every stored ledger and collections document shares: a day
// as text ("" for none), and a stored document's money and days, whose
// decoding failures are data loss, not bad input.
std::string DayText(const std::optional<absl::CivilDay>& day);
absl::StatusOr<Money> StoredMoney(const type::v1::Money& m);
absl::StatusOr<absl::CivilDay> StoredDay(const std::string& text);
absl::StatusOr<std::optional<absl::CivilDay>> StoredOptionalDay(
    const std::string& text);

v1::Invoice InvoiceToProto(const Invoice& invoice,
                           const std::vector<LedgerEntry>& entries = {});
// What IssueInvoice brings (INVALID_ARGUMENT naming the field).
absl::StatusOr<InvoiceInput> InvoiceInputFromProto(
    const v1::IssueInvoiceRequest& request);
const storage::ResponseCodec<Invoice>& InvoiceCodec();

v1::Payment PaymentToProto(const Payment& payment);
// What RecordPayment brings; `today` when no received date is given.
absl::StatusOr<Payment> PaymentFromProto(const v1::Payment& proto,
                                         absl::CivilDay today);
const storage::ResponseCodec<Payment>& PaymentCodec();

v1::CreditNote CreditNoteToProto(const CreditNote& note);
// What IssueCreditNote brings (validated further by CompleteCreditNote).
absl::StatusOr<CreditNote> CreditNoteFromProto(const v1::CreditNote& proto);
const storage::ResponseCodec<CreditNote>& CreditNoteCodec();

// in_force is left to the caller (it depends on the day asked).
v1::Restriction RestrictionToProto(const Restriction& r);
absl::StatusOr<Restriction> RestrictionFromProto(const v1::Restriction& proto);
const storage::ResponseCodec<Restriction>& RestrictionCodec();

}  // namespace qudao::credit
