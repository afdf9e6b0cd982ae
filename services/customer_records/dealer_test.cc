// The dealer rules, without a server or a database.
#include "services/customer_records/dealer.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao::customer {
namespace {

Dealer Make(ChannelLevel level, DealerStatus status = DealerStatus::kActive) {
  Dealer d;
  d.id = "dlr_x";
  d.channel_level = level;
  d.status = status;
  return d;
}

TEST(DealerStatusTest, FollowsTheLifecycle) {
  using S = DealerStatus;
  EXPECT_TRUE(CheckStatusTransition(S::kProspect, S::kActive).ok());
  EXPECT_TRUE(CheckStatusTransition(S::kProspect, S::kTerminated).ok());
  EXPECT_TRUE(CheckStatusTransition(S::kActive, S::kSuspended).ok());
  EXPECT_TRUE(CheckStatusTransition(S::kSuspended, S::kActive).ok());
  EXPECT_TRUE(CheckStatusTransition(S::kSuspended, S::kTerminated).ok());
  EXPECT_TRUE(CheckStatusTransition(S::kActive, S::kActive).ok());
  EXPECT_EQ(CheckStatusTransition(S::kProspect, S::kSuspended).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(CheckStatusTransition(S::kActive, S::kProspect).code(),
            absl::StatusCode::kFailedPrecondition);
  absl::Status final_state = CheckStatusTransition(S::kTerminated, S::kActive);
  EXPECT_EQ(final_state.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(final_state.message(), ::testing::HasSubstr("final"));
}

TEST(DealerParentTest, ParentMustBeUpstream) {
  const Dealer distributor = Make(ChannelLevel::kDistributor);
  const Dealer wholesaler = Make(ChannelLevel::kWholesaler);
  const Dealer retailer = Make(ChannelLevel::kRetailer);
  const Dealer key_account = Make(ChannelLevel::kKeyAccount);
  EXPECT_TRUE(CheckParent(wholesaler, distributor).ok());
  EXPECT_TRUE(CheckParent(retailer, distributor).ok());
  EXPECT_TRUE(CheckParent(retailer, wholesaler).ok());
  EXPECT_FALSE(CheckParent(distributor, distributor).ok());
  EXPECT_FALSE(CheckParent(distributor, wholesaler).ok());
  EXPECT_FALSE(CheckParent(wholesaler, retailer).ok());
  EXPECT_FALSE(CheckParent(retailer, retailer).ok());
  EXPECT_FALSE(CheckParent(key_account, distributor).ok());
  EXPECT_FALSE(CheckParent(retailer, key_account).ok());
}

TEST(DealerParentTest, TerminatedDealerCannotBeAParent) {
  EXPECT_EQ(
      CheckParent(Make(ChannelLevel::kRetailer),
                  Make(ChannelLevel::kDistributor, DealerStatus::kTerminated))
          .code(),
      absl::StatusCode::kFailedPrecondition);
}

TEST(DealerInvariantsTest, RejectsNegativeCapitalAndDuplicateBrands) {
  Dealer d = Make(ChannelLevel::kRetailer);
  EXPECT_TRUE(CheckDealerInvariants(d).ok());
  d.registered_capital = Money::Create("CNY", -1).value();
  EXPECT_EQ(CheckDealerInvariants(d).code(),
            absl::StatusCode::kInvalidArgument);
  d.registered_capital = Money::Create("CNY", 100).value();
  d.brands = {"A", "B", "A"};
  EXPECT_THAT(CheckDealerInvariants(d).message(),
              ::testing::HasSubstr("listed twice"));
}

TEST(DealerEtagTest, ChangesWithVersion) {
  Dealer d = Make(ChannelLevel::kRetailer);
  d.version = 3;
  const std::string v3 = EtagOf(d);
  d.version = 4;
  EXPECT_NE(EtagOf(d), v3);
}

}  // namespace
}  // namespace qudao::customer
