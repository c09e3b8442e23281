#include "security/password.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <array>
#include <string>

namespace aegis::security {
namespace {

// Argon2id with the production cost takes ~0.1-0.2 s: this test hashes twice and verifies twice.
TEST(PasswordTest, HashVerifiesTheRightPasswordOnly) {
  const std::string pw = "correct horse battery staple";
  auto h1 = HashPassword(pw);
  ASSERT_TRUE(h1.ok()) << h1.status().ToString();
  EXPECT_EQ(h1->rfind("$argon2id$v=19$m=65536,t=3,p=1$", 0), 0u) << *h1;
  EXPECT_EQ(h1->find(pw), std::string::npos);
  EXPECT_TRUE(VerifyPassword(*h1, pw));
  EXPECT_FALSE(VerifyPassword(*h1, "correct horse battery stapler"));
  EXPECT_FALSE(VerifyPassword(*h1, ""));  // returns before any hashing
  EXPECT_FALSE(NeedsRehash(*h1));

  auto h2 = HashPassword(pw);  // a fresh salt: never the same string twice
  ASSERT_TRUE(h2.ok());
  EXPECT_NE(*h1, *h2);
}

TEST(PasswordTest, MalformedHashesNeverVerify) {
  EXPECT_FALSE(VerifyPassword("", "whatever password"));
  EXPECT_FALSE(VerifyPassword("not a hash", "whatever password"));
  EXPECT_FALSE(VerifyPassword("$argon2id$v=19$m=65536,t=3,p=1$", "whatever password"));
  EXPECT_FALSE(VerifyPassword(std::string(300, 'a'), "whatever password"));
}

TEST(PasswordTest, NeedsRehashForOtherParametersOrAlgorithms) {
  // A hash made with cheaper parameters (what an older release might have stored) still
  // verifies, and asks to be replaced.
  const std::string pw = "Old cheap hash 2019";
  std::array<char, crypto_pwhash_STRBYTES> old{};
  ASSERT_EQ(crypto_pwhash_str_alg(old.data(), pw.data(), pw.size(), 1, 8U << 20,
                                  crypto_pwhash_ALG_ARGON2ID13),
            0);
  EXPECT_TRUE(VerifyPassword(old.data(), pw));
  EXPECT_TRUE(NeedsRehash(old.data()));

  std::array<char, crypto_pwhash_STRBYTES> argon2i{};
  ASSERT_EQ(crypto_pwhash_str_alg(argon2i.data(), pw.data(), pw.size(), kPasswordOpsLimit, 8U << 20,
                                  crypto_pwhash_ALG_ARGON2I13),
            0);
  EXPECT_TRUE(NeedsRehash(argon2i.data()));
  EXPECT_TRUE(NeedsRehash("garbage"));
  EXPECT_TRUE(NeedsRehash(""));
}

TEST(PasswordTest, RefusesEmptyAndOverlongPasswords) {
  auto empty = HashPassword("");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), Status::Code::kInvalidArgument);
  auto longer = HashPassword(std::string(kMaxPasswordBytes + 1, 'x'));
  ASSERT_FALSE(longer.ok());
  EXPECT_EQ(longer.status().code(), Status::Code::kInvalidArgument);
  EXPECT_NE(longer.status().message().find("1024"), std::string::npos);
  EXPECT_FALSE(VerifyPassword("$argon2id$v=19$m=65536,t=3,p=1$x$y",
                              std::string(kMaxPasswordBytes + 1, 'x')));
}

struct PolicyCase {
  const char* password;
  const char* expect_in_message;  // nullptr: accepted
};

TEST(PasswordPolicyTest, AcceptsAndRejectsWithFixes) {
  const PolicyCase cases[] = {
      {"correct horse battery staple", nullptr},
      {"Tr0ub4dor&3xyz", nullptr},
      {"blue-Giraffe-runs-7", nullptr},
      {"\xd9\x85\xd9\x84\xd8\xa7\xd9\x83 \xd8\xa7\xd9\x84\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85 "
       "\xd8\xac\xd9\x88\xd8\xa8\xd8\xa7",
       nullptr},  // "ملاك السلام جوبا": Arabic letters and spaces, 16 characters
      {"Short1!", "too short (7 characters); use at least 12"},
      // 11 characters but 22 bytes: counted in characters, not bytes
      {"\xd9\x85\xd9\x84\xd8\xa7\xd9\x83 \xd8\xa7\xd9\x84\xd8\xb3\xd9\x84\xd8", "not valid UTF-8"},
      {"\xd9\x85\xd9\x84\xd8\xa7\xd9\x83 \xd8\xa7\xd9\x84\xd8\xb3\xd9\x84\xd8\xa7", "too short"},
      {"abcdefghijklmnop", "only one kind of character"},
      {"123456789012", "only one kind of character"},
      {"aaaaaaaaaaa1", "too few different characters"},
      {"Password2024!", "too easy to guess"},
      {"P@ssw0rd1234", "too easy to guess"},
      {"qwertyqwerty1", "too easy to guess"},
      {"1234567890!!", "too easy to guess"},
      {"Welcome12345", "too easy to guess"},
      {"aegis-aegis-2025", "too easy to guess"},
      {"P@ss-w0rd-P@ss-w0rd", "too easy to guess"},
      {"AdminAdmin99", "too easy to guess"},
  };
  for (const PolicyCase& c : cases) {
    Status st = CheckPasswordPolicy(c.password);
    if (c.expect_in_message == nullptr) {
      EXPECT_TRUE(st.ok()) << c.password << ": " << st.ToString();
      continue;
    }
    ASSERT_FALSE(st.ok()) << c.password << " was accepted";
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
    EXPECT_NE(st.message().find(c.expect_in_message), std::string::npos)
        << c.password << ": " << st.message();
    EXPECT_EQ(st.message().find(c.password), std::string::npos) << "message repeats password";
    // Every refusal says how to fix it.
    EXPECT_NE(st.message().find(';'), std::string::npos) << st.message();
  }
  EXPECT_FALSE(CheckPasswordPolicy(std::string(kMaxPasswordBytes + 1, 'a') + "B1").ok());
}

}  // namespace
}  // namespace aegis::security
