// Persistence of dealer records: the dealers table, its typed row mapping,
// and the SQL the dealer operations need, each running inside the caller's
// transaction. The same SQL runs on SQLite and PostgreSQL.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"
#include "common/storage/migrations.h"
#include "services/customer_records/dealer.h"

namespace qudao::customer {

// What ListDealers selects; every condition set must hold. Empty strings
// and unset optionals select any.
struct DealerFilter {
  std::optional<DealerStatus> status;
  std::string province;
  std::string sales_territory;
  std::optional<ChannelLevel> channel_level;
  std::optional<AbcClass> abc_class;
  std::string owner;
  // Dealers billed to this dealer: those naming it as their payer, and
  // the dealer itself when it pays for itself.
  std::string payer_dealer_id;
  std::string pricing_zone;
  // A case-insensitive substring of the legal name, matched literally
  // (`%`, `_` and `\` are not wildcards).
  std::string name_query;
  // Canonical form, for binding page tokens to the filter.
  std::string Canonical() const;
};

struct DealerPage {
  std::vector<Dealer> dealers;
  std::string next_page_token;
};

class DealerStore {
 public:
  static const std::vector<storage::Migration>& Migrations();

  // NOT_FOUND naming the dealer when there is none.
  absl::StatusOr<Dealer> Get(storage::Transaction& tx,
                             const std::string& dealer_id) const;
  // A dealer whose unified social credit code a concurrent write took
  // between the caller's FindByUscc and this write: a retryable conflict,
  // so the transaction runs again and its FindByUscc names that dealer.
  absl::Status Insert(storage::Transaction& tx, const Dealer& dealer) const;
  // Writes `dealer` over the stored row if that still has `read_version`;
  // otherwise a retryable conflict (someone wrote in between). A code
  // taken concurrently is a retryable conflict, as for Insert.
  absl::Status Update(storage::Transaction& tx, const Dealer& dealer,
                      int64_t read_version) const;
  // The id of the dealer other than `except_id` that has the unified
  // social credit code `code`, or "" when there is none.
  absl::StatusOr<std::string> FindByUscc(storage::Transaction& tx,
                                         const std::string& code,
                                         const std::string& except_id) const;
  // The non-terminated dealers that buy from `dealer_id`.
  absl::StatusOr<std::vector<Dealer>> ActiveChildren(
      storage::Transaction& tx, const std::string& dealer_id) const;
  // How many non-terminated dealers buy from `dealer_id`.
  absl::StatusOr<int64_t> CountActiveChildren(
      storage::Transaction& tx, const std::string& dealer_id) const;
  // Dealers in id (creation) order, keyset-paginated on the id.
  absl::StatusOr<DealerPage> List(storage::Transaction& tx,
                                  const DealerFilter& filter,
                                  const PageRequest& page) const;
};

}  // namespace qudao::customer
