// The dealer use cases of customer records: each loads through the store,
// asks the dealer rules, and writes in one transaction, with its event
// ("dealer.created", "dealer.updated": the dealer as it now is) appended
// to the outbox in that same transaction. Plain C++ over the store, no
// gRPC: the adapter converts and validates the request's shape, then calls
// exactly one of these.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/auth/principal.h"
#include "common/clock/clock.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"
#include "common/storage/idempotency.h"
#include "services/customer_records/client/dealer_directory.h"
#include "services/customer_records/dealer.h"
#include "services/customer_records/dealer_cache.h"
#include "services/customer_records/dealer_store.h"

namespace qudao::customer {

// The change feed and its topics: client/dealer_directory.h.

class DealerOperations {
 public:
  // `cache` may be null (no read-through caching).
  DealerOperations(storage::Database* db, DealerCache* cache,
                   const Clock* clock)
      : db_(db), cache_(cache), clock_(clock) {}

  // Creates `draft` for `who` (its id, times and version are assigned
  // here; a sales_rep's dealer is theirs): the dealer invariants hold, its
  // parent, if any, exists and is upstream, its payer follows the payer
  // rule, an active dealer has its unified social credit code and no other
  // dealer has that code (ALREADY_EXISTS, DUPLICATE_DEALER, also when a
  // concurrent create took it). A repeat of `request` returns the dealer
  // created the first time.
  absl::StatusOr<Dealer> Create(const auth::Principal& who, Dealer draft,
                                const storage::IdempotentRequest& request);

  // Reads through the cache.
  absl::StatusOr<Dealer> Get(const std::string& dealer_id);

  absl::StatusOr<DealerPage> List(const DealerFilter& filter,
                                  const PageRequest& page);

  // Applies `update` if the dealer still has the version the caller read:
  // the lifecycle allows the status change, the invariants hold, a changed
  // place in the chain has a valid parent, dealers buying from this one
  // keep a valid parent, the payer rule holds for it and for the dealers
  // below it, an active dealer keeps a unified social credit code, and a
  // changed code is no other dealer's.
  // `who` may change it (a sales_rep only their own dealers).
  absl::StatusOr<Dealer> Update(const auth::Principal& who,
                                const DealerUpdate& update);

 private:
  // The parent rule of `dealer`, reading the parent in `tx`.
  absl::Status CheckParentOf(storage::Transaction& tx,
                             const Dealer& dealer) const;
  // DUPLICATE_DEALER when another dealer has `dealer`'s code.
  absl::Status CheckUsccUnique(storage::Transaction& tx,
                               const Dealer& dealer) const;

  storage::Database* db_;
  DealerCache* cache_;
  const Clock* clock_;
  DealerStore store_;
};

}  // namespace qudao::customer
