// qudao's own token issuer for development: `qudao dev` makes it at first
// start in its data directory (<data_dir>/identity/: the ES256 signing key,
// readable by its owner only, the JWKS services verify with, and the
// issuer's name), and `qudao login --as=NAME --role=ROLE` signs short-lived
// tokens with it. Production uses the company's identity provider instead
// (see docs/security.md).
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/auth/tokens.h"

namespace qudao::auth {

inline constexpr char kDevIssuerName[] = "qudao-dev";

class DevIssuer {
 public:
  // Opens the issuer in `data_dir`, creating it if `create` and missing.
  static absl::StatusOr<DevIssuer> Open(const std::string& data_dir,
                                        bool create);

  const TokenSigner& signer() const { return *signer_; }
  const std::string& issuer() const { return issuer_; }
  const std::string& jwks_path() const { return jwks_path_; }

 private:
  std::shared_ptr<TokenSigner> signer_;
  std::string issuer_;
  std::string jwks_path_;
};

}  // namespace qudao::auth
