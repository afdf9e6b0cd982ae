// Validation helpers; see validation.h.
#include "common/grpc/validation.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/grpc/status.h"

namespace qudao {
namespace {

// Counts UTF-8 code points; false if the bytes are not valid UTF-8 or hold a
// control character.
bool CheckUtf8(absl::string_view s, size_t* chars, bool multiline = false) {
  *chars = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80           ? 1
              : (c >> 5) == 0x6  ? 2
              : (c >> 4) == 0xE  ? 3
              : (c >> 3) == 0x1E ? 4
                                 : 0;
    if (len == 0 || i + len > s.size()) return false;
    for (int k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return false;
    }
    const bool line_break = multiline && (c == '\n' || c == '\r' || c == '\t');
    if (len == 1 && (c < 0x20 || c == 0x7F) && !line_break) return false;
    i += len;
    ++*chars;
  }
  return true;
}

bool IsCodeChar(char c) {
  return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-';
}

}  // namespace

static absl::Status CheckText(absl::string_view field, absl::string_view value,
                              size_t max_chars, bool multiline) {
  size_t chars = 0;
  if (!CheckUtf8(value, &chars, multiline)) {
    return InvalidField(field, multiline
                                   ? "must be valid UTF-8 text without control "
                                     "characters other than line breaks"
                                   : "must be valid UTF-8 text on one line "
                                     "without control characters");
  }
  if (chars > max_chars) {
    return InvalidField(field, absl::StrCat("must be at most ", max_chars,
                                            " characters (got ", chars, ")"));
  }
  return absl::OkStatus();
}

absl::Status OptionalText(absl::string_view field, absl::string_view value,
                          size_t max_chars) {
  return CheckText(field, value, max_chars, /*multiline=*/false);
}

absl::Status OptionalMultilineText(absl::string_view field,
                                   absl::string_view value, size_t max_chars) {
  return CheckText(field, value, max_chars, /*multiline=*/true);
}

absl::StatusOr<storage::PageRequest> ParsePage(int64_t page_size,
                                               absl::string_view page_token,
                                               absl::string_view filter) {
  auto page = storage::ParsePageRequest(page_size, page_token, filter);
  if (page.ok()) return page;
  return InvalidField(page_size < 0 ? "page_size" : "page_token",
                      page.status().message());
}

absl::Status RequireText(absl::string_view field, absl::string_view value,
                         size_t max_chars) {
  if (absl::StripAsciiWhitespace(value).empty()) {
    return InvalidField(field, "is required");
  }
  return OptionalText(field, value, max_chars);
}

absl::Status RequireCode(absl::string_view field, absl::string_view value,
                         size_t max_chars) {
  if (value.empty()) return InvalidField(field, "is required");
  if (value.size() > max_chars) {
    return InvalidField(
        field, absl::StrCat("must be at most ", max_chars, " characters"));
  }
  for (char c : value) {
    if (!IsCodeChar(c)) {
      return InvalidField(field,
                          "may contain only letters, digits, '.', '_' and '-'");
    }
  }
  return absl::OkStatus();
}

absl::Status RequireId(absl::string_view field, absl::string_view value,
                       absl::string_view prefix) {
  if (value.empty()) return InvalidField(field, "is required");
  const std::string want = absl::StrCat(prefix, "_");
  if (!absl::StartsWith(value, want) || value.size() != want.size() + 20) {
    return InvalidField(
        field, absl::StrCat("'", value, "' is not a ", prefix, "_ id (e.g. ",
                            prefix, "_0190f3c2a1b24e8f0a1b)"));
  }
  for (char c : value.substr(want.size())) {
    if (!absl::ascii_isxdigit(c) || absl::ascii_isupper(c)) {
      return InvalidField(
          field, absl::StrCat("'", value, "' is not a ", prefix, "_ id"));
    }
  }
  return absl::OkStatus();
}

absl::Status ValidRequestId(absl::string_view field, absl::string_view value) {
  if (value.empty()) return absl::OkStatus();
  if (value.size() > 128) {
    return InvalidField(field, "must be at most 128 characters");
  }
  for (char c : value) {
    if (!IsCodeChar(c) && c != ':') {
      return InvalidField(field,
                          "may contain only letters, digits and . _ - :");
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Money> MoneyFromProto(absl::string_view field,
                                     const qudao::type::v1::Money& proto) {
  if (proto.currency_code().empty()) {
    return InvalidField(absl::StrCat(field, ".currency_code"), "is required");
  }
  absl::StatusOr<Money> money =
      Money::Create(proto.currency_code(), proto.minor_units());
  if (!money.ok()) {
    return InvalidField(absl::StrCat(field, ".currency_code"),
                        money.status().message());
  }
  return money;
}

qudao::type::v1::Money MoneyToProto(const Money& money) {
  qudao::type::v1::Money proto;
  proto.set_currency_code(money.currency());
  proto.set_minor_units(money.minor_units());
  return proto;
}

google::protobuf::Timestamp TimeToProto(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1000000;
  int64_t rem = micros % 1000000;
  if (rem < 0) {
    rem += 1000000;
    --seconds;
  }
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(rem * 1000));
  return ts;
}

std::string CanonicalBytes(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

std::string NewResourceId(absl::string_view prefix, absl::Time now) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  const uint64_t millis = static_cast<uint64_t>(absl::ToUnixMillis(now));
  return absl::StrFormat("%s_%012x%08x", prefix, millis & 0xFFFFFFFFFFFFULL,
                         static_cast<uint32_t>(rng()));
}

}  // namespace qudao
