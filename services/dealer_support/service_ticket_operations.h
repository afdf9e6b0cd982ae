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
#include "services/customer_records/client/dealer_directory.h"
#include "services/dealer_support/service_ticket.h"
#include "services/dealer_support/service_ticket_store.h"

namespace qudao::support {

class ServiceTicketOperations {
 public:
  // `dealers` answers who the dealers are (customer records).
  ServiceTicketOperations(storage::Database* db,
                          customer::DealerDirectory* dealers,
                          const Clock* clock)
      : db_(db), dealers_(dealers), clock_(clock) {}

  // Opens `draft` (id, status, times and response promise set here) with
  // the first entry of its status history. A repeat of `request` returns
  // the ticket opened the first time. The dealer must exist (NOT_FOUND,
  // DEALER_NOT_FOUND) and not be terminated (FAILED_PRECONDITION,
  // DEALER_TERMINATED); customer records unreachable is UNAVAILABLE.
  absl::StatusOr<ServiceTicket> Create(
      const CallContext& call, ServiceTicket draft,
      const storage::IdempotentRequest& request);
  absl::StatusOr<ServiceTicket> Get(const std::string& ticket_id);
  absl::StatusOr<TicketPage> List(const TicketFilter& filter,
                                  const PageRequest& page);

 private:
  storage::Database* db_;
  customer::DealerDirectory* dealers_;
  const Clock* clock_;
  ServiceTicketStore store_;
};

}  // namespace qudao::support
