// Persistence of the product catalogue: the products table, its typed row
// mapping, and the SQL the product operations need, each inside the
// caller's transaction. The same SQL runs on SQLite and PostgreSQL.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"
#include "common/storage/migrations.h"
#include "services/pricing/product.h"

namespace qudao::pricing {

struct ProductFilter {
  std::string product_line;  // empty: any
  // Canonical form, for binding page tokens to the filter.
  std::string Canonical() const;
};

struct ProductPage {
  std::vector<Product> products;
  std::string next_page_token;
};

class ProductStore {
 public:
  static const std::vector<storage::Migration>& Migrations();

  // NOT_FOUND naming the SKU when there is none.
  absl::StatusOr<Product> Get(storage::Transaction& tx,
                              const std::string& sku) const;
  // ALREADY_EXISTS naming the SKU when it is taken (also when a concurrent
  // create wins between a check and the insert).
  absl::Status Insert(storage::Transaction& tx, const Product& product) const;
  // Products in SKU order, keyset-paginated on the SKU.
  absl::StatusOr<ProductPage> List(storage::Transaction& tx,
                                   const ProductFilter& filter,
                                   const PageRequest& page) const;
};

}  // namespace qudao::pricing
