// Persistence of service tickets and their append-only status history. One
// implementation over the storage interface: its SQL runs unchanged on
// SQLite and PostgreSQL, and dealer_support_service_test.cc runs the same
// suite against both.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/database.h"
#include "common/storage/migrations.h"
#include "common/storage/pagination.h"
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
  explicit ServiceTicketStore(storage::Database* db) : db_(db) {}

  static const std::vector<storage::Migration>& Migrations();

  // Inserts `ticket` (id and times already set) and `opening`, the first
  // entry of its status history, in one transaction. With a request_id, a
  // repeat returns the ticket created the first time instead of inserting
  // again.
  absl::StatusOr<ServiceTicket> Create(const ServiceTicket& ticket,
                                       const StatusChange& opening,
                                       const std::string& request_id,
                                       const std::string& request_fingerprint);

  absl::StatusOr<ServiceTicket> Get(const std::string& ticket_id);

  // Ticket ids are time-ordered, so newest first is descending id order
  // and pages continue below the last id returned.
  absl::StatusOr<TicketPage> List(const TicketFilter& filter,
                                  const storage::PageRequest& page);

 private:
  storage::Database* db_;
};

}  // namespace qudao::support
