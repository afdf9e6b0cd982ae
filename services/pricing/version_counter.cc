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

// SQLite's row triggers, one per event, and the name of each on `table`
// for `counter`: `<table>_bumps_<counter>_<event>`.
constexpr const char* kSqliteEvents[] = {"INSERT", "UPDATE", "DELETE"};
std::string SqliteTriggerName(absl::string_view table,
                              absl::string_view counter,
                              absl::string_view event) {
  return absl::StrCat(table, "_bumps_", counter, "_",
                      absl::AsciiStrToLower(event));
}

// What a trigger runs and how: the statements of its body on SQLite and in
// PostgreSQL's plpgsql function, and the function's settings.
struct TriggerBody {
  std::string sqlite;
  std::string plpgsql;
  std::string function_settings;
};

// Triggers named `<table>_bumps_<counter>[_<event>]` running `body` on
// every write to each of `tables`: per row on SQLite, per statement (and
// TRUNCATE) on PostgreSQL through the function `bump_<counter>`.
std::string Triggers(storage::Backend backend, absl::string_view counter,
                     const TriggerBody& body,
                     const std::vector<std::string>& tables) {
  std::string sql;
  if (backend == storage::Backend::kSqlite) {
    for (const std::string& t : tables) {
      for (const char* event : kSqliteEvents) {
        absl::StrAppend(&sql, "CREATE TRIGGER ",
                        SqliteTriggerName(t, counter, event), " AFTER ", event,
                        " ON ", t, " BEGIN ", body.sqlite, " END;\n");
      }
    }
    return sql;
  }
  absl::StrAppend(&sql, "CREATE FUNCTION bump_", counter, "() RETURNS trigger",
                  body.function_settings, " AS $$ BEGIN ", body.plpgsql,
                  " RETURN NULL; END $$ LANGUAGE plpgsql;\n");
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
  const std::string bump = absl::StrCat(SingletonBump(name_), ";");
  return Triggers(backend, name_, {bump, bump, ""}, tables);
}

std::string VersionCounter::StripedSchema(
    storage::Backend backend, const std::vector<std::string>& tables) const {
  const bool sqlite = backend == storage::Backend::kSqlite;
  std::string sql;
  // The one-row table's triggers go first (on SQLite they would fail
  // once their table is gone); IF EXISTS: early builds of migration 7
  // created the table without them.
  if (sqlite) {
    for (const std::string& t : tables) {
      for (const char* event : kSqliteEvents) {
        absl::StrAppend(&sql, "DROP TRIGGER IF EXISTS ",
                        SqliteTriggerName(t, name_, event), ";\n");
      }
    }
  } else {
    absl::StrAppend(&sql, "DROP FUNCTION IF EXISTS bump_", name_,
                    "() CASCADE;\n");
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
  // The one-row table becomes a view of the sum: a binary older than this
  // migration still running during a rollout reads the right version
  // (it writes none: the triggers bump). A later migration may drop it.
  absl::StrAppend(&sql, "DROP TABLE ", name_, ";\n", "CREATE VIEW ", name_,
                  " AS SELECT 1 AS singleton, CAST(sum(version) AS BIGINT) AS "
                  "version FROM ",
                  stripes_, ";\n");
  // A missing row would stop the version silently: the bump fails
  // instead. On PostgreSQL the row is found by its key, never by a scan of
  // the table: a serialisable scan locks the whole table for conflict
  // detection, and two writers would conflict again.
  const std::string bump = StripedBump(backend, stripes_);
  TriggerBody body;
  body.sqlite = absl::StrCat(
      bump, "; SELECT RAISE(ABORT, '", what_, " has lost its version row') ",
      "WHERE NOT EXISTS (SELECT 1 FROM ", stripes_, " WHERE stripe = 0);");
  body.plpgsql = absl::StrCat(bump, "; IF NOT FOUND THEN RAISE EXCEPTION '",
                              what_, " has lost a version row'; END IF;");
  body.function_settings = " SET enable_seqscan = off";
  absl::StrAppend(&sql, Triggers(backend, stripes_, body, tables));
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
