// Partner authentication at the gateway: each partner (dealer) holds an API
// key bound to its dealer id, and may only see its own records. Keys come
// from a file of "key dealer_id" lines (mounted from a Secret in
// Kubernetes). Without a key file the gateway runs open, for `qudao dev`
// only, and says so at start-up.
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
  // No keys: every request is allowed (development mode).
  PartnerKeys() = default;
  static absl::StatusOr<PartnerKeys> Parse(absl::string_view text);
  static absl::StatusOr<PartnerKeys> Load(const std::string& path);

  bool open() const { return keys_.empty(); }
  size_t size() const { return keys_.size(); }

  // The dealer a request acts for, from its Authorization header
  // ("Bearer <key>"): UNAUTHENTICATED when missing or unknown. In open mode
  // returns nullopt (no restriction).
  absl::StatusOr<std::optional<std::string>> Authenticate(
      absl::string_view authorization_header) const;

 private:
  std::map<std::string, std::string> keys_;  // key -> dealer id
};

// PERMISSION_DENIED unless the caller may read `dealer_id`.
absl::Status AuthorizeDealer(const std::optional<std::string>& caller,
                             absl::string_view dealer_id);

}  // namespace qudao::gateway
