// What authenticating a call costs (Google Benchmark): verifying a bearer
// token the first time (ES256 and RS256 signatures, claims), and the
// remembered verification every later call with the same token takes.
#include <benchmark/benchmark.h>
#include <jwt.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/tokens.h"

namespace qudao::auth {
namespace {

constexpr char kIssuer[] = "https://idp.example/realms/qudao";

TokenClaims Claims(int i) {
  TokenClaims claims;
  claims.subject = absl::StrCat("user.", i);
  claims.roles = {"sales_rep", "credit_controller"};
  claims.issuer = kIssuer;
  return claims;
}

VerifierOptions Options(size_t cache_entries) {
  VerifierOptions options;
  options.issuer = kIssuer;
  options.cache_entries = cache_entries;
  return options;
}

// ES256: qudao's own signer.
void BM_VerifyEs256Uncached(benchmark::State& state) {
  const TokenSigner signer = TokenSigner::Generate("k1").value();
  const TokenVerifier verifier(
      Options(0), std::make_shared<StaticKeySource>(
                      std::vector<PublicKey>{signer.public_key()}));
  std::vector<std::string> tokens;
  for (int i = 0; i < 64; ++i) tokens.push_back(signer.Mint(Claims(i)).value());
  size_t n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(verifier.Verify(tokens[n++ % tokens.size()]));
  }
}
BENCHMARK(BM_VerifyEs256Uncached);

void BM_VerifyCached(benchmark::State& state) {
  const TokenSigner signer = TokenSigner::Generate("k1").value();
  const TokenVerifier verifier(
      Options(10000), std::make_shared<StaticKeySource>(
                          std::vector<PublicKey>{signer.public_key()}));
  std::vector<std::string> tokens;
  for (int i = 0; i < 64; ++i) tokens.push_back(signer.Mint(Claims(i)).value());
  for (const std::string& t : tokens) (void)verifier.Verify(t);
  size_t n = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(verifier.Verify(tokens[n++ % tokens.size()]));
  }
}
BENCHMARK(BM_VerifyCached)->Threads(1)->Threads(2);

// An RS256 token signed with libjwt, as an identity provider would sign it.
std::string SignRs256(const std::string& private_pem, int i) {
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  jwt_set_alg(jwt, JWT_ALG_RS256,
              reinterpret_cast<const unsigned char*>(private_pem.data()),
              static_cast<int>(private_pem.size()));
  jwt_add_header(jwt, "kid", "r1");
  const int64_t now = absl::ToUnixSeconds(absl::Now());
  jwt_add_grants_json(
      jwt, absl::StrCat(R"({"iss":")", kIssuer, R"(","sub":"user.)", i,
                        R"(","aud":"qudao","iat":)", now, R"(,"exp":)",
                        now + 3600, R"(,"roles":["sales_rep"]})")
               .c_str());
  char* encoded = jwt_encode_str(jwt);
  std::string token = encoded != nullptr ? encoded : "";
  std::free(encoded);
  jwt_free(jwt);
  return token;
}

// RS256: what most identity providers sign with (2048-bit keys).
std::string B64(const BIGNUM* bn) {
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  return absl::WebSafeBase64Escape(bytes);
}

void BM_VerifyRs256Uncached(benchmark::State& state) {
  EVP_PKEY* key = EVP_RSA_gen(2048);
  BIGNUM* n = nullptr;
  BIGNUM* e = nullptr;
  EVP_PKEY_get_bn_param(key, "n", &n);
  EVP_PKEY_get_bn_param(key, "e", &e);
  const std::string jwks =
      absl::StrCat(R"({"keys":[{"kty":"RSA","kid":"r1","alg":"RS256","n":")",
                   B64(n), R"(","e":")", B64(e), R"("}]})");
  BN_free(n);
  BN_free(e);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  const std::string private_pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(key);
  const TokenVerifier verifier(
      Options(0), std::make_shared<StaticKeySource>(ParseJwks(jwks).value()));
  std::vector<std::string> tokens;
  for (int i = 0; i < 16; ++i) tokens.push_back(SignRs256(private_pem, i));
  size_t k = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(verifier.Verify(tokens[k++ % tokens.size()]));
  }
}
BENCHMARK(BM_VerifyRs256Uncached);

}  // namespace
}  // namespace qudao::auth
