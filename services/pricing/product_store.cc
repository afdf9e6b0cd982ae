// ProductStore SQL; see product_store.h.
#include "services/pricing/product_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "common/status/macros.h"
#include "common/storage/table_mapping.h"

namespace qudao::pricing {
namespace {

using storage::Params;
using storage::Transaction;

// SKUs are case-sensitive codes and pages are ordered by them. SQLite
// compares TEXT bytewise; PostgreSQL would use the database's locale, so the
// column is collated "C" there to give both backends the same order (and
// the keyset condition `sku > $1` the same meaning).
// $0 is the SKU's collation clause: empty on SQLite, COLLATE "C" on
// PostgreSQL.
constexpr char kSchema[] = R"sql(
CREATE TABLE products (
  sku                 TEXT $0NOT NULL PRIMARY KEY,
  name                TEXT NOT NULL,
  product_line        TEXT NOT NULL,
  list_price_currency TEXT NOT NULL,
  list_price_minor    BIGINT NOT NULL CHECK (list_price_minor > 0),
  create_time         BIGINT NOT NULL
);
CREATE INDEX products_by_line ON products (product_line, sku);
)sql";

// The one place a products row maps to a Product.
const storage::TableMapping<Product>& Products() {
  namespace s = storage;
  static const auto* table = new s::TableMapping<Product>(
      "products",
      {s::Text<Product>("sku", &Product::sku).InsertOnly(),
       s::Text<Product>("name", &Product::name),
       s::Text<Product>("product_line", &Product::product_line),
       s::MoneyAmount<Product>("list_price_currency", "list_price_minor",
                               &Product::list_price),
       s::Time<Product>("create_time", &Product::create_time).InsertOnly()});
  return *table;
}

absl::Status AlreadyExists(const std::string& sku) {
  return absl::AlreadyExistsError(
      absl::StrCat("product ", sku,
                   " already exists; choose another SKU or read it with "
                   "GetProduct"));
}

}  // namespace

std::string ProductFilter::Canonical() const {
  return absl::StrCat("product_line=", product_line);
}

const std::vector<storage::Migration>& ProductStore::Migrations() {
  static const auto* migrations = new std::vector<storage::Migration>{
      {1, "create_products", absl::Substitute(kSchema, ""),
       absl::Substitute(kSchema, "COLLATE \"C\" ")},
  };
  return *migrations;
}

absl::StatusOr<Product> ProductStore::Get(Transaction& tx,
                                          const std::string& sku) const {
  ASSIGN_OR_RETURN(auto rows,
                   tx.Query(Products().Select("WHERE sku = $1"), {sku}));
  return Products().ReadOne(rows,
                            absl::StrCat("product ", sku, " does not exist"));
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

absl::StatusOr<ProductPage> ProductStore::List(Transaction& tx,
                                               const ProductFilter& filter,
                                               const PageRequest& page) const {
  std::string where = "WHERE sku > $1";
  Params params = {page.after_key};
  if (!filter.product_line.empty()) {
    params.push_back(filter.product_line);
    absl::StrAppend(&where, " AND product_line = $", params.size());
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

}  // namespace qudao::pricing
