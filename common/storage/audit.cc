// The audit trail; see audit.h.
#include "common/storage/audit.h"

#include <limits>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/macros.h"

namespace qudao::storage {
namespace {

thread_local AuditScope* current_scope = nullptr;

constexpr char kColumns[] =
    "seq, occurred_at, principal, roles, partner_dealer_id, method, "
    "resource, correlation_id, request_id, outcome, reason";

AuditEvent EventOf(const Row& row) {
  AuditEvent e;
  e.seq = row.Int("seq");
  e.time = FromStoredTime(row.Int("occurred_at"));
  e.principal = row.Text("principal");
  e.roles = row.Text("roles");
  e.partner_dealer_id = row.Text("partner_dealer_id");
  e.method = row.Text("method");
  e.resource = row.Text("resource");
  e.correlation_id = row.Text("correlation_id");
  e.request_id = row.Text("request_id");
  e.outcome = row.Text("outcome");
  e.reason = row.Text("reason");
  return e;
}

}  // namespace

namespace {

// Caller-supplied text kept in the trail: bounded, cut on a UTF-8 boundary.
std::string Bounded(const std::string& text) {
  constexpr size_t kMax = 128;
  if (text.size() <= kMax) return text;
  size_t cut = kMax;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return text.substr(0, cut);
}

}  // namespace

absl::Status AppendAuditEvent(Transaction& tx, const AuditEvent& e) {
  return tx.ExecuteLater(
      "INSERT INTO audit_events (occurred_at, principal, roles, "
      "partner_dealer_id, method, resource, correlation_id, request_id, "
      "outcome, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
      {ToStoredTime(e.time), e.principal, e.roles, e.partner_dealer_id,
       e.method, Bounded(e.resource), e.correlation_id, Bounded(e.request_id),
       e.outcome, e.reason});
}

absl::Status AppendAuditEvent(Database& db, const AuditEvent& event) {
  return db.RunInTransaction(TransactionMode::kReadWrite, [&](Transaction& tx) {
    return AppendAuditEvent(tx, event);
  });
}

std::string AuditFilterKey(const AuditFilter& f) {
  return absl::StrCat("audit|", f.principal.size(), ":", f.principal, "|",
                      f.resource.size(), ":", f.resource, "|",
                      absl::FormatTime(f.since), "|",
                      absl::FormatTime(f.until));
}

absl::StatusOr<AuditPage> ListAuditEvents(Database& db,
                                          const AuditFilter& filter,
                                          const PageRequest& page) {
  int64_t before = std::numeric_limits<int64_t>::max();
  if (!page.after_key.empty() && !absl::SimpleAtoi(page.after_key, &before)) {
    return absl::InvalidArgumentError("page_token: is not from this listing");
  }
  std::string sql =
      absl::StrCat("SELECT ", kColumns, " FROM audit_events WHERE seq < $1");
  Params params = {before};
  auto add = [&](absl::string_view condition, Value value) {
    params.push_back(std::move(value));
    absl::StrAppend(&sql, " AND ", condition, " $", params.size());
  };
  if (!filter.principal.empty()) add("principal =", filter.principal);
  if (!filter.resource.empty()) add("resource =", filter.resource);
  if (filter.since != absl::InfinitePast()) {
    add("occurred_at >=", ToStoredTime(filter.since));
  }
  if (filter.until != absl::InfiniteFuture()) {
    add("occurred_at <", ToStoredTime(filter.until));
  }
  params.push_back(int64_t{page.limit} + 1);
  absl::StrAppend(&sql, " ORDER BY seq DESC LIMIT $", params.size());
  AuditPage out;
  RETURN_IF_ERROR(db.RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        ASSIGN_OR_RETURN(std::vector<Row> rows, tx.Query(sql, params));
        out.events.clear();
        for (const Row& row : rows) out.events.push_back(EventOf(row));
        return absl::OkStatus();
      }));
  out.next_page_token =
      TrimToPage(out.events, page, AuditFilterKey(filter),
                 [](const AuditEvent& e) { return absl::StrCat(e.seq); });
  return out;
}

AuditScope::AuditScope(AuditEvent event)
    : event_(std::move(event)), previous_(current_scope) {
  current_scope = this;
}

AuditScope::~AuditScope() { current_scope = previous_; }

AuditScope* AuditScope::Current() { return current_scope; }

absl::Status RecordAuditInTransaction(Transaction& tx,
                                      absl::string_view response) {
  AuditScope* scope = current_scope;
  if (scope == nullptr || scope->recorded_ ||
      scope->appended_in_ == tx.attempt_id()) {
    return absl::OkStatus();
  }
  AuditEvent event = scope->event_;
  event.outcome = "OK";
  event.reason.clear();
  if (event.resource.empty() && !response.empty() &&
      scope->resource_of_response) {
    event.resource = scope->resource_of_response(response);
  }
  RETURN_IF_ERROR(AppendAuditEvent(tx, event));
  scope->appended_in_ = tx.attempt_id();
  // The scope outlives the transaction: the call runs its writes inside it.
  tx.OnCommit([scope] { scope->recorded_ = true; });
  return absl::OkStatus();
}

}  // namespace qudao::storage
