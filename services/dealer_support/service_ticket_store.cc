// ServiceTicketStore SQL; see service_ticket_store.h.
#include "services/dealer_support/service_ticket_store.h"

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/storage/table_mapping.h"

namespace qudao::support {
namespace {

using storage::Backend;
using storage::Params;
using storage::Transaction;

// The same DDL on both backends; only the append-only guard differs.
constexpr char kSchema[] = R"sql(
CREATE TABLE service_tickets (
  ticket_id       TEXT NOT NULL PRIMARY KEY,
  dealer_id       TEXT NOT NULL,
  type            INTEGER NOT NULL,
  priority        INTEGER NOT NULL,
  subject         TEXT NOT NULL,
  description     TEXT NOT NULL,
  status          INTEGER NOT NULL,
  create_time     BIGINT NOT NULL,
  respond_by_time BIGINT NOT NULL,
  first_response_time BIGINT,
  version         BIGINT NOT NULL
);
CREATE INDEX service_tickets_by_dealer ON service_tickets (dealer_id, ticket_id);
CREATE TABLE service_ticket_events (
  ticket_id  TEXT NOT NULL REFERENCES service_tickets (ticket_id),
  seq        BIGINT NOT NULL CHECK (seq > 0),
  status     INTEGER NOT NULL,
  note       TEXT NOT NULL,
  event_time BIGINT NOT NULL,
  PRIMARY KEY (ticket_id, seq)
);
)sql";

constexpr char kEventsTable[] = "service_ticket_events";

const storage::TableMapping<ServiceTicket>& Tickets() {
  namespace s = storage;
  using T = ServiceTicket;
  static const auto* table = new s::TableMapping<T>(
      "service_tickets",
      {s::Text<T>("ticket_id", &T::id).InsertOnly(),
       s::Text<T>("dealer_id", &T::dealer_id).InsertOnly(),
       s::Enum<T>("type", &T::type), s::Enum<T>("priority", &T::priority),
       s::Text<T>("subject", &T::subject),
       s::Text<T>("description", &T::description),
       s::Enum<T>("status", &T::status),
       s::Time<T>("create_time", &T::create_time).InsertOnly(),
       s::Time<T>("respond_by_time", &T::respond_by_time),
       s::OptionalTime<T>("first_response_time", &T::first_response_time),
       s::Int<T>("version", &T::version)});
  return *table;
}

// A history entry as stored: the change and where it stands.
struct StoredChange {
  std::string ticket_id;
  int64_t seq = 0;
  StatusChange change;
};

const storage::TableMapping<StoredChange>& StatusChanges() {
  namespace s = storage;
  using C = StoredChange;
  static const auto* table = new s::TableMapping<C>(
      kEventsTable,
      {s::Text<C>("ticket_id", &C::ticket_id), s::Int<C>("seq", &C::seq),
       s::Enum<C>(
           "status", [](auto& c) -> auto& { return c.change.status; }),
       s::Text<C>(
           "note", [](auto& c) -> auto& { return c.change.note; }),
       s::Time<C>(
           "event_time", [](auto& c) -> auto& { return c.change.time; })});
  return *table;
}

}  // namespace

std::string TicketFilter::Canonical() const {
  return absl::StrCat("dealer_id=", dealer_id);
}

const std::vector<storage::Migration>& ServiceTicketStore::Migrations() {
  static const auto* migrations = new std::vector<storage::Migration>{
      {1, "create_service_tickets",
       absl::StrCat(kSchema,
                    storage::AppendOnlyGuard(Backend::kSqlite, kEventsTable)),
       absl::StrCat(kSchema, storage::AppendOnlyGuard(Backend::kPostgres,
                                                      kEventsTable))},
      {2, "ticket_events_refuse_truncate",
       storage::TruncateGuard(Backend::kSqlite, kEventsTable),
       storage::TruncateGuard(Backend::kPostgres, kEventsTable)},
  };
  return *migrations;
}

absl::Status ServiceTicketStore::Insert(Transaction& tx,
                                        const ServiceTicket& ticket) const {
  return Tickets().Insert(tx, ticket);
}

absl::Status ServiceTicketStore::AppendStatusChange(
    Transaction& tx, const std::string& ticket_id, int64_t seq,
    const StatusChange& change) const {
  return StatusChanges().Insert(tx, StoredChange{ticket_id, seq, change});
}

absl::StatusOr<ServiceTicket> ServiceTicketStore::Get(
    Transaction& tx, const std::string& ticket_id) const {
  ASSIGN_OR_RETURN(auto rows, tx.Query(Tickets().Select("WHERE ticket_id = $1"),
                                       {ticket_id}));
  return Tickets().ReadOne(
      rows, absl::StrCat("service ticket ", ticket_id, " does not exist"));
}

absl::StatusOr<TicketPage> ServiceTicketStore::List(
    Transaction& tx, const TicketFilter& filter,
    const PageRequest& page) const {
  std::string where = "WHERE dealer_id = $1";
  Params params = {filter.dealer_id};
  // Bound only when continuing: PostgreSQL rejects an unreferenced
  // parameter, and the first page has no key to continue below.
  if (!page.after_key.empty()) {
    params.push_back(page.after_key);
    absl::StrAppend(&where, " AND ticket_id < $", params.size());
  }
  params.push_back(static_cast<int64_t>(page.limit + 1));
  absl::StrAppend(&where, " ORDER BY ticket_id DESC LIMIT $", params.size());
  ASSIGN_OR_RETURN(auto rows, tx.Query(Tickets().Select(where), params));
  TicketPage result;
  ASSIGN_OR_RETURN(result.tickets, Tickets().ReadAll(rows));
  result.next_page_token =
      TrimToPage(result.tickets, page, filter.Canonical(),
                 [](const ServiceTicket& t) { return t.id; });
  return result;
}

}  // namespace qudao::support
