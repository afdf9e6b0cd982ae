// Identity and TLS from settings; see identity.h.
#include "common/grpc/identity.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/config/settings.h"
#include "common/grpc/client.h"
#include "common/status/macros.h"

namespace qudao {

absl::StatusOr<std::string> ReadSettingFile(const std::string& setting,
                                            const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::FailedPreconditionError(
        absl::StrCat("--", setting, ": cannot read ", path));
  }
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

absl::StatusOr<Identity> IdentityFromSettings(bool require_verifier) {
  Identity identity;
  const std::string jwks = Setting("jwks_file", "QUDAO_JWKS_FILE", "");
  const std::string issuer = Setting("token_issuer", "QUDAO_TOKEN_ISSUER", "");
  if (jwks.empty() != issuer.empty()) {
    return absl::InvalidArgumentError(
        "--jwks_file and --token_issuer go together: tokens are checked "
        "against the issuer's keys");
  }
  if (jwks.empty() && require_verifier) {
    return absl::FailedPreconditionError(
        "every call must carry a bearer token: set --jwks_file (the "
        "identity provider's JWKS) and --token_issuer (its `iss`)");
  }
  if (!jwks.empty()) {
    auto file = auth::JwksFile::Open(jwks);
    if (!file.ok()) {
      return absl::Status(
          file.status().code(),
          absl::StrCat("--jwks_file: ", file.status().message()));
    }
    identity.keys = std::shared_ptr<auth::KeySource>(std::move(*file));
    auth::VerifierOptions options;
    options.issuer = issuer;
    options.audience =
        Setting("token_audience", "QUDAO_TOKEN_AUDIENCE", "qudao");
    options.roles_claim = Setting("roles_claim", "QUDAO_ROLES_CLAIM", "roles");
    options.subject_claim =
        Setting("subject_claim", "QUDAO_SUBJECT_CLAIM", "sub");
    if (options.audience.empty() || options.roles_claim.empty() ||
        options.subject_claim.empty()) {
      return absl::InvalidArgumentError(
          "--token_audience, --roles_claim and --subject_claim must not be "
          "empty");
    }
    identity.verifier =
        std::make_unique<auth::TokenVerifier>(options, identity.keys);
  }
  const std::string token_file =
      Setting("service_token_file", "QUDAO_SERVICE_TOKEN_FILE", "");
  if (!token_file.empty()) {
    auto source = std::make_shared<auth::FileTokenSource>(token_file);
    if (absl::StatusOr<std::string> token = source->Token(); !token.ok()) {
      return absl::Status(
          token.status().code(),
          absl::StrCat("--service_token_file: ", token.status().message()));
    }
    identity.service_token = std::move(source);
  }
  return identity;
}

absl::Status TlsFromSettings(HostOptions* host) {
  const std::string cert = Setting("tls_cert", "QUDAO_TLS_CERT", "");
  const std::string key = Setting("tls_key", "QUDAO_TLS_KEY", "");
  const std::string client_ca =
      Setting("tls_client_ca", "QUDAO_TLS_CLIENT_CA", "");
  const std::string ca = Setting("tls_ca", "QUDAO_TLS_CA", "");
  if (cert.empty() != key.empty()) {
    return absl::InvalidArgumentError("--tls_cert and --tls_key go together");
  }
  if (!client_ca.empty() && cert.empty()) {
    return absl::InvalidArgumentError(
        "--tls_client_ca needs --tls_cert and --tls_key");
  }
  ClientTls client;
  if (!cert.empty()) {
    ASSIGN_OR_RETURN(host->tls_cert_pem, ReadSettingFile("tls_cert", cert));
    ASSIGN_OR_RETURN(host->tls_key_pem, ReadSettingFile("tls_key", key));
    client.cert_pem = host->tls_cert_pem;
    client.key_pem = host->tls_key_pem;
  }
  if (!client_ca.empty()) {
    ASSIGN_OR_RETURN(host->tls_client_ca_pem,
                     ReadSettingFile("tls_client_ca", client_ca));
  }
  if (!ca.empty()) {
    ASSIGN_OR_RETURN(client.ca_pem, ReadSettingFile("tls_ca", ca));
    UseClientTls(client);
  }
  return absl::OkStatus();
}

}  // namespace qudao
