// The dealer rules, without a server or a database.
#include "services/customer_records/dealer.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status/status.h"
#include "common/testing/uscc.h"
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

// Dealers in memory, as the operations read them in a transaction.
class MapLookup : public DealerLookup {
 public:
  Dealer& Add(const std::string& id, ChannelLevel level,
              const std::string& parent = "",
              DealerStatus status = DealerStatus::kActive) {
    Dealer& d = dealers_[id];
    d.id = id;
    d.channel_level = level;
    d.parent_dealer_id = parent;
    d.status = status;
    return d;
  }
  absl::StatusOr<Dealer> Get(const std::string& id) override {
    ++reads;
    auto it = dealers_.find(id);
    if (it == dealers_.end()) {
      return absl::NotFoundError(
          absl::StrCat("dealer ", id, " does not exist"));
    }
    return it->second;
  }
  absl::StatusOr<std::vector<Dealer>> ChildrenOf(
      const std::string& id) override {
    ++reads;
    std::vector<Dealer> out;
    for (const auto& [unused, d] : dealers_) {
      if (d.parent_dealer_id == id && d.status != DealerStatus::kTerminated) {
        out.push_back(d);
      }
    }
    return out;
  }
  Dealer& at(const std::string& id) { return dealers_.at(id); }

  int reads = 0;

 private:
  std::map<std::string, Dealer> dealers_;
};

// distributor "dist" → wholesaler "whole" → retailer "shop"; another
// distributor "other".
class DealerPayerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    lookup_.Add("dist", ChannelLevel::kDistributor);
    lookup_.Add("other", ChannelLevel::kDistributor);
    lookup_.Add("whole", ChannelLevel::kWholesaler, "dist");
    lookup_.Add("shop", ChannelLevel::kRetailer, "whole");
  }

  // A new retailer under "whole", billed to `payer`.
  static Dealer NewShop(const std::string& payer) {
    Dealer d = Make(ChannelLevel::kRetailer);
    d.id = "new";
    d.parent_dealer_id = "whole";
    d.payer_dealer_id = payer;
    return d;
  }

  static void ExpectInvalidPayer(const absl::Status& s,
                                 const std::string& says) {
    EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition) << s;
    EXPECT_EQ(ReasonOf(s), kReasonInvalidPayer) << s;
    EXPECT_THAT(s.message(), ::testing::HasSubstr(says));
  }

  MapLookup lookup_;
};

TEST_F(DealerPayerTest, ADealerPaysForItselfOrIsBilledUpstream) {
  EXPECT_TRUE(CheckPayer(nullptr, NewShop(""), lookup_).ok());
  EXPECT_TRUE(CheckPayer(nullptr, NewShop("new"), lookup_).ok());  // own id
  EXPECT_EQ(lookup_.reads, 0);  // nothing to follow
  EXPECT_TRUE(PaysForItself(NewShop("new")));
  EXPECT_FALSE(PaysForItself(NewShop("dist")));
  EXPECT_TRUE(CheckPayer(nullptr, NewShop("whole"), lookup_).ok());
  EXPECT_TRUE(CheckPayer(nullptr, NewShop("dist"), lookup_).ok());
}

TEST_F(DealerPayerTest, ThePayerMustExistBeActiveAndUpstream) {
  ExpectInvalidPayer(
      CheckPayer(nullptr, NewShop("dlr_00000000000000000000"), lookup_),
      "payer dealer dlr_00000000000000000000 does not exist");
  ExpectInvalidPayer(CheckPayer(nullptr, NewShop("other"), lookup_),
                     "payer dealer other is not upstream");
  ExpectInvalidPayer(CheckPayer(nullptr, NewShop("shop"), lookup_),
                     "not upstream");  // a sibling
  EXPECT_EQ(FieldOf(CheckPayer(nullptr, NewShop("other"), lookup_)),
            "dealer.payer_dealer_id");
  for (DealerStatus status : {DealerStatus::kProspect, DealerStatus::kSuspended,
                              DealerStatus::kTerminated}) {
    lookup_.at("dist").status = status;
    ExpectInvalidPayer(CheckPayer(nullptr, NewShop("dist"), lookup_),
                       "payer dealer dist is ");
  }
}

TEST_F(DealerPayerTest, IsCheckedOnlyWhenPayerParentOrTradingStatusChange) {
  Dealer before = NewShop("dist");
  lookup_.at("dist").status = DealerStatus::kSuspended;
  // An owner change does not look at the payer at all.
  Dealer after = before;
  after.owner = "rep.li";
  EXPECT_TRUE(CheckPayer(&before, after, lookup_).ok());
  EXPECT_EQ(lookup_.reads, 0);
  // Suspending or terminating the dealer never fails on its payer.
  for (DealerStatus stop :
       {DealerStatus::kSuspended, DealerStatus::kTerminated}) {
    after = before;
    after.status = stop;
    EXPECT_TRUE(CheckPayer(&before, after, lookup_).ok());
  }
  // Activating it does.
  before.status = DealerStatus::kSuspended;
  after = before;
  after.status = DealerStatus::kActive;
  ExpectInvalidPayer(CheckPayer(&before, after, lookup_), "is suspended");
  // A suspended dealer moved to another parent keeps a suspended payer
  // that is still upstream; one newly named must be active.
  lookup_.Add("whole2", ChannelLevel::kWholesaler, "dist");
  after = before;
  after.parent_dealer_id = "whole2";
  EXPECT_TRUE(CheckPayer(&before, after, lookup_).ok());
  after = before;
  after.payer_dealer_id = "whole";
  lookup_.at("whole").status = DealerStatus::kSuspended;
  ExpectInvalidPayer(CheckPayer(&before, after, lookup_), "is suspended");
}

TEST_F(DealerPayerTest, AParentChangeThatLeavesThePayerBehindIsRefused) {
  Dealer before = NewShop("whole");
  lookup_.Add("whole2", ChannelLevel::kWholesaler, "dist");
  Dealer after = before;
  after.parent_dealer_id = "whole2";
  ExpectInvalidPayer(CheckPayer(&before, after, lookup_),
                     "not upstream of this dealer under its new parent");
  // Changing the payer in the same update is fine.
  after.payer_dealer_id = "dist";
  EXPECT_TRUE(CheckPayer(&before, after, lookup_).ok());
}

TEST_F(DealerPayerTest, ALoopingOrDeepChainIsRefusedNotFollowed) {
  lookup_.Add("a", ChannelLevel::kWholesaler, "b");
  lookup_.Add("b", ChannelLevel::kWholesaler, "a");
  Dealer d = NewShop("dist");
  d.parent_dealer_id = "a";
  ExpectInvalidPayer(CheckPayer(nullptr, d, lookup_), "loops back");
  EXPECT_LE(lookup_.reads, 3);
  // A dealer that would become its own ancestor.
  lookup_.Add("c", ChannelLevel::kWholesaler, "new");
  d.parent_dealer_id = "c";
  ExpectInvalidPayer(CheckPayer(nullptr, d, lookup_), "loops back");

  // 16 ancestors are followed; a 17th is refused.
  std::string parent;
  for (int i = 0; i < kMaxChainDepth + 1; ++i) {
    const std::string id = absl::StrCat("up", i);
    lookup_.Add(id, ChannelLevel::kWholesaler, parent);
    parent = id;
  }
  d.payer_dealer_id = "up1";
  d.parent_dealer_id = absl::StrCat("up", kMaxChainDepth - 1);
  EXPECT_TRUE(CheckPayer(nullptr, d, lookup_).ok());
  auto chain = AncestorsOf(d, lookup_);
  ASSERT_TRUE(chain.ok());
  EXPECT_EQ(static_cast<int>(chain->size()), kMaxChainDepth);
  d.parent_dealer_id = absl::StrCat("up", kMaxChainDepth);
  lookup_.reads = 0;
  ExpectInvalidPayer(CheckPayer(nullptr, d, lookup_), "deeper than 16");
  EXPECT_LE(lookup_.reads, kMaxChainDepth);
}

TEST_F(DealerPayerTest, DealersBelowKeepTheirPayerUpstream) {
  lookup_.Add("shop2", ChannelLevel::kRetailer, "whole").payer_dealer_id =
      "whole";
  lookup_.Add("shop3", ChannelLevel::kRetailer, "whole").payer_dealer_id =
      "shop3";
  Dealer before = lookup_.at("whole");
  Dealer after = before;
  after.parent_dealer_id = "other";
  // Billed to themselves or to "whole", which moves with them.
  EXPECT_TRUE(CheckPayersBelow(before, after, lookup_).ok());
  // Billed to "dist", which "whole" leaves.
  lookup_.at("shop").payer_dealer_id = "dist";
  ExpectInvalidPayer(CheckPayersBelow(before, after, lookup_),
                     "dealer shop, which buys through dealer whole, is billed "
                     "to dealer dist");
  // Terminated dealers below do not count.
  lookup_.at("shop").status = DealerStatus::kTerminated;
  EXPECT_TRUE(CheckPayersBelow(before, after, lookup_).ok());
  // Nothing is read when the parent stays.
  lookup_.reads = 0;
  after = before;
  after.owner = "rep.li";
  EXPECT_TRUE(CheckPayersBelow(before, after, lookup_).ok());
  EXPECT_EQ(lookup_.reads, 0);
}

TEST(DealerUsccTest, AnActiveDealerHasItsCode) {
  Dealer prospect = Make(ChannelLevel::kRetailer, DealerStatus::kProspect);
  EXPECT_TRUE(CheckUsccForStatus(nullptr, prospect).ok());
  Dealer active = Make(ChannelLevel::kRetailer);
  absl::Status s = CheckUsccForStatus(nullptr, active);
  EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(ReasonOf(s), kReasonUsccRequired);
  EXPECT_EQ(FieldOf(s), "dealer.unified_social_credit_code");
  EXPECT_EQ(ReasonOf(CheckUsccForStatus(&prospect, active)),
            kReasonUsccRequired);
  active.unified_social_credit_code = testing::NextUscc();
  EXPECT_TRUE(CheckUsccForStatus(nullptr, active).ok());
  EXPECT_TRUE(CheckUsccForStatus(&prospect, active).ok());
  // Clearing an active dealer's code is refused ...
  Dealer cleared = active;
  cleared.unified_social_credit_code.clear();
  EXPECT_EQ(ReasonOf(CheckUsccForStatus(&active, cleared)),
            kReasonUsccRequired);
  // ... but an active dealer recorded before codes were asked for is not
  // stopped by an unrelated change.
  Dealer legacy = cleared;
  Dealer renamed = legacy;
  renamed.legal_name = "New name";
  EXPECT_TRUE(CheckUsccForStatus(&legacy, renamed).ok());
}

TEST(DealerUsccTest, ADuplicateNamesTheDealerThatHasTheCode) {
  const absl::Status s =
      DuplicateDealer("dlr_0190f3c2a1b24e8f0a1b", "91330106MA2GL0K1PP");
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(ReasonOf(s), kReasonDuplicateDealer);
  EXPECT_THAT(s.message(), ::testing::HasSubstr("dlr_0190f3c2a1b24e8f0a1b"));
}

TEST(DealerUpdateTest, AppliesTheNewFieldsNamed) {
  Dealer current = Make(ChannelLevel::kRetailer);
  current.payer_dealer_id = "dlr_a";
  current.abc_class = AbcClass::kB;
  DealerUpdate update;
  update.fields = {DealerField::kPayer, DealerField::kPricingZone,
                   DealerField::kUnifiedSocialCreditCode};
  update.values.payer_dealer_id = "";
  update.values.pricing_zone = "ZONE-1";
  update.values.unified_social_credit_code = "91330106MA2GL0K1PP";
  update.values.abc_class = AbcClass::kA;  // not a field UpdateDealer names
  const Dealer out = ApplyUpdate(current, update);
  EXPECT_EQ(out.payer_dealer_id, "");
  EXPECT_EQ(out.pricing_zone, "ZONE-1");
  EXPECT_EQ(out.unified_social_credit_code, "91330106MA2GL0K1PP");
  EXPECT_EQ(out.abc_class, AbcClass::kB);
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
