// VersionCounter; see version_counter.h.
#include "services/pricing/version_counter.h"

#include "absl/strings/ascii.h"
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

std::string VersionCounter::BumpTriggers(
    storage::Backend backend, const std::vector<std::string>& tables) const {
  std::string sql;
  if (backend == storage::Backend::kSqlite) {
    for (const std::string& t : tables) {
      for (const char* event : {"INSERT", "UPDATE", "DELETE"}) {
        absl::StrAppend(&sql, "CREATE TRIGGER ", t, "_bumps_", table_, "_",
                        absl::AsciiStrToLower(event), " AFTER ", event, " ON ",
                        t, " BEGIN ", bump_sql_, "; END;\n");
      }
    }
    return sql;
  }
  absl::StrAppend(&sql, "CREATE FUNCTION bump_", table_,
                  "() RETURNS trigger AS $$ BEGIN ", bump_sql_,
                  "; RETURN NULL; END $$ LANGUAGE plpgsql;\n");
  for (const std::string& t : tables) {
    absl::StrAppend(&sql, "CREATE TRIGGER ", t, "_bumps_", table_,
                    " AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ", t,
                    " FOR EACH STATEMENT EXECUTE FUNCTION bump_", table_,
                    "();\n");
  }
  return sql;
}

absl::StatusOr<int64_t> VersionCounter::Read(storage::Transaction& tx) const {
  ASSIGN_OR_RETURN(auto rows, tx.Query(read_sql_));
  if (rows.empty()) {
    return absl::DataLossError(
        absl::StrCat(what_, " has no version row (table ", table_, ")"));
  }
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

const std::vector<std::string>& RuleSetTables() {
  static const auto* tables = new std::vector<std::string>{"price_rules"};
  return *tables;
}

const std::vector<std::string>& CatalogueTables() {
  static const auto* tables =
      new std::vector<std::string>{"price_list_versions", "price_list_entries",
                                   "standard_costs",      "products",
                                   "freight_assignments", "freight_rates",
                                   "zone_adjustments"};
  return *tables;
}

const VersionCounter& CatalogueCounter() {
  static const auto* counter =
      new VersionCounter("price_catalogue", "the price catalogue");
  return *counter;
}

}  // namespace qudao::pricing
