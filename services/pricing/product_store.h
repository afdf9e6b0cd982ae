// Persistence of the product catalogue. One implementation over the storage
// interface: its SQL runs unchanged on SQLite and PostgreSQL, and
// pricing_service_test.cc runs the same suite against both.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/storage/database.h"
#include "common/storage/migrations.h"
#include "common/storage/pagination.h"
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
  explicit ProductStore(storage::Database* db) : db_(db) {}

  static const std::vector<storage::Migration>& Migrations();

  // Inserts `product` (its create_time already set). A product with the same
  // SKU is ALREADY_EXISTS. With a request_id, a repeat returns the product
  // created the first time instead of failing on the duplicate SKU.
  absl::StatusOr<Product> Create(const Product& product,
                                 const std::string& request_id,
                                 const std::string& request_fingerprint);

  absl::StatusOr<Product> Get(const std::string& sku);

  // Products in SKU order, keyset-paginated on the SKU.
  absl::StatusOr<ProductPage> List(const ProductFilter& filter,
                                   const storage::PageRequest& page);

  absl::Status Ping() { return db_->Ping(); }

 private:
  storage::Database* db_;
};

}  // namespace qudao::pricing
