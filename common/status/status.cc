// The error vocabulary; see status.h.
#include "common/status/status.h"

#include <algorithm>
#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace qudao {
namespace {

constexpr char kReasonPayload[] = "type.qudao.dev/ErrorReason";
constexpr char kFieldPayload[] = "type.qudao.dev/ErrorField";
constexpr char kRetryAfterPayload[] = "type.qudao.dev/RetryAfterSeconds";

}  // namespace

absl::Status InvalidField(absl::string_view field, absl::string_view problem) {
  return WithField(
      WithReason(absl::InvalidArgumentError(absl::StrCat(field, ": ", problem)),
                 kReasonInvalidField),
      field);
}

absl::Status WithReason(absl::Status status, absl::string_view reason) {
  status.SetPayload(kReasonPayload, absl::Cord(reason));
  return status;
}

absl::Status Refusal(absl::StatusCode code, absl::string_view reason,
                     absl::string_view message) {
  return WithReason(absl::Status(code, message), reason);
}

absl::Status WithField(absl::Status status, absl::string_view field) {
  status.SetPayload(kFieldPayload, absl::Cord(field));
  return status;
}

std::string ReasonOf(const absl::Status& status) {
  if (auto reason = status.GetPayload(kReasonPayload)) {
    return std::string(*reason);
  }
  return absl::AsciiStrToUpper(absl::StatusCodeToString(status.code()));
}

absl::Status WithRetryAfter(absl::Status status, absl::Duration wait) {
  const int64_t seconds = std::max<int64_t>(
      1, absl::ToInt64Seconds(absl::Ceil(wait, absl::Seconds(1))));
  status.SetPayload(kRetryAfterPayload, absl::Cord(absl::StrCat(seconds)));
  return status;
}

absl::Duration RetryAfterOf(const absl::Status& status) {
  int64_t seconds = 0;
  if (auto text = status.GetPayload(kRetryAfterPayload);
      text && absl::SimpleAtoi(std::string(*text), &seconds) && seconds > 0) {
    return absl::Seconds(seconds);
  }
  return absl::ZeroDuration();
}

std::string FieldOf(const absl::Status& status) {
  if (auto field = status.GetPayload(kFieldPayload)) return std::string(*field);
  return "";
}

std::string QuoteInput(absl::string_view input) {
  size_t chars = 0;
  size_t i = 0;
  while (i < input.size() && chars < kMaxQuotedChars) {
    const unsigned char c = static_cast<unsigned char>(input[i]);
    // Step over one UTF-8 sequence (or one stray byte).
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 1;
    if (i + len > input.size()) len = input.size() - i;
    i += len;
    ++chars;
  }
  if (i >= input.size()) return absl::StrCat("'", input, "'");
  return absl::StrCat("'", input.substr(0, i), "…' (", input.size(), " bytes)");
}

}  // namespace qudao
