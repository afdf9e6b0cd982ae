// Business dates: the one place qudao turns instants into the calendar days
// the business counts (due dates, aging, cash-discount windows, seasons,
// visit cadence, SLA dates, monthly jobs, contest periods). Storage keeps
// UTC instants; a business day is a calendar day in the company's time
// zone, Asia/Shanghai unless configured otherwise.
//
// Plain Abseil: rules libraries may use it.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace qudao {

inline constexpr char kDefaultBusinessTimeZone[] = "Asia/Shanghai";

class BusinessCalendar {
 public:
  // The calendar of `time_zone` (an IANA name). INVALID_ARGUMENT for a
  // zone the system does not know (install tzdata).
  static absl::StatusOr<BusinessCalendar> Create(
      absl::string_view time_zone = kDefaultBusinessTimeZone);

  // The company's calendar: Asia/Shanghai. Shanghai has kept UTC+8
  // without daylight saving since 1991, so where the zone database is
  // missing this falls back to that fixed offset rather than to UTC.
  static const BusinessCalendar& Default();

  const std::string& time_zone_name() const { return name_; }

  // The business day an instant falls on.
  absl::CivilDay DayOf(absl::Time t) const;
  // The first instant of a business day (local midnight).
  absl::Time StartOf(absl::CivilDay day) const;
  // The first instant after a business day ends (the next local midnight).
  absl::Time EndOf(absl::CivilDay day) const { return StartOf(day + 1); }

  // Whole calendar days from `from` to `to` (negative if `to` is earlier):
  // e.g. days overdue = DaysBetween(due date, as-of date).
  static int64_t DaysBetween(absl::CivilDay from, absl::CivilDay to) {
    return to - from;
  }

  // Periods for jobs and reports, as stable keys and bounds.
  absl::CivilMonth MonthOf(absl::Time t) const;
  absl::Time StartOf(absl::CivilMonth month) const;
  absl::CivilHour HourOf(absl::Time t) const;

  // "2026-11-26", "2026-11", "2026-11-26T22": period keys.
  static std::string Key(absl::CivilDay day);
  static std::string Key(absl::CivilMonth month);
  static std::string Key(absl::CivilHour hour);

 private:
  BusinessCalendar(std::string name, absl::TimeZone zone)
      : name_(std::move(name)), zone_(zone) {}
  std::string name_;
  absl::TimeZone zone_;
};

}  // namespace qudao
