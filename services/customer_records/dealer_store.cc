// DealerStore SQL; see dealer_store.h.
#include "services/customer_records/dealer_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/status/macros.h"
#include "common/storage/table_mapping.h"

namespace qudao::customer {
namespace {

using storage::Params;
using storage::Transaction;

constexpr char kSchema[] = R"sql(
CREATE TABLE dealers (
  dealer_id        TEXT NOT NULL PRIMARY KEY,
  legal_name       TEXT NOT NULL,
  province         TEXT NOT NULL,
  city             TEXT NOT NULL,
  sales_territory  TEXT NOT NULL,
  channel_level    INTEGER NOT NULL,
  parent_dealer_id TEXT REFERENCES dealers (dealer_id),
  status           INTEGER NOT NULL,
  owner            TEXT NOT NULL,
  capital_currency TEXT,
  capital_minor    BIGINT,
  brands           TEXT NOT NULL,
  business_scope   TEXT NOT NULL,
  create_time      BIGINT NOT NULL,
  update_time      BIGINT NOT NULL,
  version          BIGINT NOT NULL
);
CREATE INDEX dealers_by_status ON dealers (status, dealer_id);
CREATE INDEX dealers_by_province ON dealers (province, dealer_id);
CREATE INDEX dealers_by_parent ON dealers (parent_dealer_id);
)sql";

// The payer, pricing zone, unified social credit code (unique where
// recorded) and the classification placeholders; indexes for the
// ListDealers filters, each ending in dealer_id for keyset paging.
constexpr char kDealerFacts[] = R"sql(
ALTER TABLE dealers ADD COLUMN payer_dealer_id TEXT REFERENCES dealers (dealer_id);
ALTER TABLE dealers ADD COLUMN pricing_zone TEXT NOT NULL DEFAULT '';
ALTER TABLE dealers ADD COLUMN unified_social_credit_code TEXT NOT NULL DEFAULT '';
ALTER TABLE dealers ADD COLUMN abc_class INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dealers ADD COLUMN value_tier TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX dealers_by_uscc ON dealers (unified_social_credit_code)
  WHERE unified_social_credit_code <> '';
CREATE INDEX dealers_by_payer ON dealers (payer_dealer_id, dealer_id);
CREATE INDEX dealers_by_territory ON dealers (sales_territory, dealer_id);
CREATE INDEX dealers_by_channel_level ON dealers (channel_level, dealer_id);
CREATE INDEX dealers_by_abc_class ON dealers (abc_class, dealer_id);
CREATE INDEX dealers_by_owner ON dealers (owner, dealer_id);
CREATE INDEX dealers_by_pricing_zone ON dealers (pricing_zone, dealer_id);
)sql";

// The one place a dealers row maps to a Dealer.
const storage::TableMapping<Dealer>& Dealers() {
  namespace s = storage;
  static const auto* table = new s::TableMapping<Dealer>(
      "dealers",
      {s::Text<Dealer>("dealer_id", &Dealer::id).InsertOnly(),
       s::Text<Dealer>("legal_name", &Dealer::legal_name),
       s::Text<Dealer>(
           "province", [](auto& d) -> auto& { return d.region.province; }),
       s::Text<Dealer>(
           "city", [](auto& d) -> auto& { return d.region.city; }),
       s::Text<Dealer>(
           "sales_territory",
           [](auto& d) -> auto& { return d.region.sales_territory; }),
       s::Enum<Dealer>("channel_level", &Dealer::channel_level),
       s::NullableText<Dealer>("parent_dealer_id", &Dealer::parent_dealer_id),
       s::Enum<Dealer>("status", &Dealer::status),
       s::Text<Dealer>("owner", &Dealer::owner),
       s::OptionalMoneyAmount<Dealer>("capital_currency", "capital_minor",
                                      &Dealer::registered_capital),
       s::LineList<Dealer>("brands", &Dealer::brands),
       s::Text<Dealer>("business_scope", &Dealer::business_scope),
       s::NullableText<Dealer>("payer_dealer_id", &Dealer::payer_dealer_id),
       s::Text<Dealer>("pricing_zone", &Dealer::pricing_zone),
       s::Text<Dealer>("unified_social_credit_code",
                       &Dealer::unified_social_credit_code),
       s::Enum<Dealer>("abc_class", &Dealer::abc_class),
       s::Text<Dealer>("value_tier", &Dealer::value_tier),
       s::Time<Dealer>("create_time", &Dealer::create_time).InsertOnly(),
       s::Time<Dealer>("update_time", &Dealer::update_time),
       s::Int<Dealer>("version", &Dealer::version)});
  return *table;
}

// A write refused by the unique index on the code: another transaction
// recorded the same code after this one looked (FindByUscc). Run again:
// the look then finds that dealer and names it.
absl::Status RetryIfCodeTaken(absl::Status written, const Dealer& dealer) {
  if (absl::IsAlreadyExists(written) &&
      !dealer.unified_social_credit_code.empty()) {
    return storage::RetryableConflict(
        "a concurrent write recorded the same unified social credit code");
  }
  return written;
}

// A filter value in the canonical form: `\` and `;` escaped, so no value
// can pass for another filter.
std::string CanonicalValue(absl::string_view value) {
  return absl::StrReplaceAll(value, {{"\\", "\\\\"}, {";", "\\;"}});
}

// `query` as a LIKE pattern matching it anywhere, its own `%`, `_` and
// `\` taken literally (the statement says ESCAPE '\').
std::string ContainsPattern(absl::string_view query) {
  return absl::StrCat(
      "%",
      absl::StrReplaceAll(query, {{"\\", "\\\\"}, {"%", "\\%"}, {"_", "\\_"}}),
      "%");
}

}  // namespace

std::string DealerFilter::Canonical() const {
  // The first two as they always were, so tokens issued before the other
  // filters existed stay valid; the others only when set.
  std::string out =
      absl::StrCat("status=", status ? static_cast<int>(*status) : 0,
                   ";province=", CanonicalValue(province));
  auto add = [&out](absl::string_view name, absl::string_view value) {
    if (!value.empty()) {
      absl::StrAppend(&out, ";", name, "=", CanonicalValue(value));
    }
  };
  add("sales_territory", sales_territory);
  if (channel_level.has_value()) {
    add("channel_level", absl::StrCat(static_cast<int>(*channel_level)));
  }
  if (abc_class.has_value()) {
    add("abc_class", absl::StrCat(static_cast<int>(*abc_class)));
  }
  add("owner", owner);
  add("payer", payer_dealer_id);
  add("pricing_zone", pricing_zone);
  add("name_query", name_query);
  return out;
}

const std::vector<storage::Migration>& DealerStore::Migrations() {
  static const auto* migrations = new std::vector<storage::Migration>{
      {1, "create_dealers", kSchema, kSchema},
      {2, "dealer_facts", kDealerFacts, kDealerFacts},
  };
  return *migrations;
}

absl::StatusOr<Dealer> DealerStore::Get(Transaction& tx,
                                        const std::string& dealer_id) const {
  ASSIGN_OR_RETURN(auto rows, tx.Query(Dealers().Select("WHERE dealer_id = $1"),
                                       {dealer_id}));
  return Dealers().ReadOne(
      rows, absl::StrCat("dealer ", dealer_id, " does not exist"));
}

absl::Status DealerStore::Insert(Transaction& tx, const Dealer& dealer) const {
  return RetryIfCodeTaken(Dealers().Insert(tx, dealer), dealer);
}

absl::Status DealerStore::Update(Transaction& tx, const Dealer& dealer,
                                 int64_t read_version) const {
  absl::StatusOr<int64_t> changed = Dealers().Update(
      tx, dealer, {{"dealer_id", dealer.id}, {"version", read_version}});
  RETURN_IF_ERROR(RetryIfCodeTaken(changed.status(), dealer));
  if (*changed != 1) {
    return storage::RetryableConflict("dealer changed concurrently");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> DealerStore::FindByUscc(
    Transaction& tx, const std::string& code,
    const std::string& except_id) const {
  // The `<> ''` term lets both planners use the partial unique index.
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT dealer_id FROM dealers WHERE "
               "unified_social_credit_code = $1 AND "
               "unified_social_credit_code <> '' AND dealer_id <> $2",
               {code, except_id}));
  return rows.empty() ? std::string() : rows[0].Text("dealer_id");
}

absl::StatusOr<std::vector<Dealer>> DealerStore::ActiveChildren(
    Transaction& tx, const std::string& dealer_id) const {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(Dealers().Select("WHERE parent_dealer_id = $1 AND status <> $2 "
                                "ORDER BY dealer_id"),
               {dealer_id, static_cast<int64_t>(DealerStatus::kTerminated)}));
  return Dealers().ReadAll(rows);
}

absl::StatusOr<int64_t> DealerStore::CountActiveChildren(
    Transaction& tx, const std::string& dealer_id) const {
  ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT COUNT(*) AS n FROM dealers WHERE parent_dealer_id = $1 "
               "AND status <> $2",
               {dealer_id, static_cast<int64_t>(DealerStatus::kTerminated)}));
  return rows[0].Int("n");
}

absl::StatusOr<DealerPage> DealerStore::List(Transaction& tx,
                                             const DealerFilter& filter,
                                             const PageRequest& page) const {
  std::string where = "WHERE dealer_id > $1";
  Params params = {page.after_key};
  if (filter.status.has_value()) {
    params.push_back(static_cast<int64_t>(*filter.status));
    absl::StrAppend(&where, " AND status = $", params.size());
  }
  auto equals = [&](absl::string_view column, storage::Value value) {
    params.push_back(std::move(value));
    absl::StrAppend(&where, " AND ", column, " = $", params.size());
  };
  if (!filter.province.empty()) equals("province", filter.province);
  if (!filter.sales_territory.empty()) {
    equals("sales_territory", filter.sales_territory);
  }
  if (filter.channel_level.has_value()) {
    equals("channel_level", static_cast<int64_t>(*filter.channel_level));
  }
  if (filter.abc_class.has_value()) {
    equals("abc_class", static_cast<int64_t>(*filter.abc_class));
  }
  if (!filter.owner.empty()) equals("owner", filter.owner);
  if (!filter.pricing_zone.empty()) {
    equals("pricing_zone", filter.pricing_zone);
  }
  if (!filter.payer_dealer_id.empty()) {
    params.push_back(filter.payer_dealer_id);
    const size_t n = params.size();
    absl::StrAppend(&where, " AND (payer_dealer_id = $", n,
                    " OR (dealer_id = $", n, " AND payer_dealer_id IS NULL))");
  }
  if (!filter.name_query.empty()) {
    // Both sides through the same LOWER, so they fold alike on either
    // backend (SQLite folds A-Z, PostgreSQL what its locale knows). A
    // substring cannot use an index: it filters, in key order, the rows
    // the other conditions select.
    params.push_back(ContainsPattern(filter.name_query));
    absl::StrAppend(&where, " AND LOWER(legal_name) LIKE LOWER($",
                    params.size(), ") ESCAPE '\\'");
  }
  params.push_back(static_cast<int64_t>(page.limit + 1));
  absl::StrAppend(&where, " ORDER BY dealer_id LIMIT $", params.size());
  ASSIGN_OR_RETURN(auto rows, tx.Query(Dealers().Select(where), params));
  DealerPage result;
  ASSIGN_OR_RETURN(result.dealers, Dealers().ReadAll(rows));
  result.next_page_token = TrimToPage(result.dealers, page, filter.Canonical(),
                                      [](const Dealer& d) { return d.id; });
  return result;
}

}  // namespace qudao::customer
