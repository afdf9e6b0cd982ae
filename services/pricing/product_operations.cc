// Catalogue use cases; see product_operations.h.
#include "services/pricing/product_operations.h"

#include "common/status/macros.h"
#include "services/pricing/product_proto.h"

namespace qudao::pricing {

using storage::Transaction;
using storage::TransactionMode;

absl::StatusOr<Product> ProductOperations::Create(
    Product draft, const storage::IdempotentRequest& request) {
  draft.sku = CanonicalCode(draft.sku);
  draft.product_group = CanonicalCode(draft.product_group);
  draft.create_time = clock_->Now();
  draft.update_time = draft.create_time;
  draft.version = 1;
  RETURN_IF_ERROR(CheckProductInvariants(draft));
  return storage::RunIdempotent<Product>(
      *db_, request, draft.create_time, ProductCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Product> {
        ASSIGN_OR_RETURN(const ProductGroup group,
                         store_.GetGroup(tx, draft.product_group));
        Product product = draft;
        product.product_line = group.product_line;
        RETURN_IF_ERROR(store_.Insert(tx, product));
        return product;
      });
}

absl::StatusOr<Product> ProductOperations::Update(
    const ProductUpdate& update, const storage::IdempotentRequest& request) {
  const std::string sku = CanonicalCode(update.sku);
  const absl::Time now = clock_->Now();
  return storage::RunIdempotent<Product>(
      *db_, request, now, ProductCodec(),
      [&](Transaction& tx) -> absl::StatusOr<Product> {
        ASSIGN_OR_RETURN(const Product current, store_.Get(tx, sku));
        RETURN_IF_ERROR(CheckExpectedVersion(current, update.expected_version));
        Product next = current;
        if (update.name.has_value()) next.name = *update.name;
        if (update.product_group.has_value()) {
          ASSIGN_OR_RETURN(
              const ProductGroup group,
              store_.GetGroup(tx, CanonicalCode(*update.product_group)));
          next.product_group = group.group_code;
          next.product_line = group.product_line;
        }
        next.version = current.version + 1;
        next.update_time = now;
        RETURN_IF_ERROR(CheckProductInvariants(next));
        RETURN_IF_ERROR(store_.Update(tx, next, current.version));
        return next;
      });
}

absl::StatusOr<Product> ProductOperations::Get(const std::string& sku) {
  absl::StatusOr<Product> product;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        product = store_.Get(tx, CanonicalCode(sku));
        return product.status();
      }));
  return product;
}

absl::StatusOr<ProductPage> ProductOperations::List(ProductFilter filter,
                                                    const PageRequest& page) {
  filter.product_line = CanonicalCode(filter.product_line);
  filter.product_group = CanonicalCode(filter.product_group);
  absl::StatusOr<ProductPage> result;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        result = store_.List(tx, filter, page);
        return result.status();
      }));
  return result;
}

absl::StatusOr<ProductGroup> ProductOperations::CreateGroup(
    ProductGroup draft, const storage::IdempotentRequest& request) {
  draft.group_code = CanonicalCode(draft.group_code);
  draft.product_line = CanonicalCode(draft.product_line);
  draft.create_time = clock_->Now();
  RETURN_IF_ERROR(CheckGroupInvariants(draft));
  return storage::RunIdempotent<ProductGroup>(
      *db_, request, draft.create_time, ProductGroupCodec(),
      [&](Transaction& tx) -> absl::StatusOr<ProductGroup> {
        RETURN_IF_ERROR(store_.InsertGroup(tx, draft));
        return draft;
      });
}

absl::StatusOr<ProductGroupPage> ProductOperations::ListGroups(
    const std::string& product_line, const PageRequest& page) {
  absl::StatusOr<ProductGroupPage> result;
  RETURN_IF_ERROR(db_->RunInTransaction(
      TransactionMode::kReadOnly, [&](Transaction& tx) -> absl::Status {
        result = store_.ListGroups(tx, CanonicalCode(product_line), page);
        return result.status();
      }));
  return result;
}

}  // namespace qudao::pricing
