// Failpoints: the list is parsed as documented, an unarmed failpoint does
// nothing, and an armed one kills the process with SIGKILL (a death test
// in a re-executed child, which reads QUDAO_FAILPOINTS afresh).
#include "common/failpoint/failpoint.h"

#include <csignal>
#include <cstdlib>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(FailpointTest, ParsesACommaList) {
  EXPECT_THAT(ParseFailpoints("order.after_reserve"),
              ElementsAre("order.after_reserve"));
  EXPECT_THAT(ParseFailpoints(" a.b , c.d,,e "),
              ElementsAre("a.b", "c.d", "e"));
  EXPECT_THAT(ParseFailpoints(""), IsEmpty());
  EXPECT_THAT(ParseFailpoints(" , "), IsEmpty());
}

TEST(FailpointTest, OnlyTheNamedFailpointKills) {
  ::testing::FLAGS_gtest_death_test_style = "threadsafe";
  // The child is this binary again, with the variable set before anything
  // reads it; this process reads it (armed) only below, where nothing is
  // named by it.
  ASSERT_EQ(setenv("QUDAO_FAILPOINTS", "test.armed, test.other", 1), 0);
  EXPECT_EXIT(Failpoint("test.armed"), ::testing::KilledBySignal(SIGKILL),
              "failpoint reached");
  Failpoint("test.not_armed");
  Failpoint("test");
  EXPECT_THAT(ArmedFailpoints(), ElementsAre("test.armed", "test.other"));
}

}  // namespace
}  // namespace qudao
