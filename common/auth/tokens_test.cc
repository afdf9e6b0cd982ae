// Bearer tokens: JWKS parsing, verification (and the attacks it must
// refuse), the ES256 signer, JWKS rotation, token sources.
#include "common/auth/tokens.h"

#include <fcntl.h>
#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/clock/clock.h"
#include "common/testing/harness.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace qudao::auth {
namespace {

using ::qudao::testing::IsOk;
using ::qudao::testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::Not;
using Json = nlohmann::json;

constexpr char kIssuer[] = "https://id.qudao.test";

// ---- helpers ----

std::string B64(absl::string_view s) { return absl::WebSafeBase64Escape(s); }

std::string Unb64(absl::string_view s) {
  std::string out;
  EXPECT_TRUE(absl::WebSafeBase64Unescape(s, &out)) << s;
  return out;
}

std::vector<std::string> Parts(const std::string& token) {
  return absl::StrSplit(token, '.');
}

// Signs `payload` with libjwt directly (any algorithm, any key), so tests
// control every claim.
std::string SignWithLibjwt(jwt_alg_t alg, const std::string& key,
                           const std::string& kid, const Json& payload) {
  jwt_t* jwt = nullptr;
  EXPECT_EQ(jwt_new(&jwt), 0);
  EXPECT_EQ(
      jwt_set_alg(jwt, alg, reinterpret_cast<const unsigned char*>(key.data()),
                  static_cast<int>(key.size())),
      0);
  if (!kid.empty()) {
    EXPECT_EQ(jwt_add_header(jwt, "kid", kid.c_str()), 0);
  }
  EXPECT_EQ(jwt_add_grants_json(jwt, payload.dump().c_str()), 0);
  char* encoded = jwt_encode_str(jwt);
  EXPECT_NE(encoded, nullptr);
  std::string token = encoded != nullptr ? encoded : "";
  std::free(encoded);
  jwt_free(jwt);
  return token;
}

std::string PemOf(EVP_PKEY* pkey, bool private_key) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (private_key) {
    EXPECT_EQ(PEM_write_bio_PrivateKey(bio, pkey, nullptr, nullptr, 0, nullptr,
                                       nullptr),
              1);
  } else {
    EXPECT_EQ(PEM_write_bio_PUBKEY(bio, pkey), 1);
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  return pem;
}

std::string BnParamB64(EVP_PKEY* pkey, const char* name) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(pkey, name, &bn), 1);
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(bn);
  return B64(bytes);
}

// An RSA key for RS256, made once (2048-bit generation is slow).
struct RsaKey {
  std::string private_pem;
  std::string jwks;
};

const RsaKey& TestRsaKey() {
  static const RsaKey* key = [] {
    EVP_PKEY* pkey = EVP_RSA_gen(2048);
    EXPECT_NE(pkey, nullptr);
    auto* k = new RsaKey;
    k->private_pem = PemOf(pkey, /*private_key=*/true);
    Json jwk = {{"kty", "RSA"},
                {"kid", "rsa-1"},
                {"alg", "RS256"},
                {"use", "sig"},
                {"n", BnParamB64(pkey, OSSL_PKEY_PARAM_RSA_N)},
                {"e", BnParamB64(pkey, OSSL_PKEY_PARAM_RSA_E)}};
    k->jwks = Json{{"keys", Json::array({jwk})}}.dump();
    EVP_PKEY_free(pkey);
    return k;
  }();
  return *key;
}

// A key source that counts how often the verifier asks for keys (a cache
// hit does not).
class CountingKeySource : public KeySource {
 public:
  explicit CountingKeySource(std::vector<PublicKey> keys)
      : inner_(std::move(keys)) {}
  std::shared_ptr<const std::vector<PublicKey>> Keys() override {
    ++calls;
    return inner_.Keys();
  }
  std::atomic<int> calls{0};

 private:
  StaticKeySource inner_;
};

absl::Status WriteFile(const std::string& path, absl::string_view data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  return out ? absl::OkStatus() : absl::InternalError("write " + path);
}

// Replaces `path` atomically (a new inode, as a rotation should publish).
absl::Status ReplaceFile(const std::string& path, absl::string_view data) {
  const std::string tmp = path + ".tmp";
  if (absl::Status s = WriteFile(tmp, data); !s.ok()) return s;
  return std::rename(tmp.c_str(), path.c_str()) == 0
             ? absl::OkStatus()
             : absl::InternalError("rename");
}

absl::Status SetMtime(const std::string& path, int64_t unix_seconds) {
  struct timespec times[2];
  times[0].tv_sec = unix_seconds;
  times[0].tv_nsec = 0;
  times[1] = times[0];
  return utimensat(AT_FDCWD, path.c_str(), times, 0) == 0
             ? absl::OkStatus()
             : absl::InternalError("utimensat");
}

class TokensTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TokenSigner> signer = TokenSigner::Generate("key-a");
    ASSERT_THAT(signer, IsOk());
    signer_ = std::make_unique<TokenSigner>(*std::move(signer));
    options_.issuer = kIssuer;
  }

  TokenVerifier Verifier(std::vector<PublicKey> keys) const {
    return TokenVerifier(
        options_, std::make_shared<StaticKeySource>(std::move(keys)), &clock_);
  }
  TokenVerifier Verifier() const { return Verifier({signer_->public_key()}); }

  TokenClaims Claims() const {
    TokenClaims c;
    c.subject = "li.wei";
    c.roles = {"sales_rep", "admin"};
    c.issuer = kIssuer;
    return c;
  }

  std::string Mint(const TokenClaims& claims) const {
    absl::StatusOr<std::string> token = signer_->Mint(claims, clock_.Now());
    EXPECT_THAT(token, IsOk());
    return token.value_or("");
  }
  std::string Mint() const { return Mint(Claims()); }

  // A payload like Mint's, for tests that need to change claims.
  Json Payload() const {
    const int64_t now = absl::ToUnixSeconds(clock_.Now());
    return Json{{"iss", kIssuer},    {"sub", "li.wei"},
                {"aud", "qudao"},    {"iat", now},
                {"exp", now + 3600}, {"roles", {"sales_rep"}}};
  }
  std::string SignEs(const Json& payload) const {
    return SignWithLibjwt(JWT_ALG_ES256, signer_->private_pem(), "key-a",
                          payload);
  }

  // Refused as UNAUTHENTICATED with `reason`, a message containing
  // `message_part`, and never the token (nor its signature).
  void ExpectRefused(const TokenVerifier& verifier, const std::string& token,
                     absl::string_view reason,
                     absl::string_view message_part) const {
    absl::StatusOr<Principal> p = verifier.Verify(token);
    EXPECT_THAT(
        p, StatusIs(absl::StatusCode::kUnauthenticated, std::string(reason)));
    const std::string message(p.status().message());
    EXPECT_THAT(message, HasSubstr(std::string(message_part)));
    if (!token.empty()) {
      EXPECT_THAT(message, Not(HasSubstr(token)));
    }
    for (const std::string& part : Parts(token)) {
      if (part.size() >= 16) {
        EXPECT_THAT(message, Not(HasSubstr(part)));
      }
    }
  }

  FakeClock clock_;
  VerifierOptions options_;
  std::unique_ptr<TokenSigner> signer_;
};

// ---- accepted tokens ----

TEST_F(TokensTest, AcceptsMintedEs256Token) {
  const std::string token = Mint();
  absl::StatusOr<Principal> p = Verifier().Verify(token);
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->subject, "li.wei");
  EXPECT_EQ(p->roles, (RoleSet{Role::kSalesRep, Role::kAdmin}));
  EXPECT_EQ(p->token, token);
  EXPECT_EQ(p->expires, clock_.Now() + absl::Hours(1));
  EXPECT_FALSE(p->is_partner());
}

TEST_F(TokensTest, MintedTokenHasJoseHeaderAndClaims) {
  const std::vector<std::string> parts = Parts(Mint());
  ASSERT_EQ(parts.size(), 3u);
  const Json header = Json::parse(Unb64(parts[0]));
  EXPECT_EQ(header["alg"], "ES256");
  EXPECT_EQ(header["kid"], "key-a");
  EXPECT_EQ(header["typ"], "JWT");
  const Json claims = Json::parse(Unb64(parts[1]));
  const int64_t now = absl::ToUnixSeconds(clock_.Now());
  EXPECT_EQ(claims["iss"], kIssuer);
  EXPECT_EQ(claims["sub"], "li.wei");
  EXPECT_EQ(claims["aud"], "qudao");
  EXPECT_EQ(claims["iat"], now);
  EXPECT_EQ(claims["exp"], now + 3600);
  EXPECT_EQ(claims["roles"], Json({"sales_rep", "admin"}));
  ASSERT_TRUE(claims["jti"].is_string());
  EXPECT_GE(claims["jti"].get<std::string>().size(), 16u);
  EXPECT_NE(Json::parse(Unb64(Parts(Mint())[1]))["jti"], claims["jti"]);
}

// JOSE's ES256 signature is r||s (64 bytes), not DER: checked with OpenSSL
// directly, independently of libjwt.
TEST_F(TokensTest, Es256SignatureIsRawRAndSVerifiableByOpenSsl) {
  const std::vector<std::string> parts = Parts(Mint());
  ASSERT_EQ(parts.size(), 3u);
  const std::string sig = Unb64(parts[2]);
  ASSERT_EQ(sig.size(), 64u);
  const std::string pem = signer_->public_key().pem;

  auto verify = [&pem](const std::string& signed_part,
                       const std::string& raw_sig) {
    const auto* bytes = reinterpret_cast<const unsigned char*>(raw_sig.data());
    ECDSA_SIG* ec_sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(ec_sig, BN_bin2bn(bytes, 32, nullptr),
                   BN_bin2bn(bytes + 32, 32, nullptr));
    unsigned char* der = nullptr;
    const int der_len = i2d_ECDSA_SIG(ec_sig, &der);
    ECDSA_SIG_free(ec_sig);
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    EVP_PKEY* pkey = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    int ok =
        pkey != nullptr && der_len > 0 &&
        EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, pkey) == 1 &&
        EVP_DigestVerify(
            ctx, der, static_cast<size_t>(der_len),
            reinterpret_cast<const unsigned char*>(signed_part.data()),
            signed_part.size()) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    OPENSSL_free(der);
    return ok != 0;
  };

  const std::string signed_part = parts[0] + "." + parts[1];
  EXPECT_TRUE(verify(signed_part, sig));
  EXPECT_FALSE(verify(signed_part + "x", sig));
  std::string bad = sig;
  bad[40] ^= 0x01;
  EXPECT_FALSE(verify(signed_part, bad));
}

TEST_F(TokensTest, AcceptsRs256TokenFromJwksKey) {
  absl::StatusOr<std::vector<PublicKey>> keys = ParseJwks(TestRsaKey().jwks);
  ASSERT_THAT(keys, IsOk());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].alg, "RS256");
  EXPECT_EQ((*keys)[0].kid, "rsa-1");
  Json payload = Payload();
  payload["sub"] = "svc-gateway";
  payload["roles"] = {"gateway"};
  const std::string token =
      SignWithLibjwt(JWT_ALG_RS256, TestRsaKey().private_pem, "rsa-1", payload);
  absl::StatusOr<Principal> p = Verifier(*keys).Verify(token);
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->subject, "svc-gateway");
  EXPECT_EQ(p->roles, RoleSet{Role::kGatewayService});

  // Without a kid, every RS256 key is tried.
  const std::string no_kid =
      SignWithLibjwt(JWT_ALG_RS256, TestRsaKey().private_pem, "", payload);
  std::vector<PublicKey> both = *keys;
  both.push_back(signer_->public_key());
  EXPECT_THAT(Verifier(both).Verify(no_kid), IsOk());
}

TEST_F(TokensTest, AcceptsTokenVerifiedThroughItsOwnJwks) {
  absl::StatusOr<std::vector<PublicKey>> keys = ParseJwks(signer_->JwksJson());
  ASSERT_THAT(keys, IsOk());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].kid, "key-a");
  EXPECT_EQ((*keys)[0].alg, "ES256");
  EXPECT_EQ((*keys)[0].pem, signer_->public_key().pem);
  EXPECT_THAT(Verifier(*keys).Verify(Mint()), IsOk());
}

TEST_F(TokensTest, RolesFromNestedClaimPath) {
  options_.roles_claim = "realm_access.roles";
  Json payload = Payload();
  payload.erase("roles");
  payload["realm_access"] = {
      {"roles", {"credit_manager", "offline_access", "uma_authorization"}}};
  absl::StatusOr<Principal> p = Verifier().Verify(SignEs(payload));
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->roles, RoleSet{Role::kCreditManager});
}

// Where the provider's `sub` is an opaque id, another claim names the
// principal; a token without it is refused.
TEST_F(TokensTest, TheSubjectClaimIsConfigurable) {
  options_.subject_claim = "preferred_username";
  Json payload = Payload();
  payload["sub"] = "f81d4fae-7dec-11d0-a765-00a0c91e6bf6";
  payload["preferred_username"] = "li.wei";
  absl::StatusOr<Principal> p = Verifier().Verify(SignEs(payload));
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->subject, "li.wei");
  payload.erase("preferred_username");
  EXPECT_THAT(Verifier().Verify(SignEs(payload)),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(TokensTest, RolesFromSpaceSeparatedString) {
  Json payload = Payload();
  payload["roles"] = "support_agent  warehouse nonsense";
  absl::StatusOr<Principal> p = Verifier().Verify(SignEs(payload));
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->roles, (RoleSet{Role::kSupportAgent, Role::kWarehouseService}));
}

TEST_F(TokensTest, UnknownRolesIgnoredAndMissingClaimMeansNoRoles) {
  Json payload = Payload();
  payload["roles"] = {"root", "superuser", 7, "pricing_manager"};
  absl::StatusOr<Principal> p = Verifier().Verify(SignEs(payload));
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->roles, RoleSet{Role::kPricingManager});

  payload.erase("roles");
  p = Verifier().Verify(SignEs(payload));
  ASSERT_THAT(p, IsOk());
  EXPECT_TRUE(p->roles.empty());
  EXPECT_EQ(p->subject, "li.wei");
}

// ---- time ----

TEST_F(TokensTest, ExpiredBeyondLeewayIsTokenExpired) {
  const std::string token = Mint();  // exp = now + 1h
  clock_.Advance(absl::Hours(1) + absl::Seconds(31));
  ExpectRefused(Verifier(), token, kReasonTokenExpired, "expired at");
}

TEST_F(TokensTest, ExpiredWithinLeewayIsAccepted) {
  const std::string token = Mint();
  clock_.Advance(absl::Hours(1) + absl::Seconds(29));
  EXPECT_THAT(Verifier().Verify(token), IsOk());
}

TEST_F(TokensTest, NotBeforeInTheFutureIsRefused) {
  Json payload = Payload();
  payload["nbf"] = absl::ToUnixSeconds(clock_.Now()) + 120;
  ExpectRefused(Verifier(), SignEs(payload), kReasonTokenInvalid,
                "not valid before");
  // Within the leeway: fine.
  payload["nbf"] = absl::ToUnixSeconds(clock_.Now()) + 20;
  EXPECT_THAT(Verifier().Verify(SignEs(payload)), IsOk());
}

TEST_F(TokensTest, MissingOrMalformedExpiryIsRefused) {
  Json payload = Payload();
  payload.erase("exp");
  ExpectRefused(Verifier(), SignEs(payload), kReasonTokenInvalid,
                "no expiry (exp)");
  payload["exp"] = "tomorrow";
  ExpectRefused(Verifier(), SignEs(payload), kReasonTokenInvalid,
                "expiry (exp) is not a number");
  // A fractional NumericDate is a number.
  payload["exp"] =
      static_cast<double>(absl::ToUnixSeconds(clock_.Now())) + 60.5;
  EXPECT_THAT(Verifier().Verify(SignEs(payload)), IsOk());
}

// ---- claims ----

TEST_F(TokensTest, WrongIssuerIsRefused) {
  TokenClaims c = Claims();
  c.issuer = "https://evil.example";
  ExpectRefused(Verifier(), Mint(c), kReasonTokenInvalid,
                "the token's issuer 'https://evil.example' is not "
                "'https://id.qudao.test'");
  Json payload = Payload();
  payload.erase("iss");
  ExpectRefused(Verifier(), SignEs(payload), kReasonTokenInvalid,
                "no issuer (iss)");
}

TEST_F(TokensTest, WrongAudienceIsRefused) {
  TokenClaims c = Claims();
  c.audience = "someone-else";
  ExpectRefused(Verifier(), Mint(c), kReasonTokenInvalid,
                "the token's audience does not include 'qudao'");
  Json payload = Payload();
  payload["aud"] = {"a", "b"};
  ExpectRefused(Verifier(), SignEs(payload), kReasonTokenInvalid,
                "audience does not include 'qudao'");
  payload.erase("aud");
  ExpectRefused(Verifier(), SignEs(payload), kReasonTokenInvalid,
                "audience does not include 'qudao'");
}

TEST_F(TokensTest, AudienceListContainingOursIsAccepted) {
  Json payload = Payload();
  payload["aud"] = {"account", "qudao"};
  EXPECT_THAT(Verifier().Verify(SignEs(payload)), IsOk());
}

TEST_F(TokensTest, MissingSubjectIsRefused) {
  Json payload = Payload();
  payload.erase("sub");
  ExpectRefused(Verifier(), SignEs(payload), kReasonTokenInvalid,
                "no subject (sub)");
  payload["sub"] = "";
  ExpectRefused(Verifier(), SignEs(payload), kReasonTokenInvalid,
                "no subject (sub)");
}

TEST_F(TokensTest, VerifierWithoutIssuerRefusesEverything) {
  options_.issuer = "";
  ExpectRefused(Verifier(), Mint(), kReasonTokenInvalid, "no token issuer");
}

// ---- forgeries ----

TEST_F(TokensTest, TamperedPayloadIsRefused) {
  const std::string token = Mint();
  std::vector<std::string> parts = Parts(token);

  // A flipped character.
  std::string flipped = parts[1];
  flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
  ExpectRefused(Verifier(), parts[0] + "." + flipped + "." + parts[2],
                kReasonTokenInvalid, "");

  // A well-formed payload granting more, with the original signature.
  Json claims = Json::parse(Unb64(parts[1]));
  claims["roles"] = {"admin", "credit_manager"};
  claims["sub"] = "mallory";
  ExpectRefused(Verifier(),
                parts[0] + "." + B64(claims.dump()) + "." + parts[2],
                kReasonTokenInvalid, "signature does not verify");
}

TEST_F(TokensTest, SignatureFromAnotherKeyWithSameKidIsRefused) {
  absl::StatusOr<TokenSigner> impostor = TokenSigner::Generate("key-a");
  ASSERT_THAT(impostor, IsOk());
  absl::StatusOr<std::string> token = impostor->Mint(Claims(), clock_.Now());
  ASSERT_THAT(token, IsOk());
  ExpectRefused(Verifier(), *token, kReasonTokenInvalid,
                "signature does not verify with its key (kid 'key-a')");
}

TEST_F(TokensTest, AlgNoneIsRefused) {
  const std::string payload = B64(Payload().dump());
  for (const std::string& header :
       {std::string(R"({"alg":"none"})"),
        std::string(R"({"alg":"none","typ":"JWT","kid":"key-a"})"),
        std::string(R"({"alg":"None"})")}) {
    const std::string token = B64(header) + "." + payload + ".";
    ExpectRefused(Verifier(), token, kReasonTokenInvalid,
                  "is not accepted; use RS256 or ES256");
  }
  ExpectRefused(Verifier(), B64(R"({"alg":"none"})") + "." + payload + ".",
                kReasonTokenInvalid,
                "the token's algorithm 'none' is not accepted; use RS256 or "
                "ES256");
  // No alg at all.
  ExpectRefused(Verifier(), B64(R"({"typ":"JWT"})") + "." + payload + ".",
                kReasonTokenInvalid, "names no algorithm");
}

// The classic confusion: an HMAC token whose secret is the service's public
// key PEM (which libjwt would happily use as an HMAC secret).
TEST_F(TokensTest, HmacWithPublicKeyAsSecretIsRefused) {
  const std::string pem = signer_->public_key().pem;
  for (const char* kid : {"key-a", ""}) {
    const std::string token =
        SignWithLibjwt(JWT_ALG_HS256, pem, kid, Payload());
    ASSERT_FALSE(token.empty());
    // libjwt alone would accept it with the PEM as key: the guard matters.
    jwt_t* jwt = nullptr;
    EXPECT_EQ(jwt_decode(&jwt, token.c_str(),
                         reinterpret_cast<const unsigned char*>(pem.data()),
                         static_cast<int>(pem.size())),
              0);
    jwt_free(jwt);
    ExpectRefused(Verifier(), token, kReasonTokenInvalid,
                  "the token's algorithm 'HS256' is not accepted");
  }
}

TEST_F(TokensTest, AlgorithmNotMatchingTheKeyIsRefused) {
  // An RS256 token naming the ES256 key.
  const std::string token = SignWithLibjwt(
      JWT_ALG_RS256, TestRsaKey().private_pem, "key-a", Payload());
  ExpectRefused(Verifier(), token, kReasonTokenInvalid,
                "algorithm RS256 does not match its key (kid 'key-a')");
  // RS512 is not accepted at all.
  const std::string rs512 = SignWithLibjwt(
      JWT_ALG_RS512, TestRsaKey().private_pem, "rsa-1", Payload());
  ExpectRefused(Verifier(), rs512, kReasonTokenInvalid, "'RS512'");
}

TEST_F(TokensTest, UnknownKidIsRefused) {
  absl::StatusOr<TokenSigner> other = TokenSigner::Generate("key-zzz");
  ASSERT_THAT(other, IsOk());
  absl::StatusOr<std::string> token = other->Mint(Claims(), clock_.Now());
  ASSERT_THAT(token, IsOk());
  ExpectRefused(Verifier(), *token, kReasonTokenInvalid,
                "the token was signed by a key this service does not know "
                "(kid 'key-zzz')");
}

TEST_F(TokensTest, MalformedTokensAreRefused) {
  const std::string good = Mint();
  const std::vector<std::string> parts = Parts(good);
  const std::vector<std::string> bad = {
      "",
      "garbage",
      "not a token at all",
      parts[0] + "." + parts[1],                          // two parts
      good + "." + parts[2],                              // four parts
      "." + parts[1] + "." + parts[2],                    // empty header
      parts[0] + ".." + parts[2],                         // empty payload
      parts[0] + "." + parts[1] + ".",                    // unsigned
      parts[0] + "=." + parts[1] + "." + parts[2],        // padding
      parts[0] + "." + parts[1] + "." + parts[2] + "+",   // not base64url
      good + std::string("\0junk", 5),                    // NUL inside
      " " + good,                                         // whitespace
      B64("not json") + "." + parts[1] + "." + parts[2],  // header not JSON
      parts[0] + "." + B64("[1,2]") + "." + parts[2],     // payload array
      std::string(20000, 'a'),                            // oversized
      parts[0] + "." + std::string(17000, 'A') + "." + parts[2],
      // Deeply nested JSON in the header and in the payload.
      B64(std::string(6000, '[') + std::string(6000, ']')) + "." + parts[1] +
          "." + parts[2],
      parts[0] + "." + B64(std::string(6000, '[') + std::string(6000, ']')) +
          "." + parts[2],
  };
  const TokenVerifier verifier = Verifier();
  for (const std::string& token : bad) {
    SCOPED_TRACE(token.substr(0, 80));
    ExpectRefused(verifier, token, kReasonTokenInvalid, "");
  }
  ExpectRefused(verifier, std::string(20000, 'a'), kReasonTokenInvalid,
                "longer than 16384 bytes");
  ExpectRefused(verifier, parts[0] + "." + parts[1], kReasonTokenInvalid,
                "not a JWT");
  EXPECT_THAT(verifier.Verify(good), IsOk());
}

// ---- cache ----

TEST_F(TokensTest, CacheServesRepeatsButNeverPastExpiry) {
  auto keys = std::make_shared<CountingKeySource>(
      std::vector<PublicKey>{signer_->public_key()});
  const TokenVerifier verifier(options_, keys, &clock_);
  TokenClaims c = Claims();
  c.lifetime = absl::Seconds(45);  // shorter than the cache's 60s
  const std::string token = Mint(c);

  ASSERT_THAT(verifier.Verify(token), IsOk());
  EXPECT_EQ(verifier.uncached_verifications(), 1u);
  absl::StatusOr<Principal> again = verifier.Verify(token);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->subject, "li.wei");
  EXPECT_EQ(verifier.uncached_verifications(), 1u);  // from the cache

  // Past exp but within the leeway: verified again, not served from cache.
  clock_.Advance(absl::Seconds(50));
  EXPECT_THAT(verifier.Verify(token), IsOk());
  EXPECT_EQ(verifier.uncached_verifications(), 2u);

  // Past exp beyond the leeway.
  clock_.Advance(absl::Seconds(30));
  ExpectRefused(verifier, token, kReasonTokenExpired, "expired");
}

TEST_F(TokensTest, CachedEntryExpiresWithTtlAndFailuresAreNotCached) {
  auto keys = std::make_shared<CountingKeySource>(
      std::vector<PublicKey>{signer_->public_key()});
  const TokenVerifier verifier(options_, keys, &clock_);
  const std::string token = Mint();
  ASSERT_THAT(verifier.Verify(token), IsOk());
  clock_.Advance(absl::Seconds(61));
  ASSERT_THAT(verifier.Verify(token), IsOk());
  EXPECT_EQ(verifier.uncached_verifications(), 2u);

  TokenClaims c = Claims();
  c.audience = "other";
  const std::string bad = Mint(c);
  EXPECT_THAT(verifier.Verify(bad),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(verifier.Verify(bad),
              StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_EQ(verifier.uncached_verifications(), 4u);
}

TEST_F(TokensTest, CacheIsBounded) {
  options_.cache_entries = 1;
  auto keys = std::make_shared<CountingKeySource>(
      std::vector<PublicKey>{signer_->public_key()});
  const TokenVerifier verifier(options_, keys, &clock_);
  TokenClaims c = Claims();
  const std::string a = Mint(c);
  c.subject = "zhang.min";
  const std::string b = Mint(c);
  ASSERT_THAT(verifier.Verify(a), IsOk());
  ASSERT_THAT(verifier.Verify(a), IsOk());
  EXPECT_EQ(verifier.uncached_verifications(), 1u);
  absl::StatusOr<Principal> pb = verifier.Verify(b);
  ASSERT_THAT(pb, IsOk());
  EXPECT_EQ(pb->subject, "zhang.min");
  EXPECT_EQ(verifier.uncached_verifications(), 2u);
  ASSERT_THAT(verifier.Verify(a), IsOk());  // evicted
  EXPECT_EQ(verifier.uncached_verifications(), 3u);
}

// ---- JWKS ----

TEST(ParseJwksTest, RejectsDocumentsWithoutUsableKeys) {
  for (const char* doc :
       {"", "not json", "[]", "{}", R"({"keys": {}})", R"({"keys": []})",
        R"({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})",
        R"({"keys": [{"kty": "EC", "crv": "P-384", "x": "AA", "y": "AA"}]})"}) {
    EXPECT_THAT(ParseJwks(doc), StatusIs(absl::StatusCode::kInvalidArgument))
        << doc;
  }
}

TEST(ParseJwksTest, SkipsEncryptionKeys) {
  absl::StatusOr<TokenSigner> a = TokenSigner::Generate("sig-key");
  absl::StatusOr<TokenSigner> b = TokenSigner::Generate("enc-key");
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  Json enc = Json::parse(b->JwksJson())["keys"][0];
  enc["use"] = "enc";
  Json doc = Json::parse(a->JwksJson());
  doc["keys"].push_back(enc);
  absl::StatusOr<std::vector<PublicKey>> keys = ParseJwks(doc.dump());
  ASSERT_THAT(keys, IsOk());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].kid, "sig-key");

  // Only an encryption key: nothing usable.
  EXPECT_THAT(ParseJwks(Json{{"keys", Json::array({enc})}}.dump()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

// A malformed key is skipped, not the whole set: a rotation that drops a
// compromised key must take effect even if another key is bad.
TEST(ParseJwksTest, AMalformedKeyDoesNotHoldBackTheOthers) {
  absl::StatusOr<TokenSigner> good = TokenSigner::Generate("good");
  ASSERT_THAT(good, IsOk());
  Json bad = Json::parse(good->JwksJson())["keys"][0];
  bad["kid"] = "bad";
  bad["x"] = "AAAA";
  const Json doc{
      {"keys", Json::array({bad, Json::parse(good->JwksJson())["keys"][0]})}};
  absl::StatusOr<std::vector<PublicKey>> keys = ParseJwks(doc.dump());
  ASSERT_THAT(keys, IsOk());
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].kid, "good");
}

TEST(ParseJwksTest, MalformedKeyOfSupportedTypeNamesIt) {
  absl::StatusOr<TokenSigner> a = TokenSigner::Generate("k1");
  ASSERT_THAT(a, IsOk());
  Json jwk = Json::parse(a->JwksJson())["keys"][0];

  Json short_x = jwk;
  short_x["x"] = "AAAA";
  absl::StatusOr<std::vector<PublicKey>> r =
      ParseJwks(Json{{"keys", Json::array({short_x})}}.dump());
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(r.status().message(), HasSubstr("kid 'k1'"));

  // A point not on the curve.
  Json off_curve = jwk;
  std::string y = Unb64(jwk["y"].get<std::string>());
  y[31] ^= 0x01;
  off_curve["y"] = B64(y);
  r = ParseJwks(Json{{"keys", Json::array({off_curve})}}.dump());
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(r.status().message(), HasSubstr("P-256"));

  Json no_n = Json::parse(TestRsaKey().jwks)["keys"][0];
  no_n.erase("n");
  EXPECT_THAT(ParseJwks(Json{{"keys", Json::array({no_n})}}.dump()),
              StatusIs(absl::StatusCode::kInvalidArgument));

  // A weak RSA modulus.
  Json weak = Json::parse(TestRsaKey().jwks)["keys"][0];
  weak["n"] = B64(std::string(128, '\xC3'));
  EXPECT_THAT(ParseJwks(Json{{"keys", Json::array({weak})}}.dump()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseJwksTest, KeysWithoutAlgAreTakenByType) {
  Json rsa = Json::parse(TestRsaKey().jwks)["keys"][0];
  rsa.erase("alg");
  rsa.erase("use");
  absl::StatusOr<TokenSigner> ec = TokenSigner::Generate("ec");
  ASSERT_THAT(ec, IsOk());
  Json ec_jwk = Json::parse(ec->JwksJson())["keys"][0];
  ec_jwk.erase("alg");
  Json rs512 = rsa;
  rs512["alg"] = "RS512";
  rs512["kid"] = "rs512";
  absl::StatusOr<std::vector<PublicKey>> keys =
      ParseJwks(Json{{"keys", Json::array({rsa, ec_jwk, rs512})}}.dump());
  ASSERT_THAT(keys, IsOk());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].alg, "RS256");
  EXPECT_EQ((*keys)[1].alg, "ES256");
}

TEST_F(TokensTest, JwksFileRotation) {
  absl::StatusOr<qudao::testing::TempDir> dir =
      qudao::testing::TempDir::Create("tokens");
  ASSERT_THAT(dir, IsOk());
  const std::string path = dir->path() + "/jwks.json";
  absl::StatusOr<TokenSigner> b = TokenSigner::Generate("key-b");
  ASSERT_THAT(b, IsOk());
  const std::string token_a = Mint();
  absl::StatusOr<std::string> token_b = b->Mint(Claims(), clock_.Now());
  ASSERT_THAT(token_b, IsOk());

  ASSERT_THAT(ReplaceFile(path, signer_->JwksJson()), IsOk());
  absl::StatusOr<std::unique_ptr<JwksFile>> file =
      JwksFile::Open(path, absl::ZeroDuration());
  ASSERT_THAT(file, IsOk());
  std::shared_ptr<JwksFile> keys = *std::move(file);
  options_.cache_entries = 0;  // every Verify looks at the keys
  const TokenVerifier verifier(options_, keys, &clock_);
  EXPECT_THAT(verifier.Verify(token_a), IsOk());
  ExpectRefused(verifier, *token_b, kReasonTokenInvalid, "kid 'key-b'");

  // Old and new published together.
  ASSERT_THAT(ReplaceFile(path, JwksJsonOf({signer_.get(), &*b})), IsOk());
  EXPECT_THAT(verifier.Verify(token_a), IsOk());
  EXPECT_THAT(verifier.Verify(*token_b), IsOk());

  // The old one withdrawn (written in place this time; the mtime is set
  // explicitly so the change does not hinge on timestamp granularity).
  ASSERT_THAT(WriteFile(path, b->JwksJson()), IsOk());
  ASSERT_THAT(SetMtime(path, 2000000000), IsOk());
  ExpectRefused(verifier, token_a, kReasonTokenInvalid, "kid 'key-a'");
  EXPECT_THAT(verifier.Verify(*token_b), IsOk());

  // Garbage keeps the last good keys.
  ASSERT_THAT(ReplaceFile(path, "{\"keys\": [garbage"), IsOk());
  EXPECT_THAT(verifier.Verify(*token_b), IsOk());
  ExpectRefused(verifier, token_a, kReasonTokenInvalid, "kid 'key-a'");
  // So does a missing file; it coming back is picked up.
  ASSERT_EQ(std::remove(path.c_str()), 0);
  EXPECT_THAT(verifier.Verify(*token_b), IsOk());
  ASSERT_THAT(ReplaceFile(path, signer_->JwksJson()), IsOk());
  EXPECT_THAT(verifier.Verify(token_a), IsOk());
  ExpectRefused(verifier, *token_b, kReasonTokenInvalid, "kid 'key-b'");
}

TEST_F(TokensTest, JwksFileChecksAtMostOncePerInterval) {
  absl::StatusOr<qudao::testing::TempDir> dir =
      qudao::testing::TempDir::Create("tokens");
  ASSERT_THAT(dir, IsOk());
  const std::string path = dir->path() + "/jwks.json";
  absl::StatusOr<TokenSigner> b = TokenSigner::Generate("key-b");
  ASSERT_THAT(b, IsOk());
  ASSERT_THAT(ReplaceFile(path, signer_->JwksJson()), IsOk());
  absl::StatusOr<std::unique_ptr<JwksFile>> file =
      JwksFile::Open(path, absl::Hours(1));
  ASSERT_THAT(file, IsOk());
  ASSERT_THAT(ReplaceFile(path, b->JwksJson()), IsOk());
  const auto keys = (*file)->Keys();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].kid, "key-a");  // not re-read yet
}

TEST(JwksFileTest, OpenFailsOnMissingOrBadFile) {
  absl::StatusOr<qudao::testing::TempDir> dir =
      qudao::testing::TempDir::Create("tokens");
  ASSERT_THAT(dir, IsOk());
  EXPECT_THAT(JwksFile::Open(dir->path() + "/absent.json"), Not(IsOk()));
  const std::string path = dir->path() + "/bad.json";
  ASSERT_THAT(WriteFile(path, "{\"keys\": []}"), IsOk());
  absl::StatusOr<std::unique_ptr<JwksFile>> file = JwksFile::Open(path);
  EXPECT_THAT(file, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(file.status().message(), HasSubstr(path));
}

// ---- signer ----

TEST(TokenSignerTest, FromPemRoundTripsPkcs8AndSec1) {
  absl::StatusOr<TokenSigner> a = TokenSigner::Generate("k");
  ASSERT_THAT(a, IsOk());
  EXPECT_THAT(a->private_pem(), HasSubstr("BEGIN PRIVATE KEY"));
  absl::StatusOr<TokenSigner> b = TokenSigner::FromPem(a->private_pem(), "k");
  ASSERT_THAT(b, IsOk());
  EXPECT_EQ(b->JwksJson(), a->JwksJson());
  EXPECT_EQ(b->public_key().pem, a->public_key().pem);

  // The same key as SEC1 ("BEGIN EC PRIVATE KEY").
  BIO* in = BIO_new_mem_buf(a->private_pem().data(),
                            static_cast<int>(a->private_pem().size()));
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO_free(in);
  ASSERT_NE(pkey, nullptr);
  BIO* out = BIO_new(BIO_s_mem());
  ASSERT_EQ(PEM_write_bio_PrivateKey_traditional(out, pkey, nullptr, nullptr, 0,
                                                 nullptr, nullptr),
            1);
  char* data = nullptr;
  const long len = BIO_get_mem_data(out, &data);
  const std::string sec1(data, static_cast<size_t>(len));
  BIO_free(out);
  EVP_PKEY_free(pkey);
  EXPECT_THAT(sec1, HasSubstr("BEGIN EC PRIVATE KEY"));
  absl::StatusOr<TokenSigner> c = TokenSigner::FromPem(sec1, "k");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ(c->JwksJson(), a->JwksJson());
}

TEST(TokenSignerTest, FromPemRefusesOtherKeys) {
  EXPECT_THAT(TokenSigner::FromPem("garbage", "k"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(TokenSigner::FromPem(TestRsaKey().private_pem, "k"),
              StatusIs(absl::StatusCode::kInvalidArgument));
  absl::StatusOr<TokenSigner> a = TokenSigner::Generate("k");
  ASSERT_THAT(a, IsOk());
  EXPECT_THAT(TokenSigner::FromPem(a->private_pem(), ""),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(TokenSignerTest, MintRefusesIncompleteClaims) {
  absl::StatusOr<TokenSigner> a = TokenSigner::Generate("k");
  ASSERT_THAT(a, IsOk());
  TokenClaims c;
  c.issuer = kIssuer;
  EXPECT_THAT(a->Mint(c), StatusIs(absl::StatusCode::kInvalidArgument));
  c.subject = "li.wei";
  c.lifetime = absl::ZeroDuration();
  EXPECT_THAT(a->Mint(c), StatusIs(absl::StatusCode::kInvalidArgument));
  c.lifetime = absl::Minutes(5);
  c.roles = {std::string("adm\0in", 6)};
  EXPECT_THAT(a->Mint(c), StatusIs(absl::StatusCode::kInvalidArgument));
  c.roles = {"admin"};
  EXPECT_THAT(a->Mint(c), IsOk());
}

TEST(TokenSignerTest, JwksJsonShapeAndMerge) {
  absl::StatusOr<TokenSigner> a = TokenSigner::Generate("a");
  absl::StatusOr<TokenSigner> b = TokenSigner::Generate("b");
  ASSERT_THAT(a, IsOk());
  ASSERT_THAT(b, IsOk());
  const Json doc = Json::parse(a->JwksJson());
  ASSERT_EQ(doc["keys"].size(), 1u);
  const Json& jwk = doc["keys"][0];
  EXPECT_EQ(jwk["kty"], "EC");
  EXPECT_EQ(jwk["crv"], "P-256");
  EXPECT_EQ(jwk["alg"], "ES256");
  EXPECT_EQ(jwk["use"], "sig");
  EXPECT_EQ(jwk["kid"], "a");
  EXPECT_EQ(jwk["x"].get<std::string>().size(), 43u);  // 32 bytes, unpadded
  EXPECT_EQ(jwk["y"].get<std::string>().size(), 43u);

  absl::StatusOr<std::vector<PublicKey>> keys =
      ParseJwks(JwksJsonOf({&*a, &*b}));
  ASSERT_THAT(keys, IsOk());
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].kid, "a");
  EXPECT_EQ((*keys)[1].kid, "b");
}

// ---- token sources ----

TEST(FileTokenSourceTest, ReadsStripsAndRereadsOnChange) {
  absl::StatusOr<qudao::testing::TempDir> dir =
      qudao::testing::TempDir::Create("tokens");
  ASSERT_THAT(dir, IsOk());
  const std::string path = dir->path() + "/token";
  ASSERT_THAT(WriteFile(path, "  first-token \n"), IsOk());
  ASSERT_THAT(SetMtime(path, 1700000000), IsOk());
  FileTokenSource source(path);
  EXPECT_EQ(source.Token().value_or(""), "first-token");
  EXPECT_EQ(source.Token().value_or(""), "first-token");

  // Same size, in place: the mtime says it changed.
  ASSERT_THAT(WriteFile(path, "  other-token \n"), IsOk());
  ASSERT_THAT(SetMtime(path, 1700000100), IsOk());
  EXPECT_EQ(source.Token().value_or(""), "other-token");

  ASSERT_THAT(WriteFile(path, " \n\t"), IsOk());
  ASSERT_THAT(SetMtime(path, 1700000200), IsOk());
  absl::StatusOr<std::string> empty = source.Token();
  EXPECT_THAT(empty, StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(empty.status().message(), HasSubstr(path));

  FileTokenSource missing(dir->path() + "/absent");
  EXPECT_THAT(missing.Token(), StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(SignedTokenSourceTest, MintsVerifiableTokensAndRenews) {
  absl::StatusOr<TokenSigner> signer = TokenSigner::Generate("k");
  ASSERT_THAT(signer, IsOk());
  TokenClaims claims;
  claims.subject = "svc-pricing";
  claims.roles = {"pricing"};
  claims.issuer = kIssuer;
  claims.lifetime = absl::Seconds(1);
  SignedTokenSource source(&*signer, claims);
  absl::StatusOr<std::string> first = source.Token();
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(source.Token().value_or(""), *first);  // not yet renewed

  VerifierOptions options;
  options.issuer = kIssuer;
  const TokenVerifier verifier(
      options, std::make_shared<StaticKeySource>(
                   std::vector<PublicKey>{signer->public_key()}));
  absl::StatusOr<Principal> p = verifier.Verify(*first);
  ASSERT_THAT(p, IsOk());
  EXPECT_EQ(p->subject, "svc-pricing");
  EXPECT_EQ(p->roles, RoleSet{Role::kPricingService});

  // After three quarters of the lifetime, a new token.
  absl::SleepFor(absl::Milliseconds(800));
  absl::StatusOr<std::string> second = source.Token();
  ASSERT_THAT(second, IsOk());
  EXPECT_NE(*second, *first);
}

}  // namespace
}  // namespace qudao::auth
