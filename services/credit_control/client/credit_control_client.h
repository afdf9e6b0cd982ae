// The typed client of credit control that other services use (the order
// flow in pricing; dealer support for settlements): every call gets its
// deadline from the caller, is retried on UNAVAILABLE when it is safe to
// (reads, and writes that carry a request id, which credit control applies
// once), and a circuit breaker stops calling a failing credit control for a
// moment. Requests and answers are credit control's own messages: the
// caller builds the request, credit control validates it.
#pragma once

#include <functional>
#include <string>

#include "absl/status/statusor.h"
#include "common/grpc/client.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"

namespace qudao::credit {

class CreditControlClient {
 public:
  explicit CreditControlClient(std::function<std::string()> target,
                               ServiceClientOptions options = {},
                               metrics::Registry* registry = nullptr,
                               const Clock* clock = &Clock::Real());

  // Reservations (an order's credit).
  absl::StatusOr<v1::CreditReservation> ReserveCredit(
      const CallContext& call, const v1::ReserveCreditRequest& request);
  absl::StatusOr<v1::CreditReservation> GetCreditReservation(
      const CallContext& call, const std::string& reservation_id);
  absl::StatusOr<v1::CreditReservation> AdjustCreditReservation(
      const CallContext& call,
      const v1::AdjustCreditReservationRequest& request);
  absl::StatusOr<v1::CreditReservation> CancelCreditReservation(
      const CallContext& call,
      const v1::CancelCreditReservationRequest& request);

  // The receivables ledger: shipments invoiced, returns and rebates
  // credited, revenue counted.
  absl::StatusOr<v1::Invoice> IssueInvoice(
      const CallContext& call, const v1::IssueInvoiceRequest& request);
  absl::StatusOr<v1::CreditNote> IssueCreditNote(
      const CallContext& call, const v1::IssueCreditNoteRequest& request);
  absl::StatusOr<v1::RevenueSummary> GetRevenueSummary(
      const CallContext& call, const v1::GetRevenueSummaryRequest& request);

  // Credit control's change feed (reservation decisions, invoices, …).
  absl::StatusOr<type::v1::ListChangesResponse> ListChanges(
      const CallContext& call, const type::v1::ListChangesRequest& request);

  ServiceClient& client() { return client_; }

 private:
  using Stub = v1::CreditControlService::Stub;
  template <typename Request, typename Response>
  using Method = grpc::Status (Stub::*)(grpc::ClientContext*, const Request&,
                                        Response*);

  // One call of `method`; retried on UNAVAILABLE when `idempotency` says
  // it is safe.
  template <typename Request, typename Response>
  absl::StatusOr<Response> Invoke(const CallContext& call,
                                  Idempotency idempotency,
                                  Method<Request, Response> method,
                                  const Request& request) {
    auto stub = client_.Stub<v1::CreditControlService>();
    Response out;
    absl::Status s =
        client_.Call(call, idempotency, [&](grpc::ClientContext& ctx) {
          return ((*stub).*method)(&ctx, request, &out);
        });
    if (!s.ok()) return s;
    return out;
  }

  // A write is safe to send again only with its request id.
  static Idempotency WriteWith(const std::string& request_id) {
    return request_id.empty() ? Idempotency::kNotIdempotent
                              : Idempotency::kIdempotent;
  }

  ServiceClient client_;
};

}  // namespace qudao::credit
