// The compact alert format on realistic relayed messages: misspellings, wrong P-codes, French,
// Arabic and Juba Arabic mixed with English, missing prefixes. Prints the accuracy.
#include "alert/parser.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "ingest/area_import.h"

namespace aegis::alert {
namespace {

const std::string kData = std::string(AEGIS_SOURCE_DIR) + "/data";

struct Case {
  const char* message;
  const char* pcode;  // expected area ("" = none can be found)
  const char* risk;   // expected first risk ("" = none)
  const char* urgency;
};

// Realistic messages as community focal points send them through SMS relays.
const Case kCases[] = {
    {"ALERT Pibor gunmen attacking Gumuruk road now", "SS0308", "ATK", "immediate"},
    {"ALERT SS0308 abduction of 4 children tonight", "SS0308", "ABD", "high"},
    {"ALERT SS030802 cattle raid ongoing many killed", "SS030802", "ATK", "immediate"},
    {"alert akobo attak on village now", "SS0301", "ATK", "immediate"},
    {"ALRT Nasir armed men burning houses", "SS0704", "ATK", "high"},
    {"ALERT Malakal kidnaping of women at water point", "SS0707", "ABD", "high"},
    {"ALERT Yei rape of girls by soldiers last week", "SS0106", "GBV", "low"},
    {"ALERT Leer fighting, people fleeing to the swamps", "SS0604", "ATK", "high"},
    {"ALERT Rubkona landmine found near school", "SS0609", "EO", "high"},
    {"ALERT Renk roadblock, IDPs cannot leave", "SS0711", "MOV", "high"},
    {"ALERT Tambura recruitment of boys by armed group today", "SS1009", "REC", "high"},
    {"ALERTE Yambio attaque en cours hommes armés", "SS1010", "ATK", "immediate"},
    {"ALERTE Maban enlèvement de deux humanitaires ce soir", "SS0705", "ABD", "high"},
    {"ALERTE Torit violences sexuelles signalées", "SS0208", "GBV", "high"},
    {"alerte Kajo-Keji déplacement massif, fuite vers Ouganda", "SS0102", "MOV", "high"},
    {"تنبيه Malakal هجوم مسلحين على المخيم الآن", "SS0707", "ATK", "immediate"},
    {"ALERT Wau اختطاف اطفال", "SS0903", "ABD", "high"},
    {"ALERT Aweil East hujum fi suk now", "SS0502", "ATK", "immediate"},
    {"ALERT Bor South nuzuh kabir, people fleeing", "SS0303", "MOV", "high"},
    {"Pibor gunmen attacking now pls help", "SS0308", "ATK", "immediate"},
    {"ALERT Pibbor attack imminent", "SS0308", "ATK", "immediate"},
    {"ALERT Akobbo abducted 3 women", "SS0301", "ABD", "high"},
    {"ALERT Maridii shooting in market", "SS1003", "ATK", "high"},
    {"ALERT SSO308 gunfire heard", "SS0308", "ATK", "high"},
    {"ALERT SS0l06 looting of shops", "SS0106", "HLP", ""},
    {"ALERT SS030899 attack on cattle camp", "SS0308", "ATK", "high"},
    {"ALERT SSD0707 armed men in the PoC", "SS0707", "ATK", "high"},
    {"ALERT Mundri West torture of detained youths", "SS1005", "TOR", "high"},
    {"ALERT Jonglei fighting between youths", "SS03", "ATK", "high"},
    {"ALERT Upper Nile clashes rumour tomorrow", "SS07", "ATK", "medium"},
    {"ALERT Gumuruk armed men looting", "SS030802", "ATK", "high"},
    {"ALERT Lekuangole abduction of children", "SS030804", "ABD", "high"},
    {"ALERT Ezo LRA attack on farmers", "SS1001", "ATK", "high"},
    {"ALERT Twic East cattle raid, houses burned", "SS0310", "ATK", "high"},
    {"ALERT Ulang child soldiers seen recruiting", "SS0712", "REC", "high"},
    {"ALERT Magwi landmines on road to Nimule", "SS0207", "EO", "high"},
    {"ALERT Panyijiar forced marriage of 14 year old girl", "SS0607", "CEFM", "high"},
    {"ALERT Yirol West trafficking of girls to Juba", "SS0408", "TIP", "high"},
    {"ALERT Kapoeta South raid on village", "SS0205", "ATK", "high"},
    {"ALERT Fangak shelling from river", "SS0306", "ATK", "high"},
    // Harder ones: place names in Arabic script, towns, odd order, spacing.
    {"تنبيه ملكال هجوم الآن", "SS0707", "ATK", "immediate"},
    {"ALERT Bentiu PoC fighting tonight", "SS060901", "ATK", "high"},
    {"ALERT Nimule armed men abducted traders", "SS020704", "ATK", "high"},
    {"ALERT Kajo Keji shooting near border", "SS0102", "ATK", "high"},
    {"ALERT Yambio attque sur le marché", "SS1010", "ATK", "high"},
    {"urgent armed men in Leer town", "SS0604", "ATK", "immediate"},
    {"ALERT attack now in Kodok", "SS070202", "ATK", "immediate"},
    {"ALERT Malakal PoC women raped at night", "SS0707", "GBV", "high"},
    {"ALERT Rumbek cattle raid revenge attack expected tomorrow", "SS04", "ATK", "medium"},
    // Cannot be placed or classified: still stored, flagged for a person.
    {"ALERT the place near the big tree, come quickly", "", "", "high"},
    {"ALERT Pibor situation tense", "SS0308", "", "high"},
    {"hello is this the number for help", "", "", "immediate"},
};

class ParserTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto g = ingest::BuildGazetteer({kData + "/geo/ssd/ssd_adm3_payams_pcodes.csv"},
                                    kData + "/geo/aliases.csv", "SSD");
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    gazetteer_ = new geo::Gazetteer(std::move(*g));
    auto k = Keywords::Load(kData + "/alerts/keywords.toml");
    ASSERT_TRUE(k.ok()) << k.status().ToString();
    keywords_ = new Keywords(std::move(*k));
  }
  static void TearDownTestSuite() {
    delete gazetteer_;
    delete keywords_;
  }
  static geo::Gazetteer* gazetteer_;
  static Keywords* keywords_;
};
geo::Gazetteer* ParserTest::gazetteer_ = nullptr;
Keywords* ParserTest::keywords_ = nullptr;

TEST_F(ParserTest, RealisticMessagesAreReadWithPlaceRiskAndUrgency) {
  PlaceFinder places(*gazetteer_, "");
  AlertParser parser(*keywords_, places);
  int place_ok = 0, risk_ok = 0, both_ok = 0, urgency_ok = 0, n = 0;
  for (const Case& c : kCases) {
    ParsedAlert p = parser.Parse(c.message);
    bool place = p.pcode == c.pcode;
    bool risk = (p.risks.empty() ? std::string() : p.risks.front()) == c.risk;
    place_ok += place ? 1 : 0;
    risk_ok += risk ? 1 : 0;
    both_ok += place && risk ? 1 : 0;
    urgency_ok += (*c.urgency == '\0' || p.urgency == c.urgency) ? 1 : 0;
    ++n;
    if (!place || !risk)
      std::printf("[miss] %s -> %s %s (%s)\n", c.message, p.pcode.c_str(),
                  p.risks.empty() ? "-" : p.risks.front().c_str(), p.note.c_str());
    // A message without place or risk is never trusted silently.
    if (p.pcode.empty() || p.risks.empty()) {
      EXPECT_TRUE(p.needs_review) << c.message;
    }
  }
  std::printf(
      "[figure] alert parser: %d messages; place %d/%d, risk %d/%d, both %d/%d (%.0f%%), "
      "urgency %d/%d\n",
      n, place_ok, n, risk_ok, n, both_ok, n, 100.0 * both_ok / n, urgency_ok, n);
  EXPECT_GE(both_ok * 100, n * 90);  // at least 90% fully right
}

// Place names written in Arabic script resolve through the project's aliases (data/geo).
TEST_F(ParserTest, ArabicScriptPlaceNames) {
  PlaceFinder places(*gazetteer_, "");
  AlertParser parser(*keywords_, places);
  EXPECT_EQ(parser.Parse("تنبيه ملكال هجوم الآن").pcode, "SS0707");
  EXPECT_EQ(parser.Parse("تنبيه جوبا هجوم").pcode, "SS0101");
  EXPECT_EQ(parser.Parse("تنبيه بانتيو هجوم الليلة").pcode, "SS0609");  // at its county
  EXPECT_EQ(parser.Parse("تنبيه الرنك هجوم").pcode, "SS0711");
}

TEST_F(ParserTest, ConfidenceAndReviewFlag) {
  PlaceFinder places(*gazetteer_, "");
  AlertParser parser(*keywords_, places);
  ParsedAlert exact = parser.Parse("ALERT SS0308 attack now");
  EXPECT_EQ(exact.confidence, 1.0);
  EXPECT_FALSE(exact.needs_review);
  EXPECT_TRUE(exact.has_prefix);
  EXPECT_EQ(exact.free_text, "SS0308 attack now");
  ParsedAlert sloppy = parser.Parse("Pibbor atack");  // misspelt, no prefix
  EXPECT_LT(sloppy.confidence, exact.confidence);
  ParsedAlert wrong_code = parser.Parse("ALERT SS030899 attack");
  EXPECT_EQ(wrong_code.pcode, "SS0308");
  EXPECT_LT(wrong_code.place_confidence, 0.7);
  EXPECT_TRUE(wrong_code.needs_review);
  ParsedAlert nothing = parser.Parse("ALERT");
  EXPECT_TRUE(nothing.pcode.empty());
  EXPECT_TRUE(nothing.needs_review);
}

TEST(KeywordsTest, WordMatchingToleratesOneTypoInLongWordsOnly) {
  bool exact = false;
  EXPECT_TRUE(WordMatches("attak", "attack", &exact));
  EXPECT_FALSE(exact);
  EXPECT_TRUE(WordMatches("kidnaping", "kidnapping", &exact));
  EXPECT_FALSE(WordMatches("rapt", "raid", &exact));       // short words must be equal
  EXPECT_FALSE(WordMatches("battack", "attack", &exact));  // first letter must agree
  EXPECT_EQ(OsaDistance("abcd", "abdc"), 1);
  std::string code;
  EXPECT_EQ(PcodeCandidates("SSO308"), (std::vector<std::string>{"SSO308", "SS0308"}));
  EXPECT_TRUE(LooksLikePcode("ss0l01", &code));
  EXPECT_EQ(code, "SS0101");
  EXPECT_FALSE(LooksLikePcode("Pibor", &code));
  EXPECT_EQ(PcodeCandidates("SSD0707"), (std::vector<std::string>{"SSD0707"}));
  EXPECT_TRUE(PcodeCandidates("Yei").empty());
}

}  // namespace
}  // namespace aegis::alert
