// Roles, actor fields, four eyes and the permission table's decisions.
#include "common/auth/permissions.h"

#include "common/auth/principal.h"
#include "common/status/status.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao::auth {
namespace {

using ::qudao::testing::IsOk;
using ::qudao::testing::StatusIs;
using ::testing::HasSubstr;

Principal Staff(std::string subject, RoleSet roles) {
  Principal p;
  p.subject = std::move(subject);
  p.roles = roles;
  return p;
}

TEST(RoleTest, NamesRoundTripAndUnknownNamesAreNone) {
  for (Role role : RoleSet::All().roles()) {
    EXPECT_EQ(RoleFromName(RoleName(role)), role);
  }
  EXPECT_EQ(RoleFromName("superuser"), std::nullopt);
  EXPECT_EQ(RoleFromName("Admin"), std::nullopt);
  EXPECT_TRUE(IsServiceAccount(Role::kGatewayService));
  EXPECT_FALSE(IsServiceAccount(Role::kAdmin));
  EXPECT_FALSE(RoleSet::Staff().Has(Role::kWarehouseService));
  EXPECT_EQ(RoleSet({Role::kAdmin, Role::kSalesRep}).ToString(),
            "sales_rep, admin");
}

TEST(ActorTest, TheActorIsAlwaysTheCaller) {
  const Principal li = Staff("li.wei", {Role::kCreditController});
  EXPECT_EQ(*ActorOf(li, "approved_by", ""), "li.wei");
  EXPECT_EQ(*ActorOf(li, "approved_by", "li.wei"), "li.wei");
  const auto other = ActorOf(li, "approved_by", "wang.fang");
  EXPECT_THAT(other.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReasonOf(other.status()), kReasonActorMismatch);
  EXPECT_EQ(FieldOf(other.status()), "approved_by");
  EXPECT_THAT(other.status().message(), HasSubstr("'wang.fang'"));
}

TEST(FourEyesTest, NobodyDecidesAboutWhatTheyOwnOrRequested) {
  const Principal li = Staff("li.wei", {Role::kCreditController});
  EXPECT_THAT(RequireSomeoneElse(li, "wang.fang", "x", "y"), IsOk());
  EXPECT_THAT(RequireSomeoneElse(li, "", "x", "y"), IsOk());
  const absl::Status own = RequireSomeoneElse(
      li, "li.wei", "the credit limit of a dealer you own", "another one");
  EXPECT_THAT(own, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(ReasonOf(own), kReasonFourEyes);
  EXPECT_THAT(own.message(), HasSubstr("another one"));
}

TEST(PermissionTableTest, RolesDecideAndPartnersNeedTheirColumn) {
  const PermissionTable table(
      "qudao.test.v1.TestService",
      {{"Write",
        Access::kWrite,
        {Role::kCreditController},
        PartnerAccess::kNone,
        "things",
        "thing_id",
        ""},
       {"Read", Access::kRead, RoleSet::Staff(), PartnerAccess::kOwnDealer,
        "things", "thing_id", "own only"}});
  ASSERT_NE(table.Find("Write"), nullptr);
  EXPECT_EQ(table.Find("Nope"), nullptr);
  const MethodRule& write = *table.Find("Write");
  const MethodRule& read = *table.Find("Read");

  EXPECT_THAT(
      PermissionTable::Authorize(Staff("a", {Role::kCreditController}), write),
      IsOk());
  const absl::Status denied = PermissionTable::Authorize(
      Staff("b", {Role::kSalesRep, Role::kSalesManager}), write);
  EXPECT_THAT(denied, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(ReasonOf(denied), kReasonRoleRequired);
  EXPECT_THAT(denied.message(), HasSubstr("credit_controller"));
  EXPECT_THAT(PermissionTable::Authorize(Staff("c", {}), read),
              StatusIs(absl::StatusCode::kPermissionDenied));

  Principal partner = Staff("svc-gateway", {Role::kGatewayService});
  partner.partner_dealer_id = "dlr_0190f3c2a1b24e8f0a1b";
  EXPECT_THAT(PermissionTable::Authorize(partner, read), IsOk());
  EXPECT_EQ(ReasonOf(PermissionTable::Authorize(partner, write)),
            kReasonPartnerNotAllowed);
  // A partner holds none of the gateway's roles.
  EXPECT_FALSE(partner.Has(Role::kGatewayService));
  EXPECT_TRUE(partner.Reaches("dlr_0190f3c2a1b24e8f0a1b"));
  EXPECT_FALSE(partner.Reaches("dlr_0190f3c2a1b24e8f0a1c"));
  EXPECT_EQ(partner.DisplayName(),
            "partner:dlr_0190f3c2a1b24e8f0a1b via svc-gateway");

  EXPECT_THAT(table.Markdown(), HasSubstr("| Read | read | all staff |"));
  EXPECT_EQ(RoleSet::All().Describe(), "all staff; every service account");
  EXPECT_EQ(RoleSet({Role::kAdmin, Role::kGatewayService}).Describe(),
            "admin; service accounts: gateway");
}

}  // namespace
}  // namespace qudao::auth
