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

namespace {

// The length of the well-formed UTF-8 sequence at the start of `s`, or 0
// (a stray, overlong, surrogate or out-of-range sequence).
size_t Utf8SequenceLength(absl::string_view s, uint32_t* code_point) {
  const auto b = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = b(0);
  size_t len;
  uint32_t cp;
  if (c < 0x80) {
    *code_point = c;
    return 1;
  } else if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (s.size() < len) return 0;
  for (size_t i = 1; i < len; ++i) {
    if ((b(i) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i) & 0x3F);
  }
  if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
      (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
    return 0;
  }
  *code_point = cp;
  return len;
}

}  // namespace

std::string QuoteInput(absl::string_view input) {
  // Well-formed characters are copied; a byte that is not part of one, or
  // a control, line-separator or bidirectional-override character (which
  // could forge a log line or disguise text), shows
  // as U+FFFD, so the quote is always valid, printable UTF-8.
  constexpr absl::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out = "'";
  size_t chars = 0;
  size_t i = 0;
  while (i < input.size() && chars < kMaxQuotedChars) {
    uint32_t cp = 0;
    const size_t len = Utf8SequenceLength(input.substr(i), &cp);
    const bool disguising = cp == 0x200E || cp == 0x200F || cp == 0x2028 ||
                            cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
                            (cp >= 0x2066 && cp <= 0x2069);
    if (len == 0 || cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || disguising) {
      out.append(kReplacement.data(), kReplacement.size());
      i += len == 0 ? 1 : len;
    } else {
      out.append(input.data() + i, len);
      i += len;
    }
    ++chars;
  }
  if (i >= input.size()) return absl::StrCat(out, "'");
  return absl::StrCat(out, "…' (", input.size(), " bytes)");
}

}  // namespace qudao
