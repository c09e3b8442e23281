#include "util/date.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>

#include "util/text.h"

namespace aegis {

namespace {

bool IsLeap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int y, int m) {
  static constexpr std::array<int, 12> kDays = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

int MonthFromName(std::string_view name) {
  static constexpr std::array<std::string_view, 12> kEn = {
      "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
  // French month names that do not share their first three letters with English.
  struct Alt {
    std::string_view prefix;
    int month;
  };
  // clang-format off
  static constexpr std::array<Alt, 12> kFr = {{
      {"janv", 1}, {"fev", 2}, {"fév", 2}, {"mars", 3}, {"avr", 4}, {"mai", 5}, {"juin", 6},
      {"juil", 7}, {"aout", 8}, {"août", 8}, {"sept", 9}, {"déc", 12}}};
  // clang-format on
  // Only the first bytes matter (the longest prefix, "août", is 5 bytes): lower-case those into
  // a buffer instead of copying the whole name.
  char buf[8];
  size_t n = std::min(name.size(), sizeof buf);
  for (size_t i = 0; i < n; ++i)
    buf[i] = static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  auto starts_with = [&](std::string_view prefix) {  // a byte loop: memcmp calls cost more
    if (n < prefix.size()) return false;
    for (size_t i = 0; i < prefix.size(); ++i)
      if (buf[i] != prefix[i]) return false;
    return true;
  };
  for (const auto& a : kFr) {
    if (starts_with(a.prefix)) return a.month;
  }
  if (name.size() < 3) return 0;
  for (int i = 0; i < 12; ++i) {
    if (starts_with(kEn[i])) return i + 1;
  }
  return 0;
}

int ExpandYear(int y, size_t digits) {
  if (digits == 2) return y < 69 ? 2000 + y : 1900 + y;
  return y;
}

struct Token {
  std::string_view text;  // into the string being parsed
  bool numeric;
};

// The first tokens of a date and how many there are in all. A date has one or three tokens, so
// later ones are only counted; this keeps the common case free of heap allocations.
struct Tokens {
  std::array<Token, 3> tok;
  size_t count = 0;
};

Tokens Tokenize(std::string_view s) {
  Tokens out;
  auto add = [&](size_t from, size_t to, bool numeric) {
    if (out.count < out.tok.size()) out.tok[out.count] = {s.substr(from, to - from), numeric};
    ++out.count;
  };
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = s[i];
    if (std::isdigit(c)) {
      size_t j = i;
      while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j]))) ++j;
      add(i, j, true);
      i = j;
    } else if (std::isalpha(c) || c >= 0x80) {
      size_t j = i;
      while (j < s.size() && (std::isalpha(static_cast<unsigned char>(s[j])) ||
                              static_cast<unsigned char>(s[j]) >= 0x80))
        ++j;
      add(i, j, false);
      i = j;
    } else {
      ++i;
    }
  }
  return out;
}

// Value of a run of at most 8 digits.
int DigitsValue(std::string_view digits) {
  int v = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), v);
  return v;
}

DateParse Make(int y, int m, int d) {
  DateParse r;
  if (m < 1 || m > 12) {
    r.error = "month " + std::to_string(m) + " does not exist";
  } else if (y < 1900 || y > 2100) {
    r.error = "year " + std::to_string(y) + " is out of range 1900-2100";
  } else if (d < 1 || d > DaysInMonth(y, m)) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "day %d does not exist in %04d-%02d", d, y, m);
    r.error = buf;
  } else {
    r.date = Date{y, m, d};
  }
  return r;
}

}  // namespace

bool IsValidDate(int y, int m, int d) {
  return m >= 1 && m <= 12 && d >= 1 && d <= DaysInMonth(y, m);
}

std::string Date::Iso() const {
  if (year < 0 || year > 9999 || month < 0 || month > 99 || day < 0 || day > 99) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", year, month, day);
    return buf;
  }
  // The common case by hand: snprintf would cost more than parsing the date did.
  char buf[10];
  auto put = [&](int at, int value, int digits) {
    for (int i = digits - 1; i >= 0; --i, value /= 10)
      buf[at + i] = static_cast<char>('0' + value % 10);
  };
  put(0, year, 4);
  buf[4] = '-';
  put(5, month, 2);
  buf[7] = '-';
  put(8, day, 2);
  return std::string(buf, sizeof buf);
}

// Howard Hinnant's days_from_civil.
int Date::DaysSinceEpoch() const {
  int y = year - (month <= 2 ? 1 : 0);
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int mp = (month + 9) % 12;
  int doy = (153 * mp + 2) / 5 + day - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

Date Date::FromDays(int z) {
  z += 719468;
  int era = (z >= 0 ? z : z - 146096) / 146097;
  int doe = z - era * 146097;
  int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int y = yoe + era * 400;
  int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int mp = (5 * doy + 2) / 153;
  int d = doy - (153 * mp + 2) / 5 + 1;
  int m = mp < 10 ? mp + 3 : mp - 9;
  return Date{y + (m <= 2 ? 1 : 0), m, d};
}

std::optional<Date> DateFromExcelSerial(double serial) {
  if (serial < 1 || serial > 2958465) return std::nullopt;
  int days = static_cast<int>(serial);
  if (days >= 60) days -= 1;  // Excel counts 1900-02-29, which did not exist
  return Date::FromDays(Date{1899, 12, 31}.DaysSinceEpoch() + days);
}

DateParse ParseDate(std::string_view raw, DateOrder order) {
  std::string_view s = text::Trim(raw);
  DateParse r;
  if (s.empty()) {
    r.error = "empty";
    return r;
  }
  // Cut a time part: "2017-12-27T20:58:25", "2021-07-28 10:00:00".
  size_t t = s.find('T');
  if (t != std::string_view::npos && t >= 8 && t + 1 < s.size() &&
      std::isdigit(static_cast<unsigned char>(s[t + 1])))
    s = s.substr(0, t);
  size_t colon = s.find(':');
  if (colon != std::string_view::npos) {
    size_t sp = s.rfind(' ', colon);
    if (sp != std::string_view::npos) s = s.substr(0, sp);
  }
  const Tokens tokens = Tokenize(s);
  const std::array<Token, 3>& tok = tokens.tok;
  if (tokens.count == 1 && tok[0].numeric && tok[0].text.size() == 8) {  // 20210728
    int v = DigitsValue(tok[0].text);
    return Make(v / 10000, v / 100 % 100, v % 100);
  }
  if (tokens.count != 3) {
    r.error = "not a date (expected e.g. 2021-07-28, 28 July 2021 or 28/07/2021)";
    return r;
  }
  int num[3] = {0, 0, 0};
  int month_name_at = -1;
  for (int i = 0; i < 3; ++i) {
    if (tok[i].numeric) {
      if (tok[i].text.size() > 4) {
        r.error = "not a date";
        return r;
      }
      num[i] = DigitsValue(tok[i].text);
    } else {
      int m = MonthFromName(tok[i].text);
      if (m == 0 || month_name_at >= 0) {
        r.error = text::QuoteIfCode(tok[i].text, "a word") + " is not a month name";
        return r;
      }
      month_name_at = i;
      num[i] = m;
    }
  }
  if (month_name_at == 1) {  // 06 July 2018, 28-Jul-21
    if (tok[0].text.size() == 4) return Make(num[0], num[1], num[2]);
    return Make(ExpandYear(num[2], tok[2].text.size()), num[1], num[0]);
  }
  if (month_name_at == 0) {  // July 6, 2018
    return Make(ExpandYear(num[2], tok[2].text.size()), num[0], num[1]);
  }
  if (month_name_at == 2) {
    r.error = "not a date";
    return r;
  }
  if (tok[0].text.size() == 4 || order == DateOrder::kYMD) {
    return Make(ExpandYear(num[0], tok[0].text.size()), num[1], num[2]);
  }
  int y = ExpandYear(num[2], tok[2].text.size());
  if (order == DateOrder::kMDY) return Make(y, num[0], num[1]);
  if (order == DateOrder::kAuto && num[1] > 12 && num[0] <= 12) return Make(y, num[0], num[1]);
  return Make(y, num[1], num[0]);
}

namespace {
std::string FormatUtc(const char* fmt, int64_t offset_seconds = 0) {
  std::time_t t = std::time(nullptr) + static_cast<std::time_t>(offset_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}
}  // namespace

std::string TodayUtc() { return FormatUtc("%Y-%m-%d"); }
std::string NowUtc() { return FormatUtc("%Y-%m-%dT%H:%M:%SZ"); }
std::string UtcIn(int64_t seconds) { return FormatUtc("%Y-%m-%dT%H:%M:%SZ", seconds); }

}  // namespace aegis
