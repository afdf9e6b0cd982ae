// The database a benchmark runs on: a SQLite file in a temp dir, or a
// throw-away PostgreSQL started for the run (backend "postgres"). Removed
// when the object dies.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/testing/harness.h"

namespace qudao::bench {

class BenchDatabase {
 public:
  static absl::StatusOr<std::unique_ptr<BenchDatabase>> Create(
      const std::string& backend);
  const std::string& url() const { return url_; }
  // Another database on the same backend (a second PostgreSQL database on
  // the same server; another SQLite file in the same dir), for a second
  // service of the benchmark.
  absl::StatusOr<std::string> Another(const std::string& name);

 private:
  BenchDatabase() = default;
  std::unique_ptr<testing::TempDir> dir_;
  std::unique_ptr<testing::PostgresServer> postgres_;
  std::string url_;
};

}  // namespace qudao::bench
