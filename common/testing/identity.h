// Tokens for tests, made the way `qudao dev` makes them: one test issuer
// per process (a P-256 key pair, its JWKS in a temp file), a verifier that
// trusts it, tokens for any subject and roles, and channels whose calls
// carry a token.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/auth/tokens.h"
#include "common/testing/harness.h"

namespace qudao::testing {

class TestIdentity {
 public:
  // The process's test issuer (made on first use).
  static TestIdentity& Get();

  const std::string& issuer() const { return issuer_; }
  const std::string& jwks_path() const { return jwks_path_; }
  const auth::TokenSigner& signer() const { return *signer_; }
  const auth::TokenVerifier* verifier() const { return verifier_.get(); }

  // A token of `subject` with `roles` (names as in tokens: "sales_rep"),
  // issued at `issued` (an hour ago with a 10-minute lifetime: expired).
  std::string Token(const std::string& subject,
                    const std::vector<std::string>& roles,
                    absl::Duration lifetime = absl::Hours(1),
                    absl::Time issued = absl::Now()) const;
  // The default of test channels: "qudao-test", holding every staff role.
  std::string StaffToken() const;
  // A service account's token ("svc-<role>" with the role).
  std::string ServiceToken(const std::string& service_role) const;
  std::shared_ptr<auth::TokenSource> ServiceTokenSource(
      const std::string& service_role) const;
  // The own account of in-process test modules ("svc-test", holding the
  // four platform services' roles): whichever module a fixture serves, its
  // calls for no person are a service's.
  std::shared_ptr<auth::TokenSource> TestServiceTokenSource() const;

  // Flags that make a service binary trust this issuer.
  std::vector<std::string> ServiceFlags() const;

 private:
  TestIdentity();
  // Removed at exit.
  std::unique_ptr<TempDir> dir_;
  std::string issuer_;
  std::string jwks_path_;
  std::unique_ptr<auth::TokenSigner> signer_;
  std::unique_ptr<auth::TokenVerifier> verifier_;
};

// Every staff role's name.
std::vector<std::string> AllStaffRoles();

// A channel to `target` whose calls carry `token` (as "Bearer <token>")
// unless a call sets its own `authorization` metadata.
std::shared_ptr<grpc::Channel> ChannelWithToken(const std::string& target,
                                                const std::string& token);

}  // namespace qudao::testing
