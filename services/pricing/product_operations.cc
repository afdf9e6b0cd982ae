// Catalogue use cases; see product_operations.h.
#include "services/pricing/product_operations.h"

#include "common/status/macros.h"
#include "services/pricing/product_proto.h"

namespace qudao::pricing {

using storage::Transaction;
using storage::TransactionMode;

absl::StatusOr<Product> ProductOperations::Create(
    Product draft, const storage::IdempotentRequest& request) {
  draft.create_time = clock_->Now();
  RETURN_IF_ERROR(CheckProductInvariants(draft));
  return storage::RunIdempotent<Product>(
      *db_, request, draft.create_time, ProductCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Product> {
        RETURN_IF_ERROR(store_.Insert(tx, draft));
        return draft;
      });
}

absl::StatusOr<Product> ProductOperations::Get(const std::string& sku) {
  absl::StatusOr<Product> product;
  RETURN_IF_ERROR(db_->RunInTransaction(TransactionMode::kReadOnly,
                                        [&](Transaction& tx) -> absl::Status {
                                          product = store_.Get(tx, sku);
                                          return product.status();
                                        }));
  return product;
}

absl::StatusOr<ProductPage> ProductOperations::List(const ProductFilter& filter,
                                                    const PageRequest& page) {
  absl::StatusOr<ProductPage> result;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        result = store_.List(tx, filter, page);
        return result.status();
      }));
  return result;
}

}  // namespace qudao::pricing
