// BenchDatabase; see bench_database.h.
#include "bench/bench_database.h"

#include "absl/strings/str_cat.h"

namespace qudao::bench {

absl::StatusOr<std::unique_ptr<BenchDatabase>> BenchDatabase::Create(
    const std::string& backend) {
  std::unique_ptr<BenchDatabase> db(new BenchDatabase());
  if (backend == "postgres") {
    auto started = testing::PostgresServer::Start();
    if (!started.ok()) return started.status();
    db->postgres_ = std::move(*started);
    db->url_ = db->postgres_->Uri();
    return db;
  }
  if (backend != "sqlite") {
    return absl::InvalidArgumentError(
        absl::StrCat("--backend must be sqlite or postgres, not ", backend));
  }
  auto dir = testing::TempDir::Create("qudao-bench");
  if (!dir.ok()) return dir.status();
  db->dir_ = std::make_unique<testing::TempDir>(std::move(*dir));
  db->url_ = absl::StrCat("sqlite://", db->dir_->path(), "/bench.db");
  return db;
}

absl::StatusOr<std::string> BenchDatabase::Another(const std::string& name) {
  if (postgres_ != nullptr) {
    if (absl::Status s = postgres_->CreateDatabase(name); !s.ok()) return s;
    return postgres_->Uri(name);
  }
  return absl::StrCat("sqlite://", dir_->path(), "/", name, ".db");
}

}  // namespace qudao::bench
