// ServiceTicketStore SQL; see service_ticket_store.h.
#include "services/dealer_support/service_ticket_store.h"

#include "absl/strings/str_cat.h"
#include "common/storage/idempotency.h"

namespace qudao::support {
namespace {

using storage::Backend;
using storage::Params;
using storage::Row;
using storage::Transaction;
using storage::TransactionMode;

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

constexpr char kColumns[] =
    "ticket_id, dealer_id, type, priority, subject, description, status, "
    "create_time, respond_by_time, first_response_time, version";

ServiceTicket FromRow(const Row& r) {
  ServiceTicket t;
  t.id = r.Text(0);
  t.dealer_id = r.Text(1);
  t.type = static_cast<TicketType>(r.Int(2));
  t.priority = static_cast<TicketPriority>(r.Int(3));
  t.subject = r.Text(4);
  t.description = r.Text(5);
  t.status = static_cast<TicketStatus>(r.Int(6));
  t.create_time = storage::FromStoredTime(r.Int(7));
  t.respond_by_time = storage::FromStoredTime(r.Int(8));
  if (!r.IsNull(9)) t.first_response_time = storage::FromStoredTime(r.Int(9));
  t.version = r.Int(10);
  return t;
}

Params ToParams(const ServiceTicket& t) {
  return {t.id,
          t.dealer_id,
          static_cast<int64_t>(t.type),
          static_cast<int64_t>(t.priority),
          t.subject,
          t.description,
          static_cast<int64_t>(t.status),
          storage::ToStoredTime(t.create_time),
          storage::ToStoredTime(t.respond_by_time),
          t.first_response_time
              ? storage::Value(storage::ToStoredTime(*t.first_response_time))
              : storage::Value(),
          t.version};
}

absl::StatusOr<ServiceTicket> GetIn(Transaction& tx, const std::string& id) {
  auto rows =
      tx.Query(absl::StrCat("SELECT ", kColumns,
                            " FROM service_tickets WHERE ticket_id = $1"),
               {id});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    return absl::NotFoundError(
        absl::StrCat("service ticket ", id, " does not exist"));
  }
  return FromRow((*rows)[0]);
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
  };
  return *migrations;
}

absl::StatusOr<ServiceTicket> ServiceTicketStore::Create(
    const ServiceTicket& ticket, const StatusChange& opening,
    const std::string& request_id, const std::string& request_fingerprint) {
  absl::StatusOr<std::string> id = storage::RunIdempotent(
      *db_, "qudao.support.v1.DealerSupportService/CreateServiceTicket",
      request_id, request_fingerprint,
      storage::ToStoredTime(ticket.create_time),
      [&](Transaction& tx) -> absl::StatusOr<std::string> {
        auto inserted = tx.Execute(
            absl::StrCat(
                "INSERT INTO service_tickets (", kColumns,
                ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"),
            ToParams(ticket));
        if (!inserted.ok()) return inserted.status();
        // The opening entry is seq 1; later changes append seq + 1.
        auto event = tx.Execute(
            "INSERT INTO service_ticket_events (ticket_id, seq, status, note, "
            "event_time) VALUES ($1, 1, $2, $3, $4)",
            {ticket.id, static_cast<int64_t>(opening.status), opening.note,
             storage::ToStoredTime(opening.time)});
        if (!event.ok()) return event.status();
        return ticket.id;
      });
  if (!id.ok()) return id.status();
  return Get(*id);
}

absl::StatusOr<ServiceTicket> ServiceTicketStore::Get(
    const std::string& ticket_id) {
  absl::StatusOr<ServiceTicket> ticket;
  absl::Status s = db_->RunInTransaction(TransactionMode::kReadOnly,
                                         [&](Transaction& tx) -> absl::Status {
                                           ticket = GetIn(tx, ticket_id);
                                           return ticket.status();
                                         });
  if (!s.ok()) return s;
  return ticket;
}

absl::StatusOr<TicketPage> ServiceTicketStore::List(
    const TicketFilter& filter, const storage::PageRequest& page) {
  std::string sql = absl::StrCat("SELECT ", kColumns,
                                 " FROM service_tickets WHERE dealer_id = $1");
  Params params = {filter.dealer_id};
  // Bound only when continuing: PostgreSQL rejects an unreferenced
  // parameter, and the first page has no key to continue below.
  if (!page.after_key.empty()) {
    params.push_back(page.after_key);
    absl::StrAppend(&sql, " AND ticket_id < $", params.size());
  }
  params.push_back(static_cast<int64_t>(page.limit + 1));
  absl::StrAppend(&sql, " ORDER BY ticket_id DESC LIMIT $", params.size());

  TicketPage result;
  absl::Status s = db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        auto rows = tx.Query(sql, params);
        if (!rows.ok()) return rows.status();
        result.tickets.clear();
        for (const Row& r : *rows) result.tickets.push_back(FromRow(r));
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  if (static_cast<int>(result.tickets.size()) > page.limit) {
    result.tickets.pop_back();
    result.next_page_token =
        storage::MakePageToken(result.tickets.back().id, filter.Canonical());
  }
  return result;
}

}  // namespace qudao::support
