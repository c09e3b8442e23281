// Automatic alerts: an area whose analysis flags a risk as escalating becomes one alert, once.
#include <gtest/gtest.h>

#include "alert/from_analysis.h"
#include "alert_test_util.h"
#include "util/text.h"

namespace aegis::testing {
namespace {

// Attacks in Pibor county: one a month from 2023-09 to 2024-02, then 12 in 2024-03.
void SeedEscalation(store::Store& s) {
  auto src = s.EnsureDataSource({0, "TEST", "test", "manual", "", "direct_monitoring"});
  ASSERT_TRUE(src.ok());
  std::vector<store::Incident> incidents;
  auto add = [&](const std::string& date, int n) {
    for (int i = 0; i < n; ++i) {
      store::Incident inc;
      inc.source_key = date + "-" + std::to_string(i);
      inc.content_hash = text::Hash64(inc.source_key);
      inc.date_start = inc.date_end = date;
      inc.country = "SSD";
      inc.place = {"SS030802", 3, "pcode", 1, "", ""};
      inc.risks = {"ATK"};
      inc.organisation_code = "ORG-A";
      inc.source_type = "direct_monitoring";
      inc.sensitivity = "internal";
      incidents.push_back(inc);
    }
  };
  for (const char* m :
       {"2023-09-10", "2023-10-10", "2023-11-10", "2023-12-10", "2024-01-10", "2024-02-10"})
    add(m, 1);
  add("2024-03-10", 12);
  ASSERT_TRUE(ImportIncidents(s, *src, std::move(incidents)).ok());
}

TEST(AlertFromAnalysisTest, AnEscalatingRiskRaisesOneAlertOnce) {
  TempDir dir;
  AlertFixture f(dir, TestRouting("http://127.0.0.1:1/hook"));
  ASSERT_TRUE(f.store->EnsureOrganisation({0, "ORG-A", "ORG-A", "ngo"}).ok());
  SeedEscalation(*f.store);
  alert::FromAnalysisOptions o;
  o.period = "2024-03";
  o.severity_rules = kData + "/analysis/severity.toml";
  auto first = alert::AlertsFromAnalysis(*f.store, *f.service, *f.catalog.taxonomy, o);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->created, 1);
  auto again = alert::AlertsFromAnalysis(*f.store, *f.service, *f.catalog.taxonomy, o);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->created, 0);
  EXPECT_EQ(again->already, 1);
  auto alerts = f.store->ListAlerts({});
  ASSERT_TRUE(alerts.ok());
  ASSERT_EQ(alerts->size(), 1u);
  const store::AlertRecord& a = alerts->front();
  EXPECT_EQ(a.channel, "analysis");
  EXPECT_EQ(a.area_pcode, "SS0308");
  EXPECT_EQ(a.risks, (std::vector<std::string>{"ATK"}));
  EXPECT_EQ(a.source_key, "analysis:2024-03:SS0308:ATK");
  EXPECT_NE(a.free_text.find("escalating"), std::string::npos) << a.free_text;
}

}  // namespace
}  // namespace aegis::testing
