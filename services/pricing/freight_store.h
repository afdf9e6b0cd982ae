// Persistence of freight settings: dealers' and zones' methods
// (freight_assignments), rate tables (freight_rates) and zone adjustments
// (zone_adjustments), inside the caller's transaction; each row is replaced
// by a new setting of the same key. Tables of pricing migration 3.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/storage/database.h"
#include "services/pricing/freight.h"

namespace qudao::pricing {

class FreightStore {
 public:
  // The DDL of the freight tables on `backend`.
  static std::string Schema(storage::Backend backend);

  absl::Status SetAssignment(storage::Transaction& tx,
                             const FreightAssignment& assignment) const;
  // Zone defaults first, then dealers, each by code.
  absl::StatusOr<std::vector<FreightAssignment>> ListAssignments(
      storage::Transaction& tx) const;
  // The dealer's own assignment and its zone's (either may be absent),
  // resolved (freight.h: ResolveAssignment).
  absl::StatusOr<FreightAssignment> AssignmentFor(
      storage::Transaction& tx, const std::string& dealer_id,
      const std::string& pricing_zone) const;
  // Sends the reads of AssignmentFor(dealer_id, pricing_zone) and
  // ZonesIn(currency) ahead (Transaction::Prefetch).
  absl::Status PrefetchTerms(storage::Transaction& tx,
                             const std::string& dealer_id,
                             const std::string& pricing_zone,
                             const std::string& currency) const;

  absl::Status SetRate(storage::Transaction& tx,
                       const StoredFreightRate& rate) const;
  // By origin, province, city, currency; of one origin if set.
  absl::StatusOr<std::vector<StoredFreightRate>> ListRates(
      storage::Transaction& tx, const std::string& origin) const;
  // The rates from `origin` in `currency`.
  absl::StatusOr<std::vector<FreightRate>> RatesFrom(
      storage::Transaction& tx, const std::string& origin,
      const std::string& currency) const;

  absl::Status SetZoneAdjustment(storage::Transaction& tx,
                                 const StoredZoneAdjustment& zone) const;
  absl::StatusOr<std::vector<StoredZoneAdjustment>> ListZoneAdjustments(
      storage::Transaction& tx) const;
  // The adjustments in `currency`.
  absl::StatusOr<std::vector<ZoneAdjustment>> ZonesIn(
      storage::Transaction& tx, const std::string& currency) const;
};

}  // namespace qudao::pricing
