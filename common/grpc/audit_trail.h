// ListAuditEvents, which every service serves over its own audit trail
// (storage/audit.h) with the messages of qudao/type/v1/audit.proto.
#pragma once

#include "absl/status/status.h"
#include "common/storage/database.h"
#include "qudao/type/v1/audit.pb.h"

namespace qudao {

// Validates the filters and page, and lists the trail newest first.
absl::Status ListAuditEvents(storage::Database& db,
                             const type::v1::ListAuditEventsRequest& request,
                             type::v1::ListAuditEventsResponse* response);

}  // namespace qudao
