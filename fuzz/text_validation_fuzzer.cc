// The boundary checks every adapter calls on text, codes and ids.
// Invariants: accepted single-line text holds no control byte, line
// separator or bidirectional override and is valid UTF-8; accepted codes
// and ids hold only their alphabet; an error quotes at most a bounded part
// of the input.
#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/strings/ascii.h"
#include "common/validation/validation.h"
#include "fuzz/fuzz_check.h"

namespace {

bool HasForbiddenLineCharacter(const std::string& s) {
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < s.size()) {
      const unsigned char n = static_cast<unsigned char>(s[i + 1]);
      if (n >= 0x80 && n <= 0x9F) return true;  // C1
    }
    if (c == 0xE2 && i + 2 < s.size()) {
      const unsigned char a = static_cast<unsigned char>(s[i + 1]);
      const unsigned char b = static_cast<unsigned char>(s[i + 2]);
      if (a == 0x80 && (b == 0xA8 || b == 0xA9 || b == 0x8E || b == 0x8F ||
                        (b >= 0xAA && b <= 0xAE))) {
        return true;
      }
      if (a == 0x81 && b >= 0xA6 && b <= 0xA9) return true;
    }
  }
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string s(reinterpret_cast<const char*>(data), size);
  if (qudao::RequireText("f", s, 200).ok()) {
    FUZZ_CHECK(!HasForbiddenLineCharacter(s));
    FUZZ_CHECK(!absl::StripAsciiWhitespace(s).empty());
  }
  if (qudao::OptionalMultilineText("f", s, 2000).ok()) {
    for (unsigned char c : s) {
      FUZZ_CHECK(c >= 0x20 || c == '\n' || c == '\r' || c == '\t');
    }
  }
  if (qudao::RequireCode("f", s, 64).ok()) {
    for (char c : s) {
      FUZZ_CHECK(absl::ascii_isalnum(c) || c == '.' || c == '_' || c == '-');
    }
  }
  const absl::Status id = qudao::RequireDealerId("dealer_id", s);
  if (id.ok()) {
    FUZZ_CHECK(s.size() == 24 && s.rfind("dlr_", 0) == 0);
  } else {
    // The input is quoted at most 64 characters long, as one line of
    // valid UTF-8 without control or disguising characters.
    FUZZ_CHECK(id.message().size() < 400);
    FUZZ_CHECK(qudao::RequireText("message", id.message(), 400).ok());
  }
  // A unified social credit code: what is accepted is 18 characters of its
  // alphabet; the error never quotes the input (it may be a real code).
  const absl::StatusOr<std::string> uscc =
      qudao::ParseUnifiedSocialCreditCode("uscc", s);
  if (uscc.ok()) {
    FUZZ_CHECK(uscc->size() == 18);
    for (char c : *uscc) {
      FUZZ_CHECK(std::string(qudao::kUsccAlphabet).find(c) !=
                 std::string::npos);
    }
  } else if (s.size() >= 6 &&
             std::count_if(s.begin(), s.end(), absl::ascii_isdigit) >= 3) {
    // (Inputs with three digits cannot be a phrase of the message.)
    FUZZ_CHECK(uscc.status().message().find(s) == std::string::npos);
  }
  (void)qudao::ValidRequestId("request_id", s);
  return 0;
}
