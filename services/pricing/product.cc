// Product rules; see product.h.
#include "services/pricing/product.h"

#include "absl/strings/str_cat.h"
#include "common/status/status.h"

namespace qudao::pricing {

absl::Status CheckListPrice(const Money& list_price) {
  if (list_price.is_negative() || list_price.is_zero()) {
    return InvalidField("product.list_price",
                        absl::StrCat("must be greater than zero (got ",
                                     list_price.ToString(), ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckProductInvariants(const Product& product) {
  return CheckListPrice(product.list_price);
}

}  // namespace qudao::pricing
