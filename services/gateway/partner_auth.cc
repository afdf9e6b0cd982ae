// PartnerKeys; see partner_auth.h.
#include "services/gateway/partner_auth.h"

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace qudao::gateway {
namespace {

// Compares without an early exit so response time does not reveal how much
// of a guessed key was right.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  }
  return diff == 0;
}

}  // namespace

absl::StatusOr<PartnerKeys> PartnerKeys::Parse(absl::string_view text) {
  PartnerKeys keys;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line[0] == '#') continue;
    std::vector<absl::string_view> parts =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (parts.size() != 2 || parts[0].size() < 16) {
      return absl::InvalidArgumentError(
          absl::StrCat("partner key file line ", line_no,
                       ": expected '<key of 16+ chars> <dealer_id>'"));
    }
    if (!keys.keys_.emplace(std::string(parts[0]), std::string(parts[1]))
             .second) {
      return absl::InvalidArgumentError(
          absl::StrCat("partner key file line ", line_no, ": duplicate key"));
    }
  }
  // An empty file (a blank Secret, a wrong mount) must not be mistaken for
  // a deliberate choice; open access is a separate gateway option.
  if (keys.keys_.empty()) {
    return absl::InvalidArgumentError(
        "partner key file holds no keys: expected '<key> <dealer_id>' lines");
  }
  return keys;
}

absl::StatusOr<PartnerKeys> PartnerKeys::Load(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    return absl::NotFoundError(
        absl::StrCat("cannot read partner key file ", path));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return Parse(ss.str());
}

absl::StatusOr<std::string> PartnerKeys::Authenticate(
    absl::string_view header) const {
  absl::string_view key = header;
  if (!absl::ConsumePrefix(&key, "Bearer ") || key.empty()) {
    return absl::UnauthenticatedError(
        "send your partner API key as 'Authorization: Bearer <key>'");
  }
  for (const auto& [known, dealer] : keys_) {
    if (ConstantTimeEquals(known, key)) return dealer;
  }
  return absl::UnauthenticatedError("the partner API key is not valid");
}

absl::Status AuthorizeDealer(const std::optional<std::string>& caller,
                             absl::string_view dealer_id) {
  if (!caller.has_value() || *caller == dealer_id) return absl::OkStatus();
  // Same answer whether or not the other dealer exists: no probing.
  return absl::PermissionDeniedError(
      "a partner may only read its own dealer record");
}

}  // namespace qudao::gateway
