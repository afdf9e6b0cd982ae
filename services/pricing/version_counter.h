// A version number that every write to some tables bumps in its own
// transaction, so that whatever was derived from those tables at one
// version (a RuleBook, the catalogue facts a quote reads) stays right while
// the version does — on every replica of one database: a reader that sees
// the same version in its transaction sees the same rows.
//
// The counter is the sum of the rows of its own table (`<name>_stripes`);
// a read-only transaction reads them in its snapshot like any other rows.
// It is bumped by triggers on the counted tables (StripedSchema), so no
// write is missed — not one through code that forgets, an older binary
// during a rollout, or a correction made by hand in SQL. By how much a
// write bumps it is not fixed (SQLite's triggers run per row, PostgreSQL's
// per statement); only that it grows with every committed write, so a
// later snapshot with the same sum saw no further write.
//
// Why rows, not one row: PostgreSQL's serializable writers that update one
// row conflict with every concurrent writer (40001) and retry, and eight
// concurrent product imports ran out of attempts. Each PostgreSQL writer
// bumps the row its transaction id picks (one of kStripes), so two
// concurrent writers conflict one time in kStripes. SQLite's writers are
// one at a time: it keeps one row.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/storage/database.h"

namespace qudao::pricing {

class VersionCounter {
 public:
  // PostgreSQL's rows.
  static constexpr int kStripes = 64;

  // `name` names the counter ("price_catalogue"; its rows are in
  // `<name>_stripes`); `what` is what it counts, for messages ("the price
  // rule set").
  VersionCounter(std::string name, std::string what);

  // The DDL of pricing migration 8: the counter's rows, seeded with the
  // version of migrations 6–7's one-row table `name` (which it replaces
  // with a view of the sum, for binaries older than the migration during
  // a rollout, and whose triggers it drops), and the triggers bumping the
  // rows on every insert, update, delete (and on PostgreSQL truncate) of
  // each of `tables`. A trigger finding no row to bump fails the write. On
  // PostgreSQL the row is found by its key (the function runs with
  // enable_seqscan off): a serialisable scan of the table would lock all
  // of it for conflict detection and two writers would conflict again.
  std::string StripedSchema(storage::Backend backend,
                            const std::vector<std::string>& tables) const;
  // Migrations 6 and 7 as they ran (one row, its triggers): a fresh
  // database is built by the same steps as one created before migration 8.
  std::string SingletonSchema() const;
  std::string SingletonTriggers(storage::Backend backend,
                                const std::vector<std::string>& tables) const;

  // The version `tx` sees.
  absl::StatusOr<int64_t> Read(storage::Transaction& tx) const;
  // Sends Read's query ahead (Transaction::Prefetch).
  absl::Status Prefetch(storage::Transaction& tx) const;

 private:
  const std::string name_;
  const std::string what_;
  const std::string stripes_;
  const std::string read_sql_;
};

// Bumped by every write to the price rules (pricing migrations 6 and 7,
// striped by 8).
const VersionCounter& RuleSetCounter();
// Bumped by every write to what a quote reads besides the rules: price
// lists, standard costs, products (their groups) and the freight tables
// (pricing migration 7, striped by 8).
const VersionCounter& CatalogueCounter();
// The tables each counts.
const std::vector<std::string>& RuleSetTables();
const std::vector<std::string>& CatalogueTables();

}  // namespace qudao::pricing
