// Service ticket proto conversion; see service_ticket_proto.h.
#include "services/dealer_support/service_ticket_proto.h"

#include "common/proto/conversion.h"

namespace qudao::support {

v1::ServiceTicket TicketToProto(const ServiceTicket& t) {
  v1::ServiceTicket out;
  out.set_ticket_id(t.id);
  out.set_dealer_id(t.dealer_id);
  out.set_type(static_cast<v1::TicketType>(t.type));
  out.set_priority(static_cast<v1::TicketPriority>(t.priority));
  out.set_subject(t.subject);
  out.set_description(t.description);
  out.set_status(static_cast<v1::TicketStatus>(t.status));
  *out.mutable_create_time() = TimeToProto(t.create_time);
  *out.mutable_respond_by_time() = TimeToProto(t.respond_by_time);
  return out;
}

const storage::ResponseCodec<ServiceTicket>& ServiceTicketCodec() {
  static const auto* codec = new storage::ResponseCodec<ServiceTicket>{
      [](const ServiceTicket& t) { return CanonicalBytes(TicketToProto(t)); },
      [](absl::string_view bytes) -> absl::StatusOr<ServiceTicket> {
        v1::ServiceTicket p;
        if (!p.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
          return absl::DataLossError("stored service ticket does not parse");
        }
        ServiceTicket t;
        t.id = p.ticket_id();
        t.dealer_id = p.dealer_id();
        t.type = static_cast<TicketType>(p.type());
        t.priority = static_cast<TicketPriority>(p.priority());
        t.subject = p.subject();
        t.description = p.description();
        t.status = static_cast<TicketStatus>(p.status());
        t.create_time = TimeFromProto(p.create_time());
        t.respond_by_time = TimeFromProto(p.respond_by_time());
        return t;
      }};
  return *codec;
}

}  // namespace qudao::support
