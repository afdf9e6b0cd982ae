// Business dates in the company's time zone, with the clock pinned on both
// sides of midnight.
#include "common/calendar/calendar.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao {
namespace {

// 2026-11-30 23:59:59 and 2026-12-01 00:00:00 in Shanghai (UTC+8), which
// are 15:59:59 and 16:00:00 UTC.
const absl::Time kAtMidnight = absl::FromCivil(
    absl::CivilSecond(2026, 11, 30, 16, 0, 0), absl::UTCTimeZone());
const absl::Time kBeforeMidnight = kAtMidnight - absl::Seconds(1);

TEST(BusinessCalendarTest, MidnightInShanghaiNotInUtc) {
  const BusinessCalendar& cal = BusinessCalendar::Default();
  EXPECT_EQ(cal.DayOf(kBeforeMidnight), absl::CivilDay(2026, 11, 30));
  EXPECT_EQ(cal.DayOf(kAtMidnight), absl::CivilDay(2026, 12, 1));
  // In UTC both instants are still on 2026-11-30, at 15:59 and 16:00.
  EXPECT_EQ(absl::ToCivilDay(kAtMidnight, absl::UTCTimeZone()),
            absl::CivilDay(2026, 11, 30));
  EXPECT_EQ(cal.MonthOf(kBeforeMidnight), absl::CivilMonth(2026, 11));
  EXPECT_EQ(cal.MonthOf(kAtMidnight), absl::CivilMonth(2026, 12));
  EXPECT_EQ(cal.StartOf(absl::CivilDay(2026, 12, 1)), kAtMidnight);
  EXPECT_EQ(cal.EndOf(absl::CivilDay(2026, 11, 30)), kAtMidnight);
  EXPECT_EQ(cal.StartOf(absl::CivilMonth(2026, 12)), kAtMidnight);
}

TEST(BusinessCalendarTest, CountsCalendarDays) {
  const BusinessCalendar& cal = BusinessCalendar::Default();
  const absl::CivilDay due(2026, 11, 30);
  EXPECT_EQ(BusinessCalendar::DaysBetween(due, cal.DayOf(kBeforeMidnight)), 0);
  EXPECT_EQ(BusinessCalendar::DaysBetween(due, cal.DayOf(kAtMidnight)), 1);
  EXPECT_EQ(BusinessCalendar::DaysBetween(absl::CivilDay(2026, 1, 31),
                                          absl::CivilDay(2026, 3, 2)),
            30);
  EXPECT_EQ(BusinessCalendar::DaysBetween(absl::CivilDay(2028, 2, 28),
                                          absl::CivilDay(2028, 3, 1)),
            2);  // a leap year
}

TEST(BusinessCalendarTest, PeriodKeys) {
  const BusinessCalendar& cal = BusinessCalendar::Default();
  EXPECT_EQ(BusinessCalendar::Key(cal.DayOf(kAtMidnight)), "2026-12-01");
  EXPECT_EQ(BusinessCalendar::Key(cal.MonthOf(kBeforeMidnight)), "2026-11");
  EXPECT_EQ(BusinessCalendar::Key(cal.HourOf(kBeforeMidnight)),
            "2026-11-30T23");
}

TEST(BusinessCalendarTest, OtherZonesAndUnknownOnes) {
  auto utc = BusinessCalendar::Create("UTC");
  ASSERT_TRUE(utc.ok());
  EXPECT_EQ(utc->DayOf(kAtMidnight), absl::CivilDay(2026, 11, 30));
  EXPECT_EQ(BusinessCalendar::Create("Mars/Olympus").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(BusinessCalendar::Default().time_zone_name(), "Asia/Shanghai");
}

}  // namespace
}  // namespace qudao
