// The product rules, without a server or a database.
#include "services/pricing/product.h"

#include "common/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao::pricing {
namespace {

Product Make(int64_t list_price_minor) {
  return Product{"PUMP-100", "Centrifugal pump 100", "PUMPS-INDUSTRIAL",
                 Money::Create("CNY", list_price_minor).value(),
                 absl::UnixEpoch()};
}

TEST(ProductTest, PositiveListPriceIsAccepted) {
  EXPECT_TRUE(CheckProductInvariants(Make(1)).ok());
  EXPECT_TRUE(CheckProductInvariants(Make(129900)).ok());
}

TEST(ProductTest, ZeroOrNegativeListPriceIsRefusedNamingTheField) {
  for (int64_t minor : {int64_t{0}, int64_t{-1}, int64_t{-129900}}) {
    absl::Status s = CheckProductInvariants(Make(minor));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << minor;
    EXPECT_EQ(FieldOf(s), "product.list_price");
    EXPECT_THAT(s.message(), ::testing::HasSubstr("greater than zero"));
  }
}

}  // namespace
}  // namespace qudao::pricing
