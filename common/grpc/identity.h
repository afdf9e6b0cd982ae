// How a process learns who its callers are and who it is, from settings:
// the token verifier (--jwks_file, --token_issuer, --token_audience,
// --roles_claim), its own account's token (--service_token_file), and TLS
// (--tls_cert, --tls_key, --tls_client_ca for serving; --tls_ca for
// calling).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/auth/tokens.h"
#include "common/grpc/server_host.h"

namespace qudao {

struct Identity {
  std::shared_ptr<auth::KeySource> keys;
  // Null when no JWKS is configured.
  std::unique_ptr<auth::TokenVerifier> verifier;
  // Null when no service token file is configured.
  std::shared_ptr<auth::TokenSource> service_token;
};

// INVALID_ARGUMENT / FAILED_PRECONDITION naming the setting when one is
// wrong; `require_verifier`: a JWKS and an issuer must be configured.
absl::StatusOr<Identity> IdentityFromSettings(bool require_verifier);

// Reads the TLS settings into `host` (certificate files) and turns on TLS
// for outgoing channels when --tls_ca is set.
absl::Status TlsFromSettings(HostOptions* host);

// The contents of a file, or FAILED_PRECONDITION naming `setting`.
absl::StatusOr<std::string> ReadSettingFile(const std::string& setting,
                                            const std::string& path);

}  // namespace qudao
