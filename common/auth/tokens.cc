// Bearer tokens; see tokens.h. Signatures are libjwt's, keys are built with
// OpenSSL 3's EVP API, JSON is nlohmann's: this file is glue.
#include "common/auth/tokens.h"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/log/log.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "nlohmann/json.hpp"

namespace qudao::auth {
namespace {

using Json = nlohmann::json;

// No bearer token is anywhere near this; bounding it before any parsing
// keeps hostile input cheap (libjwt copies the token onto the stack).
constexpr size_t kMaxTokenBytes = 16 * 1024;
// A JWKS or token file larger than this is not one.
constexpr size_t kMaxJwksBytes = 1024 * 1024;
constexpr size_t kMaxTokenFileBytes = 64 * 1024;
// RSA moduli accepted in a JWKS.
constexpr int kMinRsaBits = 2048;
constexpr int kMaxRsaBits = 8192;
// P-256 coordinates and ES256 signatures.
constexpr size_t kP256CoordinateBytes = 32;

constexpr char kRs256[] = "RS256";
constexpr char kEs256[] = "ES256";

// ---- OpenSSL and libjwt ownership ----

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
struct BnFree {
  void operator()(BIGNUM* b) const { BN_free(b); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};
struct JwtFree {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
struct MallocFree {
  void operator()(char* p) const { std::free(p); }
};

using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree>;
using ParamPtr = std::unique_ptr<OSSL_PARAM, ParamFree>;
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;
using MallocString = std::unique_ptr<char, MallocFree>;

// Never prompts for a passphrase (OpenSSL's default reads the terminal).
int NoPassphrase(char* /*buf*/, int /*size*/, int /*rwflag*/, void* /*u*/) {
  return 0;
}

std::string BioContents(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  if (len <= 0 || data == nullptr) return "";
  return std::string(data, static_cast<size_t>(len));
}

absl::StatusOr<std::string> PublicPemOf(EVP_PKEY* pkey) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr || PEM_write_bio_PUBKEY(bio.get(), pkey) != 1) {
    return absl::InternalError("cannot write a public key as PEM");
  }
  return BioContents(bio.get());
}

// Checks what EVP_PKEY_fromdata does not: an RSA modulus and exponent that
// make sense, an EC point on its curve.
bool PublicKeyChecks(EVP_PKEY* pkey) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr));
  return ctx != nullptr && EVP_PKEY_public_check(ctx.get()) == 1;
}

PkeyPtr PublicKeyFromParams(const char* type, OSSL_PARAM_BLD* bld) {
  ParamPtr params(OSSL_PARAM_BLD_to_param(bld));
  if (params == nullptr) return nullptr;
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  if (ctx == nullptr || EVP_PKEY_fromdata_init(ctx.get()) != 1) return nullptr;
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) !=
      1) {
    return nullptr;
  }
  return PkeyPtr(raw);
}

std::string Sha256(absl::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr) !=
      1) {
    // Cannot happen with the default provider; an empty key would make
    // every token share one entry, so fail loudly instead.
    std::abort();
  }
  return std::string(reinterpret_cast<const char*>(md), len);
}

// ---- base64url ----

// Only the URL-safe alphabet, no padding: what both our decoder and
// libjwt's (a lenient one) read the same way.
bool IsBase64Url(absl::string_view s) {
  for (char c : s) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_') {
      return false;
    }
  }
  return s.size() % 4 != 1;
}

std::optional<std::string> DecodeBase64Url(absl::string_view s) {
  if (!IsBase64Url(s)) return std::nullopt;
  std::string out;
  if (!absl::WebSafeBase64Unescape(s, &out)) return std::nullopt;
  return out;
}

// ---- JWKS ----

absl::Status BadJwk(absl::string_view name, absl::string_view problem) {
  return absl::InvalidArgumentError(
      absl::StrCat("JWKS key ", name, ": ", problem));
}

// The base64url member `field` of `jwk`, decoded.
absl::StatusOr<std::string> JwkBytes(const Json& jwk, const char* field,
                                     absl::string_view name) {
  const auto it = jwk.find(field);
  if (it == jwk.end() || !it->is_string()) {
    return BadJwk(name, absl::StrCat("has no \"", field, "\""));
  }
  std::optional<std::string> bytes =
      DecodeBase64Url(it->get_ref<const std::string&>());
  if (!bytes.has_value() || bytes->empty()) {
    return BadJwk(name, absl::StrCat("\"", field, "\" is not base64url"));
  }
  return *std::move(bytes);
}

BnPtr BnFromBytes(absl::string_view bytes) {
  return BnPtr(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()),
                         static_cast<int>(bytes.size()), nullptr));
}

absl::StatusOr<std::string> RsaPem(const Json& jwk, absl::string_view name) {
  absl::StatusOr<std::string> n = JwkBytes(jwk, "n", name);
  if (!n.ok()) return n.status();
  absl::StatusOr<std::string> e = JwkBytes(jwk, "e", name);
  if (!e.ok()) return e.status();
  if (e->size() > 8) return BadJwk(name, "\"e\" is too large");
  BnPtr bn_n = BnFromBytes(*n);
  BnPtr bn_e = BnFromBytes(*e);
  if (bn_n == nullptr || bn_e == nullptr) {
    return absl::InternalError("cannot allocate a big number");
  }
  const int bits = BN_num_bits(bn_n.get());
  if (bits < kMinRsaBits || bits > kMaxRsaBits) {
    return BadJwk(name, absl::StrCat("an RSA modulus of ", bits,
                                     " bits is not accepted (", kMinRsaBits,
                                     " to ", kMaxRsaBits, ")"));
  }
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get()) !=
          1 ||
      OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get()) !=
          1) {
    return absl::InternalError("cannot build RSA key parameters");
  }
  PkeyPtr pkey = PublicKeyFromParams("RSA", bld.get());
  if (pkey == nullptr || !PublicKeyChecks(pkey.get())) {
    return BadJwk(name, "is not a valid RSA public key");
  }
  return PublicPemOf(pkey.get());
}

absl::StatusOr<std::string> EcPem(const Json& jwk, absl::string_view name) {
  absl::StatusOr<std::string> x = JwkBytes(jwk, "x", name);
  if (!x.ok()) return x.status();
  absl::StatusOr<std::string> y = JwkBytes(jwk, "y", name);
  if (!y.ok()) return y.status();
  if (x->size() != kP256CoordinateBytes || y->size() != kP256CoordinateBytes) {
    return BadJwk(name, "\"x\" and \"y\" must be 32 bytes each for P-256");
  }
  // The uncompressed point: 0x04 || x || y.
  const std::string point = absl::StrCat("\x04", *x, *y);
  ParamBldPtr bld(OSSL_PARAM_BLD_new());
  if (bld == nullptr ||
      OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME,
                                      "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY,
                                       point.data(), point.size()) != 1) {
    return absl::InternalError("cannot build EC key parameters");
  }
  PkeyPtr pkey = PublicKeyFromParams("EC", bld.get());
  if (pkey == nullptr || !PublicKeyChecks(pkey.get())) {
    return BadJwk(name, "is not a point on P-256");
  }
  return PublicPemOf(pkey.get());
}

// ---- verification ----

absl::Status Invalid(absl::string_view message) {
  return Refusal(absl::StatusCode::kUnauthenticated, kReasonTokenInvalid,
                 message);
}

absl::Status Expired(absl::string_view message) {
  return Refusal(absl::StatusCode::kUnauthenticated, kReasonTokenExpired,
                 message);
}

std::string UtcTime(absl::Time t) {
  return absl::FormatTime(absl::RFC3339_sec, t, absl::UTCTimeZone());
}

// A NumericDate (seconds since the epoch, integer or not).
std::optional<absl::Time> NumericDate(const Json& v) {
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return absl::InfiniteFuture();
    }
    return absl::FromUnixSeconds(static_cast<int64_t>(u));
  }
  if (v.is_number_integer()) return absl::FromUnixSeconds(v.get<int64_t>());
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (!std::isfinite(d)) return std::nullopt;
    return absl::UnixEpoch() + absl::Seconds(d);
  }
  return std::nullopt;
}

// The value at a dot-separated path of `claims`, or null.
const Json* AtPath(const Json& claims, absl::string_view path) {
  const Json* v = &claims;
  for (absl::string_view part : absl::StrSplit(path, '.')) {
    if (!v->is_object()) return nullptr;
    const auto it = v->find(std::string(part));
    if (it == v->end()) return nullptr;
    v = &*it;
  }
  return v;
}

RoleSet RolesOf(const Json* value) {
  RoleSet roles;
  if (value == nullptr) return roles;
  auto add = [&roles](absl::string_view name) {
    if (std::optional<Role> role = RoleFromName(name)) roles.Add(*role);
  };
  if (value->is_array()) {
    for (const Json& item : *value) {
      if (item.is_string()) add(item.get_ref<const std::string&>());
    }
  } else if (value->is_string()) {
    for (absl::string_view name : absl::StrSplit(
             value->get_ref<const std::string&>(), ' ', absl::SkipEmpty())) {
      add(name);
    }
  }
  return roles;
}

absl::StatusOr<Json> DecodeJsonPart(absl::string_view part) {
  std::optional<std::string> bytes = DecodeBase64Url(part);
  if (!bytes.has_value()) return absl::InvalidArgumentError("not base64url");
  Json json = Json::parse(*bytes, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return absl::InvalidArgumentError("not a JSON object");
  }
  return json;
}

// ---- files ----

struct FileId {
  int64_t mtime_ns = 0;
  int64_t size = -1;
  uint64_t inode = 0;
};

absl::StatusOr<FileId> StatFile(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    const std::string message =
        absl::StrCat("cannot read '", path, "': ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(message)
                         : absl::FailedPreconditionError(message);
  }
  FileId id;
  id.mtime_ns =
      static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
  id.size = static_cast<int64_t>(st.st_size);
  id.inode = static_cast<uint64_t>(st.st_ino);
  return id;
}

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     size_t max_bytes) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read '", path, "'"));
  }
  std::string data(max_bytes + 1, '\0');
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (in.bad()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot read '", path, "'"));
  }
  data.resize(static_cast<size_t>(in.gcount()));
  if (data.size() > max_bytes) {
    return absl::FailedPreconditionError(
        absl::StrCat("'", path, "' is larger than ", max_bytes, " bytes"));
  }
  return data;
}

}  // namespace

// ---- ParseJwks ----

absl::StatusOr<std::vector<PublicKey>> ParseJwks(absl::string_view json) {
  const Json doc = Json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return absl::InvalidArgumentError("the JWKS is not valid JSON");
  }
  if (!doc.is_object() || !doc.contains("keys") || !doc["keys"].is_array()) {
    return absl::InvalidArgumentError(
        "the JWKS is not an object with a \"keys\" list");
  }
  // One key: the key, nothing (someone else's: encryption, other types),
  // or why it cannot be used.
  auto read_key = [](const Json& jwk,
                     size_t i) -> absl::StatusOr<std::optional<PublicKey>> {
    if (!jwk.is_object()) {
      return BadJwk(absl::StrCat("#", i), "is not an object");
    }
    std::string kid;
    if (const auto it = jwk.find("kid"); it != jwk.end()) {
      if (!it->is_string()) {
        return BadJwk(absl::StrCat("#", i), "\"kid\" is not a string");
      }
      kid = it->get<std::string>();
    }
    const std::string name = kid.empty()
                                 ? absl::StrCat("#", i)
                                 : absl::StrCat("#", i, " (kid '", kid, "')");
    // Encryption keys and keys of other types are someone else's.
    if (const auto it = jwk.find("use");
        it != jwk.end() && !(it->is_string() && *it == "sig")) {
      return std::nullopt;
    }
    const auto kty = jwk.find("kty");
    if (kty == jwk.end() || !kty->is_string()) {
      return BadJwk(name, "has no \"kty\"");
    }
    std::string alg;
    if (const auto it = jwk.find("alg"); it != jwk.end()) {
      if (!it->is_string()) return BadJwk(name, "\"alg\" is not a string");
      alg = it->get<std::string>();
    }
    PublicKey key;
    key.kid = kid;
    if (*kty == "RSA") {
      if (!alg.empty() && alg != kRs256) return std::nullopt;
      ASSIGN_OR_RETURN(key.pem, RsaPem(jwk, name));
      key.alg = kRs256;
    } else if (*kty == "EC") {
      const auto crv = jwk.find("crv");
      if (crv == jwk.end() || !crv->is_string()) {
        return BadJwk(name, "has no \"crv\"");
      }
      if (*crv != "P-256") return std::nullopt;
      if (!alg.empty() && alg != kEs256) return std::nullopt;
      ASSIGN_OR_RETURN(key.pem, EcPem(jwk, name));
      key.alg = kEs256;
    } else {
      return std::nullopt;
    }
    return key;
  };
  // A bad key is skipped, not the whole set: a provider publishing a set
  // that drops a compromised key must not leave it trusted because another
  // key in the set is malformed.
  std::vector<PublicKey> keys;
  absl::Status first_problem;
  size_t index = 0;
  for (const Json& jwk : doc["keys"]) {
    absl::StatusOr<std::optional<PublicKey>> key = read_key(jwk, index++);
    if (!key.ok()) {
      log::Warning("JWKS key skipped",
                   {{"error", std::string(key.status().message())}});
      if (first_problem.ok()) first_problem = key.status();
      continue;
    }
    if (key->has_value()) keys.push_back(**std::move(key));
  }
  if (keys.empty()) {
    if (!first_problem.ok()) return first_problem;
    return absl::InvalidArgumentError(
        "the JWKS has no usable signing key (RSA for RS256, or EC P-256 for "
        "ES256, with \"use\" absent or \"sig\")");
  }
  return keys;
}

// ---- JwksFile ----

JwksFile::JwksFile(std::string path, absl::Duration check_interval)
    : path_(std::move(path)), check_interval_(check_interval) {}

absl::StatusOr<std::unique_ptr<JwksFile>> JwksFile::Open(
    std::string path, absl::Duration check_interval) {
  std::unique_ptr<JwksFile> file(new JwksFile(std::move(path), check_interval));
  {
    absl::MutexLock lock(&file->mu_);
    if (absl::Status s = file->Reload(); !s.ok()) return s;
    file->next_check_ = absl::Now() + check_interval;
  }
  return file;
}

// Reads and parses the file; on success replaces the keys. The file's
// identity is taken before reading, so a change while reading is seen at
// the next check. Called with mu_ held.
absl::Status JwksFile::Reload() {
  absl::StatusOr<FileId> id = StatFile(path_);
  if (!id.ok()) {
    return absl::Status(id.status().code(),
                        absl::StrCat("JWKS file: ", id.status().message()));
  }
  absl::StatusOr<std::string> data = ReadFile(path_, kMaxJwksBytes);
  if (!data.ok()) {
    return absl::Status(data.status().code(),
                        absl::StrCat("JWKS file: ", data.status().message()));
  }
  // Whatever happens now, this version of the file has been seen: a bad
  // one is reported once, not at every check.
  mtime_ns_ = id->mtime_ns;
  size_ = id->size;
  inode_ = id->inode;
  absl::StatusOr<std::vector<PublicKey>> keys = ParseJwks(*data);
  if (!keys.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("JWKS file '", path_, "': ", keys.status().message()));
  }
  keys_ = std::make_shared<const std::vector<PublicKey>>(*std::move(keys));
  return absl::OkStatus();
}

std::shared_ptr<const std::vector<PublicKey>> JwksFile::Keys() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  if (now < next_check_) return keys_;
  next_check_ = now + check_interval_;
  absl::StatusOr<FileId> id = StatFile(path_);
  if (!id.ok()) {
    // Gone or unreadable: keep the keys, say so once.
    if (size_ != -1 || mtime_ns_ != 0 || inode_ != 0) {
      log::Warning("JWKS file unreadable; keeping the last good keys",
                   {{"path", path_}, {"error", id.status().ToString()}});
    }
    mtime_ns_ = 0;
    size_ = -1;
    inode_ = 0;
    return keys_;
  }
  if (id->mtime_ns == mtime_ns_ && id->size == size_ && id->inode == inode_) {
    return keys_;
  }
  if (absl::Status s = Reload(); !s.ok()) {
    log::Warning("JWKS file did not load; keeping the last good keys",
                 {{"path", path_}, {"error", s.ToString()}});
  } else {
    log::Info("JWKS file reloaded",
              {{"path", path_}, {"keys", static_cast<int64_t>(keys_->size())}});
  }
  return keys_;
}

// ---- TokenVerifier ----

TokenVerifier::TokenVerifier(VerifierOptions options,
                             std::shared_ptr<KeySource> keys,
                             const Clock* clock)
    : options_(std::move(options)), keys_(std::move(keys)), clock_(clock) {}

absl::StatusOr<Principal> TokenVerifier::Verify(absl::string_view token) const {
  if (token.empty()) return Invalid("no token was given");
  if (token.size() > kMaxTokenBytes) {
    return Invalid(absl::StrCat("the token is longer than ", kMaxTokenBytes,
                                " bytes; it is not one this service issues "
                                "or accepts"));
  }
  const std::string key = Sha256(token);
  const absl::Time now = clock_->Now();
  // A remembered verification holds only while the keys are the ones it
  // was made with: a key removed from the JWKS stops working at once.
  const std::shared_ptr<const std::vector<PublicKey>> ring =
      keys_ != nullptr ? keys_->Keys() : nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (auto it = cache_.find(key); it != cache_.end()) {
      if (now < it->second.until && it->second.ring == ring.get()) {
        return it->second.principal;
      }
      cache_.erase(it);
    }
  }
  absl::StatusOr<Principal> principal = VerifyUncached(token, ring.get());
  if (!principal.ok() || options_.cache_entries == 0) return principal;
  const absl::Time until =
      std::min(now + options_.cache_ttl, principal->expires);
  if (until <= now) return principal;
  absl::MutexLock lock(&mu_);
  if (cache_.size() >= options_.cache_entries) {
    for (auto it = cache_.begin(); it != cache_.end();) {
      if (it->second.until <= now) {
        cache_.erase(it++);
      } else {
        ++it;
      }
    }
    if (cache_.size() >= options_.cache_entries) cache_.clear();
  }
  cache_.insert_or_assign(key, Cached{*principal, until, ring});
  return principal;
}

absl::StatusOr<Principal> TokenVerifier::VerifyUncached(
    absl::string_view token, const std::vector<PublicKey>* ring) const {
  ++uncached_verifications_;
  if (token.empty()) return Invalid("no token was given");
  if (token.size() > kMaxTokenBytes) {
    return Invalid(
        absl::StrCat("the token is longer than ", kMaxTokenBytes, " bytes"));
  }
  const std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) {
    return Invalid(
        "the token is not a JWT (three base64url parts separated by dots)");
  }
  if (parts[0].empty() || parts[1].empty() || !IsBase64Url(parts[0]) ||
      !IsBase64Url(parts[1]) || !IsBase64Url(parts[2])) {
    return Invalid(
        "the token is not a JWT (its parts must be unpadded base64url)");
  }

  // The header, read before libjwt sees the token.
  absl::StatusOr<Json> header = DecodeJsonPart(parts[0]);
  if (!header.ok()) return Invalid("the token's header is not a JSON object");
  const auto alg_it = header->find("alg");
  if (alg_it == header->end() || !alg_it->is_string()) {
    return Invalid("the token's header names no algorithm (alg)");
  }
  const std::string& alg = alg_it->get_ref<const std::string&>();
  if (alg != kRs256 && alg != kEs256) {
    return Invalid(absl::StrCat("the token's algorithm ", QuoteInput(alg),
                                " is not accepted; use RS256 or ES256"));
  }
  const jwt_alg_t expected_alg = alg == kRs256 ? JWT_ALG_RS256 : JWT_ALG_ES256;
  if (header->contains("crit")) {
    return Invalid(
        "the token's header lists critical extensions (crit) this service "
        "does not support");
  }
  if (const auto typ = header->find("typ"); typ != header->end()) {
    if (!typ->is_string() ||
        !absl::EqualsIgnoreCase(typ->get_ref<const std::string&>(), "JWT")) {
      return Invalid(absl::StrCat(
          "the token's type ",
          QuoteInput(typ->is_string() ? typ->get<std::string>() : typ->dump()),
          " is not accepted; it must be 'JWT'"));
    }
  }
  std::optional<std::string> kid;
  if (const auto it = header->find("kid"); it != header->end()) {
    if (!it->is_string()) {
      return Invalid("the token's key id (kid) is not a string");
    }
    kid = it->get<std::string>();
  }
  if (parts[2].empty()) return Invalid("the token is not signed");
  if (!DecodeJsonPart(parts[1]).ok()) {
    return Invalid("the token's payload is not a JSON object");
  }

  // The keys it may be signed with: `ring`, read once by Verify.
  const std::vector<PublicKey>* keys = ring;
  std::vector<const PublicKey*> candidates;
  if (keys != nullptr) {
    for (const PublicKey& key : *keys) {
      if (kid.has_value() ? key.kid == *kid : key.alg == alg) {
        candidates.push_back(&key);
      }
    }
  }
  if (candidates.empty()) {
    return Invalid(
        kid.has_value()
            ? absl::StrCat(
                  "the token was signed by a key this service does not know "
                  "(kid ",
                  QuoteInput(*kid), ")")
            : absl::StrCat("the token names no key (kid) and this service "
                           "has no ",
                           alg, " key"));
  }
  candidates.erase(
      std::remove_if(candidates.begin(), candidates.end(),
                     [&alg](const PublicKey* k) { return k->alg != alg; }),
      candidates.end());
  if (candidates.empty()) {
    return Invalid(absl::StrCat("the token's algorithm ", alg,
                                " does not match its key (kid ",
                                QuoteInput(*kid), ")"));
  }

  // The signature (libjwt), with each candidate key.
  const std::string token_str(token);
  JwtPtr jwt;
  for (const PublicKey* key : candidates) {
    jwt_t* raw = nullptr;
    const int rc =
        jwt_decode(&raw, token_str.c_str(),
                   reinterpret_cast<const unsigned char*>(key->pem.data()),
                   static_cast<int>(key->pem.size()));
    JwtPtr decoded(raw);
    if (rc == 0 && decoded != nullptr &&
        jwt_get_alg(decoded.get()) == expected_alg) {
      jwt = std::move(decoded);
      break;
    }
  }
  if (jwt == nullptr) {
    return Invalid(
        kid.has_value()
            ? absl::StrCat("the token's signature does not verify with its "
                           "key (kid ",
                           QuoteInput(*kid), ")")
            : absl::StrCat("the token's signature does not verify with any "
                           "of this service's ",
                           alg, " keys"));
  }

  // The claims, as libjwt verified them.
  MallocString grants(jwt_get_grants_json(jwt.get(), nullptr));
  if (grants == nullptr) return Invalid("the token has no claims");
  const Json claims =
      Json::parse(grants.get(), nullptr, /*allow_exceptions=*/false);
  if (claims.is_discarded() || !claims.is_object()) {
    return Invalid("the token's claims are not a JSON object");
  }

  if (options_.issuer.empty()) {
    return Invalid("this service has no token issuer configured");
  }
  const auto iss = claims.find("iss");
  if (iss == claims.end() || !iss->is_string()) {
    return Invalid(absl::StrCat("the token names no issuer (iss); expected ",
                                QuoteInput(options_.issuer)));
  }
  if (*iss != options_.issuer) {
    return Invalid(absl::StrCat("the token's issuer ",
                                QuoteInput(iss->get_ref<const std::string&>()),
                                " is not ", QuoteInput(options_.issuer)));
  }

  bool audience_ok = false;
  if (const auto aud = claims.find("aud"); aud != claims.end()) {
    if (aud->is_string()) {
      audience_ok = *aud == options_.audience;
    } else if (aud->is_array()) {
      for (const Json& a : *aud) {
        if (a.is_string() && a == options_.audience) audience_ok = true;
      }
    }
  }
  if (!audience_ok) {
    return Invalid(absl::StrCat("the token's audience does not include ",
                                QuoteInput(options_.audience)));
  }

  const absl::Time now = clock_->Now();
  const auto exp_it = claims.find("exp");
  if (exp_it == claims.end()) {
    return Invalid("the token has no expiry (exp)");
  }
  const std::optional<absl::Time> exp = NumericDate(*exp_it);
  if (!exp.has_value()) {
    return Invalid("the token's expiry (exp) is not a number of seconds");
  }
  if (now > *exp + options_.leeway) {
    return Expired(absl::StrCat("the token expired at ", UtcTime(*exp),
                                "; get a new one"));
  }
  if (const auto nbf_it = claims.find("nbf"); nbf_it != claims.end()) {
    const std::optional<absl::Time> nbf = NumericDate(*nbf_it);
    if (!nbf.has_value()) {
      return Invalid("the token's not-before (nbf) is not a number of seconds");
    }
    if (now < *nbf - options_.leeway) {
      return Invalid(absl::StrCat("the token is not valid before ",
                                  UtcTime(*nbf),
                                  "; check the clocks of its issuer and of "
                                  "this service"));
    }
  }

  // The principal's name: `sub`, or the configured claim (identity
  // providers' `sub` is often an opaque id; owners and approvers are
  // recorded by name).
  const Json* sub = AtPath(claims, options_.subject_claim);
  if (sub == nullptr || !sub->is_string() ||
      sub->get_ref<const std::string&>().empty() ||
      sub->get_ref<const std::string&>().size() > 256) {
    return Invalid(absl::StrCat("the token names no subject (",
                                options_.subject_claim, ")"));
  }

  Principal principal;
  principal.subject = sub->get<std::string>();
  principal.roles = RolesOf(AtPath(claims, options_.roles_claim));
  principal.token = token_str;
  principal.expires = *exp;
  return principal;
}

// ---- TokenSigner ----

namespace {

// A signer's parts from its key pair (P-256 only).
absl::Status SignerPartsOf(EVP_PKEY* pkey, std::string* private_pem,
                           std::string* public_pem, std::string* x,
                           std::string* y) {
  char group[64] = {0};
  size_t group_len = 0;
  if (!EVP_PKEY_is_a(pkey, "EC") ||
      EVP_PKEY_get_group_name(pkey, group, sizeof(group), &group_len) != 1 ||
      (absl::string_view(group, group_len) != "prime256v1" &&
       absl::string_view(group, group_len) != "P-256")) {
    return absl::InvalidArgumentError(
        "the signing key must be an EC key on P-256 (ES256)");
  }
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr ||
      PEM_write_bio_PrivateKey(bio.get(), pkey, nullptr, nullptr, 0, nullptr,
                               nullptr) != 1) {
    return absl::InternalError("cannot write the private key as PEM");
  }
  *private_pem = BioContents(bio.get());
  absl::StatusOr<std::string> pub = PublicPemOf(pkey);
  if (!pub.ok()) return pub.status();
  *public_pem = *std::move(pub);
  for (auto [param, out] :
       {std::pair<const char*, std::string*>{OSSL_PKEY_PARAM_EC_PUB_X, x},
        std::pair<const char*, std::string*>{OSSL_PKEY_PARAM_EC_PUB_Y, y}}) {
    BIGNUM* raw = nullptr;
    if (EVP_PKEY_get_bn_param(pkey, param, &raw) != 1) {
      return absl::InternalError("cannot read the public point");
    }
    BnPtr bn(raw);
    unsigned char buf[kP256CoordinateBytes];
    if (BN_bn2binpad(bn.get(), buf, sizeof(buf)) !=
        static_cast<int>(sizeof(buf))) {
      return absl::InternalError("cannot encode the public point");
    }
    *out = absl::WebSafeBase64Escape(
        absl::string_view(reinterpret_cast<const char*>(buf), sizeof(buf)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<TokenSigner> TokenSigner::Generate(std::string kid) {
  if (kid.empty()) {
    return absl::InvalidArgumentError("a signing key needs a key id (kid)");
  }
  PkeyPtr pkey(EVP_EC_gen("P-256"));
  if (pkey == nullptr) {
    return absl::InternalError("cannot generate a P-256 key");
  }
  TokenSigner signer;
  signer.kid_ = std::move(kid);
  absl::Status s = SignerPartsOf(pkey.get(), &signer.private_pem_,
                                 &signer.public_pem_, &signer.x_, &signer.y_);
  if (!s.ok()) return s;
  return signer;
}

absl::StatusOr<TokenSigner> TokenSigner::FromPem(std::string private_pem,
                                                 std::string kid) {
  if (kid.empty()) {
    return absl::InvalidArgumentError("a signing key needs a key id (kid)");
  }
  if (private_pem.size() > kMaxTokenFileBytes) {
    return absl::InvalidArgumentError("the private key PEM is too large");
  }
  BioPtr bio(BIO_new_mem_buf(private_pem.data(),
                             static_cast<int>(private_pem.size())));
  if (bio == nullptr) return absl::InternalError("cannot allocate a BIO");
  PkeyPtr pkey(
      PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(
        "the signing key is not an unencrypted PEM private key");
  }
  TokenSigner signer;
  signer.kid_ = std::move(kid);
  absl::Status s = SignerPartsOf(pkey.get(), &signer.private_pem_,
                                 &signer.public_pem_, &signer.x_, &signer.y_);
  if (!s.ok()) return s;
  return signer;
}

std::string TokenSigner::JwksJson() const {
  Json jwk = {{"kty", "EC"},   {"crv", "P-256"}, {"x", x_},    {"y", y_},
              {"alg", kEs256}, {"use", "sig"},   {"kid", kid_}};
  return Json{{"keys", Json::array({std::move(jwk)})}}.dump(
      -1, ' ', false, Json::error_handler_t::replace);
}

PublicKey TokenSigner::public_key() const {
  return PublicKey{kid_, kEs256, public_pem_};
}

absl::StatusOr<std::string> TokenSigner::Mint(const TokenClaims& claims,
                                              absl::Time now) const {
  if (claims.subject.empty()) {
    return absl::InvalidArgumentError("a token needs a subject");
  }
  if (claims.issuer.empty()) {
    return absl::InvalidArgumentError("a token needs an issuer");
  }
  if (claims.audience.empty()) {
    return absl::InvalidArgumentError("a token needs an audience");
  }
  auto has_nul = [](absl::string_view v) {
    return v.find('\0') != absl::string_view::npos;
  };
  bool nul = has_nul(claims.subject) || has_nul(claims.issuer) ||
             has_nul(claims.audience);
  for (const std::string& role : claims.roles) nul = nul || has_nul(role);
  if (nul) {
    return absl::InvalidArgumentError("a token's claims may not contain NUL");
  }
  if (claims.lifetime < absl::Seconds(1)) {
    return absl::InvalidArgumentError(
        "a token's lifetime must be at least one second");
  }
  unsigned char jti_bytes[16];
  if (RAND_bytes(jti_bytes, sizeof(jti_bytes)) != 1) {
    return absl::InternalError("no randomness for the token id");
  }
  const std::string jti = absl::WebSafeBase64Escape(absl::string_view(
      reinterpret_cast<const char*>(jti_bytes), sizeof(jti_bytes)));
  const std::string list_claims = Json{{"roles", claims.roles}}.dump(
      -1, ' ', false, Json::error_handler_t::replace);

  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return absl::InternalError("jwt_new failed");
  JwtPtr jwt(raw);
  const long iat = static_cast<long>(absl::ToUnixSeconds(now));
  const long exp =
      static_cast<long>(absl::ToUnixSeconds(now + claims.lifetime));
  if (jwt_set_alg(jwt.get(), JWT_ALG_ES256,
                  reinterpret_cast<const unsigned char*>(private_pem_.data()),
                  static_cast<int>(private_pem_.size())) != 0 ||
      jwt_add_header(jwt.get(), "kid", kid_.c_str()) != 0 ||
      jwt_add_grant(jwt.get(), "iss", claims.issuer.c_str()) != 0 ||
      jwt_add_grant(jwt.get(), "sub", claims.subject.c_str()) != 0 ||
      jwt_add_grant(jwt.get(), "aud", claims.audience.c_str()) != 0 ||
      jwt_add_grant(jwt.get(), "jti", jti.c_str()) != 0 ||
      jwt_add_grant_int(jwt.get(), "iat", iat) != 0 ||
      jwt_add_grant_int(jwt.get(), "exp", exp) != 0 ||
      jwt_add_grants_json(jwt.get(), list_claims.c_str()) != 0) {
    return absl::InvalidArgumentError(
        "cannot build the token (are its claims valid UTF-8?)");
  }
  MallocString encoded(jwt_encode_str(jwt.get()));
  if (encoded == nullptr) return absl::InternalError("cannot sign the token");
  return std::string(encoded.get());
}

std::string JwksJsonOf(const std::vector<const TokenSigner*>& signers) {
  Json keys = Json::array();
  for (const TokenSigner* signer : signers) {
    if (signer == nullptr) continue;
    const Json doc = Json::parse(signer->JwksJson(), nullptr,
                                 /*allow_exceptions=*/false);
    if (!doc.is_object() || !doc.contains("keys")) continue;
    for (const Json& key : doc["keys"]) keys.push_back(key);
  }
  return Json{{"keys", std::move(keys)}}.dump(-1, ' ', false,
                                              Json::error_handler_t::replace);
}

// ---- token sources ----

absl::StatusOr<std::string> FileTokenSource::Token() {
  absl::MutexLock lock(&mu_);
  absl::StatusOr<FileId> id = StatFile(path_);
  if (!id.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("token file: ", id.status().message()));
  }
  if (!token_.empty() && id->mtime_ns == mtime_ns_ && id->size == size_ &&
      id->inode == inode_) {
    return token_;
  }
  absl::StatusOr<std::string> data = ReadFile(path_, kMaxTokenFileBytes);
  if (!data.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("token file: ", data.status().message()));
  }
  const absl::string_view token = absl::StripAsciiWhitespace(*data);
  if (token.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the token file '", path_, "' is empty"));
  }
  token_ = std::string(token);
  mtime_ns_ = id->mtime_ns;
  size_ = id->size;
  inode_ = id->inode;
  return token_;
}

absl::StatusOr<std::string> SignedTokenSource::Token() {
  absl::MutexLock lock(&mu_);
  const absl::Time now = absl::Now();
  if (!token_.empty() && now < renew_at_) return token_;
  if (signer_ == nullptr) {
    return absl::FailedPreconditionError("no token signer");
  }
  absl::StatusOr<std::string> token = signer_->Mint(claims_, now);
  if (!token.ok()) return token.status();
  token_ = *std::move(token);
  // Renewed when less than a quarter of its lifetime remains.
  renew_at_ = now + claims_.lifetime * 3 / 4;
  return token_;
}

}  // namespace qudao::auth
