// Geographic pricing as stored data (地区定价): how each dealer is charged
// for delivery — its own setting, else its pricing zone's, else uniform
// delivered — the freight rate tables and the zones' adjustments, and how
// they make the FreightTerms a basket is priced with (waterfall.h). Plain
// C++.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "services/pricing/waterfall.h"

namespace qudao::pricing {

// The method of a dealer with no setting of its own or of its zone.
inline constexpr FreightMethod kDefaultFreightMethod =
    FreightMethod::kUniformDelivered;

// How one dealer, or every dealer of a pricing zone, is charged.
struct FreightAssignment {
  // Exactly one of the two.
  std::string dealer_id;
  std::string pricing_zone;
  FreightMethod method = kDefaultFreightMethod;
  // FOB origin: the plant; basing point: the base city (rate origins).
  std::string origin_plant;
  std::string base_city;
  std::string updated_by;
  absl::Time update_time;
};

struct StoredFreightRate {
  // Its three amounts share one currency.
  FreightRate rate;
  std::string updated_by;
  absl::Time update_time;
};

struct StoredZoneAdjustment {
  ZoneAdjustment adjustment;
  std::string updated_by;
  absl::Time update_time;
};

// INVALID_ARGUMENT naming the field under `field`: exactly one of dealer
// and zone; a known method; FOB origin with its plant, basing point with
// its base city (and nothing else's).
absl::Status CheckFreightAssignment(absl::string_view field,
                                    const FreightAssignment& assignment);
// An origin and a province (a city optionally); amounts ≥ 0 in one
// currency.
absl::Status CheckFreightRate(absl::string_view field, const FreightRate& rate);
// A zone; an amount ≥ 0; basis points 0..10000.
absl::Status CheckZoneAdjustment(absl::string_view field,
                                 const ZoneAdjustment& adjustment);

// The dealer's method: its own assignment, else its zone's, else the
// default.
FreightAssignment ResolveAssignment(
    const std::optional<FreightAssignment>& dealer_own,
    const std::optional<FreightAssignment>& zone_default);

// The terms a basket is priced with: the method and its origin, the
// destination (empty: the dealer's own), and the rates and zones given.
FreightTerms MakeFreightTerms(const FreightAssignment& assignment,
                              const std::string& destination_province,
                              const std::string& destination_city,
                              std::vector<FreightRate> rates,
                              std::vector<ZoneAdjustment> zones);

}  // namespace qudao::pricing
