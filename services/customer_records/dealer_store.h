// Persistence of dealer records. One implementation over the storage
// interface: its SQL runs unchanged on SQLite and PostgreSQL, and
// dealer_store_test.cc runs the same suite against both.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/storage/database.h"
#include "common/storage/migrations.h"
#include "common/storage/pagination.h"
#include "services/customer_records/dealer.h"

namespace qudao::customer {

struct DealerFilter {
  std::optional<DealerStatus> status;
  std::string province;  // empty: any
  // Canonical form, for binding page tokens to the filter.
  std::string Canonical() const;
};

struct DealerPage {
  std::vector<Dealer> dealers;
  std::string next_page_token;
};

// Reads inside the caller's transaction, for rules that span dealers.
struct DealerLookup {
  // The dealer with this id, or NOT_FOUND.
  std::function<absl::StatusOr<Dealer>(const std::string&)> get;
  // How many non-terminated dealers buy from this one.
  std::function<absl::StatusOr<int64_t>(const std::string&)> active_children;
};

class DealerStore {
 public:
  explicit DealerStore(storage::Database* db) : db_(db) {}

  static const std::vector<storage::Migration>& Migrations();

  // Inserts `dealer` (its id and times already set) after `check` approves
  // it in the same transaction. With a request_id, a repeat returns the
  // dealer created the first time instead of inserting again.
  absl::StatusOr<Dealer> Create(
      const Dealer& dealer, const std::string& request_id,
      const std::string& request_fingerprint,
      const std::function<absl::Status(const DealerLookup&)>& check);

  absl::StatusOr<Dealer> Get(const std::string& dealer_id);

  absl::StatusOr<DealerPage> List(const DealerFilter& filter,
                                  const storage::PageRequest& page);

  // Reads the dealer, lets `mutate` change it (returning an error vetoes the
  // change), and writes it back with version + 1. expected_version > 0 makes
  // it conditional: a different stored version is ABORTED.
  absl::StatusOr<Dealer> Update(
      const std::string& dealer_id, int64_t expected_version, absl::Time now,
      const std::function<absl::Status(Dealer&, const DealerLookup&)>& mutate);

  absl::Status Ping() { return db_->Ping(); }

 private:
  storage::Database* db_;
};

}  // namespace qudao::customer
