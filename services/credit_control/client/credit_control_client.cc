// CreditControlClient; see credit_control_client.h.
#include "services/credit_control/client/credit_control_client.h"

namespace qudao::credit {

CreditControlClient::CreditControlClient(std::function<std::string()> target,
                                         ServiceClientOptions options,
                                         metrics::Registry* registry,
                                         const Clock* clock)
    : client_("credit_control", std::move(target), options, registry, clock) {}

absl::StatusOr<v1::CreditReservation> CreditControlClient::ReserveCredit(
    const CallContext& call, const v1::ReserveCreditRequest& request) {
  return Invoke(call, WriteWith(request.request_id()), &Stub::ReserveCredit,
                request);
}

absl::StatusOr<v1::CreditReservation> CreditControlClient::GetCreditReservation(
    const CallContext& call, const std::string& reservation_id) {
  v1::GetCreditReservationRequest request;
  request.set_reservation_id(reservation_id);
  return Invoke(call, Idempotency::kIdempotent, &Stub::GetCreditReservation,
                request);
}

absl::StatusOr<v1::CreditReservation>
CreditControlClient::AdjustCreditReservation(
    const CallContext& call,
    const v1::AdjustCreditReservationRequest& request) {
  return Invoke(call, WriteWith(request.request_id()),
                &Stub::AdjustCreditReservation, request);
}

absl::StatusOr<v1::CreditReservation>
CreditControlClient::CancelCreditReservation(
    const CallContext& call,
    const v1::CancelCreditReservationRequest& request) {
  return Invoke(call, WriteWith(request.request_id()),
                &Stub::CancelCreditReservation, request);
}

absl::StatusOr<v1::Invoice> CreditControlClient::IssueInvoice(
    const CallContext& call, const v1::IssueInvoiceRequest& request) {
  return Invoke(call, WriteWith(request.request_id()), &Stub::IssueInvoice,
                request);
}

absl::StatusOr<v1::CreditNote> CreditControlClient::IssueCreditNote(
    const CallContext& call, const v1::IssueCreditNoteRequest& request) {
  return Invoke(call, WriteWith(request.request_id()), &Stub::IssueCreditNote,
                request);
}

absl::StatusOr<v1::RevenueSummary> CreditControlClient::GetRevenueSummary(
    const CallContext& call, const v1::GetRevenueSummaryRequest& request) {
  return Invoke(call, Idempotency::kIdempotent, &Stub::GetRevenueSummary,
                request);
}

absl::StatusOr<type::v1::ListChangesResponse> CreditControlClient::ListChanges(
    const CallContext& call, const type::v1::ListChangesRequest& request) {
  return Invoke(call, Idempotency::kIdempotent, &Stub::ListChanges, request);
}

}  // namespace qudao::credit
