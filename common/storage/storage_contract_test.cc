// One contract suite for the storage layer, run against SQLite and a real
// PostgreSQL 15 started by the harness: the embedded default must never
// drift from production.
#include <atomic>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/pagination/pagination.h"
#include "common/status/macros.h"
#include "common/storage/database.h"
#include "common/storage/idempotency.h"
#include "common/storage/migrations.h"
#include "common/storage/sqlite_database.h"
#include "common/storage/table_mapping.h"
#include "common/testing/harness.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "google/protobuf/wrappers.pb.h"
#include "gtest/gtest.h"

namespace qudao::storage {
namespace {

using ::qudao::testing::StatusIs;
using ::testing::HasSubstr;

ResponseCodec<google::protobuf::StringValue> StringValueCodec() {
  return {
      [](const google::protobuf::StringValue& v) {
        return v.SerializeAsString();
      },
      [](absl::string_view bytes)
          -> absl::StatusOr<google::protobuf::StringValue> {
        google::protobuf::StringValue v;
        if (!v.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
          return absl::DataLossError("stored response does not parse");
        }
        return v;
      }};
}
using ::testing::SizeIs;

template <testing::TestBackend kBackend>
struct TestDb {
  static absl::StatusOr<std::unique_ptr<Database>> Open(
      const std::string& dir, std::string* url_out = nullptr) {
    auto url = testing::FreshDatabaseUrl(kBackend, dir);
    if (!url.ok()) return url.status();
    if (url_out != nullptr) *url_out = *url;
    return OpenDatabase(*url);
  }
};
using SqliteBackend = TestDb<testing::TestBackend::kSqlite>;
using PostgresBackend = TestDb<testing::TestBackend::kPostgres>;

const std::vector<Migration>& TestMigrations() {
  static const auto* migrations = new std::vector<Migration>{
      {1, "create_accounts",
       "CREATE TABLE accounts (id TEXT PRIMARY KEY, owner TEXT, "
       "balance BIGINT NOT NULL, version BIGINT NOT NULL);\n",
       "CREATE TABLE accounts (id TEXT PRIMARY KEY, owner TEXT, "
       "balance BIGINT NOT NULL, version BIGINT NOT NULL);\n"},
      {2, "create_ledger",
       "CREATE TABLE ledger (seq INTEGER PRIMARY KEY, account TEXT NOT NULL, "
       "amount BIGINT NOT NULL);\n" +
           AppendOnlyGuard(Backend::kSqlite, "ledger"),
       "CREATE TABLE ledger (seq BIGSERIAL PRIMARY KEY, account TEXT NOT "
       "NULL, amount BIGINT NOT NULL);\n" +
           AppendOnlyGuard(Backend::kPostgres, "ledger") +
           TruncateGuard(Backend::kPostgres, "ledger")},
      {3, "create_items",
       "CREATE TABLE items (id TEXT PRIMARY KEY, color TEXT NOT NULL);\n"
       "CREATE INDEX items_color ON items (color, id);\n",
       "CREATE TABLE items (id TEXT PRIMARY KEY, color TEXT NOT NULL);\n"
       "CREATE INDEX items_color ON items (color, id);\n"},
  };
  return *migrations;
}

template <typename B>
class StorageContractTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::TempDir::Create("qudao-storage");
    ASSERT_TRUE(dir.ok()) << dir.status();
    dir_ = std::make_unique<testing::TempDir>(std::move(*dir));
    auto db = B::Open(dir_->path(), &url_);
    ASSERT_TRUE(db.ok()) << db.status();
    db_ = std::move(*db);
    ASSERT_TRUE(ApplyMigrations(*db_, "test", TestMigrations()).ok());
  }

  absl::Status Insert(const std::string& id, int64_t balance) {
    return db_->RunInTransaction(
        TransactionMode::kReadWrite, [&](Transaction& tx) {
          return tx
              .Execute(
                  "INSERT INTO accounts (id, owner, balance, version) "
                  "VALUES ($1, $2, $3, 1)",
                  {id, nullptr, balance})
              .status();
        });
  }

  int64_t Count(const std::string& table) {
    int64_t n = -1;
    EXPECT_TRUE(db_->RunInTransaction(TransactionMode::kReadOnly,
                                      [&](Transaction& tx) -> absl::Status {
                                        auto rows = tx.Query(absl::StrCat(
                                            "SELECT COUNT(*) FROM ", table));
                                        if (!rows.ok()) return rows.status();
                                        n = (*rows)[0].Int(0);
                                        return absl::OkStatus();
                                      })
                    .ok());
    return n;
  }

  std::unique_ptr<testing::TempDir> dir_;
  std::string url_;
  std::unique_ptr<Database> db_;
};

using Backends = ::testing::Types<SqliteBackend, PostgresBackend>;
TYPED_TEST_SUITE(StorageContractTest, Backends);

TYPED_TEST(StorageContractTest, RoundTripsNullIntegerAndText) {
  ASSERT_TRUE(this->Insert("a", -42).ok());
  std::vector<Row> rows;
  ASSERT_TRUE(this->db_
                  ->RunInTransaction(TransactionMode::kReadOnly,
                                     [&](Transaction& tx) -> absl::Status {
                                       auto r = tx.Query(
                                           "SELECT id, owner, balance FROM "
                                           "accounts WHERE id = $1",
                                           {"a"});
                                       if (!r.ok()) return r.status();
                                       rows = *r;
                                       return absl::OkStatus();
                                     })
                  .ok());
  ASSERT_THAT(rows, SizeIs(1));
  EXPECT_EQ(rows[0].Text(0), "a");
  EXPECT_TRUE(rows[0].IsNull(1));
  EXPECT_EQ(rows[0].Int(2), -42);
}

TYPED_TEST(StorageContractTest, PlaceholdersBindByNumberNotPosition) {
  ASSERT_TRUE(this->db_
                  ->RunInTransaction(
                      TransactionMode::kReadWrite,
                      [&](Transaction& tx) {
                        return tx
                            .Execute(
                                "INSERT INTO accounts (balance, id, owner, "
                                "version) VALUES ($3, $1, $2, 1)",
                                {"id-1", "张三 O'Neil", int64_t{7}})
                            .status();
                      })
                  .ok());
  std::string owner;
  ASSERT_TRUE(this->db_
                  ->RunInTransaction(TransactionMode::kReadOnly,
                                     [&](Transaction& tx) -> absl::Status {
                                       auto r = tx.Query(
                                           "SELECT owner FROM accounts WHERE "
                                           "id = $1 AND balance = $2",
                                           {"id-1", int64_t{7}});
                                       if (!r.ok()) return r.status();
                                       if (r->empty()) {
                                         return absl::NotFoundError("none");
                                       }
                                       owner = (*r)[0].Text(0);
                                       return absl::OkStatus();
                                     })
                  .ok());
  EXPECT_EQ(owner, "张三 O'Neil");
}

TYPED_TEST(StorageContractTest, FailedBodyRollsBackEverything) {
  absl::Status s = this->db_->RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        auto r = tx.Execute(
            "INSERT INTO accounts (id, balance, version) VALUES ('x', 1, 1)");
        if (!r.ok()) return r.status();
        return absl::FailedPreconditionError("business rule says no");
      });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(this->Count("accounts"), 0);
}

TYPED_TEST(StorageContractTest, UniqueViolationIsAlreadyExists) {
  ASSERT_TRUE(this->Insert("dup", 1).ok());
  absl::Status s = this->Insert("dup", 2);
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists) << s;
  EXPECT_EQ(this->Count("accounts"), 1);
}

TYPED_TEST(StorageContractTest, ConditionalUpdateReportsRowsChanged) {
  ASSERT_TRUE(this->Insert("acc", 100).ok());
  int64_t changed = -1;
  auto update = [&](int64_t expected_version) {
    return this->db_->RunInTransaction(
        TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
          auto n = tx.Execute(
              "UPDATE accounts SET balance = balance + 1, version = version "
              "+ 1 WHERE id = $1 AND version = $2",
              {"acc", expected_version});
          if (!n.ok()) return n.status();
          changed = *n;
          return absl::OkStatus();
        });
  };
  ASSERT_TRUE(update(1).ok());
  EXPECT_EQ(changed, 1);
  ASSERT_TRUE(update(1).ok());  // stale version: nothing changes
  EXPECT_EQ(changed, 0);
}

TYPED_TEST(StorageContractTest, ReadOnlyTransactionRejectsWrites) {
  absl::Status s = this->db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) {
        return tx
            .Execute(
                "INSERT INTO accounts (id, balance, version) VALUES ('r', 1, "
                "1)")
            .status();
      });
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
  EXPECT_EQ(this->Count("accounts"), 0);
}

// Read-only and writing transactions taking turns on the same connections
// (SQLite sets query_only only when it changes): every read-only one still
// refuses writes, every writing one may write.
TYPED_TEST(StorageContractTest, ReadOnlyAndWritingTransactionsTakeTurns) {
  for (int i = 0; i < 4; ++i) {
    ASSERT_TRUE(this->Insert(absl::StrCat("turn-", i), i).ok()) << i;
    for (int r = 0; r < 2; ++r) {
      absl::Status s = this->db_->RunInTransaction(
          TransactionMode::kReadOnly, [&](Transaction& tx) {
            return tx
                .Execute(absl::StrCat("INSERT INTO accounts (id, balance, "
                                      "version) VALUES ('ro-",
                                      i, "-", r, "', 1, 1)"))
                .status();
          });
      EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    }
  }
  EXPECT_EQ(this->Count("accounts"), 4);
}

// The shape of a credit reservation: read the balance, check the limit,
// write. Under concurrency from many threads (each with its own connection)
// the limit must never be overshot and no successful write may be lost.
TYPED_TEST(StorageContractTest, SerialisableReadCheckWriteNeverOvershoots) {
  ASSERT_TRUE(this->Insert("credit", 0).ok());
  constexpr int kThreads = 8;
  constexpr int kAttemptsPerThread = 10;
  constexpr int64_t kLimit = 37;
  std::atomic<int> granted{0};
  std::atomic<int> refused{0};
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kAttemptsPerThread; ++i) {
        absl::Status s = this->db_->RunInTransaction(
            TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
              auto rows =
                  tx.Query("SELECT balance FROM accounts WHERE id = 'credit'");
              if (!rows.ok()) return rows.status();
              const int64_t used = (*rows)[0].Int(0);
              if (used + 1 > kLimit) {
                return absl::FailedPreconditionError("limit reached");
              }
              return tx
                  .Execute(
                      "UPDATE accounts SET balance = $1 WHERE id = 'credit'",
                      {used + 1})
                  .status();
            });
        if (s.ok()) {
          ++granted;
        } else if (s.code() == absl::StatusCode::kFailedPrecondition) {
          ++refused;
        } else {
          ++errors;
          ADD_FAILURE() << s;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(granted.load(), kLimit);
  EXPECT_EQ(refused.load(), kThreads * kAttemptsPerThread - kLimit);
  int64_t balance = -1;
  ASSERT_TRUE(this->db_
                  ->RunInTransaction(TransactionMode::kReadOnly,
                                     [&](Transaction& tx) -> absl::Status {
                                       auto r = tx.Query(
                                           "SELECT balance FROM accounts "
                                           "WHERE id = 'credit'");
                                       if (!r.ok()) return r.status();
                                       balance = (*r)[0].Int(0);
                                       return absl::OkStatus();
                                     })
                  .ok());
  EXPECT_EQ(balance, kLimit);
}

TYPED_TEST(StorageContractTest, MigrationsAreRecordedAndReapplySafely) {
  ASSERT_TRUE(ApplyMigrations(*this->db_, "test", TestMigrations()).ok());
  EXPECT_EQ(this->Count("schema_migrations"), 3);
  // Another service's migrations are tracked separately.
  std::vector<Migration> other = {{1, "other_table",
                                   "CREATE TABLE other_t (x BIGINT);\n",
                                   "CREATE TABLE other_t (x BIGINT);\n"}};
  ASSERT_TRUE(ApplyMigrations(*this->db_, "other", other).ok());
  EXPECT_EQ(this->Count("schema_migrations"), 4);
}

TYPED_TEST(StorageContractTest, EditedMigrationHistoryIsRefused) {
  std::vector<Migration> edited = TestMigrations();
  edited[0].name = "renamed";
  absl::Status s = ApplyMigrations(*this->db_, "test", edited);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("edited"));
}

TYPED_TEST(StorageContractTest, OlderBinaryRefusesNewerSchema) {
  std::vector<Migration> older(TestMigrations().begin(),
                               TestMigrations().begin() + 2);
  absl::Status s = ApplyMigrations(*this->db_, "test", older);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(s.message(), HasSubstr("newer binary"));
}

TYPED_TEST(StorageContractTest, FailingMigrationLeavesNoTrace) {
  std::vector<Migration> bad = TestMigrations();
  bad.push_back({4, "broken", "CREATE TABLE good4 (x BIGINT);\nNOT SQL;\n",
                 "CREATE TABLE good4 (x BIGINT);\nNOT SQL;\n"});
  EXPECT_FALSE(ApplyMigrations(*this->db_, "test", bad).ok());
  EXPECT_EQ(this->Count("schema_migrations"), 3);
  absl::Status s = this->db_->RunInTransaction(
      TransactionMode::kReadOnly, [](Transaction& tx) {
        return tx.Query("SELECT COUNT(*) FROM good4").status();
      });
  EXPECT_FALSE(s.ok()) << "half-applied migration left table good4";
}

TYPED_TEST(StorageContractTest, LedgerIsAppendOnly) {
  auto append = [&](int64_t amount) {
    return this->db_->RunInTransaction(
        TransactionMode::kReadWrite, [&](Transaction& tx) {
          return tx
              .Execute("INSERT INTO ledger (account, amount) VALUES ($1, $2)",
                       {"a", amount})
              .status();
        });
  };
  ASSERT_TRUE(append(100).ok());
  ASSERT_TRUE(append(-30).ok());
  std::vector<const char*> changes = {"UPDATE ledger SET amount = 0",
                                      "DELETE FROM ledger WHERE amount < 0"};
  if (this->db_->backend() == Backend::kPostgres) {
    changes.push_back("TRUNCATE ledger");
  }
  for (const char* sql : changes) {
    absl::Status s = this->db_->RunInTransaction(
        TransactionMode::kReadWrite,
        [&](Transaction& tx) { return tx.Execute(sql).status(); });
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << sql << s;
    EXPECT_THAT(s.message(), HasSubstr("append-only"));
  }
  EXPECT_EQ(this->Count("ledger"), 2);
}

TYPED_TEST(StorageContractTest, IdempotentWriteAppliesOnce) {
  int writes = 0;
  auto create = [&](const std::string& request_id, const std::string& request) {
    return RunIdempotent<google::protobuf::StringValue>(
        *this->db_,
        IdempotentRequest::FromCaller("test.Create", "alice", request_id,
                                      request),
        FromStoredTime(1), StringValueCodec(),
        [&](Transaction& tx) -> absl::StatusOr<google::protobuf::StringValue> {
          ++writes;
          const std::string id = absl::StrCat("id-", writes);
          auto n = tx.Execute(
              "INSERT INTO accounts (id, balance, version) VALUES ($1, 0, 1)",
              {id});
          if (!n.ok()) return n.status();
          google::protobuf::StringValue out;
          out.set_value(id);
          return out;
        });
  };
  auto first = create("req-1", "payload");
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = create("req-1", "payload");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->value(), first->value());
  EXPECT_EQ(writes, 1);
  EXPECT_EQ(this->Count("accounts"), 1);

  auto misuse = create("req-1", "another payload");
  EXPECT_THAT(misuse.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                        kReasonIdempotencyKeyReused));
  EXPECT_EQ(FieldOf(misuse.status()), "request_id");
  EXPECT_THAT(misuse.status().message(), HasSubstr("request_id"));
  EXPECT_EQ(this->Count("accounts"), 1);

  // A write that fails stores nothing: the retry runs it again.
  auto failing = RunIdempotent<google::protobuf::StringValue>(
      *this->db_,
      IdempotentRequest::FromCaller("test.Create", "alice", "req-2", "p"),
      FromStoredTime(1), StringValueCodec(),
      [&](Transaction&) -> absl::StatusOr<google::protobuf::StringValue> {
        return absl::UnavailableError("backend down");
      });
  EXPECT_FALSE(failing.ok());
  auto retried = create("req-2", "p");
  ASSERT_TRUE(retried.ok());
  EXPECT_EQ(writes, 2);
}

TYPED_TEST(StorageContractTest, ConcurrentRetriesOfOneRequestApplyOnce) {
  std::atomic<int> writes{0};
  std::vector<std::thread> threads;
  std::vector<std::string> results(6);
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      auto r = RunIdempotent<google::protobuf::StringValue>(
          *this->db_,
          IdempotentRequest::FromCaller("test.Create", "alice", "same-request",
                                        "p"),
          FromStoredTime(1), StringValueCodec(),
          [&](Transaction& tx)
              -> absl::StatusOr<google::protobuf::StringValue> {
            const int n = ++writes;
            auto done = tx.Execute(
                "INSERT INTO accounts (id, balance, version) VALUES ($1, 0, "
                "1)",
                {absl::StrCat("w", n)});
            if (!done.ok()) return done.status();
            google::protobuf::StringValue out;
            out.set_value(absl::StrCat("w", n));
            return out;
          });
      if (r.ok()) {
        results[t] = r->value();
      } else {
        results[t] = std::string(r.status().ToString());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(this->Count("accounts"), 1);
  for (const auto& r : results) EXPECT_EQ(r, results[0]);
}

TYPED_TEST(StorageContractTest, KeysetPaginationWalksLargeTablesExactly) {
  constexpr int kRows = 2500;
  ASSERT_TRUE(this->db_
                  ->RunInTransaction(
                      TransactionMode::kReadWrite,
                      [&](Transaction& tx) -> absl::Status {
                        for (int i = 0; i < kRows; ++i) {
                          auto r = tx.Execute(
                              "INSERT INTO items (id, color) VALUES ($1, $2)",
                              {absl::StrCat("item-", 100000 + i),
                               i % 3 == 0 ? "red" : "blue"});
                          if (!r.ok()) return r.status();
                        }
                        return absl::OkStatus();
                      })
                  .ok());
  std::string token;
  std::vector<std::string> seen;
  int pages = 0;
  do {
    auto page = ParsePageRequest(100, token, "color=red");
    ASSERT_TRUE(page.ok()) << page.status();
    std::vector<Row> rows;
    ASSERT_TRUE(
        this->db_
            ->RunInTransaction(
                TransactionMode::kReadOnly,
                [&](Transaction& tx) -> absl::Status {
                  auto r = tx.Query(
                      "SELECT id FROM items WHERE color = $1 AND id > "
                      "$2 ORDER BY id LIMIT $3",
                      {"red", page->after_key, int64_t{page->limit + 1}});
                  if (!r.ok()) return r.status();
                  rows = *r;
                  return absl::OkStatus();
                })
            .ok());
    const bool more = static_cast<int>(rows.size()) > page->limit;
    if (more) rows.pop_back();
    for (const Row& row : rows) seen.push_back(row.Text(0));
    token = more ? MakePageToken(seen.back(), "color=red") : "";
    ++pages;
  } while (!token.empty());
  EXPECT_EQ(static_cast<int>(seen.size()), (kRows + 2) / 3);
  EXPECT_EQ(pages, 9);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end());
}

TYPED_TEST(StorageContractTest, OldIdempotencyRecordsArePurged) {
  for (int64_t t : {100, 200, 300}) {
    auto r = RunIdempotentBytes(
        *this->db_,
        IdempotentRequest::FromCaller("test.Purge", "alice",
                                      absl::StrCat("req-", t), "p"),
        FromStoredTime(t),
        [](Transaction&) -> absl::StatusOr<std::string> { return "done"; });
    ASSERT_TRUE(r.ok()) << r.status();
  }
  auto purged = PurgeIdempotencyRecords(*this->db_, FromStoredTime(250));
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_EQ(*purged, 2);
  EXPECT_EQ(this->Count("idempotency_keys"), 1);
}

// Code that would fail on PostgreSQL must fail on SQLite too.
TYPED_TEST(StorageContractTest, OneStatementPerCallAndExactParameters) {
  for (auto [sql, params] : std::vector<std::pair<const char*, Params>>{
           {"SELECT 1; SELECT 2", {}},
           {"SELECT id FROM accounts WHERE id = $1", {"a", "unused"}},
           {"SELECT id FROM accounts WHERE id = $1", {}}}) {
    absl::Status s = this->db_->RunInTransaction(
        TransactionMode::kReadOnly,
        [&](Transaction& tx) { return tx.Query(sql, params).status(); });
    EXPECT_FALSE(s.ok()) << sql;
  }
}

// Statements are prepared once per connection (PostgreSQL): a prepared
// statement keeps answering with current data through plan caching and a
// schema change, a statement the server refuses is never taken for
// prepared, and the hot-row path (BEGIN travelling with the first
// statement) agrees with the plain one.
TYPED_TEST(StorageContractTest, RepeatedStatementsSeeCurrentData) {
  for (int i = 0; i < 12; ++i) {
    ASSERT_TRUE(this->Insert(absl::StrCat("r", i), i).ok());
  }
  auto balance_of = [&](TransactionMode mode,
                        const std::string& id) -> absl::StatusOr<int64_t> {
    int64_t balance = -1;
    absl::Status s =
        this->db_->RunInTransaction(mode, [&](Transaction& tx) -> absl::Status {
          auto rows =
              tx.Query("SELECT balance FROM accounts WHERE id = $1", {id});
          if (!rows.ok()) return rows.status();
          if (rows->size() != 1) return absl::NotFoundError(id);
          balance = (*rows)[0].Int(0);
          return absl::OkStatus();
        });
    if (!s.ok()) return s;
    return balance;
  };
  // More runs than PostgreSQL needs to settle on a generic plan, over every
  // pooled connection, in both transaction kinds.
  for (int round = 0; round < 3; ++round) {
    for (int i = 0; i < 12; ++i) {
      for (TransactionMode mode :
           {TransactionMode::kReadOnly, TransactionMode::kHotRow}) {
        auto b = balance_of(mode, absl::StrCat("r", i));
        ASSERT_TRUE(b.ok()) << b.status();
        EXPECT_EQ(*b, i + round * 100);
      }
    }
    ASSERT_TRUE(this->db_
                    ->RunInTransaction(TransactionMode::kReadWrite,
                                       [](Transaction& tx) {
                                         return tx
                                             .Execute(
                                                 "UPDATE accounts SET balance "
                                                 "= balance + 100")
                                             .status();
                                       })
                    .ok());
  }
  // A column added after the statement was prepared changes nothing for it.
  ASSERT_TRUE(
      this->db_->ExecuteScript("ALTER TABLE accounts ADD COLUMN note TEXT")
          .ok());
  auto after = balance_of(TransactionMode::kHotRow, "r3");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(*after, 303);

  // A statement the server cannot parse fails every time, cleanly, and the
  // connections stay usable.
  for (int i = 0; i < 4; ++i) {
    for (TransactionMode mode :
         {TransactionMode::kReadOnly, TransactionMode::kHotRow}) {
      absl::Status bad = this->db_->RunInTransaction(mode, [](Transaction& tx) {
        return tx
            .Query("SELECT balance FROM no_such_table WHERE id = $1", {"x"})
            .status();
      });
      EXPECT_FALSE(bad.ok());
      auto b = balance_of(mode, "r5");
      ASSERT_TRUE(b.ok()) << b.status();
      EXPECT_EQ(*b, 305);
    }
  }
}

// Queued writes travel with the next statement or the commit; a required
// write that changes nothing fails the transaction as a retryable conflict,
// and nothing of that attempt stays.
TYPED_TEST(StorageContractTest, QueuedWritesLandWithTheCommitOrNotAtAll) {
  ASSERT_TRUE(this->Insert("acc", 10).ok());
  auto take = [&](int64_t amount, int* attempts) {
    return this->db_->RunInTransaction(
        TransactionMode::kHotRow, [&](Transaction& tx) -> absl::Status {
          ++*attempts;
          RETURN_IF_ERROR(tx.ExecuteLater(
              "INSERT INTO accounts (id, balance, version) VALUES ($1, $2, "
              "1)",
              {absl::StrCat("log-", amount, "-", *attempts), amount}));
          RETURN_IF_ERROR(tx.RequireLater(
              "UPDATE accounts SET balance = balance - $2 WHERE id = $1 AND "
              "balance >= $2",
              {"acc", amount}, "not enough left"));
          return tx.ExecuteLater(
              "UPDATE accounts SET version = version + 1 WHERE id = $1",
              {"acc"});
        });
  };
  int attempts = 0;
  {
    absl::Status first = take(4, &attempts);
    ASSERT_TRUE(first.ok()) << first;
  }
  EXPECT_EQ(attempts, 1);
  EXPECT_EQ(this->Count("accounts"), 2);
  // A read in the same transaction sees what was queued before it.
  ASSERT_TRUE(
      this->db_
          ->RunInTransaction(TransactionMode::kHotRow,
                             [&](Transaction& tx) -> absl::Status {
                               RETURN_IF_ERROR(tx.ExecuteLater(
                                   "UPDATE accounts SET owner = 'me' WHERE "
                                   "id = $1",
                                   {"acc"}));
                               auto rows = tx.Query(
                                   "SELECT owner, balance, version FROM "
                                   "accounts WHERE id = $1",
                                   {"acc"});
                               if (!rows.ok()) return rows.status();
                               EXPECT_EQ((*rows)[0].Text(0), "me");
                               EXPECT_EQ((*rows)[0].Int(1), 6);
                               EXPECT_EQ((*rows)[0].Int(2), 2);
                               return absl::OkStatus();
                             })
          .ok());
  // Asking for more than is left: every attempt conflicts, none lands.
  attempts = 0;
  absl::Status s = take(7, &attempts);
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("not enough left"));
  EXPECT_EQ(attempts, this->db_->options().max_attempts);
  EXPECT_EQ(this->Count("accounts"), 2);
  // A queued write that fails fails the transaction.
  absl::Status dup = this->db_->RunInTransaction(
      TransactionMode::kReadWrite, [&](Transaction& tx) -> absl::Status {
        return tx.ExecuteLater(
            "INSERT INTO accounts (id, balance, version) VALUES ('acc', 1, 1)");
      });
  EXPECT_EQ(dup.code(), absl::StatusCode::kAlreadyExists) << dup;
  EXPECT_EQ(this->Count("accounts"), 2);
}

// Reads sent ahead answer the Query that asks for them, once; a later
// Query of the same statement asks again and sees what the transaction
// wrote since; a read sent ahead that fails fails the transaction.
TYPED_TEST(StorageContractTest, PrefetchedReadsAnswerOnceAndFailLoudly) {
  ASSERT_TRUE(this->Insert("a", 1).ok());
  ASSERT_TRUE(this->Insert("b", 2).ok());
  const std::string sql = "SELECT id, balance FROM accounts WHERE id = $1";
  absl::Status s = this->db_->RunInTransaction(
      TransactionMode::kHotRow, [&](Transaction& tx) -> absl::Status {
        RETURN_IF_ERROR(tx.Prefetch(sql, {"a"}));
        RETURN_IF_ERROR(tx.Prefetch(sql, {"b"}));
        RETURN_IF_ERROR(tx.Prefetch("SELECT COUNT(*) AS n FROM accounts"));
        // The first statement sent takes the reads along.
        RETURN_IF_ERROR(tx.Execute("INSERT INTO accounts (id, balance, "
                                   "version) VALUES ('c', 3, 1)")
                            .status());
        ASSIGN_OR_RETURN(auto b, tx.Query(sql, {"b"}));
        EXPECT_EQ(b.size(), 1u);
        if (!b.empty()) {
          EXPECT_EQ(b[0].Int("balance"), 2);
        }
        ASSIGN_OR_RETURN(auto a, tx.Query(sql, {"a"}));
        EXPECT_EQ(a.size(), 1u);
        if (!a.empty()) {
          EXPECT_EQ(a[0].Int("balance"), 1);
        }
        RETURN_IF_ERROR(
            tx.Execute("UPDATE accounts SET balance = 10 WHERE id = 'a'")
                .status());
        // Asked again: from the database, with this transaction's write.
        ASSIGN_OR_RETURN(auto again, tx.Query(sql, {"a"}));
        EXPECT_EQ(again.size(), 1u);
        if (!again.empty()) {
          EXPECT_EQ(again[0].Int("balance"), 10);
        }
        return absl::OkStatus();
      });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(this->Count("accounts"), 3);

  absl::Status bad = this->db_->RunInTransaction(
      TransactionMode::kHotRow, [&](Transaction& tx) -> absl::Status {
        RETURN_IF_ERROR(tx.Prefetch("SELECT nothing FROM no_such_table"));
        RETURN_IF_ERROR(tx.Execute("INSERT INTO accounts (id, balance, "
                                   "version) VALUES ('d', 4, 1)")
                            .status());
        return tx.Query("SELECT nothing FROM no_such_table").status();
      });
  EXPECT_FALSE(bad.ok());
  EXPECT_EQ(this->Count("accounts"), 3);
}

// A Query of a read still waiting to be sent ahead answers from it: the
// reads queued travel once, together (on PostgreSQL a second copy of the
// statement is not sent — a sequence advanced by it shows it ran once).
TYPED_TEST(StorageContractTest, AQueryOfAQueuedReadSendsItOnce) {
  ASSERT_TRUE(this->Insert("a", 1).ok());
  ASSERT_TRUE(this->Insert("b", 2).ok());
  const bool postgres = !std::is_same_v<TypeParam, SqliteBackend>;
  if (postgres) {
    ASSERT_TRUE(this->db_->ExecuteScript("CREATE SEQUENCE prefetch_runs").ok());
  }
  const std::string sql = "SELECT id, balance FROM accounts WHERE id = $1";
  const std::string counted = "SELECT nextval('prefetch_runs') AS n";
  absl::Status s = this->db_->RunInTransaction(
      TransactionMode::kHotRow, [&](Transaction& tx) -> absl::Status {
        if (postgres) RETURN_IF_ERROR(tx.Prefetch(counted));
        RETURN_IF_ERROR(tx.Prefetch(sql, {"a"}));
        RETURN_IF_ERROR(tx.Prefetch(sql, {"b"}));
        if (postgres) {
          ASSIGN_OR_RETURN(auto n, tx.Query(counted));
          EXPECT_EQ(n.size(), 1u);
          if (!n.empty()) {
            EXPECT_EQ(n[0].Int("n"), 1);
          }
        }
        ASSIGN_OR_RETURN(auto a, tx.Query(sql, {"a"}));
        EXPECT_EQ(a.size(), 1u);
        if (!a.empty()) {
          EXPECT_EQ(a[0].Int("balance"), 1);
        }
        ASSIGN_OR_RETURN(auto b, tx.Query(sql, {"b"}));
        EXPECT_EQ(b.size(), 1u);
        if (!b.empty()) {
          EXPECT_EQ(b[0].Int("balance"), 2);
        }
        return absl::OkStatus();
      });
  ASSERT_TRUE(s.ok()) << s;
  if (postgres) {
    int64_t next = 0;
    ASSERT_TRUE(this->db_
                    ->RunInTransaction(TransactionMode::kReadWrite,
                                       [&](Transaction& tx) -> absl::Status {
                                         ASSIGN_OR_RETURN(auto rows,
                                                          tx.Query(counted));
                                         next = rows.front().Int("n");
                                         return absl::OkStatus();
                                       })
                    .ok());
    EXPECT_EQ(next, 2);  // once in the transaction above, once here
  }
}

// Several replicas starting together on a fresh database all come up.
TYPED_TEST(StorageContractTest, ConcurrentMigratorsAllSucceed) {
  auto url = testing::FreshDatabaseUrl(std::is_same_v<TypeParam, SqliteBackend>
                                           ? testing::TestBackend::kSqlite
                                           : testing::TestBackend::kPostgres,
                                       this->dir_->path());
  ASSERT_TRUE(url.ok());
  std::vector<std::thread> replicas;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    replicas.emplace_back([&] {
      auto db = OpenDatabase(*url);
      if (!db.ok()) {
        ++failures;
        ADD_FAILURE() << db.status();
        return;
      }
      absl::Status s = ApplyMigrations(**db, "test", TestMigrations());
      if (!s.ok()) {
        ++failures;
        ADD_FAILURE() << s;
      }
    });
  }
  for (auto& r : replicas) r.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST(PaginationTest, ValidatesSizeAndToken) {
  EXPECT_EQ(ParsePageRequest(-1, "", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParsePageRequest(0, "", "")->limit, kDefaultPageSize);
  EXPECT_EQ(ParsePageRequest(5000, "", "")->limit, kMaxPageSize);
  EXPECT_EQ(ParsePageRequest(10, "garbage!!", "").status().code(),
            absl::StatusCode::kInvalidArgument);
  const std::string token = MakePageToken("k42", "status=1");
  EXPECT_EQ(ParsePageRequest(10, token, "status=1")->after_key, "k42");
  auto other = ParsePageRequest(10, token, "status=2");
  EXPECT_EQ(other.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(other.status().message(), HasSubstr("different filters"));
}

TEST(OpenDatabaseTest, RejectsUnknownSchemesAndReportsUnreachableServers) {
  EXPECT_EQ(OpenDatabase("mysql://x").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenDatabase("sqlite:").status().code(),
            absl::StatusCode::kInvalidArgument);
  auto port = testing::PickFreePort();
  ASSERT_TRUE(port.ok());
  auto pg = OpenDatabase(
      absl::StrCat("postgresql://nobody:secret@127.0.0.1:", *port, "/x"));
  EXPECT_EQ(pg.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(pg.status().message(), ::testing::Not(HasSubstr("secret")));
  auto query_password = OpenDatabase(absl::StrCat(
      "postgresql://nobody@127.0.0.1:", *port, "/x?password=hunter2&x=1"));
  EXPECT_THAT(query_password.status().message(),
              ::testing::Not(HasSubstr("hunter2")));
}

TEST(SqlitePlaceholderTest, RewritesOnlyOutsideQuotes) {
  EXPECT_EQ(RewritePlaceholdersForSqlite("a = $1 AND b = '$2' AND c = $10"),
            "a = ?1 AND b = '$2' AND c = ?10");
}

}  // namespace
}  // namespace qudao::storage

namespace qudao::storage {
namespace {

// Everything a TableMapping column can hold.
enum class Shade { kRed = 1, kBlue = 2 };
struct Record {
  std::string id;
  std::string label;
  std::string parent;  // empty <-> NULL
  int64_t count = 0;
  Shade shade = Shade::kRed;
  bool active = false;
  absl::Time created;
  std::optional<absl::Time> closed;
  Money price;
  std::optional<Money> deposit;
  Money paid;  // in price's currency
  std::vector<std::string> tags;
  struct {
    std::string city;
  } place;
};

const TableMapping<Record>& Records() {
  static const auto* table = new TableMapping<Record>(
      "records",
      {Text<Record>("id", &Record::id).InsertOnly(),
       Text<Record>("label", &Record::label),
       NullableText<Record>("parent", &Record::parent),
       Int<Record>("count", &Record::count),
       Enum<Record>("shade", &Record::shade),
       Bool<Record>("active", &Record::active),
       Time<Record>("created", &Record::created).InsertOnly(),
       OptionalTime<Record>("closed", &Record::closed),
       MoneyAmount<Record>("currency", "price_minor", &Record::price),
       OptionalMoneyAmount<Record>("deposit_currency", "deposit_minor",
                                   &Record::deposit),
       MinorUnitsIn<Record>("paid_minor", "currency", &Record::paid),
       LineList<Record>("tags", &Record::tags),
       Text<Record>(
           "city", [](auto& r) -> auto& { return r.place.city; })});
  return *table;
}

template <typename B>
class TableMappingTest : public StorageContractTest<B> {
 protected:
  void SetUp() override {
    StorageContractTest<B>::SetUp();
    ASSERT_TRUE(this->db_
                    ->ExecuteScript(
                        "CREATE TABLE records (id TEXT PRIMARY KEY, label TEXT "
                        "NOT NULL, parent TEXT, count BIGINT NOT NULL, shade "
                        "INTEGER NOT NULL, active INTEGER NOT NULL, created "
                        "BIGINT NOT NULL, closed BIGINT, currency TEXT NOT "
                        "NULL, price_minor BIGINT NOT NULL, deposit_currency "
                        "TEXT, deposit_minor BIGINT, paid_minor BIGINT NOT "
                        "NULL, tags TEXT NOT NULL, city TEXT NOT NULL);")
                    .ok());
  }

  absl::StatusOr<Record> Load(const std::string& sql, const std::string& id) {
    absl::StatusOr<Record> out;
    absl::Status s = this->db_->RunInTransaction(
        TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
          auto rows = tx.Query(sql, {id});
          if (!rows.ok()) return rows.status();
          out = Records().ReadOne(*rows, "no such record");
          return absl::OkStatus();
        });
    if (!s.ok()) return s;
    return out;
  }
};

TYPED_TEST_SUITE(TableMappingTest, Backends);

TYPED_TEST(TableMappingTest, RoundTripsEveryColumnKindByName) {
  Record full{"r1",
              "Full",
              "r0",
              42,
              Shade::kBlue,
              true,
              FromStoredTime(1000),
              FromStoredTime(2000),
              Money::Create("CNY", 12345).value(),
              Money::Create("USD", 99).value(),
              Money::Create("CNY", 100).value(),
              {"a", "b c"},
              {"Hangzhou"}};
  Record sparse{"r2",
                "Sparse",
                "",
                0,
                Shade::kRed,
                false,
                FromStoredTime(3000),
                std::nullopt,
                Money::Create("JPY", 5).value(),
                std::nullopt,
                Money::Create("JPY", 0).value(),
                {},
                {""}};
  ASSERT_TRUE(this->db_
                  ->RunInTransaction(TransactionMode::kReadWrite,
                                     [&](Transaction& tx) -> absl::Status {
                                       RETURN_IF_ERROR(
                                           Records().Insert(tx, full));
                                       return Records().Insert(tx, sparse);
                                     })
                  .ok());
  for (const Record& want : {full, sparse}) {
    // Selected in the mapping's order and in reverse: read by name, either
    // works.
    for (const std::string& sql :
         {Records().Select("WHERE id = $1"),
          std::string("SELECT city, tags, paid_minor, deposit_minor, "
                      "deposit_currency, price_minor, currency, closed, "
                      "created, active, shade, count, parent, label, id FROM "
                      "records WHERE id = $1")}) {
      auto got = this->Load(sql, want.id);
      ASSERT_TRUE(got.ok()) << got.status();
      EXPECT_EQ(got->label, want.label);
      EXPECT_EQ(got->parent, want.parent);
      EXPECT_EQ(got->count, want.count);
      EXPECT_EQ(got->shade, want.shade);
      EXPECT_EQ(got->active, want.active);
      EXPECT_EQ(got->created, want.created);
      EXPECT_EQ(got->closed, want.closed);
      EXPECT_EQ(got->price, want.price);
      EXPECT_EQ(got->deposit, want.deposit);
      EXPECT_EQ(got->paid, want.paid);
      EXPECT_EQ(got->tags, want.tags);
      EXPECT_EQ(got->place.city, want.place.city);
    }
  }
  // The parent of the sparse record is stored as NULL, not "".
  std::vector<Row> nulls;
  ASSERT_TRUE(this->db_
                  ->RunInTransaction(
                      TransactionMode::kReadOnly,
                      [&](Transaction& tx) -> absl::Status {
                        ASSIGN_OR_RETURN(
                            nulls, tx.Query("SELECT id FROM records WHERE "
                                            "parent IS NULL"));
                        return absl::OkStatus();
                      })
                  .ok());
  ASSERT_EQ(nulls.size(), 1u);
  EXPECT_EQ(nulls[0].Text("id"), "r2");
}

TYPED_TEST(TableMappingTest, UpdateWritesUpdatableColumnsWhereTheKeyMatches) {
  Record r{"r1",
           "Before",
           "",
           1,
           Shade::kRed,
           false,
           FromStoredTime(1000),
           std::nullopt,
           Money::Create("CNY", 100).value(),
           std::nullopt,
           Money::Create("CNY", 0).value(),
           {},
           {"Ningbo"}};
  ASSERT_TRUE(this->db_
                  ->RunInTransaction(
                      TransactionMode::kReadWrite,
                      [&](Transaction& tx) { return Records().Insert(tx, r); })
                  .ok());
  Record changed = r;
  changed.label = "After";
  changed.count = 2;
  changed.created = FromStoredTime(9999);  // insert-only: must not change
  int64_t n = -1, stale = -1;
  ASSERT_TRUE(this->db_
                  ->RunInTransaction(
                      TransactionMode::kReadWrite,
                      [&](Transaction& tx) -> absl::Status {
                        ASSIGN_OR_RETURN(
                            n, Records().Update(tx, changed,
                                                {{"id", r.id}, {"count", 1}}));
                        // The condition no longer holds: nothing changes.
                        ASSIGN_OR_RETURN(
                            stale,
                            Records().Update(tx, changed,
                                             {{"id", r.id}, {"count", 1}}));
                        return absl::OkStatus();
                      })
                  .ok());
  EXPECT_EQ(n, 1);
  EXPECT_EQ(stale, 0);
  auto got = this->Load(Records().Select("WHERE id = $1"), "r1");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(got->label, "After");
  EXPECT_EQ(got->count, 2);
  EXPECT_EQ(got->created, FromStoredTime(1000));
}

// PostgreSQL lets a statement use $1 twice or number placeholders out of
// order; SQLite must mean the same.
TYPED_TEST(StorageContractTest, PlaceholdersMayRepeatAndComeOutOfOrder) {
  ASSERT_TRUE(this->Insert("a", 10).ok());
  ASSERT_TRUE(this->Insert("b", 20).ok());
  std::vector<Row> rows;
  ASSERT_TRUE(this->db_
                  ->RunInTransaction(
                      TransactionMode::kReadOnly,
                      [&](Transaction& tx) -> absl::Status {
                        ASSIGN_OR_RETURN(
                            rows,
                            tx.Query("SELECT id FROM accounts WHERE balance "
                                     ">= $2 AND (id = $1 OR $1 = 'any') "
                                     "ORDER BY id",
                                     {"any", int64_t{15}}));
                        return absl::OkStatus();
                      })
                  .ok());
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].Text("id"), "b");
}

}  // namespace
}  // namespace qudao::storage

namespace qudao::storage {
namespace {

// The hot-row mode: one conditional statement enforces the limit on a busy
// row; concurrent writers across connections never overshoot it, and a
// duplicate request (same key, same time) reserves once.
template <typename B>
class HotRowTest : public StorageContractTest<B> {
 protected:
  void SetUp() override {
    StorageContractTest<B>::SetUp();
    ASSERT_TRUE(
        this->db_
            ->ExecuteScript("CREATE TABLE limits (id TEXT PRIMARY KEY, "
                            "limit_minor BIGINT NOT NULL, reserved BIGINT NOT "
                            "NULL); INSERT INTO limits VALUES ('hot', 100, 0);")
            .ok());
  }

  // Reserves `amount` if it fits: "ok" or "over".
  absl::StatusOr<std::string> Reserve(Database& db,
                                      const IdempotentRequest& request,
                                      int64_t amount) {
    ASSIGN_OR_RETURN(
        HotRowOutcome outcome,
        RunHotRowWrite(db, request, FromStoredTime(1),
                       [&](Transaction&) -> absl::StatusOr<FinalStatement> {
                         return FinalStatement{
                             "UPDATE limits SET reserved = reserved + $1 "
                             "WHERE id = 'hot' AND limit_minor - reserved >= "
                             "$1",
                             {amount},
                             "ok",
                             "over"};
                       }));
    return outcome.response;
  }

  int64_t Reserved() {
    int64_t reserved = -1;
    EXPECT_TRUE(this->db_
                    ->RunInTransaction(TransactionMode::kReadOnly,
                                       [&](Transaction& tx) -> absl::Status {
                                         ASSIGN_OR_RETURN(
                                             auto rows,
                                             tx.Query("SELECT reserved FROM "
                                                      "limits"));
                                         reserved = rows[0].Int("reserved");
                                         return absl::OkStatus();
                                       })
                    .ok());
    return reserved;
  }
};

TYPED_TEST_SUITE(HotRowTest, Backends);

TYPED_TEST(HotRowTest, ConcurrentWritersNeverExceedTheLimit) {
  constexpr int kThreads = 16;
  constexpr int kEach = 20;  // 320 attempts of 1 at a limit of 100
  std::vector<std::unique_ptr<Database>> dbs;
  for (int i = 0; i < 4; ++i) {
    // Several "replicas", each with its own pool.
    auto db = OpenDatabase(this->url_);
    ASSERT_TRUE(db.ok());
    dbs.push_back(std::move(*db));
  }
  std::atomic<int> ok{0}, over{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto r = this->Reserve(*dbs[t % dbs.size()], IdempotentRequest{}, 1);
        if (!r.ok()) {
          ++errors;
        } else if (*r == "ok") {
          ++ok;
        } else {
          ++over;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(ok.load(), 100);
  EXPECT_EQ(over.load(), kThreads * kEach - 100);
  EXPECT_EQ(this->Reserved(), 100);
}

TYPED_TEST(HotRowTest, ConcurrentDuplicatesReserveOnce) {
  constexpr int kThreads = 8;
  const auto request =
      IdempotentRequest::FromCaller("Reserve", "svc", "order-1/reserve", "5");
  std::vector<std::string> answers(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto r = this->Reserve(*this->db_, request, 5);
      answers[t] = r.ok() ? *r : r.status().ToString();
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_THAT(answers, ::testing::Each(std::string("ok")));
  EXPECT_EQ(this->Reserved(), 5);
  // The same key for another amount is refused.
  auto reused = this->Reserve(
      *this->db_,
      IdempotentRequest::FromCaller("Reserve", "svc", "order-1/reserve", "9"),
      9);
  EXPECT_THAT(reused, StatusIs(absl::StatusCode::kInvalidArgument,
                               kReasonIdempotencyKeyReused));
  EXPECT_EQ(this->Reserved(), 5);
}

}  // namespace
}  // namespace qudao::storage

namespace qudao::storage {
namespace {

// Deleting the data directory under a running service must not leave it
// acknowledging writes into an unlinked file that vanishes at restart.
TEST(SqliteFileTest, ARemovedOrReplacedDatabaseFileRefusesWrites) {
  auto dir = testing::TempDir::Create("qudao-sqlite-gone");
  ASSERT_TRUE(dir.ok());
  const std::string data = dir->path() + "/data";
  auto db = OpenDatabase(absl::StrCat("sqlite://", data, "/db.sqlite"));
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->ExecuteScript("CREATE TABLE t (x BIGINT);").ok());
  auto write = [&] {
    return (*db)->RunInTransaction(
        TransactionMode::kReadWrite, [](Transaction& tx) {
          return tx.Execute("INSERT INTO t VALUES (1)").status();
        });
  };
  ASSERT_TRUE(write().ok());
  ASSERT_TRUE((*db)->Ping().ok());
  std::error_code ec;
  std::filesystem::remove_all(data, ec);
  ASSERT_FALSE(ec);
  absl::Status refused = write();
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable) << refused;
  EXPECT_THAT(refused.message(), HasSubstr("removed or replaced"));
  EXPECT_EQ((*db)->Ping().code(), absl::StatusCode::kUnavailable);
  // A new, empty file at the same path is not the database either.
  std::filesystem::create_directories(data, ec);
  auto other = OpenDatabase(absl::StrCat("sqlite://", data, "/db.sqlite"));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(write().code(), absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace qudao::storage
