#include "security/pseudonym.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

#include "security/security_test_util.h"

namespace aegis::security {
namespace {

using testutil::NewKeyring;
using testutil::ScratchDir;

TEST(PseudonymTest, StableShortAndReadable) {
  ScratchDir dir;
  Keyring kr = NewKeyring(dir);
  const std::string p = Pseudonym(kr, "person", "4711");
  EXPECT_TRUE(std::regex_match(p, std::regex("P-[0-9A-HJKMNP-TV-Z]{16}"))) << p;
  EXPECT_EQ(Pseudonym(kr, "person", "4711"), p);
  EXPECT_EQ(p.find("4711"), std::string::npos);

  // Same key file loaded again (another process, another machine): same pseudonym.
  auto loaded = Keyring::Load(kr.path());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(Pseudonym(*loaded, "person", "4711"), p);
}

TEST(PseudonymTest, StableAcrossKeyRotation) {
  ScratchDir dir;
  Keyring kr = NewKeyring(dir);
  const std::string before = Pseudonym(kr, "incident", "2024-000123");
  ASSERT_TRUE(kr.Rotate().ok());
  ASSERT_TRUE(kr.Rotate().ok());
  EXPECT_EQ(kr.active_key_id(), "k3");
  EXPECT_EQ(Pseudonym(kr, "incident", "2024-000123"), before);
  auto loaded = Keyring::Load(kr.path());
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(Pseudonym(*loaded, "incident", "2024-000123"), before);
}

TEST(PseudonymTest, DistinctForKindsIdsAndKeyFiles) {
  ScratchDir dir;
  Keyring kr = NewKeyring(dir);
  EXPECT_NE(Pseudonym(kr, "person", "12"), Pseudonym(kr, "incident", "12"));
  EXPECT_NE(Pseudonym(kr, "person", "12"), Pseudonym(kr, "person", "13"));
  // Length-prefixed input: moving characters between kind and id changes the pseudonym.
  EXPECT_NE(Pseudonym(kr, "ab", "c"), Pseudonym(kr, "a", "bc"));
  EXPECT_NE(Pseudonym(kr, "", "x"), Pseudonym(kr, "x", ""));

  ScratchDir other_dir;
  Keyring other = NewKeyring(other_dir);
  EXPECT_NE(Pseudonym(kr, "person", "12"), Pseudonym(other, "person", "12"));

  std::set<std::string> seen;
  for (int i = 0; i < 20000; ++i) seen.insert(Pseudonym(kr, "person", std::to_string(i)));
  EXPECT_EQ(seen.size(), 20000u);
}

}  // namespace
}  // namespace aegis::security
