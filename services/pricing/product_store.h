// Persistence of the catalogue: product groups and products, their typed
// row mappings, and the SQL the catalogue operations need, each inside the
// caller's transaction. The same SQL runs on SQLite and PostgreSQL. The
// service's migrations (every pricing table) are listed here.
#pragma once

#include <map>
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
  std::string product_line;   // empty: any
  std::string product_group;  // empty: any
  // Canonical form, for binding page tokens to the filter.
  std::string Canonical() const;
};

// The canonical filter of a group listing (page tokens are bound to it).
std::string ProductGroupFilter(const std::string& product_line);

struct ProductPage {
  std::vector<Product> products;
  std::string next_page_token;
};

struct ProductGroupPage {
  std::vector<ProductGroup> groups;
  std::string next_page_token;
};

class ProductStore {
 public:
  // Every table of the pricing service.
  static const std::vector<storage::Migration>& Migrations();

  // NOT_FOUND naming the SKU when there is none. `sku` canonical.
  absl::StatusOr<Product> Get(storage::Transaction& tx,
                              const std::string& sku) const;
  // ALREADY_EXISTS naming the SKU when it is taken (also when a concurrent
  // create wins between a check and the insert).
  absl::Status Insert(storage::Transaction& tx, const Product& product) const;
  // Writes `product` if its stored version is still `expected_version`;
  // ABORTED when another update came first.
  absl::Status Update(storage::Transaction& tx, const Product& product,
                      int64_t expected_version) const;
  // Products in SKU order, keyset-paginated on the SKU.
  absl::StatusOr<ProductPage> List(storage::Transaction& tx,
                                   const ProductFilter& filter,
                                   const PageRequest& page) const;
  // The product group of each of `skus` (canonical) in the catalogue;
  // unknown SKUs are absent.
  absl::StatusOr<std::map<std::string, std::string>> GroupsOf(
      storage::Transaction& tx, const std::vector<std::string>& skus) const;
  // Sends GroupsOf's read of up to 500 SKUs ahead (Transaction::Prefetch).
  absl::Status PrefetchGroupsOf(storage::Transaction& tx,
                                const std::vector<std::string>& skus) const;
  // Which of `skus` (canonical) are not in the catalogue, in their order.
  absl::StatusOr<std::vector<std::string>> Missing(
      storage::Transaction& tx, const std::vector<std::string>& skus) const;

  // NOT_FOUND PRODUCT_GROUP_NOT_FOUND naming the group when there is none.
  absl::StatusOr<ProductGroup> GetGroup(storage::Transaction& tx,
                                        const std::string& group_code) const;
  // ALREADY_EXISTS naming the code when it is taken.
  absl::Status InsertGroup(storage::Transaction& tx,
                           const ProductGroup& group) const;
  // Groups in code order, of one line if `product_line` is set.
  absl::StatusOr<ProductGroupPage> ListGroups(storage::Transaction& tx,
                                              const std::string& product_line,
                                              const PageRequest& page) const;
};

}  // namespace qudao::pricing
