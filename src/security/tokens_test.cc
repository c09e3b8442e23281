#include "security/tokens.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "security/security_test_util.h"

namespace aegis::security {
namespace {

using testutil::NewKeyring;
using testutil::ScratchDir;

TEST(TokenTest, RandomTokensAreUrlSafeAndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 2000; ++i) {
    std::string t = RandomToken();
    ASSERT_EQ(t.size(), 43u) << t;
    for (char c : t)
      ASSERT_TRUE((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_')
          << t;
    seen.insert(t);
  }
  EXPECT_EQ(seen.size(), 2000u);
}

TEST(TokenTest, DigestIsSha256Hex) {
  // FIPS 180-2 test vector.
  EXPECT_EQ(TokenDigest("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  const std::string t = RandomToken();
  const std::string d = TokenDigest(t);
  EXPECT_EQ(d.size(), 64u);
  EXPECT_EQ(d, TokenDigest(t));
  EXPECT_NE(d, TokenDigest(RandomToken()));
  EXPECT_EQ(d.find(t), std::string::npos);
}

TEST(TokenTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("abcdef", "abcdef"));
  EXPECT_FALSE(ConstantTimeEquals("abcdef", "abcdeg"));
  EXPECT_FALSE(ConstantTimeEquals("abcdef", "Abcdef"));
  EXPECT_FALSE(ConstantTimeEquals("abcdef", "abcde"));
  EXPECT_FALSE(ConstantTimeEquals("", "a"));
}

TEST(TokenTest, CsrfTokenBelongsToItsSession) {
  ScratchDir dir;
  Keyring kr = NewKeyring(dir);
  const std::string session = RandomToken();
  const std::string csrf = CsrfToken(kr, session);
  EXPECT_EQ(csrf.size(), 43u);
  EXPECT_EQ(CsrfToken(kr, session), csrf);  // deterministic: no server state needed
  EXPECT_TRUE(VerifyCsrfToken(kr, session, csrf));
  EXPECT_FALSE(VerifyCsrfToken(kr, RandomToken(), csrf));
  EXPECT_FALSE(VerifyCsrfToken(kr, session, ""));
  EXPECT_FALSE(VerifyCsrfToken(kr, "", CsrfToken(kr, "")));
  EXPECT_FALSE(VerifyCsrfToken(kr, session, csrf.substr(1)));
  EXPECT_FALSE(VerifyCsrfToken(kr, session, "!!" + csrf.substr(2)));
  std::string altered = csrf;
  altered[10] = altered[10] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(VerifyCsrfToken(kr, session, altered));

  // Forms opened before a key rotation keep working; new tokens use the new key.
  ASSERT_TRUE(kr.Rotate().ok());
  EXPECT_TRUE(VerifyCsrfToken(kr, session, csrf));
  EXPECT_NE(CsrfToken(kr, session), csrf);
  EXPECT_TRUE(VerifyCsrfToken(kr, session, CsrfToken(kr, session)));

  // Another deployment's key file does not accept it.
  ScratchDir other_dir;
  Keyring other = NewKeyring(other_dir);
  EXPECT_FALSE(VerifyCsrfToken(other, session, csrf));
}

}  // namespace
}  // namespace aegis::security
