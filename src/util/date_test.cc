#include "util/date.h"

#include <gtest/gtest.h>

namespace aegis {
namespace {

TEST(DateTest, ParsesFormatsSeenInAcledKoboAndSpreadsheets) {
  EXPECT_EQ(ParseDate("2018-07-06").date->Iso(), "2018-07-06");
  EXPECT_EQ(ParseDate("06 July 2018").date->Iso(), "2018-07-06");
  EXPECT_EQ(ParseDate("28-Jul-21").date->Iso(), "2021-07-28");
  EXPECT_EQ(ParseDate("30/12/20").date->Iso(), "2020-12-30");
  EXPECT_EQ(ParseDate("2017-12-27T20:58:25").date->Iso(), "2017-12-27");
  EXPECT_EQ(ParseDate("12/30/2020").date->Iso(), "2020-12-30");  // auto: 30 cannot be a month
  EXPECT_EQ(ParseDate("03/04/2020", DateOrder::kMDY).date->Iso(), "2020-03-04");
  EXPECT_EQ(ParseDate("3 mars 2021").date->Iso(), "2021-03-03");
}

TEST(DateTest, RejectsImpossibleDatesWithAReason) {
  auto r = ParseDate("2021-02-30");
  EXPECT_FALSE(r.date);
  EXPECT_NE(r.error.find("day 30"), std::string::npos);
  EXPECT_FALSE(ParseDate("2021-13-01").date);
  EXPECT_FALSE(ParseDate("yesterday").date);
  EXPECT_FALSE(ParseDate("").date);
  EXPECT_TRUE(ParseDate("2020-02-29").date);
  EXPECT_FALSE(ParseDate("2021-02-29").date);
}

TEST(DateTest, ExcelSerials) {
  EXPECT_EQ(DateFromExcelSerial(44405)->Iso(), "2021-07-28");
  EXPECT_EQ(DateFromExcelSerial(1)->Iso(), "1900-01-01");
  EXPECT_EQ(Date::FromDays(Date{2024, 2, 29}.DaysSinceEpoch()).Iso(), "2024-02-29");
}

}  // namespace
}  // namespace aegis
