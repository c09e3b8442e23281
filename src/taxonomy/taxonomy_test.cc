// Tests for the shipped taxonomy files, their validation, and the ACLED event -> risk table.

#include "taxonomy/taxonomy.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "temp_dir.h"
#include "util/text.h"

namespace aegis::taxonomy {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string kTaxonomyDir = AEGIS_SOURCE_DIR "/data/taxonomy";
const std::string kEventRiskCsv = AEGIS_SOURCE_DIR "/data/mappings/acled_event_risks.csv";
const std::string kSharedDir = AEGIS_SHARED_DIR;

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

void WriteText(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
}

using aegis::testing::TempDir;

// Minimal RFC 4180 reader for the test's own use (ACLED exports quote their notes).
std::vector<std::vector<std::string>> ParseCsv(const std::string& s) {
  std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
  bool quoted = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quoted) {
      if (c == '"' && i + 1 < s.size() && s[i + 1] == '"') {
        rows.back().back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        rows.back().back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().emplace_back();
    } else if (c == '\n') {
      rows.emplace_back(1);
    } else if (c != '\r') {
      rows.back().back() += c;
    }
  }
  if (rows.back().size() == 1 && rows.back()[0].empty()) rows.pop_back();
  return rows;
}

// --- Shipped files
// --------------------------------------------------------------------------------

class TaxonomyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto loaded = Taxonomy::Load(kTaxonomyDir);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    tax_ = std::move(loaded).value();
  }
  Taxonomy tax_;
};

TEST_F(TaxonomyTest, LoadsShippedFiles) {
  EXPECT_EQ(tax_.risks().size(), 15u);
  EXPECT_EQ(tax_.severity_phases().size(), 5u);
  EXPECT_EQ(tax_.grave_violations().size(), 6u);
  EXPECT_EQ(tax_.gbv_types().size(), 6u);
  EXPECT_EQ(tax_.age_bands().size(), 6u);
  EXPECT_EQ(tax_.sex_values().size(), 4u);
  EXPECT_EQ(tax_.displacement_statuses().size(), 9u);
  EXPECT_EQ(tax_.wg_domains().size(), 6u);
  EXPECT_EQ(tax_.file_versions().size(), 9u);
  for (int id = 1; id <= 15; ++id) EXPECT_EQ(tax_.risks()[id - 1].id, id);
}

// The reference draft annotates aliases with their source in a trailing "(...)".
std::string StripSourceNote(const std::string& alias) {
  size_t open = alias.rfind(" (");
  if (open == std::string::npos || alias.back() != ')') return alias;
  return alias.substr(0, open);
}

TEST_F(TaxonomyTest, EveryReferenceLabelAndAliasResolves) {
  std::string text = ReadText(kSharedDir + "/reference/risks.json");
  if (text.empty()) GTEST_SKIP() << "reference risks.json not available";
  json ref = json::parse(text);
  ASSERT_EQ(ref["risks"].size(), 15u);
  for (const json& r : ref["risks"]) {
    const int id = r["id"].get<int>();
    std::vector<std::string> names = {r["label"].get<std::string>(), r["code"].get<std::string>()};
    for (const json& a : r["aliases"]) names.push_back(StripSourceNote(a.get<std::string>()));
    for (const std::string& name : names) {
      const Risk* risk = tax_.FindRisk(name);
      ASSERT_NE(risk, nullptr) << name;
      EXPECT_EQ(risk->id, id) << name;
      EXPECT_EQ(risk->code, r["code"].get<std::string>()) << name;
    }
    EXPECT_EQ(tax_.RiskById(id)->label, r["label"].get<std::string>()) << "label drifted";
  }
}

TEST_F(TaxonomyTest, OlderGpcLabelsResolve) {
  const std::map<std::string, std::string> older = {
      {"Sexual and gender-based violence", "GBV"},
      {"Misinformation and denial of access to information", "INF"},
      {"Impediments and/or restrictions to access to documentation, remedies and justice", "JUS"},
      {"Torture or inhuman, cruel, degrading treatment", "TOR"},
      {"Attacks on civilians and other unlawful killings, attacks on civilian infrastructures",
       "ATK"},
      {"Theft, extortion, eviction or destruction of personal property", "HLP"},
      {"Impediments or restrictions to freedom of movement, siege and forced displacement", "MOV"},
      {"Presence of mines and other explosive ordnance", "EO"},
  };
  for (const auto& [label, code] : older) {
    const Risk* risk = tax_.FindRisk(label);
    ASSERT_NE(risk, nullptr) << label;
    EXPECT_EQ(risk->code, code) << label;
  }
}

TEST_F(TaxonomyTest, FindRiskAcceptsCodeIdLabelAndTranslations) {
  for (const char* name :
       {"gbv", "GBV", "Gender-Based Violence", "gender based  VIOLENCE", "8", " 08 ", "SGBV",
        "Violence basée sur le genre", "العنف القائم على النوع الاجتماعي"}) {
    const Risk* risk = tax_.FindRisk(name);
    ASSERT_NE(risk, nullptr) << name;
    EXPECT_EQ(risk->id, 8) << name;
  }
  for (const Risk& r : tax_.risks()) {
    EXPECT_EQ(tax_.FindRisk(r.label_fr), &r) << r.label_fr;
    EXPECT_EQ(tax_.FindRisk(r.label_ar), &r) << r.label_ar;
    for (const std::string& alias : r.aliases) EXPECT_EQ(tax_.FindRisk(alias), &r) << alias;
  }
  EXPECT_EQ(tax_.FindRisk("Présence de mines et d'autres engins explosifs")->code, "EO");
  EXPECT_EQ(tax_.FindRisk("cefm")->id, 4);
  EXPECT_EQ(tax_.FindRisk(""), nullptr);
  EXPECT_EQ(tax_.FindRisk("0"), nullptr);
  EXPECT_EQ(tax_.FindRisk("16"), nullptr);
  EXPECT_EQ(tax_.FindRisk("housing, land and property"), nullptr);
}

TEST_F(TaxonomyTest, SeverityPhases) {
  EXPECT_EQ(tax_.FindSeverityPhase("3")->label, "Severe");
  EXPECT_EQ(tax_.FindSeverityPhase("Phase 4")->value, 4);
  EXPECT_EQ(tax_.FindSeverityPhase("catastrophic")->value, 5);
  EXPECT_EQ(tax_.FindSeverityPhase("None/Minimal")->value, 1);
  EXPECT_EQ(tax_.FindSeverityPhase("Stressed")->value, 2);
  EXPECT_EQ(tax_.FindSeverityPhase("Sévère")->value, 3);
  EXPECT_EQ(tax_.FindSeverityPhase("6"), nullptr);
  EXPECT_EQ(tax_.FindSeverityPhase("Moderate"), nullptr);  // only on the 2022 scale
  EXPECT_FALSE(tax_.SeverityPhaseByValue(2)->in_need);
  EXPECT_TRUE(tax_.SeverityPhaseByValue(3)->in_need);
  EXPECT_EQ(tax_.SeverityPhaseByValue(0), nullptr);
  // The 2022 dashboard scale: "Severe" is 4 there, and converts to default phase 4.
  EXPECT_EQ(tax_.FindSeverityPhase("Severe", "gpc_2022_dashboard")->value, 4);
  EXPECT_EQ(tax_.FindSeverityPhase("Moderate", "gpc_2022_dashboard")->label, "Severe");
  EXPECT_EQ(tax_.FindSeverityPhase("Minor", "gpc_2022_dashboard")->value, 1);
  EXPECT_EQ(tax_.FindSeverityPhase("Minor", "no_such_scale"), nullptr);
  EXPECT_EQ(tax_.FindSeverityPhase("N/A", "gpc_2022_dashboard"), nullptr);
  EXPECT_TRUE(tax_.IsSeverityNotAssessed("N/A", "gpc_2022_dashboard"));
  EXPECT_TRUE(tax_.IsSeverityNotAssessed("n/a"));
  EXPECT_FALSE(tax_.IsSeverityNotAssessed("Severe"));
  EXPECT_TRUE(tax_.HasSeverityScale("gpc_2022_dashboard"));
}

TEST_F(TaxonomyTest, GraveViolationsAndGbvTypes) {
  EXPECT_EQ(tax_.FindGraveViolation("KM")->id, 1);
  EXPECT_EQ(tax_.FindGraveViolation("maiming")->code, "KM");
  EXPECT_EQ(tax_.FindGraveViolation("Attacks against schools or hospitals")->code, "ASH");
  EXPECT_EQ(tax_.FindGraveViolation("attack_on_hospitals")->code, "ASH");
  EXPECT_EQ(tax_.FindGraveViolation("Abduction of children")->id, 5);
  EXPECT_EQ(tax_.FindGraveViolation("military_use"), nullptr);
  for (int rank = 1; rank <= 6; ++rank) EXPECT_EQ(tax_.gbv_types()[rank - 1].rank, rank);
  EXPECT_EQ(tax_.FindGbvType("Sexual Assault")->rank, 2);
  EXPECT_EQ(tax_.FindGbvType("psychological_emotional_abuse")->rank, 6);
  EXPECT_EQ(tax_.FindGbvType("Psychological/Emotional Abuse")->rank, 6);
  const GbvType* non_gbv = tax_.FindGbvType("non-gbv");
  ASSERT_NE(non_gbv, nullptr);
  EXPECT_FALSE(non_gbv->is_core());
  EXPECT_EQ(tax_.FindGbvType("domestic violence"), nullptr);  // context, not a core type
}

TEST_F(TaxonomyTest, AgeBands) {
  const std::vector<std::pair<int, std::string>> ages = {
      {0, "0_4"},    {4, "0_4"},    {5, "5_11"},   {11, "5_11"},    {12, "12_17"},
      {17, "12_17"}, {18, "18_59"}, {59, "18_59"}, {60, "60_plus"}, {104, "60_plus"}};
  for (const auto& [age, band] : ages) EXPECT_EQ(tax_.AgeBandForAge(age), band) << age;
  EXPECT_EQ(tax_.AgeBandForAge(-1), std::nullopt);
  EXPECT_EQ(tax_.AgeBandForAge(200), std::nullopt);

  const std::vector<std::pair<std::string, std::string>> texts = {{"0-4", "0_4"},
                                                                  {"0_4", "0_4"},
                                                                  {"0 to 4 years", "0_4"},
                                                                  {"under 5", "0_4"},
                                                                  {"12 - 17", "12_17"},
                                                                  {"18–59", "18_59"},
                                                                  {"60+", "60_plus"},
                                                                  {"60 +", "60_plus"},
                                                                  {"60 plus", "60_plus"},
                                                                  {"60_plus", "60_plus"},
                                                                  {"60 and above", "60_plus"},
                                                                  {"elderly", "60_plus"},
                                                                  {"Unknown", "unknown"},
                                                                  {"Unknown age", "unknown"}};
  for (const auto& [in, band] : texts) EXPECT_EQ(tax_.NormalizeAgeBand(in), band) << in;
  for (const char* bad : {"adult", "Minor", "child", "5", "60", "0-5", "18+", "", "abc"}) {
    EXPECT_EQ(tax_.NormalizeAgeBand(bad), std::nullopt) << bad;
  }
  EXPECT_TRUE(*tax_.age_bands().front().child);
  EXPECT_TRUE(tax_.age_bands().back().is_unknown());
}

TEST_F(TaxonomyTest, NormalizeSex) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"F", "female"},
      {"female", "female"},
      {"Female", "female"},
      {"girl", "female"},
      {"ProbablyFemale", "female"},
      {"woman", "female"},
      {"M", "male"},
      {"Male", "male"},
      {"boy", "male"},
      {"ProbablyMale", "male"},
      {"Other", "other"},
      {"Unclear", "unknown"},
      {"NotApplicable", "unknown"},
      {"unable/unwilling to answer", "unknown"},
      {"Féminin", "female"},
      {"ذكر", "male"}};
  for (const auto& [in, out] : cases) EXPECT_EQ(tax_.NormalizeSex(in), out) << in;
  for (const char* bad : {"", "Female, Male", "mixed", "xyz"}) {
    EXPECT_EQ(tax_.NormalizeSex(bad), std::nullopt) << bad;
  }
}

TEST_F(TaxonomyTest, NormalizeDisplacement) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"IDP", "idp"},
      {"idps", "idp"},
      {"Internally displaced person", "idp"},
      {"RDP", "returnee_idp"},
      {"IDP returnee", "returnee_idp"},
      {"RET", "returnee_refugee"},
      {"refugee returnee", "returnee_refugee"},
      {"REF", "refugee"},
      {"Asylum-seekers", "asylum_seeker"},
      {"Host community", "host_non_displaced"},
      {"non-displaced", "host_non_displaced"},
      {"STA", "stateless"},
      {"OOC", "other"},
      {"Unable/unwilling to answer", "unknown"}};
  for (const auto& [in, out] : cases) EXPECT_EQ(tax_.NormalizeDisplacement(in), out) << in;
  EXPECT_EQ(tax_.NormalizeDisplacement("returnee"), std::nullopt);
  EXPECT_EQ(tax_.NormalizeDisplacement("displaced"), std::nullopt);
}

TEST_F(TaxonomyTest, WashingtonGroup) {
  EXPECT_EQ(tax_.NormalizeWgResponse("A lot of difficulty"), 3);
  EXPECT_EQ(tax_.NormalizeWgResponse("4"), 4);
  EXPECT_EQ(tax_.NormalizeWgResponse("9"), std::nullopt);
  const std::vector<int> some = {2, 2, 2, 2, 2, 1};
  const std::vector<int> a_lot = {1, 1, 3, 1, 1, 1};
  const std::vector<int> refused = {9, 9, 9, 9, 9, 9};
  EXPECT_FALSE(tax_.WgHasDisability(some));
  EXPECT_TRUE(tax_.WgHasDisability(a_lot));
  EXPECT_FALSE(tax_.WgHasDisability(refused));
}

TEST_F(TaxonomyTest, Vocabularies) {
  EXPECT_TRUE(tax_.IsValidSourceType("key_informant"));
  EXPECT_TRUE(tax_.IsValidSourceType("community_alert"));
  EXPECT_FALSE(tax_.IsValidSourceType("Key informant"));  // ids only; NormalizeTerm first
  EXPECT_EQ(tax_.NormalizeTerm(kSourceType, "KII"), "key_informant");
  for (const char* v : {"unverified", "pending", "verified", "falsely_attributed", "rejected"}) {
    EXPECT_TRUE(tax_.IsValidVerification(v)) << v;
  }
  EXPECT_EQ(tax_.NormalizeTerm(kVerificationStatus, "Pending Verification"), "pending");
  EXPECT_EQ(tax_.SensitivityRank("public"), 0);
  EXPECT_EQ(tax_.SensitivityRank("internal"), 1);
  EXPECT_EQ(tax_.SensitivityRank("confidential"), 2);
  EXPECT_EQ(tax_.SensitivityRank("strictly_confidential"), 3);
  EXPECT_EQ(tax_.SensitivityRank("secret"), -1);
  EXPECT_TRUE(tax_.IsValidSensitivity("strictly_confidential"));
  EXPECT_EQ(tax_.NormalizeTerm(kSensitivity, "Strictly Confidential"), "strictly_confidential");
  EXPECT_TRUE(tax_.IsValidPerpetratorCategory("non_state_armed_group"));
  EXPECT_EQ(tax_.NormalizeTerm(kPerpetratorCategory, "NSA"), "non_state_armed_group");
  EXPECT_EQ(tax_.NormalizeTerm(kPerpetratorCategory, "Host Government: Military"), "state_forces");
  EXPECT_EQ(tax_.NormalizeTerm(kPerpetratorCategory, "No Information"), "unknown");
  EXPECT_EQ(tax_.NormalizeTerm("no_such_vocabulary", "x"), std::nullopt);
  EXPECT_NE(tax_.Vocabulary(kActType), nullptr);
}

TEST(TaxonomyEmptyTest, DefaultConstructedTaxonomyFindsNothing) {
  Taxonomy empty;
  EXPECT_TRUE(empty.risks().empty());
  EXPECT_EQ(empty.FindRisk("GBV"), nullptr);
  EXPECT_EQ(empty.FindRisk("8"), nullptr);
  EXPECT_EQ(empty.AgeBandForAge(10), std::nullopt);
  EXPECT_EQ(empty.SensitivityRank("public"), -1);
  EXPECT_EQ(empty.FindSeverityPhase("3"), nullptr);
}

// --- Validation of broken copies ----------------------------------------------------------------

class TaxonomyValidationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const auto& entry : fs::directory_iterator(kTaxonomyDir)) {
      fs::copy_file(entry.path(), fs::path(tmp_.path()) / entry.path().filename());
    }
  }
  json Read(const std::string& name) { return json::parse(ReadText(fs::path(tmp_.path()) / name)); }
  json Original(const std::string& name) {
    return json::parse(ReadText(fs::path(kTaxonomyDir) / name));
  }
  void Write(const std::string& name, const json& doc) {
    WriteText(fs::path(tmp_.path()) / name, doc.dump(2));
  }
  // Loads the copy, expects failure and returns the message.
  std::string LoadError() {
    auto loaded = Taxonomy::Load(tmp_.path());
    EXPECT_FALSE(loaded.ok());
    return loaded.ok() ? "" : loaded.status().message();
  }
  TempDir tmp_;
};

TEST_F(TaxonomyValidationTest, UnmodifiedCopyLoads) {
  auto loaded = Taxonomy::Load(tmp_.path() + "/");
  EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
}

TEST_F(TaxonomyValidationTest, RejectsFourteenRisks) {
  json doc = Read("risks.json");
  doc["risks"].erase(14);
  Write("risks.json", doc);
  std::string msg = LoadError();
  EXPECT_NE(msg.find("risks.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected exactly 15 risks"), std::string::npos) << msg;
  EXPECT_NE(msg.find("missing 15"), std::string::npos) << msg;
}

TEST_F(TaxonomyValidationTest, RejectsDuplicateRiskCode) {
  json doc = Read("risks.json");
  doc["risks"][1]["code"] = "ABD";
  Write("risks.json", doc);
  std::string msg = LoadError();
  EXPECT_NE(msg.find("risks.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"ABD\" already names risk 1"), std::string::npos) << msg;
}

TEST_F(TaxonomyValidationTest, RejectsDuplicateRiskLabel) {
  json doc = Read("risks.json");
  doc["risks"][3]["aliases"].push_back("child and forced family separation");
  Write("risks.json", doc);
  std::string msg = LoadError();
  EXPECT_NE(msg.find("risks.json: risk 4 (CEFM)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("already names risk 3 (SEP)"), std::string::npos) << msg;
}

TEST_F(TaxonomyValidationTest, RejectsPhaseSix) {
  json doc = Read("severity.json");
  doc["default_scale"]["phases"].push_back(
      {{"value", 6}, {"label", "Beyond"}, {"in_need", true}, {"alt_labels", json::array()}});
  Write("severity.json", doc);
  std::string msg = LoadError();
  EXPECT_NE(msg.find("severity.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("phase 6 is outside 1..5"), std::string::npos) << msg;
}

TEST_F(TaxonomyValidationTest, RejectsOverlappingAgeBands) {
  json doc = Read("age_bands.json");
  doc["bands"][1]["min"] = 3;  // 5_11 becomes 3-11 and overlaps 0-4
  Write("age_bands.json", doc);
  std::string msg = LoadError();
  EXPECT_NE(msg.find("age_bands.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("overlap"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"5_11\""), std::string::npos) << msg;
}

TEST_F(TaxonomyValidationTest, RejectsAgeBandGapMissingUnknownAndClosedTop) {
  json doc = Read("age_bands.json");
  doc["bands"][1]["min"] = 6;
  Write("age_bands.json", doc);
  EXPECT_NE(LoadError().find("gap"), std::string::npos);

  doc = Original("age_bands.json");
  doc["bands"].erase(5);
  Write("age_bands.json", doc);
  EXPECT_NE(LoadError().find("unknown-age band"), std::string::npos);

  doc = Original("age_bands.json");
  doc["bands"][4]["max"] = 99;
  Write("age_bands.json", doc);
  EXPECT_NE(LoadError().find("make the top band open"), std::string::npos);
}

TEST_F(TaxonomyValidationTest, RejectsSynonymMappedTwice) {
  json doc = Read("sex.json");
  doc["values"][1]["synonyms"].push_back("F");  // values[1] is male; F is female's
  Write("sex.json", doc);
  std::string msg = LoadError();
  EXPECT_NE(msg.find("sex.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"F\" already names value \"female\""), std::string::npos) << msg;
}

TEST_F(TaxonomyValidationTest, RejectsSynonymCollidingAfterFolding) {
  json doc = Read("displacement.json");
  doc["values"][0]["synonyms"].push_back("Réfugiés");  // folds to refugies, a refugee synonym
  Write("displacement.json", doc);
  std::string msg = LoadError();
  EXPECT_NE(msg.find("displacement.json"), std::string::npos) << msg;
  EXPECT_NE(msg.find("\"refugies\" already names value \"idp\""), std::string::npos) << msg;
}

TEST_F(TaxonomyValidationTest, RejectsWrongCountsOfGraveViolationsAndGbvTypes) {
  json doc = Read("grave_violations.json");
  doc["grave_violations"].erase(5);
  Write("grave_violations.json", doc);
  std::string msg = LoadError();
  EXPECT_NE(msg.find("grave_violations.json: expected exactly 6"), std::string::npos) << msg;

  Write("grave_violations.json", Original("grave_violations.json"));
  doc = Read("gbv_types.json");
  doc["types"][2]["rank"] = 2;
  Write("gbv_types.json", doc);
  msg = LoadError();
  EXPECT_NE(msg.find("gbv_types.json: GBV core type rank 2 appears twice"), std::string::npos)
      << msg;
}

TEST_F(TaxonomyValidationTest, RejectsDuplicateSensitivityRank) {
  json doc = Read("vocabularies.json");
  doc["vocabularies"]["sensitivity"][3]["rank"] = 2;
  Write("vocabularies.json", doc);
  std::string msg = LoadError();
  EXPECT_NE(msg.find("vocabularies.json: sensitivity: rank 2 is used twice"), std::string::npos)
      << msg;
}

TEST_F(TaxonomyValidationTest, RejectsMissingFileBadJsonAndMissingMeta) {
  fs::remove(fs::path(tmp_.path()) / "vocabularies.json");
  auto loaded = Taxonomy::Load(tmp_.path());
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), Status::Code::kIOError);
  EXPECT_NE(loaded.status().message().find("vocabularies.json"), std::string::npos);

  WriteText(fs::path(tmp_.path()) / "vocabularies.json", "{\"_meta\": ");
  std::string msg = LoadError();
  EXPECT_NE(msg.find("vocabularies.json: not valid JSON"), std::string::npos) << msg;

  json doc = Read("sex.json");
  doc["_meta"].erase("version");
  Write("sex.json", doc);
  msg = LoadError();
  EXPECT_NE(msg.find("sex.json: _meta: field \"version\""), std::string::npos) << msg;
}

// --- EventRiskMap -------------------------------------------------------------------------------

class EventRiskMapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto tax = Taxonomy::Load(kTaxonomyDir);
    ASSERT_TRUE(tax.ok()) << tax.status().ToString();
    tax_ = std::move(tax).value();
    auto map = EventRiskMap::Load(kEventRiskCsv, tax_);
    ASSERT_TRUE(map.ok()) << map.status().ToString();
    map_ = std::move(map).value();
  }
  std::vector<std::string> Risks(std::string_view event, std::string_view sub,
                                 std::string_view civ = "") {
    const EventRiskRule* rule = map_.Lookup(event, sub, civ);
    return rule ? rule->risk_codes : std::vector<std::string>{"<no rule>"};
  }
  Taxonomy tax_;
  EventRiskMap map_;
};

using Codes = std::vector<std::string>;

TEST_F(EventRiskMapTest, RequiredMappings) {
  EXPECT_EQ(Risks("Violence against civilians", "Sexual violence"), Codes{"GBV"});
  EXPECT_EQ(Risks("Violence against civilians", "Abduction/forced disappearance"), Codes{"ABD"});
  EXPECT_EQ(Risks("Explosions/Remote violence", "Remote explosive/landmine/IED"), Codes{"EO"});
  EXPECT_EQ(Risks("Strategic developments", "Looting/property destruction"), Codes{"HLP"});
  EXPECT_EQ(Risks("Violence against civilians", "Attack"), Codes{"ATK"});
  EXPECT_EQ(Risks("Strategic developments", "Arrests"), Codes{"ABD"});
}

TEST_F(EventRiskMapTest, ContextEventsHaveNoRisk) {
  for (const auto& [event, sub] : std::vector<std::pair<std::string, std::string>>{
           {"Strategic developments", "Agreement"},
           {"Protests", "Peaceful protest"},
           {"Riots/Protests", ""},
           {"Strategic developments", "Non-violent transfer of territory"}}) {
    const EventRiskRule* rule = map_.Lookup(event, sub, "");
    ASSERT_NE(rule, nullptr) << event << "/" << sub;
    EXPECT_TRUE(rule->is_context_only()) << event << "/" << sub;
  }
}

TEST_F(EventRiskMapTest, MostSpecificRowWins) {
  EXPECT_EQ(
      Risks("Explosions/Remote violence", "Remote explosive/landmine/IED", "Civilian targeting"),
      (Codes{"EO", "ATK"}));
  EXPECT_EQ(Risks("Riots", "Violent demonstration"), Codes{});
  EXPECT_EQ(Risks("Riots", "Violent demonstration", "Civilian targeting"), Codes{"ATK"});
  // No civilian-targeting row for sexual violence: the event+sub row applies.
  EXPECT_EQ(Risks("Violence against civilians", "Sexual violence", "Civilian targeting"),
            Codes{"GBV"});
  // Unknown sub-event types and R's "NA" fall back to the event type's default row.
  const EventRiskRule* rule = map_.Lookup("Battles", "Some future sub-event", "NA");
  ASSERT_NE(rule, nullptr);
  EXPECT_TRUE(rule->sub_event_type.empty());
  EXPECT_EQ(rule->risk_codes, Codes{"ATK"});
  EXPECT_TRUE(map_.Lookup("Violence against civilians", "NA", "NA")->sub_event_type.empty());
}

TEST_F(EventRiskMapTest, MatchingIgnoresCaseAndPunctuation) {
  EXPECT_EQ(Risks("VIOLENCE AGAINST CIVILIANS", "sexual violence"), Codes{"GBV"});
  EXPECT_EQ(Risks("explosions / remote violence", "Remote explosive - landmine - IED"),
            Codes{"EO"});
  EXPECT_EQ(Risks(" Strategic developments ", "looting/property destruction"), Codes{"HLP"});
}

TEST_F(EventRiskMapTest, UnknownEventTypeReturnsNull) {
  EXPECT_EQ(map_.Lookup("Alien invasion", "", ""), nullptr);
  EXPECT_EQ(map_.Lookup("", "Attack", ""), nullptr);
  EXPECT_FALSE(map_.HasEventType("Alien invasion"));
  EXPECT_TRUE(map_.HasEventType("battles"));
  EventRiskMap empty;
  EXPECT_EQ(empty.Lookup("Battles", "", ""), nullptr);
}

TEST_F(EventRiskMapTest, CoversCurrentAndPre2019Vocabulary) {
  const std::map<std::string, std::vector<std::string>> acled = {
      {"Battles",
       {"Armed clash", "Government regains territory", "Non-state actor overtakes territory"}},
      {"Explosions/Remote violence",
       {"Chemical weapon", "Air/drone strike", "Suicide bomb", "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED", "Grenade"}},
      {"Violence against civilians",
       {"Sexual violence", "Attack", "Abduction/forced disappearance"}},
      {"Protests",
       {"Peaceful protest", "Protest with intervention", "Excessive force against protesters"}},
      {"Riots", {"Violent demonstration", "Mob violence"}},
      {"Strategic developments",
       {"Agreement", "Arrests", "Change to group/activity", "Disrupted weapons use",
        "Headquarters or base established", "Looting/property destruction",
        "Non-violent transfer of territory", "Other"}},
  };
  for (const auto& [event, subs] : acled) {
    EXPECT_TRUE(map_.HasEventType(event)) << event;
    for (const std::string& sub : subs) {
      const EventRiskRule* rule = map_.Lookup(event, sub, "");
      ASSERT_NE(rule, nullptr) << event << "/" << sub;
      EXPECT_EQ(rule->sub_event_type, sub) << "no specific row for " << event << "/" << sub;
    }
  }
  for (const char* old :
       {"Battle-No change of territory", "Battle-Government regains territory",
        "Battle-Non-state actor overtakes territory", "Violence against civilians",
        "Remote violence", "Riots/Protests", "Strategic development",
        "Non-violent transfer of territory", "Headquarters or base established"}) {
    EXPECT_TRUE(map_.HasEventType(old)) << old;
  }
  for (const EventRiskRule& rule : map_.rules()) {
    EXPECT_GT(rule.line, 1);
    EXPECT_FALSE(rule.act_type.empty()) << "line " << rule.line;
  }
}

// Every (event_type, sub_event_type, civilian_targeting) present in the real ACLED exports under
// shared/data must have a rule, and a specific row whenever the export names a sub-event type.
TEST_F(EventRiskMapTest, CoversEveryEventTypeInRealAcledFiles) {
  const fs::path data = kSharedDir + "/data";
  const std::vector<std::pair<fs::path, std::string>> dirs = {
      {data / "acled-ssd-2011-2018", ""},
      {data / "ssd-resilience-acled-dtm/data/contextual", "ACLED"},
      {data / "acled-mli-2017-2020/MINUSMA", ""},
      {data / "acled-ssd-mli-car-bdi-2007-2020/Input", ""}};
  std::set<std::tuple<std::string, std::string, std::string>> seen;
  int files = 0;
  for (const auto& [dir, prefix] : dirs) {
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::directory_iterator(dir)) {
      std::string name = entry.path().filename().string();
      if (entry.path().extension() != ".csv" || name.rfind(prefix, 0) != 0) continue;
      auto rows = ParseCsv(ReadText(entry.path()));
      ASSERT_FALSE(rows.empty()) << name;
      std::map<std::string, size_t> col;
      for (size_t i = 0; i < rows[0].size(); ++i) {
        col[text::ToLowerAscii(text::Trim(rows[0][i]))] = i;
      }
      ASSERT_TRUE(col.count("event_type")) << name;
      ++files;
      auto cell = [&](const std::vector<std::string>& row, const char* key) {
        auto it = col.find(key);
        return it == col.end() || it->second >= row.size() ? std::string()
                                                           : std::string(row[it->second]);
      };
      for (size_t r = 1; r < rows.size(); ++r) {
        seen.emplace(cell(rows[r], "event_type"), cell(rows[r], "sub_event_type"),
                     cell(rows[r], "civilian_targeting"));
      }
    }
  }
  if (files == 0) GTEST_SKIP() << "no ACLED exports under " << data;
  EXPECT_EQ(files, 4);
  EXPECT_GT(seen.size(), 30u);
  for (const auto& [event, sub, civ] : seen) {
    const EventRiskRule* rule = map_.Lookup(event, sub, civ);
    ASSERT_NE(rule, nullptr) << "no rule for event type \"" << event << "\"";
    if (!sub.empty()) {
      EXPECT_TRUE(text::IEquals(rule->sub_event_type, sub)) << event << "/" << sub;
    }
  }
}

// --- EventRiskMap validation --------------------------------------------------------------------

class EventRiskMapValidationTest : public EventRiskMapTest {
 protected:
  // Writes `body` after the header and loads it; returns the error message ("" if it loaded).
  std::string LoadBody(const std::string& body) {
    fs::path csv = fs::path(tmp_.path()) / "acled_event_risks.csv";
    WriteText(csv, "event_type,sub_event_type,civilian_targeting,risks,act_type,note\n" + body);
    auto loaded = EventRiskMap::Load(csv.string(), tax_);
    if (loaded.ok()) {
      loaded_ = std::move(loaded).value();
      return "";
    }
    return loaded.status().message();
  }
  TempDir tmp_;
  EventRiskMap loaded_;
};

TEST_F(EventRiskMapValidationTest, AcceptsQuotingCrlfAndLowerCaseCodes) {
  std::string msg = LoadBody(
      "Battles,,,ATK,armed_clash,\"Note with, a comma and \"\"quotes\"\"\"\r\n"
      "\"Violence against civilians\",,,atk gbv,,\"two\nlines\"\r\n"
      "Violence against civilians,Abduction/forced disappearance,,ABD,abduction,\n");
  ASSERT_EQ(msg, "");
  EXPECT_EQ(loaded_.rules().size(), 3u);
  EXPECT_EQ(loaded_.rules()[0].note, "Note with, a comma and \"quotes\"");
  EXPECT_EQ(loaded_.rules()[1].risk_codes, (Codes{"ATK", "GBV"}));
  EXPECT_EQ(loaded_.rules()[1].risk_ids, (std::vector<int>{2, 8}));
  EXPECT_EQ(loaded_.rules()[2].line, 5);  // the quoted note spans lines 3-4
}

TEST_F(EventRiskMapValidationTest, RejectsUnknownRiskCodeWithFileAndLine) {
  std::string msg = LoadBody("Battles,,,ATK,armed_clash,\nRiots,,,XYZ,riot,\n");
  EXPECT_NE(msg.find("acled_event_risks.csv:3: \"XYZ\" is not a risk code"), std::string::npos)
      << msg;
  msg = LoadBody("Battles,,,8,armed_clash,\n");
  EXPECT_NE(msg.find("acled_event_risks.csv:2"), std::string::npos) << msg;
  EXPECT_NE(msg.find("write its code GBV"), std::string::npos) << msg;
}

TEST_F(EventRiskMapValidationTest, RejectsDuplicateRows) {
  std::string msg = LoadBody("Battles,,,ATK,armed_clash,\nbattles,,,,armed_clash,\n");
  EXPECT_NE(msg.find("acled_event_risks.csv:3"), std::string::npos) << msg;
  EXPECT_NE(msg.find("line 2"), std::string::npos) << msg;
}

TEST_F(EventRiskMapValidationTest, RejectsMissingDefaultRow) {
  std::string msg = LoadBody("Riots,Mob violence,,ATK,mob_violence,\n");
  EXPECT_NE(msg.find("acled_event_risks.csv:2: event type \"Riots\" has no default row"),
            std::string::npos)
      << msg;
}

TEST_F(EventRiskMapValidationTest, RejectsMalformedRows) {
  EXPECT_NE(LoadBody("Battles,,,ATK,armed_clash\n").find(":2: expected 6 columns, found 5"),
            std::string::npos);
  EXPECT_NE(LoadBody("Battles,,,ATK,armed_clash,\"open\n").find("never closed"), std::string::npos);
  EXPECT_NE(LoadBody("Battles,,yes,ATK,armed_clash,\n").find("civilian_targeting \"yes\""),
            std::string::npos);
  EXPECT_NE(LoadBody("Battles,,,ATK,dancing,\n").find("act_type \"dancing\""), std::string::npos);
  EXPECT_NE(LoadBody("Battles,,,ATK ATK,armed_clash,\n").find("listed twice"), std::string::npos);
  EXPECT_NE(LoadBody(",Attack,,ATK,armed_clash,\n").find("event_type is empty"), std::string::npos);
}

TEST_F(EventRiskMapValidationTest, RejectsBadHeaderAndMissingFile) {
  fs::path csv = fs::path(tmp_.path()) / "acled_event_risks.csv";
  WriteText(csv, "event,sub,risks\nBattles,,ATK\n");
  auto loaded = EventRiskMap::Load(csv.string(), tax_);
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("acled_event_risks.csv:1: header"), std::string::npos);
  auto missing = EventRiskMap::Load((fs::path(tmp_.path()) / "nope.csv").string(), tax_);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kIOError);
}

}  // namespace
}  // namespace aegis::taxonomy
