// Partner authentication at the gateway: each partner (dealer) holds an API
// key bound to its dealer id, and may only see its own records. Keys come
// from a file of "key dealer_id" lines (mounted from a Secret in
// Kubernetes).
//
// A loaded key set is never empty: an empty file is an error, and a
// PartnerKeys without keys refuses every request. Running without
// authentication is a separate, explicit choice (GatewayOptions::open_access,
// set by `qudao dev`), so a missing or blank Secret cannot open the gateway.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qudao::gateway {

class PartnerKeys {
 public:
  // No keys: every request is refused (UNAUTHENTICATED).
  PartnerKeys() = default;
  // At least one "key dealer_id" line; blank lines and '#' comments are
  // skipped. Malformed lines, duplicate keys and a file without any key are
  // errors.
  static absl::StatusOr<PartnerKeys> Parse(absl::string_view text);
  static absl::StatusOr<PartnerKeys> Load(const std::string& path);

  bool empty() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }

  // The dealer a request acts for, from its Authorization header
  // ("Bearer <key>", the scheme in any case; the key exactly as sent):
  // UNAUTHENTICATED when missing or unknown, and always when there are no
  // keys. Keys are held and compared as SHA-256 digests, every key each
  // time, so timing reveals neither a key's length nor a matching prefix.
  absl::StatusOr<std::string> Authenticate(
      absl::string_view authorization_header) const;

 private:
  std::map<std::string, std::string> keys_;  // SHA-256 of key -> dealer id
};

}  // namespace qudao::gateway
