// Files holding secrets (the development signing key, the CLI's token):
// written so that nobody but the owner can read them at any moment, and
// refused when they are readable by others.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace qudao::auth {

// Writes `content` to `path` through a fresh temporary file created with
// mode 0600 (mkstemp: never an existing file or a symlink), synced and
// renamed over `path`. The parent directory is created with mode 0700 if
// missing.
absl::Status WritePrivateFile(const std::string& path,
                              const std::string& content);

// The contents of `path`, which must be a regular file (not a symlink)
// readable by its owner only: NOT_FOUND when missing, FAILED_PRECONDITION
// saying what to fix otherwise.
absl::StatusOr<std::string> ReadPrivateFile(const std::string& path);

}  // namespace qudao::auth
