// Routing-table cases: area with its parents, risk, urgency, time of day (wrapping midnight),
// levels, unplaced alerts, and malformed rule files.
#include "alert/routing.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace aegis::alert {
namespace {

const char* kRules = R"(
utc_offset_minutes = 120
[ack_minutes]
immediate = 15
high = 60
[recipients.joc]
audience = "outside"
webhook = "http://127.0.0.1:1/hook"
secret = "s"
[recipients.hr]
email = "hr@example.org"

[[rule]]
name = "everything"
levels = [["role:coordinator"], ["recipient:hr"]]

[[rule]]
name = "Jonglei partner"
areas = ["SS03"]
levels = [["org:ORG-A"], ["role:coordinator", "recipient:joc"]]

[[rule]]
name = "Pibor county, attacks, high and above"
areas = ["SS0308"]
risks = ["ATK", "ABD"]
min_urgency = "high"
levels = [["recipient:joc"]]

[[rule]]
name = "Upper Nile nights"
areas = ["SS07"]
hours = "18:00-06:00"
levels = [["org:ORG-B"]]

[[rule]]
name = "Upper Nile days"
areas = ["SS07"]
hours = "06:00-18:00"
levels = [["org:ORG-C"]]
)";

RouteInput In(std::vector<std::string> chain, std::vector<std::string> risks, std::string urgency,
              int hour) {
  return {std::move(chain), std::move(risks), std::move(urgency), hour * 60};
}

struct TableCase {
  const char* name;
  RouteInput in;
  int level;
  std::vector<std::string> expected;
};

TEST(RoutingTest, RoutingTable) {
  auto c = RoutingConfig::Parse(kRules, "rules");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const std::vector<std::string> pibor_payam = {"SS030802", "SS0308", "SS03"};
  const std::vector<TableCase> cases = {
      {"payam of Pibor, attack, immediate: every matching rule, parents included",
       In(pibor_payam, {"ATK"}, "immediate", 10),
       0,
       {"role:coordinator", "org:ORG-A", "recipient:joc"}},
      {"same, medium urgency: below the Pibor rule's minimum",
       In(pibor_payam, {"ATK"}, "medium", 10),
       0,
       {"role:coordinator", "org:ORG-A"}},
      {"same, other risk",
       In(pibor_payam, {"EO"}, "immediate", 10),
       0,
       {"role:coordinator", "org:ORG-A"}},
      {"second risk matches",
       In(pibor_payam, {"EO", "ABD"}, "high", 10),
       0,
       {"role:coordinator", "org:ORG-A", "recipient:joc"}},
      {"another Jonglei county",
       In({"SS0301", "SS03"}, {"ATK"}, "immediate", 10),
       0,
       {"role:coordinator", "org:ORG-A"}},
      {"Upper Nile at 23:00 (night rule wraps midnight)",
       In({"SS0707", "SS07"}, {"ATK"}, "high", 23),
       0,
       {"role:coordinator", "org:ORG-B"}},
      {"Upper Nile at 03:00",
       In({"SS0707", "SS07"}, {"ATK"}, "high", 3),
       0,
       {"role:coordinator", "org:ORG-B"}},
      {"Upper Nile at 12:00",
       In({"SS0707", "SS07"}, {"ATK"}, "high", 12),
       0,
       {"role:coordinator", "org:ORG-C"}},
      {"Upper Nile at 18:00 exactly: night",
       In({"SS0707", "SS07"}, {}, "low", 18),
       0,
       {"role:coordinator", "org:ORG-B"}},
      {"unplaced alert: only rules without areas",
       In({}, {"ATK"}, "immediate", 10),
       0,
       {"role:coordinator"}},
      {"escalation level 1 of a Pibor attack",
       In(pibor_payam, {"ATK"}, "immediate", 10),
       1,
       {"recipient:hr", "role:coordinator", "recipient:joc"}},
      {"level 2: nobody", In(pibor_payam, {"ATK"}, "immediate", 10), 2, {}},
  };
  for (const TableCase& t : cases) EXPECT_EQ(c->Route(t.in, t.level), t.expected) << t.name;
  EXPECT_EQ(c->AckMinutes("immediate"), 15);
  EXPECT_EQ(c->AckMinutes("low"), 0);
  EXPECT_EQ(c->utc_offset_minutes(), 120);
  ASSERT_NE(c->FindRecipient("recipient:joc"), nullptr);
  EXPECT_EQ(c->FindRecipient("recipient:hr")->audience, "outside");  // the default
}

TEST(RoutingTest, MalformedRulesAreRefusedWithTheReason) {
  auto no_levels = RoutingConfig::Parse("[[rule]]\nname='x'\n", "f");
  EXPECT_FALSE(no_levels.ok());
  auto bad_ref = RoutingConfig::Parse("[[rule]]\nlevels=[['someone']]\n", "f");
  ASSERT_FALSE(bad_ref.ok());
  EXPECT_NE(bad_ref.status().message().find("org:, role: or recipient:"), std::string::npos);
  auto unknown = RoutingConfig::Parse("[[rule]]\nlevels=[['recipient:nobody']]\n", "f");
  EXPECT_FALSE(unknown.ok());
  auto hours = RoutingConfig::Parse("[[rule]]\nhours='night'\nlevels=[['role:imo']]\n", "f");
  EXPECT_FALSE(hours.ok());
  auto urgency = RoutingConfig::Parse("[[rule]]\nmin_urgency='asap'\nlevels=[['role:imo']]\n", "f");
  EXPECT_FALSE(urgency.ok());
  auto no_secret = RoutingConfig::Parse(
      "[recipients.x]\nwebhook='http://h/p'\n[[rule]]\nlevels=[['role:imo']]\n", "f");
  EXPECT_FALSE(no_secret.ok());
  EXPECT_EQ(ParseClock("18:30"), 1110);
  EXPECT_EQ(ParseClock("25:00"), -1);
}

// The library reads no environment: a recipient's secret_env and the SMTP server come from the
// options the CLI fills, even when the process's environment says otherwise.
TEST(RoutingTest, SecretAndSmtpComeFromTheOptionsNotTheEnvironment) {
  const std::string text =
      "[smtp]\nurl='smtp://file:25'\n[recipients.x]\nwebhook='http://h/p'\n"
      "secret_env='AEGIS_ROUTING_TEST_SECRET'\n[[rule]]\nlevels=[['recipient:x']]\n";
  setenv("AEGIS_ROUTING_TEST_SECRET", "from-the-environment-not-read", 1);
  setenv("AEGIS_SMTP_URL", "smtp://environment:25", 1);
  auto without = RoutingConfig::Parse(text, "f");
  EXPECT_FALSE(without.ok());  // no lookup given: the variable is not read, no secret
  RoutingOptions o;
  o.smtp_url = "smtp://option:25";
  o.variable = [](const std::string& name) {
    return name == "AEGIS_ROUTING_TEST_SECRET" ? std::string("from-the-option-0123456789")
                                               : std::string();
  };
  auto with = RoutingConfig::Parse(text, "f", o);
  unsetenv("AEGIS_ROUTING_TEST_SECRET");
  unsetenv("AEGIS_SMTP_URL");
  ASSERT_TRUE(with.ok()) << with.status().ToString();
  EXPECT_EQ(with->FindRecipient("recipient:x")->secret, "from-the-option-0123456789");
  EXPECT_EQ(with->smtp_url(), "smtp://option:25");
  auto file_smtp = RoutingConfig::Parse(text, "f", {{}, o.variable});
  ASSERT_TRUE(file_smtp.ok());
  EXPECT_EQ(file_smtp->smtp_url(), "smtp://file:25");
}

TEST(RoutingTest, TheShippedRulesLoad) {
  auto c = RoutingConfig::Load(std::string(AEGIS_SOURCE_DIR) + "/data/alerts/routing.toml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_GE(c->rules().size(), 3u);
  // Every alert, even one that could not be placed, reaches cluster coordination.
  EXPECT_FALSE(c->Route(In({}, {}, "low", 0), 0).empty());
}

}  // namespace
}  // namespace aegis::alert
