// Price list and standard cost rules; see price_list.h.
#include "services/pricing/price_list.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/calendar/calendar.h"
#include "common/status/status.h"
#include "services/pricing/product.h"

namespace qudao::pricing {
namespace {

const absl::CivilDay kEpoch(1970, 1, 1);

absl::Status CheckCanonicalSku(absl::string_view field, absl::string_view sku) {
  if (sku.empty()) return InvalidField(field, "is required");
  if (CanonicalCode(sku) != sku) {
    return InvalidField(field, "must be upper-case (canonical)");
  }
  return absl::OkStatus();
}

}  // namespace

int64_t DayNumber(absl::CivilDay day) { return day - kEpoch; }
absl::CivilDay DayFromNumber(int64_t number) { return kEpoch + number; }

absl::StatusOr<absl::CivilDay> ParseDay(absl::string_view field,
                                        absl::string_view text) {
  absl::CivilDay day;
  if (text.size() != 10 || !absl::ParseCivilTime(text, &day) ||
      FormatDay(day) != text) {
    return InvalidField(field, absl::StrCat("'", QuoteInput(text),
                                            "' is not a date like 2026-11-27"));
  }
  if (day.year() < 2000 || day.year() > 2200) {
    return InvalidField(field, "must be between 2000 and 2200");
  }
  return day;
}

std::string FormatDay(absl::CivilDay day) { return BusinessCalendar::Key(day); }

bool Covers(absl::CivilDay valid_from,
            const std::optional<absl::CivilDay>& valid_until,
            absl::CivilDay day) {
  return valid_from <= day && (!valid_until.has_value() || day < *valid_until);
}

absl::Status CheckPublication(const PriceListVersion& p) {
  if (absl::Status s = Money::Create(p.currency, 0).status(); !s.ok()) {
    return InvalidField("price_list.currency_code", s.message());
  }
  if (p.valid_until.has_value() && *p.valid_until <= p.valid_from) {
    return InvalidField(
        "price_list.valid_until",
        absl::StrCat("must be after valid_from ", FormatDay(p.valid_from),
                     " (got ", FormatDay(*p.valid_until), ")"));
  }
  if (p.entries.empty() ||
      p.entries.size() > static_cast<size_t>(kMaxPriceListEntries)) {
    return InvalidField("price_list.entries",
                        absl::StrCat("must hold 1 to ", kMaxPriceListEntries,
                                     " prices (got ", p.entries.size(), ")"));
  }
  absl::flat_hash_map<std::string, size_t> seen;
  for (size_t i = 0; i < p.entries.size(); ++i) {
    const PriceListEntry& e = p.entries[i];
    const std::string at = absl::StrCat("price_list.entries[", i, "]");
    if (absl::Status s = CheckCanonicalSku(absl::StrCat(at, ".sku"), e.sku);
        !s.ok()) {
      return s;
    }
    if (auto [it, inserted] = seen.emplace(e.sku, i); !inserted) {
      return InvalidField(absl::StrCat(at, ".sku"),
                          absl::StrCat("SKU ", e.sku,
                                       " is already listed at "
                                       "entries[",
                                       it->second, "]; list each SKU once"));
    }
    if (e.withdrawn) {
      if (e.list_price.currency() != p.currency || !e.list_price.is_zero()) {
        return InvalidField(absl::StrCat(at, ".list_price"),
                            "must be empty for a withdrawn SKU");
      }
      continue;
    }
    if (e.list_price.currency() != p.currency) {
      return InvalidField(
          absl::StrCat(at, ".list_price.currency_code"),
          absl::StrCat("must be the price list's currency ", p.currency,
                       " (got ", e.list_price.currency(), ")"));
    }
    if (e.list_price.is_negative() || e.list_price.is_zero()) {
      return InvalidField(absl::StrCat(at, ".list_price"),
                          absl::StrCat("must be greater than zero (got ",
                                       e.list_price.ToString(), ")"));
    }
  }
  return absl::OkStatus();
}

std::optional<ListPrice> ResolvePrice(const std::vector<ListPrice>& candidates,
                                      absl::CivilDay day) {
  std::optional<ListPrice> best;
  for (const ListPrice& c : candidates) {
    if (!Covers(c.valid_from, c.valid_until, day)) continue;
    if (!best.has_value() || c.version > best->version) best = c;
  }
  // The latest version covering the day withdrew the SKU: no price, even
  // where an older version lists one.
  if (best.has_value() && best->withdrawn) return std::nullopt;
  return best;
}

absl::Status CheckStandardCost(const StandardCost& cost) {
  if (absl::Status s = CheckCanonicalSku("standard_cost.sku", cost.sku);
      !s.ok()) {
    return s;
  }
  if (cost.cost.is_negative() || cost.cost.is_zero()) {
    return InvalidField("standard_cost.cost",
                        absl::StrCat("must be greater than zero (got ",
                                     cost.cost.ToString(), ")"));
  }
  return absl::OkStatus();
}

std::optional<StandardCost> ResolveStandardCost(
    const std::vector<StandardCost>& versions, absl::CivilDay day) {
  std::optional<StandardCost> best;
  for (const StandardCost& v : versions) {
    if (v.effective_from > day) continue;
    // The latest effective day wins; on the same day, the later version.
    if (!best.has_value() || v.effective_from > best->effective_from ||
        (v.effective_from == best->effective_from &&
         v.version > best->version)) {
      best = v;
    }
  }
  return best;
}

absl::Status CheckVatRate(int64_t basis_points) {
  if (basis_points < 0 || basis_points > 10000) {
    return absl::InvalidArgumentError(
        absl::StrCat("the VAT rate must be 0 to 10000 basis points (got ",
                     basis_points, ")"));
  }
  return absl::OkStatus();
}

}  // namespace qudao::pricing
