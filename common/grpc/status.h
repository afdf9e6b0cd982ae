// The one mapping from absl::Status (the error vocabulary of
// common/status/status.h, used everywhere inside qudao) to grpc::Status and
// back.
//
// The reason travels in the trailing metadata key `qudao-error-reason` and,
// for bad input, the field in `qudao-error-field`, so clients branch on
// reasons, not message text.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/status/status.h"

namespace qudao {

inline constexpr char kErrorReasonKey[] = "qudao-error-reason";
inline constexpr char kErrorFieldKey[] = "qudao-error-field";

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status FromGrpcStatus(const grpc::Status& status);

// The status of a finished client call with the reason and field the
// server attached (the inverse of AttachErrorMetadata), so a caller can pass
// a backend's error on without losing them.
absl::Status FromGrpcCall(const grpc::Status& status,
                          const grpc::ClientContext& context);

// The value of a trailing metadata key of a finished client call, or "".
std::string TrailingValue(const grpc::ClientContext& context,
                          absl::string_view key);

// Adds the reason/field trailing metadata for `status` to a server call.
void AttachErrorMetadata(grpc::ServerContextBase* context,
                         const absl::Status& status);

}  // namespace qudao
