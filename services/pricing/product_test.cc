// The product rules, without a server or a database.
#include "services/pricing/product.h"

#include "common/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao::pricing {
namespace {

Product Make() {
  Product p;
  p.sku = "PUMP-100";
  p.name = "Centrifugal pump 100";
  p.product_group = "PUMPS-CENTRIFUGAL";
  p.product_line = "PUMPS";
  p.version = 2;
  return p;
}

TEST(ProductTest, CodesAreCaseInsensitiveAndCanonicallyUpperCase) {
  EXPECT_EQ(CanonicalCode("pump-100.b_2"), "PUMP-100.B_2");
  EXPECT_EQ(CanonicalCode("PUMP-100"), CanonicalCode("Pump-100"));
}

TEST(ProductTest, StoredProductsHaveCanonicalCodesAndAName) {
  EXPECT_TRUE(CheckProductInvariants(Make()).ok());
  Product lower = Make();
  lower.sku = "pump-100";
  EXPECT_EQ(FieldOf(CheckProductInvariants(lower)), "product.sku");
  Product no_group = Make();
  no_group.product_group.clear();
  EXPECT_EQ(FieldOf(CheckProductInvariants(no_group)), "product.product_group");
  Product no_name = Make();
  no_name.name.clear();
  EXPECT_EQ(FieldOf(CheckProductInvariants(no_name)), "product.name");
}

TEST(ProductTest, EtagsRoundTripAndAStaleOneIsAborted) {
  const Product p = Make();
  EXPECT_EQ(EtagOf(p), "\"v2\"");
  EXPECT_EQ(VersionFromEtag("product.etag", EtagOf(p)).value(), 2);
  EXPECT_EQ(FieldOf(VersionFromEtag("product.etag", "v2").status()),
            "product.etag");
  EXPECT_TRUE(CheckExpectedVersion(p, 0).ok());
  EXPECT_TRUE(CheckExpectedVersion(p, 2).ok());
  absl::Status stale = CheckExpectedVersion(p, 1);
  EXPECT_EQ(stale.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(ReasonOf(stale), kReasonEtagMismatch);
}

}  // namespace
}  // namespace qudao::pricing
