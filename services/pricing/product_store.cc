// ProductStore SQL; see product_store.h.
#include "services/pricing/product_store.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "common/status/macros.h"
#include "common/status/status.h"
#include "common/storage/table_mapping.h"
#include "services/pricing/freight_store.h"
#include "services/pricing/order_store.h"
#include "services/pricing/price_rule_store.h"
#include "services/pricing/quote_store.h"
#include "services/pricing/version_counter.h"

namespace qudao::pricing {
namespace {

using storage::Params;
using storage::Transaction;

// Codes (SKUs, groups, lines) are stored canonical (upper-case; a CHECK
// holds every writer to it), so uniqueness, lookups and page order are
// plain comparisons. SQLite compares TEXT bytewise; PostgreSQL would use
// the database's locale, so code columns are collated "C" there to give
// both backends the same order (and the keyset condition `sku > $1` the
// same meaning). $0 is that collation clause: empty on SQLite, COLLATE "C"
// on PostgreSQL.
//
// Days are whole days since 1970-01-01 (price_list.h); a price list entry
// repeats its version's validity so a price is found from one table. An
// entry with withdrawn = 1 withdraws its SKU (no price: stored as 0).
// Versions of price lists and standard costs are never updated, deleted
// or truncated.
constexpr char kSchema[] = R"sql(
CREATE TABLE product_groups (
  group_code   TEXT $0NOT NULL PRIMARY KEY
               CHECK (group_code = UPPER(group_code)),
  product_line TEXT $0NOT NULL CHECK (product_line = UPPER(product_line)),
  name         TEXT NOT NULL,
  create_time  BIGINT NOT NULL
);
CREATE INDEX product_groups_by_line ON product_groups (product_line, group_code);
CREATE TABLE products (
  sku           TEXT $0NOT NULL PRIMARY KEY CHECK (sku = UPPER(sku)),
  name          TEXT NOT NULL,
  product_group TEXT $0NOT NULL REFERENCES product_groups (group_code),
  product_line  TEXT $0NOT NULL,
  version       BIGINT NOT NULL,
  create_time   BIGINT NOT NULL,
  update_time   BIGINT NOT NULL
);
CREATE INDEX products_by_group ON products (product_group, sku);
CREATE INDEX products_by_line ON products (product_line, sku);
CREATE TABLE price_list_versions (
  currency     TEXT NOT NULL,
  version      BIGINT NOT NULL CHECK (version > 0),
  valid_from   BIGINT NOT NULL,
  valid_until  BIGINT CHECK (valid_until IS NULL OR valid_until > valid_from),
  note         TEXT NOT NULL,
  published_by TEXT NOT NULL,
  publish_time BIGINT NOT NULL,
  entry_count  BIGINT NOT NULL,
  PRIMARY KEY (currency, version)
);
CREATE TABLE price_list_entries (
  currency         TEXT NOT NULL,
  sku              TEXT $0NOT NULL REFERENCES products (sku),
  version          BIGINT NOT NULL,
  list_price_minor BIGINT NOT NULL,
  valid_from       BIGINT NOT NULL,
  valid_until      BIGINT,
  withdrawn        BIGINT NOT NULL DEFAULT 0 CHECK (withdrawn IN (0, 1)),
  PRIMARY KEY (currency, sku, version),
  FOREIGN KEY (currency, version) REFERENCES price_list_versions,
  CHECK ((withdrawn = 0 AND list_price_minor > 0) OR
         (withdrawn = 1 AND list_price_minor = 0))
);
CREATE INDEX price_list_entries_by_version
  ON price_list_entries (currency, version, sku);
CREATE TABLE standard_costs (
  sku            TEXT $0NOT NULL REFERENCES products (sku),
  version        BIGINT NOT NULL CHECK (version > 0),
  cost_currency  TEXT NOT NULL,
  cost_minor     BIGINT NOT NULL CHECK (cost_minor > 0),
  effective_from BIGINT NOT NULL,
  note           TEXT NOT NULL,
  set_by         TEXT NOT NULL,
  set_time       BIGINT NOT NULL,
  PRIMARY KEY (sku, version)
);
)sql";

// The one place a products row maps to a Product.
const storage::TableMapping<Product>& Products() {
  namespace s = storage;
  static const auto* table = new s::TableMapping<Product>(
      "products",
      {s::Text<Product>("sku", &Product::sku).InsertOnly(),
       s::Text<Product>("name", &Product::name),
       s::Text<Product>("product_group", &Product::product_group),
       s::Text<Product>("product_line", &Product::product_line),
       s::Int<Product>("version", &Product::version),
       s::Time<Product>("create_time", &Product::create_time).InsertOnly(),
       s::Time<Product>("update_time", &Product::update_time)});
  return *table;
}

const storage::TableMapping<ProductGroup>& Groups() {
  namespace s = storage;
  static const auto* table = new s::TableMapping<ProductGroup>(
      "product_groups",
      {s::Text<ProductGroup>("group_code", &ProductGroup::group_code)
           .InsertOnly(),
       s::Text<ProductGroup>("product_line", &ProductGroup::product_line)
           .InsertOnly(),
       s::Text<ProductGroup>("name", &ProductGroup::name),
       s::Time<ProductGroup>("create_time", &ProductGroup::create_time)
           .InsertOnly()});
  return *table;
}

absl::Status AlreadyExists(const std::string& sku) {
  return absl::AlreadyExistsError(
      absl::StrCat("product ", sku,
                   " already exists (SKUs are case-insensitive); choose "
                   "another SKU or read it with GetProduct"));
}

absl::Status GroupAlreadyExists(const std::string& code) {
  return absl::AlreadyExistsError(absl::StrCat(
      "product group ", code, " already exists (codes are case-insensitive)"));
}

}  // namespace

std::string ProductFilter::Canonical() const {
  return absl::StrCat("product_line=", product_line,
                      ";product_group=", product_group);
}

std::string ProductGroupFilter(const std::string& product_line) {
  return absl::StrCat("product_line=", product_line);
}

// The schema of `backend`: the tables, and guards that keep published
// price list versions and standard cost versions as they were written.
// AppendOnlyGuard stops UPDATE and DELETE, TruncateGuard TRUNCATE.
static std::string Schema(storage::Backend backend) {
  const bool postgres = backend == storage::Backend::kPostgres;
  std::string sql = absl::Substitute(kSchema, postgres ? "COLLATE \"C\" " : "");
  for (const char* table :
       {"price_list_versions", "price_list_entries", "standard_costs"}) {
    absl::StrAppend(&sql, storage::AppendOnlyGuard(backend, table),
                    storage::TruncateGuard(backend, table));
  }
  return sql;
}

// Pricing migration 7: the catalogue's version, and the triggers that bump
// it and the rule set's on every write to what they count.
static std::string VersionsSchema(storage::Backend backend) {
  return absl::StrCat(
      CatalogueCounter().SingletonSchema(),
      CatalogueCounter().SingletonTriggers(backend, CatalogueTables()),
      RuleSetCounter().SingletonTriggers(backend, RuleSetTables()));
}

// Pricing migration 8: both versions as sums of rows, so concurrent
// PostgreSQL writers of the catalogue or the rules stop conflicting on one
// row (VersionCounter).
static std::string StripedVersionsSchema(storage::Backend backend) {
  return absl::StrCat(
      CatalogueCounter().StripedSchema(backend, CatalogueTables()),
      RuleSetCounter().StripedSchema(backend, RuleSetTables()));
}

const std::vector<storage::Migration>& ProductStore::Migrations() {
  static const auto* migrations = new std::vector<storage::Migration>{
      {1, "create_catalogue", Schema(storage::Backend::kSqlite),
       Schema(storage::Backend::kPostgres)},
      {2, "create_quotes", QuoteStore::Schema(storage::Backend::kSqlite),
       QuoteStore::Schema(storage::Backend::kPostgres)},
      {3, "create_price_rules_and_freight",
       absl::StrCat(PriceRuleStore::Schema(storage::Backend::kSqlite),
                    FreightStore::Schema(storage::Backend::kSqlite)),
       absl::StrCat(PriceRuleStore::Schema(storage::Backend::kPostgres),
                    FreightStore::Schema(storage::Backend::kPostgres))},
      {4, "create_orders", OrderStore::Schema(storage::Backend::kSqlite),
       OrderStore::Schema(storage::Backend::kPostgres)},
      {5, "create_rebate_clawbacks",
       OrderStore::ClawbackSchema(storage::Backend::kSqlite),
       OrderStore::ClawbackSchema(storage::Backend::kPostgres)},
      {6, "create_price_rule_set_version", RuleSetCounter().SingletonSchema(),
       RuleSetCounter().SingletonSchema()},
      {7, "create_price_catalogue_version",
       VersionsSchema(storage::Backend::kSqlite),
       VersionsSchema(storage::Backend::kPostgres)},
      {8, "stripe_the_versions",
       StripedVersionsSchema(storage::Backend::kSqlite),
       StripedVersionsSchema(storage::Backend::kPostgres)},
  };
  return *migrations;
}

absl::StatusOr<Product> ProductStore::Get(Transaction& tx,
                                          const std::string& sku) const {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query(Products().Select("WHERE sku = $1"), {sku}));
  if (rows.empty()) {
    return Refusal(absl::StatusCode::kNotFound, kReasonProductNotFound,
                   absl::StrCat("product ", sku, " does not exist"));
  }
  return Products().Read(rows.front());
}

absl::Status ProductStore::Insert(Transaction& tx,
                                  const Product& product) const {
  // Checked first so the error names the SKU rather than quoting the
  // backend's constraint message.
  ASSIGN_OR_RETURN(
      auto existing,
      tx.Query("SELECT 1 FROM products WHERE sku = $1", {product.sku}));
  if (!existing.empty()) return AlreadyExists(product.sku);
  absl::Status inserted = Products().Insert(tx, product);
  // A concurrent create of the same SKU can still win between the check
  // and the insert.
  if (absl::IsAlreadyExists(inserted)) return AlreadyExists(product.sku);
  return inserted;
}

absl::Status ProductStore::Update(Transaction& tx, const Product& product,
                                  int64_t expected_version) const {
  ASSIGN_OR_RETURN(
      const int64_t changed,
      Products().Update(tx, product,
                        {{"sku", product.sku}, {"version", expected_version}}));
  if (changed == 0) {
    return Refusal(absl::StatusCode::kAborted, kReasonEtagMismatch,
                   absl::StrCat("product ", product.sku,
                                " was changed by someone else; read it "
                                "again and reapply your change"));
  }
  return absl::OkStatus();
}

absl::StatusOr<ProductPage> ProductStore::List(Transaction& tx,
                                               const ProductFilter& filter,
                                               const PageRequest& page) const {
  std::string where = "WHERE sku > $1";
  Params params = {page.after_key};
  if (!filter.product_line.empty()) {
    params.push_back(filter.product_line);
    absl::StrAppend(&where, " AND product_line = $", params.size());
  }
  if (!filter.product_group.empty()) {
    params.push_back(filter.product_group);
    absl::StrAppend(&where, " AND product_group = $", params.size());
  }
  params.push_back(static_cast<int64_t>(page.limit + 1));
  absl::StrAppend(&where, " ORDER BY sku LIMIT $", params.size());
  ASSIGN_OR_RETURN(auto rows, tx.Query(Products().Select(where), params));
  ProductPage result;
  ASSIGN_OR_RETURN(result.products, Products().ReadAll(rows));
  result.next_page_token = TrimToPage(result.products, page, filter.Canonical(),
                                      [](const Product& p) { return p.sku; });
  return result;
}

namespace {

// In chunks, so a 5,000-entry publication stays far below either backend's
// limit on parameters.
constexpr size_t kGroupsChunk = 500;

std::string GroupsOfSql(size_t count) {
  return absl::StrCat("SELECT sku, product_group FROM products WHERE sku IN (",
                      storage::Placeholders(count), ")");
}

}  // namespace

absl::Status ProductStore::PrefetchGroupsOf(
    Transaction& tx, const std::vector<std::string>& skus) const {
  if (skus.empty() || skus.size() > kGroupsChunk) return absl::OkStatus();
  return tx.Prefetch(GroupsOfSql(skus.size()),
                     Params(skus.begin(), skus.end()));
}

absl::StatusOr<std::map<std::string, std::string>> ProductStore::GroupsOf(
    Transaction& tx, const std::vector<std::string>& skus) const {
  std::map<std::string, std::string> found;
  for (size_t start = 0; start < skus.size(); start += kGroupsChunk) {
    const size_t end = std::min(skus.size(), start + kGroupsChunk);
    Params params(skus.begin() + start, skus.begin() + end);
    ASSIGN_OR_RETURN(auto rows, tx.Query(GroupsOfSql(params.size()), params));
    for (const storage::Row& row : rows) {
      found[row.Text("sku")] = row.Text("product_group");
    }
  }
  return found;
}

absl::StatusOr<std::vector<std::string>> ProductStore::Missing(
    Transaction& tx, const std::vector<std::string>& skus) const {
  ASSIGN_OR_RETURN(const auto found, GroupsOf(tx, skus));
  std::vector<std::string> missing;
  for (const std::string& sku : skus) {
    if (!found.count(sku)) missing.push_back(sku);
  }
  return missing;
}

absl::StatusOr<ProductGroup> ProductStore::GetGroup(
    Transaction& tx, const std::string& group_code) const {
  ASSIGN_OR_RETURN(auto rows, tx.Query(Groups().Select("WHERE group_code = $1"),
                                       {group_code}));
  if (rows.empty()) {
    return Refusal(absl::StatusCode::kNotFound, kReasonGroupNotFound,
                   absl::StrCat("product group ", group_code,
                                " does not exist; create it with "
                                "CreateProductGroup first"));
  }
  return Groups().Read(rows.front());
}

absl::Status ProductStore::InsertGroup(Transaction& tx,
                                       const ProductGroup& group) const {
  ASSIGN_OR_RETURN(
      auto existing,
      tx.Query("SELECT 1 FROM product_groups WHERE group_code = $1",
               {group.group_code}));
  if (!existing.empty()) return GroupAlreadyExists(group.group_code);
  absl::Status inserted = Groups().Insert(tx, group);
  if (absl::IsAlreadyExists(inserted)) {
    return GroupAlreadyExists(group.group_code);
  }
  return inserted;
}

absl::StatusOr<ProductGroupPage> ProductStore::ListGroups(
    Transaction& tx, const std::string& product_line,
    const PageRequest& page) const {
  std::string where = "WHERE group_code > $1";
  Params params = {page.after_key};
  if (!product_line.empty()) {
    params.push_back(product_line);
    absl::StrAppend(&where, " AND product_line = $", params.size());
  }
  params.push_back(static_cast<int64_t>(page.limit + 1));
  absl::StrAppend(&where, " ORDER BY group_code LIMIT $", params.size());
  ASSIGN_OR_RETURN(auto rows, tx.Query(Groups().Select(where), params));
  ProductGroupPage result;
  ASSIGN_OR_RETURN(result.groups, Groups().ReadAll(rows));
  result.next_page_token =
      TrimToPage(result.groups, page, ProductGroupFilter(product_line),
                 [](const ProductGroup& g) { return g.group_code; });
  return result;
}

}  // namespace qudao::pricing
