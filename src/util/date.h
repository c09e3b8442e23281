// Calendar dates as they arrive in humanitarian data: ISO, "06 July 2018", "28-Jul-21",
// "30/12/20", Kobo timestamps, Excel serial numbers.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aegis {

struct Date {
  int year = 0, month = 0, day = 0;
  std::string Iso() const;     // "YYYY-MM-DD"
  int DaysSinceEpoch() const;  // 1970-01-01 = 0
  static Date FromDays(int days);
  auto operator<=>(const Date&) const = default;
};

// Order of day, month and year in all-numeric dates such as "03/04/20".
enum class DateOrder { kAuto, kDMY, kMDY, kYMD };

struct DateParse {
  std::optional<Date> date;
  // When `date` is empty: why, for the user ("month 13 does not exist", "not a date").
  std::string error;
};

// Parses one date. Times and time zones after the date ("2017-12-27T20:58:25", "... 15:53") are
// ignored. Impossible dates (2021-02-30) are rejected with a reason, never corrected. Two-digit
// years are 2000-2068 / 1969-1999 (POSIX rule). kAuto reads "a/b/c" as day/month/year unless the
// second part is > 12; ambiguous files should set the order in their mapping profile.
DateParse ParseDate(std::string_view s, DateOrder order = DateOrder::kAuto);

// Excel serial day number (1900 date system, with Excel's 1900 leap-year bug) to a date.
std::optional<Date> DateFromExcelSerial(double serial);

bool IsValidDate(int y, int m, int d);

// Today's date in UTC, "YYYY-MM-DD".
std::string TodayUtc();
// The current time in UTC, "YYYY-MM-DDTHH:MM:SSZ".
std::string NowUtc();
// The UTC time `seconds` from now, in the same form as NowUtc (e.g. an expiry).
std::string UtcIn(int64_t seconds);

}  // namespace aegis
