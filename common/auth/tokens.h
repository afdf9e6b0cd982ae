// Bearer tokens: verifying the JWTs internal callers send, against public
// keys from a JWKS file, and minting them where qudao is its own issuer
// (`qudao dev`, `qudao login`, tests). The signatures are libjwt's; the JWKS
// is parsed with nlohmann::json and its keys built with OpenSSL 3's EVP API
// (glue, no cryptography of our own).
//
// A token is accepted when:
//   - its header's `alg` is RS256 or ES256 and matches the key it names
//     (`kid`; without one, every key of that algorithm is tried): `none`,
//     HMAC (a public key used as a shared secret) and any other algorithm
//     are refused before libjwt sees the token;
//   - the signature verifies with that key;
//   - `iss` is the configured issuer, `aud` (a string or a list) contains
//     the configured audience, `exp` is present and not past, `nbf` (when
//     present) is not ahead — both with a small leeway for clock skew;
//   - the subject claim (`sub`, or a configured one) is present.
// Roles come from a configurable claim path ("roles", or
// "realm_access.roles" for Keycloak): a list of strings or one
// space-separated string; names qudao does not know are ignored.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/principal.h"
#include "common/clock/clock.h"

namespace qudao::auth {

// One verification key of a JWKS.
struct PublicKey {
  std::string kid;
  // "RS256" or "ES256".
  std::string alg;
  // SubjectPublicKeyInfo PEM, as libjwt takes it.
  std::string pem;
};

// Parses a JWKS document ({"keys": [...]}): RSA keys (kty RSA, n, e; alg
// RS256 or absent) and P-256 EC keys (kty EC, crv P-256, x, y; alg ES256
// or absent). Keys with "use" other than "sig", or of other types, are
// skipped; so is a malformed key of a supported type (logged), so a set
// that drops a compromised key takes effect whatever else it holds. A
// document without one usable key is INVALID_ARGUMENT (naming the first
// malformed key, if any).
absl::StatusOr<std::vector<PublicKey>> ParseJwks(absl::string_view json);

// The keys tokens are checked against, reloaded when their file changes.
class KeySource {
 public:
  virtual ~KeySource() = default;
  virtual std::shared_ptr<const std::vector<PublicKey>> Keys() = 0;
};

// Keys from a fixed list (tests).
class StaticKeySource : public KeySource {
 public:
  explicit StaticKeySource(std::vector<PublicKey> keys)
      : keys_(std::make_shared<const std::vector<PublicKey>>(std::move(keys))) {
  }
  std::shared_ptr<const std::vector<PublicKey>> Keys() override {
    return keys_;
  }

 private:
  std::shared_ptr<const std::vector<PublicKey>> keys_;
};

// Keys from a JWKS file, re-read when its modification time, size or inode
// changes (checked at most once per `check_interval`): a rotation is
// publishing a JWKS with the old and the new key, then one without the
// old. A file that stops parsing keeps the last good keys (logged).
class JwksFile : public KeySource {
 public:
  static absl::StatusOr<std::unique_ptr<JwksFile>> Open(
      std::string path, absl::Duration check_interval = absl::Seconds(1));
  std::shared_ptr<const std::vector<PublicKey>> Keys() override;

 private:
  explicit JwksFile(std::string path, absl::Duration check_interval);
  absl::Status Reload() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const std::string path_;
  const absl::Duration check_interval_;
  absl::Mutex mu_;
  std::shared_ptr<const std::vector<PublicKey>> keys_ ABSL_GUARDED_BY(mu_);
  absl::Time next_check_ ABSL_GUARDED_BY(mu_);
  // What identified the file last read: mtime (ns), size, inode.
  int64_t mtime_ns_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t size_ ABSL_GUARDED_BY(mu_) = -1;
  uint64_t inode_ ABSL_GUARDED_BY(mu_) = 0;
};

struct VerifierOptions {
  std::string issuer;
  // One audience for the whole platform, so a forwarded token is valid at
  // every service.
  std::string audience = "qudao";
  // Dot-separated path of the roles claim.
  std::string roles_claim = "roles";
  // The claim naming the principal: "sub", or e.g. "preferred_username"
  // where the provider's `sub` is an opaque id (dealer owners and
  // approvers are recorded by this name).
  std::string subject_claim = "sub";
  absl::Duration leeway = absl::Seconds(30);
  // A verified token is remembered this long (never past its expiry, and
  // only while the key set is unchanged), so verification stays off the
  // hot path.
  absl::Duration cache_ttl = absl::Seconds(60);
  size_t cache_entries = 10000;
};

class TokenVerifier {
 public:
  TokenVerifier(VerifierOptions options, std::shared_ptr<KeySource> keys,
                const Clock* clock = &Clock::Real());

  // The principal `token` (without "Bearer ") names, or UNAUTHENTICATED
  // with reason TOKEN_EXPIRED or TOKEN_INVALID and a message saying what
  // is wrong (never echoing the token).
  absl::StatusOr<Principal> Verify(absl::string_view token) const;

  const VerifierOptions& options() const { return options_; }
  // Verifications that were not answered from the cache.
  uint64_t uncached_verifications() const {
    return uncached_verifications_.load();
  }

 private:
  absl::StatusOr<Principal> VerifyUncached(
      absl::string_view token, const std::vector<PublicKey>* ring) const;
  mutable std::atomic<uint64_t> uncached_verifications_{0};

  const VerifierOptions options_;
  std::shared_ptr<KeySource> keys_;
  const Clock* clock_;
  mutable absl::Mutex mu_;
  struct Cached {
    Principal principal;
    absl::Time until;
    // The keys it was verified with (kept alive so the address is not
    // reused by a later key set).
    std::shared_ptr<const std::vector<PublicKey>> ring_ref;
    const void* ring = nullptr;
    Cached(Principal p, absl::Time u,
           std::shared_ptr<const std::vector<PublicKey>> r)
        : principal(std::move(p)), until(u), ring_ref(r), ring(r.get()) {}
  };
  // Keyed by the token's SHA-256.
  mutable absl::flat_hash_map<std::string, Cached> cache_ ABSL_GUARDED_BY(mu_);
};

// What a minted token says.
struct TokenClaims {
  std::string subject;
  std::vector<std::string> roles;
  std::string issuer;
  std::string audience = "qudao";
  absl::Duration lifetime = absl::Hours(1);
};

// Signs tokens with an ES256 private key (qudao's own issuer: `qudao dev`,
// `qudao login`, the test harness).
class TokenSigner {
 public:
  // A fresh P-256 key pair.
  static absl::StatusOr<TokenSigner> Generate(std::string kid);
  // `private_pem`: a PKCS#8 or SEC1 EC private key.
  static absl::StatusOr<TokenSigner> FromPem(std::string private_pem,
                                             std::string kid);

  const std::string& kid() const { return kid_; }
  const std::string& private_pem() const { return private_pem_; }
  // The public key as a JWKS document with this one key.
  std::string JwksJson() const;
  PublicKey public_key() const;

  absl::StatusOr<std::string> Mint(const TokenClaims& claims,
                                   absl::Time now = absl::Now()) const;

 private:
  TokenSigner() = default;
  std::string kid_;
  std::string private_pem_;
  std::string public_pem_;
  // Base64url coordinates of the public point.
  std::string x_, y_;
};

// Merges several JWKS documents' keys into one document (a rotation
// publishes old and new together).
std::string JwksJsonOf(const std::vector<const TokenSigner*>& signers);

// Where a token comes from when a service calls for itself (its own jobs,
// the gateway for partners).
class TokenSource {
 public:
  virtual ~TokenSource() = default;
  virtual absl::StatusOr<std::string> Token() = 0;
};

// A token read from a file that something else keeps fresh (a Kubernetes
// projected token, a sidecar doing the OIDC client-credentials flow):
// re-read when it changes.
class FileTokenSource : public TokenSource {
 public:
  explicit FileTokenSource(std::string path) : path_(std::move(path)) {}
  absl::StatusOr<std::string> Token() override;

 private:
  const std::string path_;
  absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  // What identified the file last read: mtime (ns), size, inode.
  int64_t mtime_ns_ ABSL_GUARDED_BY(mu_) = -1;
  int64_t size_ ABSL_GUARDED_BY(mu_) = -1;
  uint64_t inode_ ABSL_GUARDED_BY(mu_) = 0;
};

// Tokens minted on demand by qudao's own signer, renewed before they
// expire (`qudao dev`, tests).
class SignedTokenSource : public TokenSource {
 public:
  SignedTokenSource(const TokenSigner* signer, TokenClaims claims)
      : signer_(signer), claims_(std::move(claims)) {}
  absl::StatusOr<std::string> Token() override;

 private:
  const TokenSigner* signer_;
  const TokenClaims claims_;
  absl::Mutex mu_;
  std::string token_ ABSL_GUARDED_BY(mu_);
  absl::Time renew_at_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
};

}  // namespace qudao::auth
