// FreightStore SQL; see freight_store.h.
#include "services/pricing/freight_store.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "common/status/macros.h"
#include "common/storage/table_mapping.h"

namespace qudao::pricing {
namespace {

using storage::Params;
using storage::Transaction;

// An assignment's key is (scope, code): scope 'dealer' or 'zone'. Amounts
// are minor units in the row's currency.
constexpr char kSchema[] = R"sql(
CREATE TABLE freight_assignments (
  scope        TEXT NOT NULL CHECK (scope IN ('dealer', 'zone')),
  code         TEXT $0NOT NULL,
  method       BIGINT NOT NULL,
  origin_plant TEXT NOT NULL,
  base_city    TEXT NOT NULL,
  updated_by   TEXT NOT NULL,
  update_time  BIGINT NOT NULL,
  PRIMARY KEY (scope, code)
);
CREATE TABLE freight_rates (
  origin          TEXT $0NOT NULL,
  province        TEXT $0NOT NULL,
  city            TEXT $0NOT NULL,
  currency        TEXT NOT NULL,
  per_order_minor BIGINT NOT NULL CHECK (per_order_minor >= 0),
  per_unit_minor  BIGINT NOT NULL CHECK (per_unit_minor >= 0),
  per_kg_minor    BIGINT NOT NULL CHECK (per_kg_minor >= 0),
  updated_by      TEXT NOT NULL,
  update_time     BIGINT NOT NULL,
  PRIMARY KEY (origin, province, city, currency)
);
CREATE TABLE zone_adjustments (
  zone         TEXT $0NOT NULL,
  currency     TEXT NOT NULL,
  amount_minor BIGINT NOT NULL CHECK (amount_minor >= 0),
  basis_points BIGINT NOT NULL CHECK (basis_points BETWEEN 0 AND 10000),
  updated_by   TEXT NOT NULL,
  update_time  BIGINT NOT NULL,
  PRIMARY KEY (zone, currency)
);
)sql";

struct AssignmentRow {
  std::string scope;
  std::string code;
  FreightAssignment a;
};

const storage::TableMapping<AssignmentRow>& Assignments() {
  namespace s = storage;
  using R = AssignmentRow;
  static const auto* table = new s::TableMapping<R>(
      "freight_assignments",
      {s::Text<R>("scope", &R::scope).InsertOnly(),
       s::Text<R>("code", &R::code).InsertOnly(),
       s::Enum<R>(
           "method", [](auto& r) -> auto& { return r.a.method; }),
       s::Text<R>(
           "origin_plant", [](auto& r) -> auto& { return r.a.origin_plant; }),
       s::Text<R>(
           "base_city", [](auto& r) -> auto& { return r.a.base_city; }),
       s::Text<R>(
           "updated_by", [](auto& r) -> auto& { return r.a.updated_by; }),
       s::Time<R>(
           "update_time", [](auto& r) -> auto& { return r.a.update_time; })});
  return *table;
}

struct RateRow {
  std::string currency;
  StoredFreightRate r;
};

const storage::TableMapping<RateRow>& Rates() {
  namespace s = storage;
  using R = RateRow;
  static const auto* table = new s::TableMapping<R>(
      "freight_rates",
      {s::Text<R>(
           "origin", [](auto& r) -> auto& { return r.r.rate.origin; })
           .InsertOnly(),
       s::Text<R>(
           "province", [](auto& r) -> auto& { return r.r.rate.province; })
           .InsertOnly(),
       s::Text<R>(
           "city", [](auto& r) -> auto& { return r.r.rate.city; })
           .InsertOnly(),
       s::Text<R>("currency", &R::currency).InsertOnly(),
       s::MinorUnitsIn<R>(
           "per_order_minor", "currency",
           [](auto& r) -> auto& { return r.r.rate.per_order; }),
       s::MinorUnitsIn<R>(
           "per_unit_minor", "currency",
           [](auto& r) -> auto& { return r.r.rate.per_unit; }),
       s::MinorUnitsIn<R>(
           "per_kg_minor", "currency",
           [](auto& r) -> auto& { return r.r.rate.per_kg; }),
       s::Text<R>(
           "updated_by", [](auto& r) -> auto& { return r.r.updated_by; }),
       s::Time<R>(
           "update_time", [](auto& r) -> auto& { return r.r.update_time; })});
  return *table;
}

struct ZoneRow {
  std::string currency;
  StoredZoneAdjustment z;
};

const storage::TableMapping<ZoneRow>& Zones() {
  namespace s = storage;
  using R = ZoneRow;
  static const auto* table = new s::TableMapping<R>(
      "zone_adjustments",
      {s::Text<R>(
           "zone", [](auto& r) -> auto& { return r.z.adjustment.zone; })
           .InsertOnly(),
       s::Text<R>("currency", &R::currency).InsertOnly(),
       s::MinorUnitsIn<R>(
           "amount_minor", "currency",
           [](auto& r) -> auto& { return r.z.adjustment.amount; }),
       s::Int<R>(
           "basis_points",
           [](auto& r) -> auto& { return r.z.adjustment.basis_points; }),
       s::Text<R>(
           "updated_by", [](auto& r) -> auto& { return r.z.updated_by; }),
       s::Time<R>(
           "update_time", [](auto& r) -> auto& { return r.z.update_time; })});
  return *table;
}

// Replaces the row with `key` or inserts it.
template <typename T>
absl::Status Upsert(
    Transaction& tx, const storage::TableMapping<T>& table, const T& row,
    const std::vector<std::pair<std::string, storage::Value>>& key) {
  ASSIGN_OR_RETURN(const int64_t changed, table.Update(tx, row, key));
  if (changed > 0) return absl::OkStatus();
  return table.Insert(tx, row);
}

}  // namespace

std::string FreightStore::Schema(storage::Backend backend) {
  return absl::Substitute(
      kSchema, backend == storage::Backend::kPostgres ? "COLLATE \"C\" " : "");
}

absl::Status FreightStore::SetAssignment(Transaction& tx,
                                         const FreightAssignment& a) const {
  AssignmentRow row{a.dealer_id.empty() ? "zone" : "dealer",
                    a.dealer_id.empty() ? a.pricing_zone : a.dealer_id, a};
  return Upsert(tx, Assignments(), row,
                {{"scope", row.scope}, {"code", row.code}});
}

absl::StatusOr<std::vector<FreightAssignment>> FreightStore::ListAssignments(
    Transaction& tx) const {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query(Assignments().Select(
                       "ORDER BY CASE scope WHEN 'zone' THEN 0 ELSE 1 END, "
                       "code")));
  ASSIGN_OR_RETURN(std::vector<AssignmentRow> read,
                   Assignments().ReadAll(rows));
  std::vector<FreightAssignment> out;
  for (AssignmentRow& r : read) {
    (r.scope == "zone" ? r.a.pricing_zone : r.a.dealer_id) = r.code;
    out.push_back(std::move(r.a));
  }
  return out;
}

namespace {

std::string AssignmentSql() {
  return Assignments().Select(
      "WHERE (scope = 'dealer' AND code = $1) OR (scope = 'zone' AND code = "
      "$2)");
}

std::string ZonesSql() {
  return Zones().Select("WHERE currency = $1 ORDER BY zone");
}

}  // namespace

absl::Status FreightStore::PrefetchTerms(Transaction& tx,
                                         const std::string& dealer_id,
                                         const std::string& pricing_zone,
                                         const std::string& currency) const {
  RETURN_IF_ERROR(tx.Prefetch(AssignmentSql(), {dealer_id, pricing_zone}));
  return tx.Prefetch(ZonesSql(), {currency});
}

absl::StatusOr<FreightAssignment> FreightStore::AssignmentFor(
    Transaction& tx, const std::string& dealer_id,
    const std::string& pricing_zone) const {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query(AssignmentSql(), {dealer_id, pricing_zone}));
  ASSIGN_OR_RETURN(std::vector<AssignmentRow> read,
                   Assignments().ReadAll(rows));
  std::optional<FreightAssignment> own, zone;
  for (AssignmentRow& r : read) {
    if (r.scope == "dealer") {
      r.a.dealer_id = r.code;
      own = r.a;
    } else {
      r.a.pricing_zone = r.code;
      zone = r.a;
    }
  }
  return ResolveAssignment(own, zone);
}

absl::Status FreightStore::SetRate(Transaction& tx,
                                   const StoredFreightRate& rate) const {
  RateRow row{rate.rate.per_order.currency(), rate};
  return Upsert(tx, Rates(), row,
                {{"origin", rate.rate.origin},
                 {"province", rate.rate.province},
                 {"city", rate.rate.city},
                 {"currency", row.currency}});
}

absl::StatusOr<std::vector<StoredFreightRate>> FreightStore::ListRates(
    Transaction& tx, const std::string& origin) const {
  Params params;
  std::string where;
  if (!origin.empty()) {
    where = "WHERE origin = $1 ";
    params.push_back(origin);
  }
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(Rates().Select(absl::StrCat(
                   where, "ORDER BY origin, province, city, currency")),
               params));
  ASSIGN_OR_RETURN(std::vector<RateRow> read, Rates().ReadAll(rows));
  std::vector<StoredFreightRate> out;
  for (RateRow& r : read) out.push_back(std::move(r.r));
  return out;
}

absl::StatusOr<std::vector<FreightRate>> FreightStore::RatesFrom(
    Transaction& tx, const std::string& origin,
    const std::string& currency) const {
  ASSIGN_OR_RETURN(
      auto rows, tx.Query(Rates().Select("WHERE origin = $1 AND currency = $2 "
                                         "ORDER BY province, city"),
                          {origin, currency}));
  ASSIGN_OR_RETURN(std::vector<RateRow> read, Rates().ReadAll(rows));
  std::vector<FreightRate> out;
  for (RateRow& r : read) out.push_back(std::move(r.r.rate));
  return out;
}

absl::Status FreightStore::SetZoneAdjustment(
    Transaction& tx, const StoredZoneAdjustment& zone) const {
  ZoneRow row{zone.adjustment.amount.currency(), zone};
  return Upsert(tx, Zones(), row,
                {{"zone", zone.adjustment.zone}, {"currency", row.currency}});
}

absl::StatusOr<std::vector<StoredZoneAdjustment>>
FreightStore::ListZoneAdjustments(Transaction& tx) const {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query(Zones().Select("ORDER BY zone, currency")));
  ASSIGN_OR_RETURN(std::vector<ZoneRow> read, Zones().ReadAll(rows));
  std::vector<StoredZoneAdjustment> out;
  for (ZoneRow& r : read) out.push_back(std::move(r.z));
  return out;
}

absl::StatusOr<std::vector<ZoneAdjustment>> FreightStore::ZonesIn(
    Transaction& tx, const std::string& currency) const {
  ASSIGN_OR_RETURN(auto rows, tx.Query(ZonesSql(), {currency}));
  ASSIGN_OR_RETURN(std::vector<ZoneRow> read, Zones().ReadAll(rows));
  std::vector<ZoneAdjustment> out;
  for (ZoneRow& r : read) out.push_back(std::move(r.z.adjustment));
  return out;
}

}  // namespace qudao::pricing
