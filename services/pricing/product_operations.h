// The catalogue use cases of pricing: product groups and products, each
// in one transaction over the product store, applying the product rules.
// Plain C++, no gRPC. Codes reach here canonical (the adapter upper-cases
// them); the operations canonicalise again so any other caller may pass
// any case.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/clock/clock.h"
#include "common/pagination/pagination.h"
#include "common/storage/database.h"
#include "common/storage/idempotency.h"
#include "services/pricing/product.h"
#include "services/pricing/product_store.h"

namespace qudao::pricing {

// What an update changes: the fields set here.
struct ProductUpdate {
  std::string sku;
  std::optional<std::string> name;
  std::optional<std::string> product_group;
  // 0: whatever the current version is.
  int64_t expected_version = 0;
};

class ProductOperations {
 public:
  ProductOperations(storage::Database* db, const Clock* clock)
      : db_(db), clock_(clock) {}

  // Adds `draft` (sku, name, product_group) to the catalogue in its
  // group's line. A taken SKU (in any case) is ALREADY_EXISTS; an unknown
  // group is NOT_FOUND PRODUCT_GROUP_NOT_FOUND; a repeat of `request`
  // returns the product created the first time instead.
  absl::StatusOr<Product> Create(Product draft,
                                 const storage::IdempotentRequest& request);
  // Renames a product or moves it to another group (and so, perhaps, line).
  // A repeat of `request` returns the first answer (not ABORTED for the
  // etag the first call moved on).
  absl::StatusOr<Product> Update(
      const ProductUpdate& update,
      const storage::IdempotentRequest& request = {});
  absl::StatusOr<Product> Get(const std::string& sku);
  absl::StatusOr<ProductPage> List(ProductFilter filter,
                                   const PageRequest& page);

  // A new group in a line; a taken code is ALREADY_EXISTS.
  absl::StatusOr<ProductGroup> CreateGroup(
      ProductGroup draft, const storage::IdempotentRequest& request);
  absl::StatusOr<ProductGroupPage> ListGroups(const std::string& product_line,
                                              const PageRequest& page);

 private:
  storage::Database* db_;
  const Clock* clock_;
  ProductStore store_;
};

}  // namespace qudao::pricing
