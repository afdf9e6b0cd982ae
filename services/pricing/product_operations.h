// The catalogue use cases of pricing: each runs in one transaction over the
// product store and applies the product rules. Plain C++, no gRPC.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"
#include "common/storage/idempotency.h"
#include "services/pricing/product.h"
#include "services/pricing/product_store.h"

namespace qudao::pricing {

class ProductOperations {
 public:
  ProductOperations(storage::Database* db, const Clock* clock)
      : db_(db), clock_(clock) {}

  // Adds `draft` to the catalogue (its create_time set here). A taken SKU
  // is ALREADY_EXISTS; a repeat of `request` returns the product created
  // the first time instead.
  absl::StatusOr<Product> Create(Product draft,
                                 const storage::IdempotentRequest& request);
  absl::StatusOr<Product> Get(const std::string& sku);
  absl::StatusOr<ProductPage> List(const ProductFilter& filter,
                                   const PageRequest& page);

 private:
  storage::Database* db_;
  const Clock* clock_;
  ProductStore store_;
};

}  // namespace qudao::pricing
