// The one mapping from absl::Status (used everywhere inside qudao) to
// grpc::Status, plus helpers that build errors a caller can act on.
//
// Every error also carries a stable machine-readable reason, sent in the
// trailing metadata key `qudao-error-reason` (and, for bad input, the field
// in `qudao-error-field`), so clients branch on reasons, not message text.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace qudao {

inline constexpr char kErrorReasonKey[] = "qudao-error-reason";
inline constexpr char kErrorFieldKey[] = "qudao-error-field";

// INVALID_ARGUMENT naming the offending field: "dealer.legal_name: must not
// be empty".
absl::Status InvalidField(absl::string_view field, absl::string_view problem);

// Attaches a stable reason such as "CREDIT_LIMIT_EXCEEDED".
absl::Status WithReason(absl::Status status, absl::string_view reason);

// Attaches the offending field's name (as InvalidField does).
absl::Status WithField(absl::Status status, absl::string_view field);

// The reason attached to a status, or its code's name (e.g. "NOT_FOUND").
std::string ReasonOf(const absl::Status& status);
// The field attached by InvalidField, or "".
std::string FieldOf(const absl::Status& status);

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
