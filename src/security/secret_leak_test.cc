// No error message of the security module may contain a plaintext, a password or key material:
// messages end up in logs, terminals and HTTP responses. A known secret is pushed through every
// failing path and every message is searched for it (and for the key file's key text).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "security/audit_chain.h"
#include "security/keyring.h"
#include "security/password.h"
#include "security/security_test_util.h"

namespace aegis::security {
namespace {

using testutil::ReadAll;
using testutil::ScratchDir;
using testutil::WriteWithMode;

const std::string kSecret = "Nyandeng-Witness-Bor-7731";

class KeyringSecretLeakTest : public ::testing::Test {
 protected:
  void Collect(const Status& st, const std::string& what) {
    EXPECT_FALSE(st.ok()) << what << " was expected to fail";
    messages_.emplace_back(what, st.ToString());
  }
  template <typename T>
  void Collect(const Result<T>& r, const std::string& what) {
    Collect(r.status(), what);
  }
  // Fails for every collected message that contains one of `secrets` (or its first 12 chars).
  void ExpectNoneContains(const std::vector<std::string>& secrets) {
    ASSERT_GE(messages_.size(), 20u);
    for (const auto& [what, msg] : messages_) {
      for (const std::string& s : secrets) {
        EXPECT_EQ(msg.find(s), std::string::npos) << what << " leaks a secret: " << msg;
        EXPECT_EQ(msg.find(s.substr(0, 12)), std::string::npos)
            << what << " leaks part of a secret: " << msg;
      }
    }
  }

  std::vector<std::pair<std::string, std::string>> messages_;
};

TEST_F(KeyringSecretLeakTest, NoErrorMessageContainsThePlaintextPasswordOrKey) {
  ScratchDir dir;
  const std::string path = dir.File("keys.json");
  auto created = Keyring::Create(path);
  ASSERT_TRUE(created.ok());
  Keyring& kr = created.value();
  ASSERT_TRUE(kr.Rotate().ok());

  // The key material as written in the file.
  std::vector<std::string> secrets = {kSecret};
  const std::string file_text = ReadAll(path);
  const nlohmann::json doc = nlohmann::json::parse(file_text);
  for (const auto& k : doc["keys"]) secrets.push_back(k["key"].get<std::string>());
  ASSERT_EQ(secrets.size(), 4u);

  // Passwords.
  Collect(CheckPasswordPolicy(kSecret.substr(0, 10)), "policy: short");
  Collect(CheckPasswordPolicy("nyandengwitnessbor"), "policy: one class");
  Collect(CheckPasswordPolicy(kSecret + std::string(1100, 'x')), "policy: long");
  Collect(CheckPasswordPolicy(kSecret + "\xff"), "policy: bad UTF-8");
  Collect(HashPassword(kSecret + std::string(1100, 'x')), "hash: long");

  // Field encryption.
  auto token = kr.Encrypt(kSecret, "person.name");
  ASSERT_TRUE(token.ok());
  Collect(kr.Decrypt(*token, "incident.narrative"), "decrypt: other context");
  Collect(kr.Decrypt(kSecret, "person.name"), "decrypt: plaintext");
  Collect(kr.Decrypt("enc:" + kSecret, "person.name"), "decrypt: malformed");
  Collect(kr.Decrypt("enc:v1:k1:" + kSecret, "person.name"), "decrypt: bad body");
  Collect(kr.Decrypt("enc:v1:k9:" + token->substr(10), "person.name"), "decrypt: missing key");
  Collect(kr.Decrypt(token->substr(0, token->size() - 5), "person.name"), "decrypt: truncated");
  std::string altered = *token;
  altered[20] = altered[20] == 'A' ? 'B' : 'A';
  Collect(kr.Decrypt(altered, "person.name"), "decrypt: altered");
  Collect(kr.Reencrypt(altered, "person.name"), "reencrypt: altered");
  Collect(kr.Encrypt(kSecret, ""), "encrypt: no context");
  Collect(kr.Encrypt(kSecret, "bad context"), "encrypt: bad context");

  // Key files: the key text must not appear in any message about a damaged file.
  const std::string copy = dir.File("copy.json");
  WriteWithMode(copy, file_text, 0644);
  Collect(Keyring::Load(copy), "load: mode 0644");
  for (size_t cut : {file_text.find(secrets[1]) + 10, file_text.find(secrets[2]) + 30}) {
    WriteWithMode(copy, file_text.substr(0, cut), 0600);
    Collect(Keyring::Load(copy), "load: cut inside a key at byte " + std::to_string(cut));
  }
  std::string broken = file_text;  // a JSON error right after a key's text
  broken.insert(file_text.find(secrets[3]) + secrets[3].size() + 1, "\x01");
  WriteWithMode(copy, broken, 0600);
  Collect(Keyring::Load(copy), "load: control character after a key");
  std::string unquoted = file_text;  // the key text itself where the JSON breaks
  size_t q = unquoted.find("\"" + secrets[1] + "\"");
  unquoted.erase(q, 1);
  WriteWithMode(copy, unquoted, 0600);
  Collect(Keyring::Load(copy), "load: unquoted key");
  std::string short_key = file_text;
  short_key.replace(short_key.find(secrets[2]), 8, "");
  WriteWithMode(copy, short_key, 0600);
  Collect(Keyring::Load(copy), "load: short key");

  // Saving over a file that gained a key elsewhere.
  auto other = Keyring::Load(path);
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(other->Rotate().ok());
  Collect(kr.Save(), "save: would lose a key");
  Collect(kr.Rotate(), "rotate: would lose a key");

  // MACs and the audit anchor.
  Collect(kr.ComputeMac(MacPurpose::kAuditMac, "k9", kSecret), "mac: missing key");
  Collect(kr.ComputeMac(MacPurpose::kPseudonym, "k1", kSecret), "mac: wrong purpose");
  const std::string anchor = dir.File("anchor");
  WriteWithMode(anchor, "{\"format\": \"" + kSecret + "\"", 0600);
  Collect(LoadAuditAnchor(kr, anchor), "anchor: bad JSON");
  AuditEntry e;
  e.seq = 1;
  e.at = "2026-11-22T10:16:00Z";
  e.actor = "system";
  e.action = "x";
  e.detail = kSecret + "\n";
  Collect(ValidateAuditEntry(e), "audit entry: control character");
  e.detail = kSecret + std::string(300, 'y');
  Collect(ValidateAuditEntry(e), "audit entry: long detail");

  ExpectNoneContains(secrets);
}

}  // namespace
}  // namespace aegis::security
