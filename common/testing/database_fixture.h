// Base of the typed suites that test a service's operations and stores
// directly, without gRPC, on SQLite and on a real PostgreSQL: every test
// gets a fresh database of backend B with the service's schema applied and
// a fake clock.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/clock/clock.h"
#include "common/storage/database.h"
#include "common/storage/migrations.h"
#include "common/testing/harness.h"
#include "gtest/gtest.h"

namespace qudao::testing {

// Names a storage backend as a type, for typed test suites.
template <TestBackend kBackend>
struct On {
  static constexpr TestBackend value = kBackend;
};
using BothBackends =
    ::testing::Types<On<TestBackend::kSqlite>, On<TestBackend::kPostgres>>;

// The rows of a read-only query on `db` (test inspection); a failure is a
// test failure and no rows.
inline std::vector<storage::Row> QueryRows(storage::Database& db,
                                           const std::string& sql) {
  std::vector<storage::Row> out;
  absl::Status s =
      db.RunInTransaction(storage::TransactionMode::kReadOnly,
                          [&](storage::Transaction& tx) -> absl::Status {
                            auto rows = tx.Query(sql);
                            if (!rows.ok()) return rows.status();
                            out = *std::move(rows);
                            return absl::OkStatus();
                          });
  EXPECT_TRUE(s.ok()) << s;
  return out;
}

// The first column of the first row of `sql` as an integer (COUNT, SUM;
// a NULL sum is 0); -1 (and a test failure) when the query fails.
inline int64_t QueryInt(storage::Database& db, const std::string& sql) {
  std::vector<storage::Row> rows = QueryRows(db, sql);
  if (rows.empty()) return -1;
  return rows[0].IsNull(0) ? 0 : rows[0].Int(0);
}

inline int64_t CountRows(storage::Database& db, const std::string& table) {
  return QueryInt(db, absl::StrCat("SELECT COUNT(*) FROM ", table));
}

template <typename B>
class DatabaseTest : public ::testing::Test {
 protected:
  // Call from SetUp.
  void OpenDatabase(const std::string& service,
                    const std::vector<storage::Migration>& migrations) {
    auto dir = TempDir::Create("qudao-db-test");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = std::make_unique<TempDir>(std::move(*dir));
    auto url = FreshDatabaseUrl(B::value, dir_->path());
    ASSERT_TRUE(url.ok()) << url.status();
    url_ = *url;
    auto db = storage::OpenDatabase(url_);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    absl::Status s = storage::ApplyMigrations(*db_, service, migrations);
    ASSERT_TRUE(s.ok()) << s;
  }

  int64_t CountRows(const std::string& table) {
    return testing::CountRows(*db_, table);
  }

  // The rows of a read-only query (test inspection).
  std::vector<storage::Row> Query(const std::string& sql) {
    return QueryRows(*db_, sql);
  }

  FakeClock clock_;
  std::unique_ptr<TempDir> dir_;
  std::string url_;
  std::unique_ptr<storage::Database> db_;
};

}  // namespace qudao::testing
