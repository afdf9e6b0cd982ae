// Products and their list prices: the rules of the price list (DOMAIN.md §2)
// in plain C++, with no gRPC or SQL. Channel margins, discounts and the price
// waterfall build on these later.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/money/money.h"

namespace qudao::pricing {

// A product (SKU) with its list price: the price before any channel margin
// or discount, from which every dealer's net price is derived.
struct Product {
  std::string sku;
  std::string name;
  std::string product_line;
  Money list_price;
  absl::Time create_time;
};

// A list price is the top of every price waterfall; margins and discounts
// are taken off it, so it must be a positive amount.
absl::Status CheckListPrice(const Money& list_price);

// Rules that hold for any stored product (beyond field syntax, which the API
// boundary checks).
absl::Status CheckProductInvariants(const Product& product);

}  // namespace qudao::pricing
