// ListAuditEvents; see audit_trail.h.
#include "common/grpc/audit_trail.h"

#include "absl/strings/str_split.h"
#include "common/pagination/pagination.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/storage/audit.h"
#include "common/validation/validation.h"

namespace qudao {
namespace {

constexpr size_t kMaxFilterChars = 200;

absl::StatusOr<absl::Time> FilterTime(absl::string_view field,
                                      const google::protobuf::Timestamp& ts,
                                      absl::Time unset) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return unset;
  if (ts.nanos() < 0 || ts.nanos() > 999999999 || ts.seconds() < 0 ||
      ts.seconds() > 253402300799) {
    return InvalidField(field, "is not a valid time");
  }
  return TimeFromProto(ts);
}

}  // namespace

absl::Status ListAuditEvents(storage::Database& db,
                             const type::v1::ListAuditEventsRequest& request,
                             type::v1::ListAuditEventsResponse* response) {
  storage::AuditFilter filter;
  RETURN_IF_ERROR(
      OptionalText("principal", request.principal(), kMaxFilterChars));
  RETURN_IF_ERROR(
      OptionalText("resource", request.resource(), kMaxFilterChars));
  filter.principal = request.principal();
  filter.resource = request.resource();
  ASSIGN_OR_RETURN(filter.since, FilterTime("start_time", request.start_time(),
                                            absl::InfinitePast()));
  ASSIGN_OR_RETURN(filter.until, FilterTime("end_time", request.end_time(),
                                            absl::InfiniteFuture()));
  if (filter.since >= filter.until) {
    return InvalidField("end_time", "must be after start_time");
  }
  ASSIGN_OR_RETURN(const PageRequest page,
                   ParsePageRequest(request.page_size(), request.page_token(),
                                    storage::AuditFilterKey(filter)));
  ASSIGN_OR_RETURN(storage::AuditPage found,
                   storage::ListAuditEvents(db, filter, page));
  for (const storage::AuditEvent& e : found.events) {
    type::v1::AuditEvent* out = response->add_events();
    out->set_sequence(e.seq);
    *out->mutable_time() = TimeToProto(e.time);
    out->set_principal(e.principal);
    for (absl::string_view role :
         absl::StrSplit(e.roles, ", ", absl::SkipEmpty())) {
      out->add_roles(std::string(role));
    }
    out->set_partner_dealer_id(e.partner_dealer_id);
    out->set_method(e.method);
    out->set_resource(e.resource);
    out->set_correlation_id(e.correlation_id);
    out->set_request_id(e.request_id);
    out->set_outcome(e.outcome);
    out->set_reason(e.reason);
  }
  response->set_next_page_token(found.next_page_token);
  return absl::OkStatus();
}

}  // namespace qudao
