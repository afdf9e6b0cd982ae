// Backend-independent parts of the storage layer: values, rows, the
// transaction retry loop and URL dispatch.
#include "common/storage/database.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <random>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/status/macros.h"
#include "common/storage/postgres_database.h"
#include "common/storage/sqlite_database.h"

namespace qudao::storage {
namespace {

constexpr char kRetryablePayload[] = "type.qudao.dev/storage.RetryableConflict";
constexpr char kLostPayload[] = "type.qudao.dev/storage.ConnectionLost";

}  // namespace

absl::string_view BackendName(Backend backend) {
  return backend == Backend::kSqlite ? "sqlite" : "postgres";
}

int64_t ToStoredTime(absl::Time t) { return absl::ToUnixMicros(t); }
absl::Time FromStoredTime(int64_t micros) {
  return absl::FromUnixMicros(micros);
}

int64_t Row::Int(size_t i) const {
  const Value& v = values_.at(i);
  if (v.is_int()) return v.int_value();
  int64_t parsed = 0;
  if (v.is_text() && absl::SimpleAtoi(v.text_value(), &parsed)) return parsed;
  // A schema bug: the column is not an integer.
  std::abort();
}

std::string Row::Text(size_t i) const {
  const Value& v = values_.at(i);
  if (v.is_text()) return v.text_value();
  if (v.is_int()) return absl::StrCat(v.int_value());
  return "";
}

size_t Row::Index(absl::string_view column) const {
  if (columns_ != nullptr) {
    for (size_t i = 0; i < columns_->size(); ++i) {
      if ((*columns_)[i] == column) return i;
    }
  }
  // A schema bug: the query does not select this column.
  std::fprintf(stderr, "qudao: result has no column '%.*s'\n",
               static_cast<int>(column.size()), column.data());
  std::abort();
}

absl::StatusOr<std::vector<Row>> Transaction::QueryAndCommit(
    absl::string_view sql, const Params& params) {
  // Without pipelining: run it; RunInTransaction commits right after.
  return Query(sql, params);
}

absl::Status Transaction::Queue(std::string sql, Params params) {
  return Execute(sql, params).status();
}

absl::Status Transaction::QueuePrefetch(std::string, Params) {
  return absl::OkStatus();
}

absl::Status Transaction::Prefetch(absl::string_view sql,
                                   const Params& params) {
  return QueuePrefetch(std::string(sql), params);
}

absl::Status Transaction::ExecuteLater(absl::string_view sql,
                                       const Params& params) {
  return Queue(std::string(sql), params);
}

absl::Status Transaction::RequireLater(absl::string_view sql,
                                       const Params& params,
                                       absl::string_view why) {
  if (backend() == Backend::kPostgres) {
    // The server raises the conflict itself (qudao_changed_or_retry, a
    // platform function), so the statement can travel with the COMMIT.
    Params with_why = params;
    with_why.push_back(std::string(why));
    std::string wrapped =
        absl::StrCat("WITH changed AS (", sql,
                     " RETURNING 1) SELECT qudao_changed_or_retry(COUNT(*), $",
                     with_why.size(), ") FROM changed");
    return Queue(std::move(wrapped), std::move(with_why));
  }
  ASSIGN_OR_RETURN(const int64_t changed, Execute(sql, params));
  if (changed == 0) return RetryableConflict(why);
  return absl::OkStatus();
}

absl::Status ConnectionLostBeforeCommit(absl::string_view message) {
  absl::Status status = absl::UnavailableError(message);
  status.SetPayload(kLostPayload, absl::Cord("1"));
  return status;
}

bool IsConnectionLostBeforeCommit(const absl::Status& status) {
  return status.code() == absl::StatusCode::kUnavailable &&
         status.GetPayload(kLostPayload).has_value();
}

absl::Status RetryableConflict(absl::string_view message) {
  absl::Status status = absl::AbortedError(message);
  status.SetPayload(kRetryablePayload, absl::Cord("1"));
  return status;
}

bool IsRetryableConflict(const absl::Status& status) {
  return status.code() == absl::StatusCode::kAborted &&
         status.GetPayload(kRetryablePayload).has_value();
}

absl::Status Database::RunInTransaction(
    TransactionMode mode,
    const std::function<absl::Status(Transaction&)>& body) {
  thread_local std::minstd_rand jitter(std::random_device{}());
  absl::Status last;
  const int max_attempts = std::max(1, options_.max_attempts);
  bool reconnected = false;
  for (int attempt = 1; attempt <= max_attempts; ++attempt) {
    absl::StatusOr<std::unique_ptr<Session>> session = Begin(mode);
    if (!session.ok()) {
      last = session.status();
    } else {
      static std::atomic<uint64_t> next_attempt{1};
      (*session)->database_ = this;
      (*session)->attempt_id_ = next_attempt.fetch_add(1);
      absl::Status status = body(**session);
      if (status.ok() && !(*session)->committed_) {
        status = (*session)->Commit();
      }
      if (status.ok()) {
        for (const auto& hook : (*session)->commit_hooks_) hook();
        return status;
      }
      (*session)->Rollback();
      last = status;
    }
    if (IsConnectionLostBeforeCommit(last) && !reconnected) {
      // Nothing was committed: once more, on a fresh connection.
      reconnected = true;
      OnConnectionLost();
      --attempt;
      continue;
    }
    if (!IsRetryableConflict(last)) return last;
    // Exponential backoff with jitter so conflicting writers spread out.
    const int64_t cap_us = int64_t{1000} << std::min(attempt, 7);
    absl::SleepFor(absl::Microseconds(jitter() % cap_us));
  }
  return absl::AbortedError(absl::StrCat(
      "transaction kept conflicting with concurrent writers after ",
      max_attempts, " attempts; retry the request: ", last.message()));
}

void Database::SignalOutbox() {
  absl::MutexLock lock(&outbox_mu_);
  outbox_signalled_ = true;
}

bool Database::WaitForOutbox(absl::Duration timeout) {
  absl::MutexLock lock(&outbox_mu_);
  outbox_mu_.AwaitWithTimeout(absl::Condition(&outbox_signalled_), timeout);
  const bool signalled = outbox_signalled_;
  outbox_signalled_ = false;
  return signalled;
}

absl::StatusOr<std::unique_ptr<Database>> OpenDatabase(
    absl::string_view url, const DatabaseOptions& options) {
  if (absl::StartsWith(url, "sqlite:")) {
    absl::string_view path = url.substr(7);
    if (path == ":memory:") return OpenSqliteDatabase(":memory:", options);
    if (!absl::ConsumePrefix(&path, "//") || path.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "database URL '", url,
          "' is not sqlite:///abs/path.db, sqlite://rel/path.db or "
          "sqlite::memory:"));
    }
    return OpenSqliteDatabase(path, options);
  }
  if (absl::StartsWith(url, "postgresql://") ||
      absl::StartsWith(url, "postgres://")) {
    return OpenPostgresDatabase(url, options);
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "database URL '", url,
      "' has an unknown scheme; use sqlite://... or postgresql://..."));
}

}  // namespace qudao::storage
