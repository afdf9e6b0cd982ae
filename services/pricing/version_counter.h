// A version number that every write to some tables bumps in its own
// transaction, so that whatever was derived from those tables at one
// version (a RuleBook, the catalogue facts a quote reads) stays right while
// the version does — on every replica of one database: a reader that sees
// the same version in its transaction sees the same rows.
//
// The counter is one row of its own table (`singleton` = 1); a read-only
// transaction reads it in its snapshot like any other row. It is bumped by
// triggers on the counted tables (BumpTriggers), so no write is missed —
// not one through code that forgets, an older binary during a rollout, or
// a correction made by hand in SQL. By how much a write bumps it is not
// fixed (SQLite's triggers run per row, PostgreSQL's per statement); only
// that it grows.
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
  // `table` names the counter's table; `what` is what it counts, for
  // messages ("the price rule set").
  VersionCounter(std::string table, std::string what);

  // The DDL creating the table with its one row at version 0.
  std::string Schema() const;
  // The DDL of triggers bumping the counter on every insert, update,
  // delete (and on PostgreSQL truncate) of each of `tables`.
  std::string BumpTriggers(storage::Backend backend,
                           const std::vector<std::string>& tables) const;

  // The version `tx` sees.
  absl::StatusOr<int64_t> Read(storage::Transaction& tx) const;
  // Sends Read's query ahead (Transaction::Prefetch).
  absl::Status Prefetch(storage::Transaction& tx) const;

 private:
  const std::string table_;
  const std::string what_;
  const std::string read_sql_;
  const std::string bump_sql_;
};

// Bumped by every write to the price rules (table: pricing migration 6;
// triggers: 7).
const VersionCounter& RuleSetCounter();
// Bumped by every write to what a quote reads besides the rules: price
// lists, standard costs, products (their groups) and the freight tables
// (pricing migration 7).
const VersionCounter& CatalogueCounter();
// The tables each counts.
const std::vector<std::string>& RuleSetTables();
const std::vector<std::string>& CatalogueTables();

}  // namespace qudao::pricing
