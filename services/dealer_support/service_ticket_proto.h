// Service tickets in their API form (qudao.support.v1.ServiceTicket): the
// one conversion the adapter and the stored idempotent responses share.
#pragma once

#include "common/storage/idempotency.h"
#include "qudao/support/v1/service_ticket.pb.h"
#include "services/dealer_support/service_ticket.h"

namespace qudao::support {

v1::ServiceTicket TicketToProto(const ServiceTicket& ticket);

// A ticket stored as the bytes of its API message; decoding gives back what
// the API shows (not the first response time or version, which it does not).
const storage::ResponseCodec<ServiceTicket>& ServiceTicketCodec();

}  // namespace qudao::support
