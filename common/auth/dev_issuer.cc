// The development issuer; see dev_issuer.h.
#include "common/auth/dev_issuer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "common/auth/private_file.h"
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

// The JWKS is public: readable by all, written whole (temporary file and
// rename, so a reader never sees half of it).
absl::Status WritePublicFile(const std::string& path,
                             const std::string& content) {
  RETURN_IF_ERROR(WritePrivateFile(path, content));
  if (chmod(path.c_str(), 0644) != 0) {
    return absl::FailedPreconditionError("cannot make " + path + " readable");
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
  const std::string missing = absl::StrCat(
      "no development issuer in ", data_dir,
      " (start `qudao dev` there first, or point --data_dir at its data "
      "directory)");
  if (!create && !std::filesystem::exists(dir)) {
    return absl::FailedPreconditionError(missing);
  }
  // The directory and key are the owner's only; one start creates them
  // (the directory lock keeps two first starts from racing).
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create ", dir, ": ", ec.message()));
  }
  chmod(dir.c_str(), 0700);
  const int lock = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) {
    if (lock >= 0) close(lock);
    return absl::FailedPreconditionError(absl::StrCat("cannot lock ", dir));
  }
  absl::Cleanup unlock = [lock] { close(lock); };
  absl::StatusOr<std::string> pem = ReadPrivateFile(key_path);
  if (pem.ok()) {
    ASSIGN_OR_RETURN(TokenSigner signer,
                     TokenSigner::FromPem(*std::move(pem), "dev-1"));
    issuer.signer_ = std::make_shared<TokenSigner>(std::move(signer));
  } else if (!absl::IsNotFound(pem.status())) {
    return pem.status();
  } else if (!create) {
    return absl::FailedPreconditionError(missing);
  } else {
    ASSIGN_OR_RETURN(TokenSigner signer, TokenSigner::Generate("dev-1"));
    RETURN_IF_ERROR(WritePrivateFile(key_path, signer.private_pem()));
    issuer.signer_ = std::make_shared<TokenSigner>(std::move(signer));
  }
  // The JWKS always matches the key (rewritten if missing or stale).
  const std::string jwks = issuer.signer_->JwksJson();
  absl::StatusOr<std::string> existing = ReadFile(issuer.jwks_path_);
  if (!existing.ok() || *existing != jwks) {
    RETURN_IF_ERROR(WritePublicFile(issuer.jwks_path_, jwks));
  }
  return issuer;
}

}  // namespace qudao::auth
