// Input validation shared by every API boundary, free of gRPC and protobuf.
// Each check names the field in its INVALID_ARGUMENT error (reason
// INVALID_FIELD) so a person can fix the request, and they run before
// anything is written. Inputs are quoted back at most kMaxQuotedChars long.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/pagination/pagination.h"

namespace qudao {

// Required single-line text: non-empty after trimming, valid UTF-8, none of
// the C0/C1 control characters, line or paragraph separators (U+2028/9) or
// bidirectional controls (U+202A-202E, U+2066-2069, U+200E/F: a
// right-to-left override can disguise a name), at most `max_chars`
// characters.
absl::Status RequireText(absl::string_view field, absl::string_view value,
                         size_t max_chars);
// Optional single-line text: may be empty; otherwise as RequireText.
absl::Status OptionalText(absl::string_view field, absl::string_view value,
                          size_t max_chars);
// Optional text that may span lines (descriptions, notes): like
// OptionalText, but "\n", "\r" and "\t" are allowed.
absl::Status OptionalMultilineText(absl::string_view field,
                                   absl::string_view value, size_t max_chars);

// An identifier or code: 1..max_chars of [A-Za-z0-9._-].
absl::Status RequireCode(absl::string_view field, absl::string_view value,
                         size_t max_chars = 64);
// A server-issued id such as "dlr_0190f3c2a1b24e8f0a1b" with the given
// prefix: prefix, "_", 20 lower-case hex digits.
absl::Status RequireId(absl::string_view field, absl::string_view value,
                       absl::string_view prefix);
// A dealer id ("dlr_..."), the key every service uses to refer to a dealer
// owned by customer records.
inline constexpr char kDealerIdPrefix[] = "dlr";
inline absl::Status RequireDealerId(absl::string_view field,
                                    absl::string_view value) {
  return RequireId(field, value, kDealerIdPrefix);
}

// A unified social credit code (统一社会信用代码, GB 32100-2015), the
// 18-character registration number on a Chinese business licence: read
// trimmed and upper-cased, then checked: 18 characters of
// kUsccAlphabet, characters 3-8 digits (the administrative division
// code), and the 18th the check character of the first 17. Returns the
// code in that normal form; INVALID_ARGUMENT naming `field` otherwise,
// with a message saying what to fix (never the expected check
// character: a code that fails its check is mistyped, and guessing the
// last character would only make a wrong code look right).
absl::StatusOr<std::string> ParseUnifiedSocialCreditCode(
    absl::string_view field, absl::string_view value);
// The 31 characters of a code, in value order (no I, O, S, V or Z).
inline constexpr char kUsccAlphabet[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
// The check character (18th) of a code beginning with `first17`, or '\0'
// unless `first17` is 17 characters of kUsccAlphabet.
char UsccCheckCharacter(absl::string_view first17);

// An idempotency key: empty, or 1..128 of [A-Za-z0-9._:-].
absl::Status ValidRequestId(absl::string_view field, absl::string_view value);

// Validates page_size and page_token of a List request (see
// ParsePageRequest), naming the offending field in the error.
absl::StatusOr<PageRequest> ParsePage(int64_t page_size,
                                      absl::string_view page_token,
                                      absl::string_view filter);

// A time-ordered unique id: prefix + "_" + 12 hex digits of milliseconds +
// 8 random hex digits, so ids sort roughly by creation.
std::string NewResourceId(absl::string_view prefix, absl::Time now);

}  // namespace qudao
