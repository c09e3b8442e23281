// The messaging module's rules without a store: SMS segments (the table of response.md §7),
// the language fallback, phone numbers, the text checks and the STOP keywords.
#include "messaging/messaging.h"

#include <gtest/gtest.h>

#include <string>

namespace aegis::messaging {
namespace {

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

TEST(MessagingSegments, TheTableOfTheReference) {
  EXPECT_EQ(CountSegments(Repeat("a", 160)).segments, 1);
  EXPECT_EQ(CountSegments(Repeat("a", 161)).segments, 2);
  EXPECT_EQ(CountSegments(Repeat("ب", 70)).segments, 1);
  EXPECT_EQ(CountSegments(Repeat("ب", 71)).segments, 2);
  EXPECT_EQ(CountSegments(Repeat("ب", 135)).segments, 3);
  // 159 characters of which one is the euro sign (two septets): 160 septets, one message.
  Segments euro = CountSegments(Repeat("a", 158) + "€");
  EXPECT_FALSE(euro.ucs2);
  EXPECT_EQ(euro.units, 160);
  EXPECT_EQ(euro.segments, 1);
  // One curly quote in 100 Latin characters: the whole text goes as UCS-2, in two parts.
  Segments quote = CountSegments(Repeat("a", 99) + "\xE2\x80\x99");
  EXPECT_TRUE(quote.ucs2);
  EXPECT_EQ(quote.segments, 2);
  ASSERT_EQ(quote.non_gsm.size(), 1u);
  EXPECT_EQ(quote.non_gsm[0], "\xE2\x80\x99");
}

TEST(MessagingSegments, ExtensionCharactersAndEdges) {
  EXPECT_EQ(CountSegments("").segments, 0);
  EXPECT_EQ(CountSegments(Repeat("{", 80)).units, 160);
  EXPECT_EQ(CountSegments(Repeat("{", 81)).segments, 2);
  EXPECT_EQ(CountSegments(Repeat("a", 306)).segments, 2);  // 2 x 153
  EXPECT_EQ(CountSegments(Repeat("a", 307)).segments, 3);
  EXPECT_EQ(CountSegments("Éàèù£¥§¿¡ÄÖÑÜäöñü").ucs2, false);
  // An emoji is two UTF-16 units.
  EXPECT_EQ(CountSegments("\xF0\x9F\x98\x80").units, 2);
}

TEST(MessagingLanguages, DebianIsoCodesAndTheFallback) {
  auto langs = Languages::Load();
  ASSERT_TRUE(langs.ok()) << langs.status().ToString();
  EXPECT_GE(langs->size(), 7900u);
  for (const char* code : {"ara", "apd", "prs", "pus", "fuf", "bam", "dik", "nus", "swh", "eng"})
    EXPECT_TRUE(langs->Known(code)) << code;
  EXPECT_FALSE(langs->Known("xx"));
  EXPECT_FALSE(langs->Known("ar"));  // ISO 639-1 is not 639-3
  auto missing = Languages::Load("/nonexistent/iso_639-3.json");
  EXPECT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("iso-codes"), std::string::npos);

  const std::map<std::string, std::string> t = {{"ara", "A"}, {"fra", "F"}};
  EXPECT_EQ(ChooseLanguage(t, "ara", "prs", "eng"), "ara");  // response.md §7(e) 3
  EXPECT_EQ(ChooseLanguage(t, "ara", "prs", "fra"), "fra");
  EXPECT_EQ(ChooseLanguage(t, "ara", "fra", "eng"), "fra");  // the contact's own first
  EXPECT_EQ(ChooseLanguage(t, "ara", "", "eng"), "ara");
}

TEST(MessagingPhones, E164AndNoNumberInTheError) {
  auto sd = NormalizePhone("0912 345 678", "SD");
  ASSERT_TRUE(sd.ok()) << sd.status().ToString();
  EXPECT_EQ(*sd, "+249912345678");
  auto intl = NormalizePhone("+249 91 234 5678", "ZZ");
  ASSERT_TRUE(intl.ok());
  EXPECT_EQ(*intl, "+249912345678");
  auto bad = NormalizePhone("0912 34", "SD");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().find("0912"), std::string::npos);
  EXPECT_FALSE(NormalizePhone("0912345678", "ZZ").ok());  // national, no region: refused
}

TEST(MessagingTextChecks, PhoneNumbersNamesAndLength) {
  Settings st;
  st.region = "SS";
  const std::vector<std::vector<std::string>> names = {{"amina", "deng", "garang"}};
  EXPECT_EQ(TextProblem("Avoid the market road. Call 116 for help.", true, st, names), "");
  EXPECT_NE(TextProblem("Call +211 912 345 678 for help", true, st, names), "");
  EXPECT_NE(TextProblem("Call 0912-345-678 for help", true, st, names), "");
  EXPECT_NE(TextProblem("Amina DENG Garang is looking for her family", true, st, names), "");
  EXPECT_EQ(TextProblem("Amina and Garang", true, st, names), "");  // not the sequence
  EXPECT_NE(TextProblem("   ", true, st, names), "");
  EXPECT_NE(TextProblem(Repeat("ب", 10 * 67 + 1), true, st, names), "");   // 11 segments
  EXPECT_EQ(TextProblem(Repeat("ب", 10 * 67 + 1), false, st, names), "");  // e-mail only
  // The refusal never quotes the name.
  EXPECT_EQ(TextProblem("Amina Deng Garang", true, st, names).find("Amina"), std::string::npos);
}

TEST(MessagingKeywords, StopInThreeLanguages) {
  for (const char* w : {"STOP", "stop", " Stop. ", "ARRET", "ARRÊT", "arrêt", "قف", "UNSUBSCRIBE"})
    EXPECT_TRUE(IsStopKeyword(w)) << w;
  for (const char* w : {"stop the shelling", "hello", "", "STOPPED"})
    EXPECT_FALSE(IsStopKeyword(w)) << w;
}

}  // namespace
}  // namespace aegis::messaging
