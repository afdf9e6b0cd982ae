// PartnerKeys; see partner_auth.h.
#include "services/gateway/partner_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace qudao::gateway {
namespace {

// SHA-256 of a key. Keys are compared by digest: fixed length, so neither
// the length nor a matching prefix of a guessed key shows in the time taken.
std::string Digest(absl::string_view key) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(key.data(), key.size(), out, &len, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(out), len);
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
    if (!keys.keys_.emplace(Digest(parts[0]), std::string(parts[1])).second) {
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
  // "Bearer" in any case (RFC 9110 §11.1), one or more spaces, the key as
  // sent: never percent-decoded.
  absl::string_view key = header;
  const bool bearer = key.size() > 7 &&
                      absl::EqualsIgnoreCase(key.substr(0, 6), "bearer") &&
                      key[6] == ' ';
  if (bearer) key = absl::StripLeadingAsciiWhitespace(key.substr(7));
  if (!bearer || key.empty()) {
    return absl::UnauthenticatedError(
        "send your partner API key as 'Authorization: Bearer <key>'");
  }
  // Every key is compared, without an early exit.
  const std::string presented = Digest(key);
  const std::string* found = nullptr;
  for (const auto& [digest, dealer] : keys_) {
    if (CRYPTO_memcmp(digest.data(), presented.data(), digest.size()) == 0) {
      found = &dealer;
    }
  }
  if (found != nullptr) return *found;
  return absl::UnauthenticatedError("the partner API key is not valid");
}

}  // namespace qudao::gateway
