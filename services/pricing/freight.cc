// Freight settings; see freight.h.
#include "services/pricing/freight.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/validation/validation.h"

namespace qudao::pricing {
namespace {

constexpr size_t kMaxPlaceChars = 64;

absl::Status NonNegative(const std::string& field, const Money& amount,
                         const std::string& currency) {
  if (amount.currency().empty()) return InvalidField(field, "is required");
  if (amount.currency() != currency) {
    return InvalidField(field, absl::StrCat("must be in ", currency, ", not ",
                                            amount.currency()));
  }
  if (amount.is_negative()) return InvalidField(field, "must not be negative");
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckFreightAssignment(absl::string_view field,
                                    const FreightAssignment& a) {
  const std::string f(field);
  if (a.dealer_id.empty() == a.pricing_zone.empty()) {
    return InvalidField(absl::StrCat(f, ".dealer_id"),
                        "exactly one of dealer_id and pricing_zone is needed");
  }
  if (!a.dealer_id.empty()) {
    RETURN_IF_ERROR(RequireCode(absl::StrCat(f, ".dealer_id"), a.dealer_id));
  } else {
    RETURN_IF_ERROR(
        RequireCode(absl::StrCat(f, ".pricing_zone"), a.pricing_zone));
  }
  switch (a.method) {
    case FreightMethod::kFobOrigin:
      RETURN_IF_ERROR(RequireText(absl::StrCat(f, ".origin_plant"),
                                  a.origin_plant, kMaxPlaceChars));
      if (!a.base_city.empty()) {
        return InvalidField(absl::StrCat(f, ".base_city"),
                            "is for basing-point pricing only");
      }
      break;
    case FreightMethod::kBasingPoint:
      RETURN_IF_ERROR(RequireText(absl::StrCat(f, ".base_city"), a.base_city,
                                  kMaxPlaceChars));
      if (!a.origin_plant.empty()) {
        return InvalidField(absl::StrCat(f, ".origin_plant"),
                            "is for FOB origin pricing only");
      }
      break;
    case FreightMethod::kUniformDelivered:
    case FreightMethod::kZone:
      if (!a.origin_plant.empty() || !a.base_city.empty()) {
        return InvalidField(absl::StrCat(f, ".method"),
                            "uniform delivered and zone pricing take no "
                            "origin plant or base city");
      }
      break;
    default:
      return InvalidField(absl::StrCat(f, ".method"),
                          "must be FOB_ORIGIN, UNIFORM_DELIVERED, ZONE or "
                          "BASING_POINT");
  }
  return absl::OkStatus();
}

absl::Status CheckFreightRate(absl::string_view field, const FreightRate& r) {
  const std::string f(field);
  RETURN_IF_ERROR(
      RequireText(absl::StrCat(f, ".origin"), r.origin, kMaxPlaceChars));
  RETURN_IF_ERROR(
      RequireText(absl::StrCat(f, ".province"), r.province, kMaxPlaceChars));
  if (!r.city.empty()) {
    RETURN_IF_ERROR(
        RequireText(absl::StrCat(f, ".city"), r.city, kMaxPlaceChars));
  }
  const std::string& currency = r.per_order.currency();
  RETURN_IF_ERROR(
      NonNegative(absl::StrCat(f, ".per_order"), r.per_order, currency));
  RETURN_IF_ERROR(
      NonNegative(absl::StrCat(f, ".per_unit"), r.per_unit, currency));
  RETURN_IF_ERROR(NonNegative(absl::StrCat(f, ".per_kg"), r.per_kg, currency));
  return absl::OkStatus();
}

absl::Status CheckZoneAdjustment(absl::string_view field,
                                 const ZoneAdjustment& z) {
  const std::string f(field);
  RETURN_IF_ERROR(RequireCode(absl::StrCat(f, ".zone"), z.zone));
  RETURN_IF_ERROR(
      NonNegative(absl::StrCat(f, ".amount"), z.amount, z.amount.currency()));
  if (z.basis_points < 0 || z.basis_points > 10000) {
    return InvalidField(absl::StrCat(f, ".basis_points"), "must be 0..10000");
  }
  return absl::OkStatus();
}

FreightAssignment ResolveAssignment(
    const std::optional<FreightAssignment>& dealer_own,
    const std::optional<FreightAssignment>& zone_default) {
  if (dealer_own.has_value()) return *dealer_own;
  if (zone_default.has_value()) return *zone_default;
  return FreightAssignment{};
}

FreightTerms MakeFreightTerms(const FreightAssignment& assignment,
                              const std::string& destination_province,
                              const std::string& destination_city,
                              std::vector<FreightRate> rates,
                              std::vector<ZoneAdjustment> zones) {
  FreightTerms terms;
  terms.method = assignment.method;
  terms.origin_plant = assignment.origin_plant;
  terms.base_city = assignment.base_city;
  terms.destination_province = destination_province;
  terms.destination_city = destination_city;
  terms.rates = std::move(rates);
  terms.zones = std::move(zones);
  return terms;
}

}  // namespace qudao::pricing
