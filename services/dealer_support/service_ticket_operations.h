// The service-ticket use cases of dealer support: each runs in one
// transaction over the ticket store and applies the ticket rules. Plain
// C++, no gRPC.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"
#include "common/storage/idempotency.h"
#include "services/dealer_support/service_ticket.h"
#include "services/dealer_support/service_ticket_store.h"

namespace qudao::support {

class ServiceTicketOperations {
 public:
  ServiceTicketOperations(storage::Database* db, const Clock* clock)
      : db_(db), clock_(clock) {}

  // Opens `draft` (id, status, times and response promise set here) with
  // the first entry of its status history. A repeat of `request` returns
  // the ticket opened the first time.
  absl::StatusOr<ServiceTicket> Create(
      ServiceTicket draft, const storage::IdempotentRequest& request);
  absl::StatusOr<ServiceTicket> Get(const std::string& ticket_id);
  absl::StatusOr<TicketPage> List(const TicketFilter& filter,
                                  const PageRequest& page);

 private:
  storage::Database* db_;
  const Clock* clock_;
  ServiceTicketStore store_;
};

}  // namespace qudao::support
