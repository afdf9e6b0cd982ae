// VersionCounter; see version_counter.h.
#include "services/pricing/version_counter.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/status/macros.h"

namespace qudao::pricing {

namespace {

// The statement each trigger runs (the old one-row form for migration 7).
std::string SingletonBump(absl::string_view name) {
  return absl::StrCat("UPDATE ", name,
                      " SET version = version + 1 WHERE singleton = 1");
}

std::string StripedBump(storage::Backend backend, absl::string_view stripes) {
  return absl::StrCat(
      "UPDATE ", stripes, " SET version = version + 1 WHERE stripe = ",
      backend == storage::Backend::kSqlite
          ? "0"
          : absl::StrCat("txid_current() % ", VersionCounter::kStripes));
}

// Triggers named `<table>_bumps_<counter>[_<event>]` running `bump` on
// every write to each of `tables`: per row on SQLite, per statement (and
// TRUNCATE) on PostgreSQL through the function `bump_<counter>`.
std::string Triggers(storage::Backend backend, absl::string_view counter,
                     const std::string& bump,
                     const std::vector<std::string>& tables) {
  std::string sql;
  if (backend == storage::Backend::kSqlite) {
    for (const std::string& t : tables) {
      for (const char* event : {"INSERT", "UPDATE", "DELETE"}) {
        absl::StrAppend(&sql, "CREATE TRIGGER ", t, "_bumps_", counter, "_",
                        absl::AsciiStrToLower(event), " AFTER ", event, " ON ",
                        t, " BEGIN ", bump, "; END;\n");
      }
    }
    return sql;
  }
  absl::StrAppend(&sql, "CREATE FUNCTION bump_", counter,
                  "() RETURNS trigger AS $$ BEGIN ", bump,
                  "; RETURN NULL; END $$ LANGUAGE plpgsql;\n");
  for (const std::string& t : tables) {
    absl::StrAppend(&sql, "CREATE TRIGGER ", t, "_bumps_", counter,
                    " AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ", t,
                    " FOR EACH STATEMENT EXECUTE FUNCTION bump_", counter,
                    "();\n");
  }
  return sql;
}

}  // namespace

VersionCounter::VersionCounter(std::string name, std::string what)
    : name_(std::move(name)),
      what_(std::move(what)),
      stripes_(absl::StrCat(name_, "_stripes")),
      read_sql_(absl::StrCat("SELECT CAST(sum(version) AS BIGINT) FROM ",
                             stripes_)) {}

std::string VersionCounter::SingletonSchema() const {
  return absl::StrCat(
      "CREATE TABLE ", name_,
      " (\n"
      "  singleton BIGINT NOT NULL PRIMARY KEY CHECK (singleton = 1),\n"
      "  version   BIGINT NOT NULL CHECK (version >= 0));\n"
      "INSERT INTO ",
      name_, " (singleton, version) VALUES (1, 0);\n");
}

std::string VersionCounter::SingletonTriggers(
    storage::Backend backend, const std::vector<std::string>& tables) const {
  return Triggers(backend, name_, SingletonBump(name_), tables);
}

std::string VersionCounter::StripedSchema(
    storage::Backend backend, const std::vector<std::string>& tables) const {
  const bool sqlite = backend == storage::Backend::kSqlite;
  std::string sql;
  // The one-row table's triggers go first (on SQLite they would fail
  // once their table is gone).
  if (sqlite) {
    for (const std::string& t : tables) {
      for (const char* event : {"insert", "update", "delete"}) {
        absl::StrAppend(&sql, "DROP TRIGGER ", t, "_bumps_", name_, "_", event,
                        ";\n");
      }
    }
  } else {
    absl::StrAppend(&sql, "DROP FUNCTION bump_", name_, "() CASCADE;\n");
  }
  const int rows = sqlite ? 1 : kStripes;
  absl::StrAppend(
      &sql, "CREATE TABLE ", stripes_,
      " (\n"
      "  stripe  BIGINT NOT NULL PRIMARY KEY CHECK (stripe >= 0 AND stripe < ",
      rows,
      "),\n"
      "  version BIGINT NOT NULL CHECK (version >= 0));\n");
  // Row 0 carries the version so far: the sum goes on from it.
  absl::StrAppend(&sql, "INSERT INTO ", stripes_,
                  " (stripe, version) SELECT 0, version FROM ", name_,
                  " WHERE singleton = 1;\n");
  if (!sqlite) {
    absl::StrAppend(&sql, "INSERT INTO ", stripes_,
                    " (stripe, version) SELECT s, 0 FROM generate_series(1, ",
                    rows - 1, ") AS s;\n");
  }
  absl::StrAppend(
      &sql, "DROP TABLE ", name_, ";\n",
      Triggers(backend, stripes_, StripedBump(backend, stripes_), tables));
  return sql;
}

absl::StatusOr<int64_t> VersionCounter::Read(storage::Transaction& tx) const {
  ASSIGN_OR_RETURN(auto rows, tx.Query(read_sql_));
  if (rows.empty() || rows.front().IsNull(0)) {
    return absl::DataLossError(
        absl::StrCat(what_, " has no version rows (table ", stripes_, ")"));
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
