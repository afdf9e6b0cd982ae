// Persistence of service tickets and their append-only status history: the
// tables, their typed row mappings and the SQL the ticket operations need,
// each inside the caller's transaction. The same SQL runs on SQLite and
// PostgreSQL.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"
#include "common/storage/migrations.h"
#include "services/dealer_support/service_ticket.h"

namespace qudao::support {

// Which tickets a list covers: one dealer's (a partner sees only its own).
struct TicketFilter {
  std::string dealer_id;
  // Canonical form, for binding page tokens to the filter.
  std::string Canonical() const;
};

struct TicketPage {
  // Newest first.
  std::vector<ServiceTicket> tickets;
  std::string next_page_token;
};

class ServiceTicketStore {
 public:
  static const std::vector<storage::Migration>& Migrations();

  absl::Status Insert(storage::Transaction& tx,
                      const ServiceTicket& ticket) const;
  // Appends entry number `seq` (1 for the opening entry) of a ticket's
  // status history.
  absl::Status AppendStatusChange(storage::Transaction& tx,
                                  const std::string& ticket_id, int64_t seq,
                                  const StatusChange& change) const;
  // NOT_FOUND naming the ticket when there is none.
  absl::StatusOr<ServiceTicket> Get(storage::Transaction& tx,
                                    const std::string& ticket_id) const;
  // Ticket ids are time-ordered, so newest first is descending id order
  // and pages continue below the last id returned.
  absl::StatusOr<TicketPage> List(storage::Transaction& tx,
                                  const TicketFilter& filter,
                                  const PageRequest& page) const;
};

}  // namespace qudao::support
