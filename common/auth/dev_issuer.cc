// The development issuer; see dev_issuer.h.
#include "common/auth/dev_issuer.h"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"

namespace qudao::auth {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

// Writes `content` to `path` through a temporary file and a rename, so a
// reader never sees half a file, with `mode` permissions.
absl::Status WriteFile(const std::string& path, const std::string& content,
                       mode_t mode) {
  const std::string tmp = absl::StrCat(path, ".tmp");
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return absl::FailedPreconditionError("cannot write " + tmp);
    out << content;
    if (!out.flush())
      return absl::FailedPreconditionError("cannot write " + tmp);
  }
  if (chmod(tmp.c_str(), mode) != 0 ||
      std::rename(tmp.c_str(), path.c_str()) != 0) {
    return absl::FailedPreconditionError("cannot write " + path);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DevIssuer> DevIssuer::Open(const std::string& data_dir,
                                          bool create) {
  const std::string dir = absl::StrCat(data_dir, "/identity");
  const std::string key_path = absl::StrCat(dir, "/signing-key.pem");
  DevIssuer issuer;
  issuer.issuer_ = kDevIssuerName;
  issuer.jwks_path_ = absl::StrCat(dir, "/jwks.json");
  absl::StatusOr<std::string> pem = ReadFile(key_path);
  if (pem.ok()) {
    ASSIGN_OR_RETURN(TokenSigner signer,
                     TokenSigner::FromPem(*std::move(pem), "dev-1"));
    issuer.signer_ = std::make_shared<TokenSigner>(std::move(signer));
  } else if (!create) {
    return absl::FailedPreconditionError(absl::StrCat(
        "no development issuer in ", data_dir,
        " (start `qudao dev` there first, or point --data_dir at its data "
        "directory)"));
  } else {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot create ", dir, ": ", ec.message()));
    }
    ASSIGN_OR_RETURN(TokenSigner signer, TokenSigner::Generate("dev-1"));
    RETURN_IF_ERROR(WriteFile(key_path, signer.private_pem(), 0600));
    issuer.signer_ = std::make_shared<TokenSigner>(std::move(signer));
  }
  // The JWKS always matches the key (rewritten if missing or stale).
  const std::string jwks = issuer.signer_->JwksJson();
  absl::StatusOr<std::string> existing = ReadFile(issuer.jwks_path_);
  if (!existing.ok() || *existing != jwks) {
    RETURN_IF_ERROR(WriteFile(issuer.jwks_path_, jwks, 0644));
  }
  return issuer;
}

}  // namespace qudao::auth
