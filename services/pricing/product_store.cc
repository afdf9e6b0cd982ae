// ProductStore SQL; see product_store.h.
#include "services/pricing/product_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "common/storage/idempotency.h"

namespace qudao::pricing {
namespace {

using storage::Params;
using storage::Row;
using storage::Transaction;
using storage::TransactionMode;

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

constexpr char kColumns[] =
    "sku, name, product_line, list_price_currency, list_price_minor, "
    "create_time";

absl::StatusOr<Product> FromRow(const Row& r) {
  auto price = MoneyFromStorage(r.Text(3), r.Int(4));
  if (!price.ok()) return price.status();
  return Product{r.Text(0), r.Text(1), r.Text(2), *price,
                 storage::FromStoredTime(r.Int(5))};
}

absl::Status AlreadyExists(const std::string& sku) {
  return absl::AlreadyExistsError(
      absl::StrCat("product ", sku,
                   " already exists; choose another SKU or read it with "
                   "GetProduct"));
}

absl::StatusOr<Product> GetIn(Transaction& tx, const std::string& sku) {
  auto rows = tx.Query(
      absl::StrCat("SELECT ", kColumns, " FROM products WHERE sku = $1"),
      {sku});
  if (!rows.ok()) return rows.status();
  if (rows->empty()) {
    return absl::NotFoundError(
        absl::StrCat("product ", sku, " does not exist"));
  }
  return FromRow((*rows)[0]);
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

absl::StatusOr<Product> ProductStore::Create(
    const Product& product, const std::string& request_id,
    const std::string& request_fingerprint) {
  absl::StatusOr<std::string> sku = storage::RunIdempotent(
      *db_, "qudao.pricing.v1.PricingService/CreateProduct", request_id,
      request_fingerprint, storage::ToStoredTime(product.create_time),
      [&](Transaction& tx) -> absl::StatusOr<std::string> {
        // Checked first so the error names the SKU rather than quoting the
        // backend's constraint message.
        auto existing =
            tx.Query("SELECT 1 FROM products WHERE sku = $1", {product.sku});
        if (!existing.ok()) return existing.status();
        if (!existing->empty()) return AlreadyExists(product.sku);
        auto inserted =
            tx.Execute(absl::StrCat("INSERT INTO products (", kColumns,
                                    ") VALUES ($1, $2, $3, $4, $5, $6)"),
                       Params{product.sku, product.name, product.product_line,
                              product.list_price.currency(),
                              product.list_price.minor_units(),
                              storage::ToStoredTime(product.create_time)});
        // A concurrent create of the same SKU can still win between the
        // check and the insert.
        if (absl::IsAlreadyExists(inserted.status())) {
          return AlreadyExists(product.sku);
        }
        if (!inserted.ok()) return inserted.status();
        return product.sku;
      });
  if (!sku.ok()) return sku.status();
  return Get(*sku);
}

absl::StatusOr<Product> ProductStore::Get(const std::string& sku) {
  absl::StatusOr<Product> product;
  absl::Status s = db_->RunInTransaction(TransactionMode::kReadOnly,
                                         [&](Transaction& tx) -> absl::Status {
                                           product = GetIn(tx, sku);
                                           return product.status();
                                         });
  if (!s.ok()) return s;
  return product;
}

absl::StatusOr<ProductPage> ProductStore::List(
    const ProductFilter& filter, const storage::PageRequest& page) {
  std::string sql =
      absl::StrCat("SELECT ", kColumns, " FROM products WHERE sku > $1");
  Params params = {page.after_key};
  if (!filter.product_line.empty()) {
    params.push_back(filter.product_line);
    absl::StrAppend(&sql, " AND product_line = $", params.size());
  }
  params.push_back(static_cast<int64_t>(page.limit + 1));
  absl::StrAppend(&sql, " ORDER BY sku LIMIT $", params.size());

  ProductPage result;
  absl::Status s = db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        auto rows = tx.Query(sql, params);
        if (!rows.ok()) return rows.status();
        result.products.clear();
        for (const Row& r : *rows) {
          auto product = FromRow(r);
          if (!product.ok()) return product.status();
          result.products.push_back(*std::move(product));
        }
        return absl::OkStatus();
      });
  if (!s.ok()) return s;
  if (static_cast<int>(result.products.size()) > page.limit) {
    result.products.pop_back();
    result.next_page_token =
        storage::MakePageToken(result.products.back().sku, filter.Canonical());
  }
  return result;
}

}  // namespace qudao::pricing
