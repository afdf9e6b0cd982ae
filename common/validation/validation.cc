// Validation helpers; see validation.h.
#include "common/validation/validation.h"

#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status/status.h"

namespace qudao {
namespace {

// Code points refused in single-line text beyond ASCII controls.
bool IsForbiddenInLine(uint32_t cp) {
  return (cp >= 0x80 && cp <= 0x9F) ||      // C1 controls (incl. U+0085 NEL)
         cp == 0x2028 || cp == 0x2029 ||    // line / paragraph separators
         cp == 0x200E || cp == 0x200F ||    // LRM, RLM
         (cp >= 0x202A && cp <= 0x202E) ||  // embeddings and overrides
         (cp >= 0x2066 && cp <= 0x2069);    // isolates
}

// Counts code points; false if the bytes are not valid UTF-8 (overlong,
// surrogates and values above U+10FFFF included) or hold a character not
// allowed in the field.
bool CheckUtf8(absl::string_view s, size_t* chars, bool multiline) {
  *chars = 0;
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    int len;
    uint32_t cp;
    if (c < 0x80) {
      len = 1;
      cp = c;
    } else if ((c >> 5) == 0x6) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c >> 4) == 0xE) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c >> 3) == 0x1E) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (int k = 1; k < len; ++k) {
      const unsigned char cc = static_cast<unsigned char>(s[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[len] || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    const bool line_break = multiline && (c == '\n' || c == '\r' || c == '\t');
    if (len == 1 && (c < 0x20 || c == 0x7F) && !line_break) return false;
    if (IsForbiddenInLine(cp)) return false;
    i += len;
    ++*chars;
  }
  return true;
}

bool IsCodeChar(char c) {
  return absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-';
}

absl::Status CheckText(absl::string_view field, absl::string_view value,
                       size_t max_chars, bool multiline) {
  size_t chars = 0;
  if (!CheckUtf8(value, &chars, multiline)) {
    return InvalidField(
        field, multiline
                   ? "must be valid UTF-8 text without control characters "
                     "(other than line breaks and tabs) or bidirectional "
                     "overrides"
                   : "must be valid UTF-8 text on one line, without control "
                     "characters, line separators or bidirectional "
                     "overrides");
  }
  if (chars > max_chars) {
    return InvalidField(field, absl::StrCat("must be at most ", max_chars,
                                            " characters (got ", chars, ")"));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status OptionalText(absl::string_view field, absl::string_view value,
                          size_t max_chars) {
  return CheckText(field, value, max_chars, /*multiline=*/false);
}

absl::Status OptionalMultilineText(absl::string_view field,
                                   absl::string_view value, size_t max_chars) {
  return CheckText(field, value, max_chars, /*multiline=*/true);
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
  bool ok = absl::StartsWith(value, want) && value.size() == want.size() + 20;
  for (size_t i = want.size(); ok && i < value.size(); ++i) {
    ok = absl::ascii_isxdigit(value[i]) && !absl::ascii_isupper(value[i]);
  }
  if (ok) return absl::OkStatus();
  return InvalidField(
      field, absl::StrCat(QuoteInput(value), " is not a ", prefix,
                          "_ id (e.g. ", prefix, "_0190f3c2a1b24e8f0a1b)"));
}

namespace {

// GB 32100-2015 weights of characters 1..17 (3^(i-1) mod 31).
constexpr int kUsccWeights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                  29, 25, 13, 8,  24, 10, 30, 28};

// The value of a code character (its index in kUsccAlphabet), or -1.
int UsccValue(char c) {
  for (int i = 0; kUsccAlphabet[i] != '\0'; ++i) {
    if (kUsccAlphabet[i] == c) return i;
  }
  return -1;
}

}  // namespace

char UsccCheckCharacter(absl::string_view first17) {
  if (first17.size() != 17) return '\0';
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) {
    const int v = UsccValue(first17[i]);
    if (v < 0) return '\0';
    sum += v * kUsccWeights[i];
  }
  return kUsccAlphabet[(31 - sum % 31) % 31];
}

absl::StatusOr<std::string> ParseUnifiedSocialCreditCode(
    absl::string_view field, absl::string_view value) {
  const std::string code =
      absl::AsciiStrToUpper(absl::StripAsciiWhitespace(value));
  if (code.empty()) return InvalidField(field, "is required");
  // Nothing of the input is quoted back: the problem is always one of
  // these, and a person fixes it by re-reading the licence.
  constexpr char kAlphabetHint[] =
      "may contain only the digits 0-9 and the capital letters A-H, J-N, P, "
      "Q, R, T, U, W, X and Y (never I, O, S, V or Z; full-width characters "
      "are not accepted)";
  for (char c : code) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return InvalidField(field, kAlphabetHint);
    }
  }
  if (code.size() != 18) {
    return InvalidField(field,
                        absl::StrCat("must be the 18 characters printed on the "
                                     "business licence (got ",
                                     code.size(), ")"));
  }
  for (char c : code) {
    if (UsccValue(c) < 0) return InvalidField(field, kAlphabetHint);
  }
  for (size_t i = 2; i < 8; ++i) {
    if (!absl::ascii_isdigit(code[i])) {
      return InvalidField(field,
                          "characters 3 to 8 are the administrative division "
                          "code and must be digits; re-type the code from "
                          "the business licence");
    }
  }
  if (UsccCheckCharacter(absl::string_view(code).substr(0, 17)) != code[17]) {
    return InvalidField(field,
                        "check character does not match; re-type the code "
                        "from the business licence");
  }
  return code;
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

absl::StatusOr<PageRequest> ParsePage(int64_t page_size,
                                      absl::string_view page_token,
                                      absl::string_view filter) {
  auto page = ParsePageRequest(page_size, page_token, filter);
  if (page.ok()) return page;
  return InvalidField(page_size < 0 ? "page_size" : "page_token",
                      page.status().message());
}

std::string NewResourceId(absl::string_view prefix, absl::Time now) {
  thread_local std::mt19937_64 rng(std::random_device{}());
  const uint64_t millis = static_cast<uint64_t>(absl::ToUnixMillis(now));
  return absl::StrFormat("%s_%012x%08x", prefix, millis & 0xFFFFFFFFFFFFULL,
                         static_cast<uint32_t>(rng()));
}

}  // namespace qudao
