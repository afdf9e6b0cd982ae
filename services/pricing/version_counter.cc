// VersionCounter; see version_counter.h.
#include "services/pricing/version_counter.h"

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"

namespace qudao::pricing {

VersionCounter::VersionCounter(std::string table, std::string what)
    : table_(std::move(table)),
      what_(std::move(what)),
      read_sql_(
          absl::StrCat("SELECT version FROM ", table_, " WHERE singleton = 1")),
      bump_sql_(
          absl::StrCat("UPDATE ", table_,
                       " SET version = version + 1 WHERE singleton = 1")) {}

std::string VersionCounter::Schema() const {
  return absl::StrCat(
      "CREATE TABLE ", table_,
      " (\n"
      "  singleton BIGINT NOT NULL PRIMARY KEY CHECK (singleton = 1),\n"
      "  version   BIGINT NOT NULL CHECK (version >= 0));\n"
      "INSERT INTO ",
      table_, " (singleton, version) VALUES (1, 0);\n");
}

absl::Status VersionCounter::NoRow() const {
  return absl::DataLossError(
      absl::StrCat(what_, " has no version row (table ", table_, ")"));
}

absl::Status VersionCounter::Bump(storage::Transaction& tx) const {
  ASSIGN_OR_RETURN(const int64_t changed, tx.Execute(bump_sql_));
  if (changed != 1) return NoRow();
  return absl::OkStatus();
}

absl::StatusOr<int64_t> VersionCounter::Read(storage::Transaction& tx) const {
  ASSIGN_OR_RETURN(auto rows, tx.Query(read_sql_));
  if (rows.empty()) return NoRow();
  return rows.front().Int(0);
}

absl::Status VersionCounter::Prefetch(storage::Transaction& tx) const {
  return tx.Prefetch(read_sql_);
}

const VersionCounter& RuleSetCounter() {
  static const auto* counter =
      new VersionCounter("price_rule_set", "the price rule set");
  return *counter;
}

const VersionCounter& CatalogueCounter() {
  static const auto* counter =
      new VersionCounter("price_catalogue", "the price catalogue");
  return *counter;
}

}  // namespace qudao::pricing
