// BusinessCalendar; see calendar.h.
#include "common/calendar/calendar.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace qudao {

absl::StatusOr<BusinessCalendar> BusinessCalendar::Create(
    absl::string_view time_zone) {
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(std::string(time_zone), &zone)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown time zone '", time_zone,
        "'; use an IANA name such as Asia/Shanghai (package tzdata)"));
  }
  return BusinessCalendar(std::string(time_zone), zone);
}

const BusinessCalendar& BusinessCalendar::Default() {
  static const auto* calendar = [] {
    absl::StatusOr<BusinessCalendar> c = Create(kDefaultBusinessTimeZone);
    if (c.ok()) return new BusinessCalendar(*std::move(c));
    return new BusinessCalendar(kDefaultBusinessTimeZone,
                                absl::FixedTimeZone(8 * 3600));
  }();
  return *calendar;
}

absl::CivilDay BusinessCalendar::DayOf(absl::Time t) const {
  return absl::ToCivilDay(t, zone_);
}

absl::Time BusinessCalendar::StartOf(absl::CivilDay day) const {
  return absl::FromCivil(day, zone_);
}

absl::CivilMonth BusinessCalendar::MonthOf(absl::Time t) const {
  return absl::ToCivilMonth(t, zone_);
}

absl::Time BusinessCalendar::StartOf(absl::CivilMonth month) const {
  return absl::FromCivil(month, zone_);
}

absl::CivilHour BusinessCalendar::HourOf(absl::Time t) const {
  return absl::ToCivilHour(t, zone_);
}

std::string BusinessCalendar::Key(absl::CivilDay day) {
  return absl::StrFormat("%04d-%02d-%02d", day.year(), day.month(), day.day());
}

std::string BusinessCalendar::Key(absl::CivilMonth month) {
  return absl::StrFormat("%04d-%02d", month.year(), month.month());
}

std::string BusinessCalendar::Key(absl::CivilHour hour) {
  return absl::StrFormat("%04d-%02d-%02dT%02d", hour.year(), hour.month(),
                         hour.day(), hour.hour());
}

}  // namespace qudao
