// The error vocabulary of qudao, free of gRPC: every layer (rules,
// operations, stores, adapters) speaks absl::Status, and attaches a stable
// machine-readable reason and, for bad input, the offending field. The
// gRPC mapping of these (trailing metadata) lives in common/grpc/status.h.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace qudao {

// The reason of every bad-input error made by InvalidField.
inline constexpr char kReasonInvalidField[] = "INVALID_FIELD";

// INVALID_ARGUMENT naming the offending field: "dealer.legal_name: must not
// be empty", with reason INVALID_FIELD and the field attached.
absl::Status InvalidField(absl::string_view field, absl::string_view problem);

// Attaches a stable reason such as "CREDIT_LIMIT_EXCEEDED".
absl::Status WithReason(absl::Status status, absl::string_view reason);

// An error of `code` with `reason` attached: the common way rules refuse.
absl::Status Refusal(absl::StatusCode code, absl::string_view reason,
                     absl::string_view message);

// Attaches the offending field's name (as InvalidField does).
absl::Status WithField(absl::Status status, absl::string_view field);

// Attaches how long the caller should wait before retrying (whole seconds,
// at least 1): an HTTP front answers it as Retry-After.
absl::Status WithRetryAfter(absl::Status status, absl::Duration wait);
// The wait attached by WithRetryAfter, or zero.
absl::Duration RetryAfterOf(const absl::Status& status);

// The reason attached to a status, or its code's name (e.g. "NOT_FOUND").
std::string ReasonOf(const absl::Status& status);
// The field attached by InvalidField, or "".
std::string FieldOf(const absl::Status& status);

// Caller input quoted for an error message: at most kMaxQuotedChars
// characters between single quotes, with "…" when cut. An error must never
// echo an unbounded input back (an 8,000-character id would blow the
// caller's metadata limit), nor bytes that are not valid UTF-8 or
// characters that forge lines or disguise text: those show as U+FFFD.
inline constexpr size_t kMaxQuotedChars = 64;
std::string QuoteInput(absl::string_view input);

}  // namespace qudao
