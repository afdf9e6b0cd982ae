// PriceListStore SQL; see price_list_store.h.
#include "services/pricing/price_list_store.h"

#include <algorithm>
#include <functional>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/storage/table_mapping.h"
#include "services/pricing/day_columns.h"
#include "services/pricing/product.h"

namespace qudao::pricing {
namespace {

using storage::Params;
using storage::Row;
using storage::Transaction;

const storage::TableMapping<PriceListVersion>& Versions() {
  namespace s = storage;
  using V = PriceListVersion;
  static const auto* table = new s::TableMapping<V>(
      "price_list_versions",
      {s::Text<V>("currency", &V::currency), s::Int<V>("version", &V::version),
       Day<V>("valid_from", &V::valid_from),
       OptionalDay<V>("valid_until", &V::valid_until),
       s::Text<V>("note", &V::note),
       s::Text<V>("published_by", &V::published_by),
       s::Time<V>("publish_time", &V::publish_time),
       s::Int<V>("entry_count", &V::entry_count)});
  return *table;
}

// A flag stored as 0 or 1.
template <typename T, typename Access>
storage::Column<T> Flag(std::string name, Access access) {
  return {{name},
          [access](const T& r, Params& p) {
            p.emplace_back(int64_t{std::invoke(access, r) ? 1 : 0});
          },
          [access, name](const Row& row, T& r) {
            std::invoke(access, r) = row.Int(name) != 0;
            return absl::OkStatus();
          }};
}

// An entry row: a version's price for one SKU (or its withdrawal, stored
// with a zero price), with the version's validity.
struct EntryRow {
  std::string currency;
  ListPrice price;
};

const storage::TableMapping<EntryRow>& Entries() {
  namespace s = storage;
  static const auto* table = new s::TableMapping<EntryRow>(
      "price_list_entries",
      {s::Text<EntryRow>("currency", &EntryRow::currency),
       s::Text<EntryRow>(
           "sku", [](auto& e) -> auto& { return e.price.sku; }),
       s::Int<EntryRow>(
           "version", [](auto& e) -> auto& { return e.price.version; }),
       s::MinorUnitsIn<EntryRow>(
           "list_price_minor", "currency",
           [](auto& e) -> auto& { return e.price.list_price; }),
       Day<EntryRow>(
           "valid_from", [](auto& e) -> auto& { return e.price.valid_from; }),
       OptionalDay<EntryRow>(
           "valid_until", [](auto& e) -> auto& { return e.price.valid_until; }),
       Flag<EntryRow>(
           "withdrawn", [](auto& e) -> auto& { return e.price.withdrawn; })});
  return *table;
}

const storage::TableMapping<StandardCost>& Costs() {
  namespace s = storage;
  using C = StandardCost;
  static const auto* table = new s::TableMapping<C>(
      "standard_costs",
      {s::Text<C>("sku", &C::sku), s::Int<C>("version", &C::version),
       s::MoneyAmount<C>("cost_currency", "cost_minor", &C::cost),
       Day<C>("effective_from", &C::effective_from),
       s::Text<C>("note", &C::note), s::Text<C>("set_by", &C::set_by),
       s::Time<C>("set_time", &C::set_time)});
  return *table;
}

// Canonical SKUs, each once, at most kMaxBatchSkus.
absl::StatusOr<std::vector<std::string>> BatchSkus(
    const std::vector<std::string>& skus) {
  std::vector<std::string> out;
  out.reserve(skus.size());
  for (const std::string& sku : skus) out.push_back(CanonicalCode(sku));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  if (out.size() > static_cast<size_t>(kMaxBatchSkus)) {
    return InvalidField(
        "skus", absl::StrCat("at most ", kMaxBatchSkus, " SKUs per read (got ",
                             out.size(), ")"));
  }
  return out;
}

// " AND sku IN ($n, …)" for `skus`, appended to `params`.
std::string SkuIn(const std::vector<std::string>& skus, Params& params) {
  std::string in = " AND sku IN (";
  for (size_t i = 0; i < skus.size(); ++i) {
    params.push_back(skus[i]);
    absl::StrAppend(&in, i > 0 ? ", $" : "$", params.size());
  }
  absl::StrAppend(&in, ")");
  return in;
}

// Covering the day ($2), as Covers(): [valid_from, valid_until).
constexpr char kCovers[] =
    "valid_from <= $2 AND (valid_until IS NULL OR valid_until > $2)";

// "SELECT <columns> FROM <table> WHERE <where>", keeping only the first row
// of each SKU in `order` (the winning version): one row per SKU is read
// however many versions overlap the day.
std::string FirstPerSku(const std::string& columns, const std::string& table,
                        const std::string& where, const std::string& order) {
  return absl::StrCat("SELECT ", columns, " FROM (SELECT ", columns,
                      ", ROW_NUMBER() OVER (PARTITION BY sku ORDER BY ", order,
                      ") AS pick FROM ", table, " ", where,
                      ") AS ranked WHERE pick = 1");
}

// CostsOn's read of `canonical` (non-empty) on `day`: per SKU, the latest
// effective day, ties by the highest version (ResolveStandardCost), picked
// by the database.
std::string CostsOnSql(const std::vector<std::string>& canonical,
                       absl::CivilDay day, Params& params) {
  params = {DayNumber(day)};
  const std::string where =
      absl::StrCat("WHERE effective_from <= $1", SkuIn(canonical, params));
  return FirstPerSku(Costs().columns(), Costs().table(), where,
                     "effective_from DESC, version DESC");
}

absl::Status NoListPrice(const std::string& sku, const std::string& currency,
                         absl::CivilDay day) {
  return Refusal(
      absl::StatusCode::kNotFound, kReasonNoListPrice,
      absl::StrCat("no ", currency, " list price for ", sku, " on ",
                   FormatDay(day), " (no published version covers that day)"));
}

}  // namespace

std::string PriceListVersionFilter(const std::string& currency) {
  return absl::StrCat("currency=", currency);
}

absl::StatusOr<int64_t> PriceListStore::NextVersion(
    Transaction& tx, const std::string& currency) const {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query("SELECT COALESCE(MAX(version), 0) AS latest FROM "
                            "price_list_versions WHERE currency = $1",
                            {currency}));
  return rows.front().Int("latest") + 1;
}

absl::Status PriceListStore::Insert(Transaction& tx,
                                    const PriceListVersion& version) const {
  absl::Status header = Versions().Insert(tx, version);
  if (absl::IsAlreadyExists(header)) {
    // A concurrent publication took the number: the transaction runs
    // again and takes the next one.
    return storage::RetryableConflict(
        absl::StrCat("another publication of the ", version.currency,
                     " price list took version ", version.version));
  }
  RETURN_IF_ERROR(header);
  // Several rows per statement: a 5,000-price list in ten round trips.
  constexpr size_t kRowsPerStatement = 500;
  const std::string prefix = absl::StrCat("INSERT INTO price_list_entries (",
                                          Entries().columns(), ") VALUES ");
  for (size_t start = 0; start < version.entries.size();
       start += kRowsPerStatement) {
    const size_t end =
        std::min(version.entries.size(), start + kRowsPerStatement);
    std::string sql = prefix;
    Params params;
    for (size_t i = start; i < end; ++i) {
      const PriceListEntry& e = version.entries[i];
      const size_t first = params.size() + 1;
      params.push_back(version.currency);
      params.push_back(e.sku);
      params.push_back(version.version);
      params.push_back(e.list_price.minor_units());
      params.push_back(DayNumber(version.valid_from));
      params.push_back(version.valid_until.has_value()
                           ? storage::Value(DayNumber(*version.valid_until))
                           : storage::Value());
      params.push_back(int64_t{e.withdrawn ? 1 : 0});
      absl::StrAppend(&sql, i > start ? ", (" : "(");
      for (size_t p = first; p <= params.size(); ++p) {
        absl::StrAppend(&sql, p > first ? ", $" : "$", p);
      }
      absl::StrAppend(&sql, ")");
    }
    RETURN_IF_ERROR(tx.Execute(sql, params).status());
  }
  return absl::OkStatus();
}

absl::StatusOr<PriceListVersion> PriceListStore::GetVersion(
    Transaction& tx, const std::string& currency, int64_t version,
    bool with_entries) const {
  ASSIGN_OR_RETURN(
      auto rows,
      version == 0
          ? tx.Query(Versions().Select("WHERE currency = $1 ORDER BY version "
                                       "DESC LIMIT 1"),
                     {currency})
          : tx.Query(Versions().Select("WHERE currency = $1 AND version = $2"),
                     {currency, version}));
  if (rows.empty()) {
    return absl::NotFoundError(
        version == 0
            ? absl::StrCat("the ", currency, " price list has no version yet")
            : absl::StrCat("the ", currency, " price list has no version ",
                           version));
  }
  ASSIGN_OR_RETURN(PriceListVersion out, Versions().Read(rows.front()));
  if (!with_entries) return out;
  ASSIGN_OR_RETURN(
      auto entry_rows,
      tx.Query(
          Entries().Select("WHERE currency = $1 AND version = $2 ORDER BY sku"),
          {currency, out.version}));
  ASSIGN_OR_RETURN(const std::vector<EntryRow> entries,
                   Entries().ReadAll(entry_rows));
  out.entries.reserve(entries.size());
  for (const EntryRow& e : entries) {
    out.entries.push_back({e.price.sku, e.price.list_price, e.price.withdrawn});
  }
  return out;
}

absl::StatusOr<PriceListVersionPage> PriceListStore::ListVersions(
    Transaction& tx, const std::string& currency,
    const PageRequest& page) const {
  const std::string filter = PriceListVersionFilter(currency);
  std::string where = "WHERE currency = $1";
  Params params = {currency};
  if (!page.after_key.empty()) {
    int64_t after = 0;
    if (!absl::SimpleAtoi(page.after_key, &after)) {
      return InvalidField("page_token", "is not a token this service made");
    }
    params.push_back(after);
    absl::StrAppend(&where, " AND version < $", params.size());
  }
  params.push_back(static_cast<int64_t>(page.limit + 1));
  absl::StrAppend(&where, " ORDER BY version DESC LIMIT $", params.size());
  ASSIGN_OR_RETURN(auto rows, tx.Query(Versions().Select(where), params));
  PriceListVersionPage result;
  ASSIGN_OR_RETURN(result.versions, Versions().ReadAll(rows));
  result.next_page_token = TrimToPage(
      result.versions, page, filter,
      [](const PriceListVersion& v) { return absl::StrCat(v.version); });
  return result;
}

absl::StatusOr<ListPrice> PriceListStore::PriceOn(Transaction& tx,
                                                  const std::string& sku,
                                                  const std::string& currency,
                                                  absl::CivilDay day) const {
  ASSIGN_OR_RETURN(auto prices, PricesOn(tx, {sku}, currency, day));
  if (prices.empty()) return NoListPrice(CanonicalCode(sku), currency, day);
  return std::move(prices.begin()->second);
}

absl::StatusOr<std::map<std::string, ListPrice>> PriceListStore::PricesOn(
    Transaction& tx, const std::vector<std::string>& skus,
    const std::string& currency, absl::CivilDay day) const {
  ASSIGN_OR_RETURN(const std::vector<std::string> canonical, BatchSkus(skus));
  std::map<std::string, ListPrice> out;
  if (canonical.empty()) return out;
  Params params = {currency, DayNumber(day)};
  const std::string where = absl::StrCat("WHERE currency = $1 AND ", kCovers,
                                         SkuIn(canonical, params));
  // The highest version covering the day, per SKU (ResolvePrice), picked
  // by the database: a withdrawal is picked too, and resolves to no price.
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query(FirstPerSku(Entries().columns(), Entries().table(),
                                        where, "version DESC"),
                            params));
  ASSIGN_OR_RETURN(const std::vector<EntryRow> entries,
                   Entries().ReadAll(rows));
  std::map<std::string, std::vector<ListPrice>> by_sku;
  for (const EntryRow& e : entries) by_sku[e.price.sku].push_back(e.price);
  for (const auto& [sku, offers] : by_sku) {
    if (std::optional<ListPrice> p = ResolvePrice(offers, day)) {
      out.emplace(sku, *std::move(p));
    }
  }
  return out;
}

absl::StatusOr<int64_t> PriceListStore::NextCostVersion(
    Transaction& tx, const std::string& sku) const {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query("SELECT COALESCE(MAX(version), 0) AS latest FROM "
                            "standard_costs WHERE sku = $1",
                            {sku}));
  return rows.front().Int("latest") + 1;
}

absl::Status PriceListStore::InsertCost(Transaction& tx,
                                        const StandardCost& cost) const {
  absl::Status inserted = Costs().Insert(tx, cost);
  if (absl::IsAlreadyExists(inserted)) {
    // The transaction runs again and takes the next number.
    return storage::RetryableConflict(
        absl::StrCat("another change of ", cost.sku,
                     "'s standard cost took version ", cost.version));
  }
  return inserted;
}

absl::StatusOr<std::vector<StandardCost>> PriceListStore::CostHistory(
    Transaction& tx, const std::string& sku, int64_t limit) const {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(Costs().Select("WHERE sku = $1 ORDER BY version DESC LIMIT $2"),
               {CanonicalCode(sku), limit}));
  return Costs().ReadAll(rows);
}

absl::StatusOr<std::optional<std::string>> PriceListStore::CostCurrency(
    Transaction& tx, const std::string& sku) const {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query("SELECT cost_currency FROM standard_costs WHERE "
                            "sku = $1 ORDER BY version DESC LIMIT 1",
                            {CanonicalCode(sku)}));
  if (rows.empty()) return std::optional<std::string>();
  return std::optional<std::string>(rows.front().Text("cost_currency"));
}

absl::StatusOr<StandardCost> PriceListStore::CostOn(Transaction& tx,
                                                    const std::string& sku,
                                                    absl::CivilDay day) const {
  ASSIGN_OR_RETURN(auto costs, CostsOn(tx, {sku}, day));
  if (costs.empty()) {
    return Refusal(absl::StatusCode::kNotFound, kReasonNoStandardCost,
                   absl::StrCat("no standard cost of ", CanonicalCode(sku),
                                " is effective on ", FormatDay(day)));
  }
  return std::move(costs.begin()->second);
}

absl::Status PriceListStore::PrefetchCostsOn(
    Transaction& tx, const std::vector<std::string>& skus,
    absl::CivilDay day) const {
  ASSIGN_OR_RETURN(const std::vector<std::string> canonical, BatchSkus(skus));
  if (canonical.empty()) return absl::OkStatus();
  Params params;
  const std::string sql = CostsOnSql(canonical, day, params);
  return tx.Prefetch(sql, params);
}

absl::StatusOr<std::map<std::string, StandardCost>> PriceListStore::CostsOn(
    Transaction& tx, const std::vector<std::string>& skus,
    absl::CivilDay day) const {
  ASSIGN_OR_RETURN(const std::vector<std::string> canonical, BatchSkus(skus));
  std::map<std::string, StandardCost> out;
  if (canonical.empty()) return out;
  Params params;
  const std::string sql = CostsOnSql(canonical, day, params);
  ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  ASSIGN_OR_RETURN(const std::vector<StandardCost> versions,
                   Costs().ReadAll(rows));
  std::map<std::string, std::vector<StandardCost>> by_sku;
  for (const StandardCost& c : versions) by_sku[c.sku].push_back(c);
  for (const auto& [sku, history] : by_sku) {
    if (std::optional<StandardCost> c = ResolveStandardCost(history, day)) {
      out.emplace(sku, *std::move(c));
    }
  }
  return out;
}

}  // namespace qudao::pricing
