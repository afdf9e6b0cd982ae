// Price lists and standard costs (DOMAIN.md §2), in plain C++ with no gRPC
// or SQL: what a publication must hold, and which version's price (or
// cost) applies on a day. List prices and costs are before VAT.
//
// A currency has one price list, published in versions 1, 2, ...: each
// version is a batch of SKU prices valid over the same days, [valid_from,
// valid_until): valid_until is the first day they no longer apply (as in
// price rules' windows), or there is none. A SKU's price on day D is the
// one of the latest version that lists the SKU and whose validity covers
// D, so a promotion published as a short version overrides the
// base list for its days and the base list applies again after it.
// Versions are never changed: a quote that used one can be explained
// later.
//
// A SKU's standard cost is versioned the same way: each version applies
// from its effective day on; on day D, of the versions effective by D, the
// one with the latest effective day applies, and of two with the same day
// the later version. So a correction back-dated to D supersedes what was
// in force from D on, until the next version's effective day: it never
// cancels a cost already scheduled for a later day.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "common/money/money.h"

namespace qudao::pricing {

// Days are stored as whole days since 1970-01-01 so the databases compare
// them as integers.
int64_t DayNumber(absl::CivilDay day);
absl::CivilDay DayFromNumber(int64_t number);
// "2026-11-27"; INVALID_ARGUMENT naming `field` otherwise (years
// 2000-2200).
absl::StatusOr<absl::CivilDay> ParseDay(absl::string_view field,
                                        absl::string_view text);
std::string FormatDay(absl::CivilDay day);

// Limits of one publication.
inline constexpr int kMaxPriceListEntries = 5000;
// Of one batch price or cost read.
inline constexpr int kMaxBatchSkus = 500;
// Of the cost history GetStandardCost returns (the newest versions).
inline constexpr int kMaxCostHistory = 100;

// Reasons callers branch on.
inline constexpr char kReasonNoListPrice[] = "NO_LIST_PRICE";
inline constexpr char kReasonNoStandardCost[] = "NO_STANDARD_COST";

// One SKU of a publication: its list price, or its withdrawal. A
// withdrawal carries no price (list_price is a zero in the list's
// currency): over the version's validity the SKU has no list price, even
// where an older version covering the day lists it (NO_LIST_PRICE).
struct PriceListEntry {
  std::string sku;
  Money list_price;
  bool withdrawn = false;
};

// One published version of a currency's price list.
struct PriceListVersion {
  std::string currency;
  int64_t version = 0;
  absl::CivilDay valid_from;
  std::optional<absl::CivilDay> valid_until;
  std::string note;
  std::string published_by;
  absl::Time publish_time;
  int64_t entry_count = 0;
  // Empty where only the header was read.
  std::vector<PriceListEntry> entries;
};

// Whether `day` falls within [valid_from, valid_until).
bool Covers(absl::CivilDay valid_from,
            const std::optional<absl::CivilDay>& valid_until,
            absl::CivilDay day);

// What a publication must hold (INVALID_ARGUMENT naming the field, as
// "price_list.entries[3].list_price"): a known currency; valid_until after
// valid_from; 1..5000 entries, each a canonical SKU listed once with a
// positive price in the list's currency, or withdrawn with none (a zero in
// the list's currency). SKUs are compared canonically.
absl::Status CheckPublication(const PriceListVersion& publication);

// A list price one version offers for a SKU: what resolution chooses among
// and what the quote code gets back (the amount and the version to cite).
struct ListPrice {
  std::string sku;
  Money list_price;
  int64_t version = 0;
  absl::CivilDay valid_from;
  std::optional<absl::CivilDay> valid_until;
  // A withdrawal (no price): only ever a candidate of ResolvePrice, never
  // its answer nor one of PriceListStore's.
  bool withdrawn = false;
};

// The price on `day`: of the candidates (one SKU, one currency) that cover
// the day, the one of the highest version; nullopt when none does or when
// that one is a withdrawal.
std::optional<ListPrice> ResolvePrice(const std::vector<ListPrice>& candidates,
                                      absl::CivilDay day);

// A version of a SKU's standard cost.
struct StandardCost {
  std::string sku;
  int64_t version = 0;
  Money cost;
  absl::CivilDay effective_from;
  std::string note;
  std::string set_by;
  absl::Time set_time;
};

// A positive cost, a canonical SKU (INVALID_ARGUMENT naming the field
// under "standard_cost.").
absl::Status CheckStandardCost(const StandardCost& cost);

// The cost on `day`: of the versions (one SKU) effective by the day, the
// one with the latest effective_from, ties by the highest version; nullopt
// when none is.
std::optional<StandardCost> ResolveStandardCost(
    const std::vector<StandardCost>& versions, absl::CivilDay day);

// The VAT rate setting: 0..10000 basis points.
inline constexpr int kDefaultVatRateBp = 1300;
absl::Status CheckVatRate(int64_t basis_points);

}  // namespace qudao::pricing
