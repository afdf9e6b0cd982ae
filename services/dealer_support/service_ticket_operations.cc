// Service-ticket use cases; see service_ticket_operations.h.
#include "services/dealer_support/service_ticket_operations.h"

#include "common/status/macros.h"
#include "common/validation/validation.h"
#include "services/dealer_support/service_ticket_proto.h"

namespace qudao::support {

using storage::Transaction;
using storage::TransactionMode;

absl::StatusOr<ServiceTicket> ServiceTicketOperations::Create(
    const CallContext& call, ServiceTicket draft,
    const storage::IdempotentRequest& request) {
  // A retry of a ticket already opened gets it, even if the dealer has
  // been terminated since.
  ASSIGN_OR_RETURN(std::optional<ServiceTicket> replay,
                   storage::FindReplay(*db_, request, ServiceTicketCodec()));
  if (replay.has_value()) return *std::move(replay);
  ASSIGN_OR_RETURN(const customer::DealerFacts dealer,
                   dealers_->Get(call, draft.dealer_id));
  RETURN_IF_ERROR(customer::CheckNotTerminated(
      dealer,
      "open the ticket for the dealer that now serves the end customer"));
  const absl::Time now = clock_->Now();
  draft.id = NewResourceId("tkt", now);
  const StatusChange opening = OpenTicket(draft, now);
  return storage::RunIdempotent<ServiceTicket>(
      *db_, request, now, ServiceTicketCodec(),
      [&](Transaction& tx) -> absl::StatusOr<ServiceTicket> {
        RETURN_IF_ERROR(store_.Insert(tx, draft));
        RETURN_IF_ERROR(store_.AppendStatusChange(tx, draft.id, 1, opening));
        return draft;
      });
}

absl::StatusOr<ServiceTicket> ServiceTicketOperations::Get(
    const std::string& ticket_id) {
  absl::StatusOr<ServiceTicket> ticket;
  RETURN_IF_ERROR(db_->RunInTransaction(TransactionMode::kReadOnly,
                                        [&](Transaction& tx) -> absl::Status {
                                          ticket = store_.Get(tx, ticket_id);
                                          return ticket.status();
                                        }));
  return ticket;
}

absl::StatusOr<TicketPage> ServiceTicketOperations::List(
    const TicketFilter& filter, const PageRequest& page) {
  absl::StatusOr<TicketPage> result;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        result = store_.List(tx, filter, page);
        return result.status();
      }));
  return result;
}

}  // namespace qudao::support
