// The service ticket rules, without a server or a database.
#include "services/dealer_support/service_ticket.h"

#include <map>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao::support {
namespace {

using ::testing::HasSubstr;
using S = TicketStatus;

const absl::Time kReceived = absl::FromUnixSeconds(1767225600);

ServiceTicket Opened(TicketPriority priority = TicketPriority::kNormal) {
  ServiceTicket t;
  t.id = "tkt_x";
  t.dealer_id = "dlr_x";
  t.priority = priority;
  OpenTicket(t, kReceived);
  return t;
}

TEST(TargetResponseTimeTest, FollowsPriority) {
  EXPECT_EQ(TargetResponseTime(TicketPriority::kUrgent), absl::Hours(2));
  EXPECT_EQ(TargetResponseTime(TicketPriority::kHigh), absl::Hours(8));
  EXPECT_EQ(TargetResponseTime(TicketPriority::kNormal), absl::Hours(24));
  EXPECT_EQ(TargetResponseTime(TicketPriority::kLow), absl::Hours(72));
}

TEST(OpenTicketTest, PromisesAResponseAndStartsTheHistory) {
  ServiceTicket t;
  t.priority = TicketPriority::kUrgent;
  t.status = S::kClosed;  // whatever the caller left there
  const StatusChange first = OpenTicket(t, kReceived);
  EXPECT_EQ(t.status, S::kOpen);
  EXPECT_EQ(t.create_time, kReceived);
  EXPECT_EQ(t.respond_by_time, kReceived + absl::Hours(2));
  EXPECT_EQ(t.version, 1);
  EXPECT_EQ(first.status, S::kOpen);
  EXPECT_EQ(first.time, kReceived);
}

// The whole table, so a change to the lifecycle is a deliberate edit here.
TEST(StatusTransitionTest, FollowsTheDocumentedTable) {
  const std::map<std::pair<S, S>, bool> allowed = {
      {{S::kOpen, S::kOpen}, false},
      {{S::kOpen, S::kInProgress}, true},
      {{S::kOpen, S::kResolved}, false},
      {{S::kOpen, S::kClosed}, true},  // with a note; see below
      {{S::kInProgress, S::kOpen}, false},
      {{S::kInProgress, S::kInProgress}, false},
      {{S::kInProgress, S::kResolved}, true},
      {{S::kInProgress, S::kClosed}, false},
      {{S::kResolved, S::kOpen}, false},
      {{S::kResolved, S::kInProgress}, true},
      {{S::kResolved, S::kResolved}, false},
      {{S::kResolved, S::kClosed}, true},
      {{S::kClosed, S::kOpen}, false},
      {{S::kClosed, S::kInProgress}, false},
      {{S::kClosed, S::kResolved}, false},
      {{S::kClosed, S::kClosed}, false},
  };
  for (const auto& [move, ok] : allowed) {
    absl::Status s = CheckStatusTransition(move.first, move.second, "a note");
    EXPECT_EQ(s.ok(), ok) << StatusName(move.first) << " -> "
                          << StatusName(move.second) << ": " << s;
    if (!ok) {
      EXPECT_EQ(s.code(), absl::StatusCode::kFailedPrecondition);
    }
  }
}

TEST(StatusTransitionTest, ClosingAnUntouchedTicketNeedsAReason) {
  EXPECT_EQ(CheckStatusTransition(S::kOpen, S::kClosed, "").code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(CheckStatusTransition(S::kOpen, S::kClosed, "  ").message(),
              HasSubstr("note"));
  EXPECT_TRUE(
      CheckStatusTransition(S::kOpen, S::kClosed, "duplicate of tkt_y").ok());
  // After the work, closing follows the satisfaction follow-up; no note
  // needed.
  EXPECT_TRUE(CheckStatusTransition(S::kResolved, S::kClosed, "").ok());
}

TEST(StatusTransitionTest, MessagesSayWhatToDoInstead) {
  EXPECT_THAT(CheckStatusTransition(S::kClosed, S::kInProgress, "").message(),
              HasSubstr("open a new ticket"));
  EXPECT_THAT(CheckStatusTransition(S::kInProgress, S::kClosed, "").message(),
              HasSubstr("resolve it first"));
}

TEST(ChangeStatusTest, WalksTheLifecycleIncludingAReopen) {
  ServiceTicket t = Opened();
  const absl::Time t1 = kReceived + absl::Hours(1);
  auto picked_up = ChangeStatus(t, S::kInProgress, "engineer Li", t1);
  ASSERT_TRUE(picked_up.ok()) << picked_up.status();
  EXPECT_EQ(picked_up->status, S::kInProgress);
  EXPECT_EQ(picked_up->note, "engineer Li");
  EXPECT_EQ(picked_up->time, t1);
  EXPECT_EQ(t.status, S::kInProgress);

  ASSERT_TRUE(ChangeStatus(t, S::kResolved, "", t1).ok());
  ASSERT_TRUE(ChangeStatus(t, S::kInProgress, "dealer not satisfied", t1).ok());
  ASSERT_TRUE(ChangeStatus(t, S::kResolved, "", t1).ok());
  ASSERT_TRUE(ChangeStatus(t, S::kClosed, "", t1).ok());
  EXPECT_EQ(t.status, S::kClosed);
}

TEST(ChangeStatusTest, RefusedChangeLeavesTheTicketAlone) {
  ServiceTicket t = Opened();
  auto skipped = ChangeStatus(t, S::kResolved, "", kReceived);
  EXPECT_EQ(skipped.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(t.status, S::kOpen);
}

TEST(ResponsePromiseTest, ALateResponseStaysBroken) {
  ServiceTicket t = Opened(TicketPriority::kHigh);
  const absl::Time due = kReceived + absl::Hours(8);
  ASSERT_TRUE(ChangeStatus(t, S::kInProgress, "", due + absl::Hours(22)).ok());
  ASSERT_TRUE(ChangeStatus(t, S::kResolved, "", due + absl::Hours(30)).ok());
  EXPECT_TRUE(IsResponsePromiseBroken(t, due + absl::Hours(31)));
  // Withdrawn after the deadline without anyone responding: broken too.
  ServiceTicket withdrawn = Opened(TicketPriority::kHigh);
  ASSERT_TRUE(ChangeStatus(withdrawn, S::kClosed, "duplicate of another",
                           due + absl::Hours(1))
                  .ok());
  EXPECT_TRUE(IsResponsePromiseBroken(withdrawn, due + absl::Hours(2)));
}

TEST(ResponsePromiseTest, BrokenOnlyWhileStillOpenAfterRespondBy) {
  ServiceTicket t = Opened(TicketPriority::kHigh);
  const absl::Time due = kReceived + absl::Hours(8);
  EXPECT_FALSE(IsResponsePromiseBroken(t, kReceived));
  EXPECT_FALSE(IsResponsePromiseBroken(t, due));
  EXPECT_TRUE(IsResponsePromiseBroken(t, due + absl::Seconds(1)));

  // Someone responded in time: not broken however late it is now.
  ASSERT_TRUE(ChangeStatus(t, S::kInProgress, "", due).ok());
  EXPECT_FALSE(IsResponsePromiseBroken(t, due + absl::Hours(100)));
}

TEST(ResponsePromiseTest, UrgentTicketsAreDueSooner) {
  const absl::Time three_hours_in = kReceived + absl::Hours(3);
  EXPECT_TRUE(
      IsResponsePromiseBroken(Opened(TicketPriority::kUrgent), three_hours_in));
  EXPECT_FALSE(
      IsResponsePromiseBroken(Opened(TicketPriority::kNormal), three_hours_in));
  EXPECT_FALSE(IsResponsePromiseBroken(Opened(TicketPriority::kLow),
                                       kReceived + absl::Hours(72)));
  EXPECT_TRUE(IsResponsePromiseBroken(Opened(TicketPriority::kLow),
                                      kReceived + absl::Hours(73)));
}

}  // namespace
}  // namespace qudao::support
