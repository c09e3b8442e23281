#include "util/text.h"

#include <gtest/gtest.h>

namespace aegis::text {
namespace {

// Error messages and quarantine reasons are clear text: they quote a cell only when it has the
// shape of a code, a date or a small number, never a word, a name or a phone number.
TEST(QuoteIfCode, QuotesCodesDatesAndSmallNumbersOnly) {
  for (const char* v : {"SS999999", "2026-02-30", "03/02/2024", "forced_recruitment", "44405", "12",
                        "-3", "4.5", "AF0101"})
    EXPECT_EQ(QuoteIfCode(v, "the value"), "'" + std::string(v) + "'") << v;
  for (const char* v : {"yesterday", "Nyabol Deng", "Jean-Pierre", "0955123456", "+211955771234",
                        "12345678", "a@b.org", "", "ABCDEFGHIJKLMNOPQRSTUVWXYZ0", "Ahmed 1"})
    EXPECT_EQ(QuoteIfCode(v, "the value"), "the value") << v;
  EXPECT_EQ(QuoteIfCode("  SS01  ", "x"), "'SS01'");
}

}  // namespace
}  // namespace aegis::text
