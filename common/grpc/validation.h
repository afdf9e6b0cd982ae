// Input validation at the API boundary. Each check names the field in its
// INVALID_ARGUMENT error so a person can fix the request, and they run
// before anything is written.
#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/timestamp.pb.h>

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/money/money.h"
#include "common/storage/pagination.h"
#include "qudao/type/v1/money.pb.h"

namespace qudao {

// Required free text: non-empty after trimming, valid UTF-8, no control
// characters, at most `max_chars` characters.
absl::Status RequireText(absl::string_view field, absl::string_view value,
                         size_t max_chars);
// Optional free text: may be empty; otherwise as RequireText.
absl::Status OptionalText(absl::string_view field, absl::string_view value,
                          size_t max_chars);
// Optional text that may span lines (descriptions, notes): like
// OptionalText, but newlines and tabs are allowed.
absl::Status OptionalMultilineText(absl::string_view field,
                                   absl::string_view value, size_t max_chars);

// Validates page_size and page_token of a List request (see
// storage::ParsePageRequest), naming the offending field in the error.
absl::StatusOr<storage::PageRequest> ParsePage(int64_t page_size,
                                               absl::string_view page_token,
                                               absl::string_view filter);

// An identifier or code: 1..max_chars of [A-Za-z0-9._-].
absl::Status RequireCode(absl::string_view field, absl::string_view value,
                         size_t max_chars = 64);
// A server-issued id such as "dlr_0190f3c2a1b24e8f" with the given prefix.
absl::Status RequireId(absl::string_view field, absl::string_view value,
                       absl::string_view prefix);
// A dealer id ("dlr_..."), the key every service uses to refer to a dealer
// owned by customer records.
inline constexpr char kDealerIdPrefix[] = "dlr";
inline absl::Status RequireDealerId(absl::string_view field,
                                    absl::string_view value) {
  return RequireId(field, value, kDealerIdPrefix);
}

// An idempotency key: empty, or 1..128 of [A-Za-z0-9._:-].
absl::Status ValidRequestId(absl::string_view field, absl::string_view value);

// Converts and validates a Money message (currency known, amount present).
absl::StatusOr<Money> MoneyFromProto(absl::string_view field,
                                     const qudao::type::v1::Money& proto);
qudao::type::v1::Money MoneyToProto(const Money& money);

google::protobuf::Timestamp TimeToProto(absl::Time t);

// Deterministic bytes of a message, for idempotency fingerprints.
std::string CanonicalBytes(const google::protobuf::Message& message);

// A time-ordered unique id: prefix + "_" + 12 hex digits of milliseconds +
// 8 random hex digits, so ids sort roughly by creation.
std::string NewResourceId(absl::string_view prefix, absl::Time now);

}  // namespace qudao
