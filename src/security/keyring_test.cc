#include "security/keyring.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "fault_env.h"
#include "security/security_test_util.h"

namespace aegis::security {
namespace {

using testutil::ModeOf;
using testutil::NewKeyring;
using testutil::ReadAll;
using testutil::ScratchDir;
using testutil::WriteWithMode;

// The value of a Result, or a text that fails the comparison it is used in.
template <typename T>
T Val(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : T{};
}

bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

TEST(KeyringTest, CreateWritesAPrivateKeyFileThatLoads) {
  ScratchDir dir;
  const std::string path = dir.File("keys.json");
  Keyring kr = NewKeyring(dir);
  EXPECT_EQ(ModeOf(path), 0600u);
  EXPECT_EQ(kr.path(), path);
  EXPECT_EQ(kr.active_key_id(), "k1");
  EXPECT_EQ(kr.pseudonym_key_id(), "p1");

  auto j = nlohmann::json::parse(ReadAll(path));
  EXPECT_EQ(j["format"], "aegis-keyring");
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["active_key"], "k1");
  EXPECT_EQ(j["pseudonym_key"], "p1");
  ASSERT_EQ(j["keys"].size(), 2u);
  std::set<std::string> material;
  for (const auto& k : j["keys"]) {
    EXPECT_EQ(k["key"].get<std::string>().size(), 44u);  // 32 bytes in padded base64
    EXPECT_EQ(k["created_at"].get<std::string>().size(), 20u);
    material.insert(k["key"].get<std::string>());
  }
  EXPECT_EQ(material.size(), 2u) << "two different random keys";

  auto loaded = Keyring::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  auto keys = loaded->keys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_EQ(keys[0].id, "p1");
  EXPECT_EQ(keys[0].purpose, "pseudonym");
  EXPECT_FALSE(keys[0].active);
  EXPECT_EQ(keys[1].id, "k1");
  EXPECT_EQ(keys[1].purpose, "data");
  EXPECT_TRUE(keys[1].active);
  // Same key material: what one encrypts, the other decrypts.
  auto token = kr.Encrypt("hello", "test.field");
  ASSERT_TRUE(token.ok());
  auto plain = loaded->Decrypt(*token, "test.field");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(*plain, "hello");
}

TEST(KeyringTest, CreateNeverOverwrites) {
  ScratchDir dir;
  const std::string path = dir.File("keys.json");
  Keyring first = NewKeyring(dir);
  const std::string before = ReadAll(path);
  auto second = Keyring::Create(path);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Status::Code::kAlreadyExists);
  EXPECT_EQ(ReadAll(path), before);

  auto nowhere = Keyring::Create(dir.File("no/such/folder/keys.json"));
  ASSERT_FALSE(nowhere.ok());
  EXPECT_EQ(nowhere.status().code(), Status::Code::kIOError);
}

TEST(KeyringTest, LoadRefusesAKeyFileOthersCanRead) {
  ScratchDir dir;
  const std::string path = dir.File("keys.json");
  { Keyring kr = NewKeyring(dir); }
  for (mode_t mode : {0644, 0640, 0604, 0660, 0602}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    auto kr = Keyring::Load(path);
    ASSERT_FALSE(kr.ok()) << std::oct << mode;
    EXPECT_EQ(kr.status().code(), Status::Code::kInvalidArgument);
    EXPECT_TRUE(Contains(kr.status().message(), "chmod 600 " + path)) << kr.status().message();
  }
  ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
  EXPECT_TRUE(Keyring::Load(path).ok());
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);  // read-only for the owner is fine
  EXPECT_TRUE(Keyring::Load(path).ok());
}

TEST(KeyringTest, LoadReportsMissingAndDamagedFiles) {
  ScratchDir dir;
  auto missing = Keyring::Load(dir.File("absent.json"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Status::Code::kNotFound);

  auto dir_as_file = Keyring::Load(dir.path());
  ASSERT_FALSE(dir_as_file.ok());

  const std::string path = dir.File("keys.json");
  { Keyring kr = NewKeyring(dir); }
  auto good = nlohmann::json::parse(ReadAll(path));
  struct Case {
    std::string name;
    std::string content;
  };
  auto edit = [&](auto fn) {
    nlohmann::json j = good;
    fn(j);
    return j.dump();
  };
  const Case cases[] = {
      {"not json", "{\"format\": \"aegis-keyring\", "},
      {"wrong format", edit([](auto& j) { j["format"] = "something"; })},
      {"short key", edit([](auto& j) { j["keys"][1]["key"] = "AAAA"; })},
      {"key not base64", edit([](auto& j) { j["keys"][1]["key"] = std::string(44, '*'); })},
      {"active not listed", edit([](auto& j) { j["active_key"] = "k9"; })},
      {"active is the pseudonym key", edit([](auto& j) { j["active_key"] = "p1"; })},
      {"pseudonym key is a data key", edit([](auto& j) { j["pseudonym_key"] = "k1"; })},
      {"duplicate id", edit([](auto& j) { j["keys"][0]["id"] = "k1"; })},
      {"bad purpose", edit([](auto& j) { j["keys"][1]["purpose"] = "misc"; })},
      {"no keys", edit([](auto& j) { j["keys"] = nlohmann::json::array(); })},
  };
  for (const Case& c : cases) {
    WriteWithMode(path, c.content, 0600);
    auto kr = Keyring::Load(path);
    ASSERT_FALSE(kr.ok()) << c.name;
    EXPECT_EQ(kr.status().code(), Status::Code::kCorruption) << c.name;
    EXPECT_TRUE(Contains(kr.status().message(), path)) << kr.status().message();
  }
  WriteWithMode(path, edit([](auto& j) { j["version"] = 2; }), 0600);
  auto newer = Keyring::Load(path);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.status().code(), Status::Code::kUnsupported);
}

TEST(KeyringTest, EncryptDecryptRoundTrip) {
  ScratchDir dir;
  Keyring kr = NewKeyring(dir);
  const std::string texts[] = {
      "",
      "Witness saw armed men enter the compound at night.",
      "\xd8\xa7\xd9\x84\xd8\xb4\xd8\xa7\xd9\x87\xd8\xaf",  // Arabic
      std::string("binary\0with\xff zero", 17),
      std::string(100000, 'x'),
  };
  for (const std::string& t : texts) {
    auto token = kr.Encrypt(t, "incident.narrative");
    ASSERT_TRUE(token.ok()) << token.status().ToString();
    EXPECT_EQ(token->rfind("enc:v1:k1:", 0), 0u);
    EXPECT_TRUE(IsEncrypted(*token));
    EXPECT_EQ(TokenKeyId(*token), "k1");
    EXPECT_FALSE(kr.NeedsReencrypt(*token));
    if (t.size() > 4) {
      EXPECT_EQ(token->find(t), std::string::npos);
    }
    auto back = kr.Decrypt(*token, "incident.narrative");
    ASSERT_TRUE(back.ok()) << back.status().ToString();
    EXPECT_EQ(*back, t);
  }
  // A random nonce: the same plaintext never gives the same token.
  EXPECT_NE(Val(kr.Encrypt("same", "person.name")), Val(kr.Encrypt("same", "person.name")));
  EXPECT_FALSE(IsEncrypted("plain text"));
  EXPECT_FALSE(IsEncrypted("enc: a note that starts like a token"));
  EXPECT_FALSE(IsEncrypted(""));
  EXPECT_EQ(TokenKeyId("plain"), "");
}

TEST(KeyringTest, AnotherContextFailsToDecrypt) {
  ScratchDir dir;
  Keyring kr = NewKeyring(dir);
  auto token = kr.Encrypt("Nyakong, 34, Bentiu POC", "person.name");
  ASSERT_TRUE(token.ok());
  auto moved = kr.Decrypt(*token, "incident.narrative");
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.status().code(), Status::Code::kCorruption);
  EXPECT_TRUE(Contains(moved.status().message(), "incident.narrative"));
  EXPECT_TRUE(Contains(moved.status().message(), "another column"));

  auto bad_context = kr.Encrypt("x", "");
  ASSERT_FALSE(bad_context.ok());
  EXPECT_EQ(bad_context.status().code(), Status::Code::kInvalidArgument);
  EXPECT_FALSE(kr.Encrypt("x", "has space").ok());
  EXPECT_FALSE(kr.Decrypt(*token, std::string(200, 'c')).ok());
}

TEST(KeyringTest, EveryAlteredCharacterFailsToDecrypt) {
  ScratchDir dir;
  Keyring kr = NewKeyring(dir);
  auto token = kr.Encrypt("a short secret", "case.note");
  ASSERT_TRUE(token.ok());
  const size_t body = std::string("enc:v1:k1:").size();
  for (size_t i = body; i < token->size(); ++i) {
    std::string t = *token;
    t[i] = t[i] == 'A' ? 'B' : 'A';
    auto r = kr.Decrypt(t, "case.note");
    ASSERT_FALSE(r.ok()) << "altered position " << i << " still decrypts";
    EXPECT_EQ(r.status().code(), Status::Code::kCorruption) << r.status().message();
  }
  // The key id is authenticated too: another data key of the same file does not accept it.
  ASSERT_TRUE(kr.Rotate().ok());
  std::string relabelled = *token;
  relabelled.replace(7, 2, "k2");
  auto r = kr.Decrypt(relabelled, "case.note");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kCorruption);
  // The pseudonym key is not a data key.
  std::string to_p1 = *token;
  to_p1.replace(7, 2, "p1");
  EXPECT_EQ(kr.Decrypt(to_p1, "case.note").status().code(), Status::Code::kCorruption);
}

TEST(KeyringTest, MalformedTruncatedAndForeignTokens) {
  ScratchDir dir;
  Keyring kr = NewKeyring(dir);
  auto token = kr.Encrypt("some text here", "case.note");
  ASSERT_TRUE(token.ok());

  auto plain = kr.Decrypt("just a plaintext value", "case.note");
  EXPECT_EQ(plain.status().code(), Status::Code::kInvalidArgument);
  EXPECT_TRUE(Contains(plain.status().message(), "not encrypted"));

  auto cut = kr.Decrypt(token->substr(0, 30), "case.note");
  EXPECT_EQ(cut.status().code(), Status::Code::kCorruption);
  auto cut_tag = kr.Decrypt(token->substr(0, token->size() - 3), "case.note");
  EXPECT_EQ(cut_tag.status().code(), Status::Code::kCorruption);
  auto malformed = kr.Decrypt("enc:v1:k1:not+base64/url", "case.note");
  EXPECT_EQ(malformed.status().code(), Status::Code::kCorruption);

  std::string v9 = *token;
  v9.replace(5, 1, "9");
  auto newer = kr.Decrypt(v9, "case.note");
  EXPECT_EQ(newer.status().code(), Status::Code::kUnsupported);
  EXPECT_TRUE(IsEncrypted(v9));  // never mistaken for plaintext

  // A key file with other keys under the same id: authentication fails.
  ScratchDir other_dir;
  Keyring other = NewKeyring(other_dir);
  auto foreign = other.Decrypt(*token, "case.note");
  EXPECT_EQ(foreign.status().code(), Status::Code::kCorruption);
}

TEST(KeyringTest, MissingKeyIsNotFoundAndNamed) {
  ScratchDir dir;
  const std::string path = dir.File("keys.json");
  Keyring kr = NewKeyring(dir);
  std::filesystem::copy_file(path, dir.File("before-rotation.json"));
  ASSERT_TRUE(kr.Rotate().ok());
  auto token = kr.Encrypt("written after rotation", "case.note");
  ASSERT_TRUE(token.ok());
  auto old = Keyring::Load(dir.File("before-rotation.json"));
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  auto r = old->Decrypt(*token, "case.note");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Status::Code::kNotFound);
  EXPECT_TRUE(Contains(r.status().message(), "'k2'")) << r.status().message();
  EXPECT_TRUE(Contains(r.status().message(), "restart")) << r.status().message();
}

TEST(KeyringTest, RotationKeepsOldDataReadableAndUsesTheNewKey) {
  ScratchDir dir;
  const std::string path = dir.File("keys.json");
  Keyring kr = NewKeyring(dir);
  auto t1 = kr.Encrypt("before rotation", "incident.narrative");
  ASSERT_TRUE(t1.ok());

  ASSERT_TRUE(kr.Rotate().ok());
  EXPECT_EQ(kr.active_key_id(), "k2");
  EXPECT_EQ(kr.pseudonym_key_id(), "p1");
  EXPECT_EQ(ModeOf(path), 0600u);
  auto t2 = kr.Encrypt("after rotation", "incident.narrative");
  ASSERT_TRUE(t2.ok());
  EXPECT_EQ(TokenKeyId(*t2), "k2");
  EXPECT_TRUE(kr.NeedsReencrypt(*t1));
  EXPECT_FALSE(kr.NeedsReencrypt(*t2));
  EXPECT_FALSE(kr.NeedsReencrypt("plaintext"));

  // The rotation is on disk: a fresh load sees k2 active and reads both.
  auto loaded = Keyring::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->active_key_id(), "k2");
  EXPECT_EQ(loaded->keys().size(), 3u);
  EXPECT_EQ(Val(loaded->Decrypt(*t1, "incident.narrative")), "before rotation");
  EXPECT_EQ(Val(loaded->Decrypt(*t2, "incident.narrative")), "after rotation");

  // Re-encryption moves old values to the active key and leaves current ones alone.
  auto re = loaded->Reencrypt(*t1, "incident.narrative");
  ASSERT_TRUE(re.ok()) << re.status().ToString();
  EXPECT_EQ(TokenKeyId(*re), "k2");
  EXPECT_FALSE(loaded->NeedsReencrypt(*re));
  EXPECT_EQ(Val(loaded->Decrypt(*re, "incident.narrative")), "before rotation");
  EXPECT_EQ(Val(loaded->Reencrypt(*t2, "incident.narrative")), *t2);
  EXPECT_FALSE(loaded->Reencrypt(*t1, "other.column").ok());

  ASSERT_TRUE(kr.Rotate().ok());
  EXPECT_EQ(kr.active_key_id(), "k3");
  // No temporary files are left behind.
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name == "keys.json" || name == "keys.json.lock") << name;
  }
}

TEST(KeyringTest, SaveNeverDropsAKeyAnotherProcessAdded) {
  ScratchDir dir;
  const std::string path = dir.File("keys.json");
  { Keyring created = NewKeyring(dir); }
  auto a = Keyring::Load(path);
  auto b = Keyring::Load(path);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(a->Rotate().ok());  // k2 on disk
  auto t = a->Encrypt("needs k2", "case.note");
  ASSERT_TRUE(t.ok());

  Status st = b->Rotate();  // b does not know k2: must not overwrite the file
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Status::Code::kCorruption);
  EXPECT_TRUE(Contains(st.message(), "'k2'")) << st.message();
  EXPECT_EQ(b->active_key_id(), "k1");  // unchanged in memory
  EXPECT_FALSE(b->Save().ok());

  auto reloaded = Keyring::Load(path);
  ASSERT_TRUE(reloaded.ok());
  EXPECT_EQ(Val(reloaded->Decrypt(*t, "case.note")), "needs k2");
  EXPECT_TRUE(a->Save().ok());  // a knows everything on disk
}

TEST(KeyringTest, MacSubkeysAreSeparatedByPurpose) {
  ScratchDir dir;
  Keyring kr = NewKeyring(dir);
  auto audit = kr.ComputeMac(MacPurpose::kAuditMac, "", "message");
  auto session = kr.ComputeMac(MacPurpose::kSessionMac, "", "message");
  auto pseudo = kr.ComputeMac(MacPurpose::kPseudonym, "", "message");
  ASSERT_TRUE(audit.ok() && session.ok() && pseudo.ok());
  EXPECT_NE(*audit, *session);
  EXPECT_NE(*audit, *pseudo);
  EXPECT_EQ(*audit, Val(kr.ComputeMac(MacPurpose::kAuditMac, "k1", "message")));
  EXPECT_TRUE(kr.VerifyMac(MacPurpose::kAuditMac, "k1", "message", *audit));
  EXPECT_FALSE(kr.VerifyMac(MacPurpose::kAuditMac, "k1", "messagf", *audit));
  EXPECT_FALSE(kr.VerifyMac(MacPurpose::kSessionMac, "k1", "message", *audit));

  EXPECT_EQ(kr.ComputeMac(MacPurpose::kPseudonym, "k1", "m").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(kr.ComputeMac(MacPurpose::kAuditMac, "p1", "m").status().code(),
            Status::Code::kInvalidArgument);
  EXPECT_EQ(kr.ComputeMac(MacPurpose::kAuditMac, "k7", "m").status().code(),
            Status::Code::kNotFound);
}

// Every file call of a rotation failing once (tests/fault_env.h; the store side and the other
// faults are in tests/env_fault_test.cc): the key file on disk is whole, old or new, no temporary
// file stays, and rotating again succeeds.
TEST(KeyringTest, RotationFailingAtAnyFileCallLeavesAWholeKeyFileAndCanBeRetried) {
  ScratchDir dir;
  const std::string path = dir.File("keys.json"), saved = dir.File("saved.json");
  NewKeyring(dir);
  std::filesystem::copy_file(path, saved);
  auto first = Keyring::Load(path);
  ASSERT_TRUE(first.ok());
  const std::string token = Val(first->Encrypt("secret", "c.d"));
  ::aegis::testing::FaultEnv env;
  env.counter().Arm(-1, 0);
  env.counter().Start();
  {
    auto kr = Keyring::Load(path, &env);
    ASSERT_TRUE(kr.ok() && kr->Rotate().ok());
  }
  const size_t calls = env.counter().log().size();
  EXPECT_GE(calls, 9u) << "read, lock, read again, create, write, fsync, close, rename, fsync dir";
  int failed = 0;
  for (int err : {EIO, ENOSPC}) {
    for (size_t at = 0; at < calls; ++at) {
      std::filesystem::remove(path);
      std::filesystem::copy_file(saved, path);
      env.counter().Arm(static_cast<int64_t>(at), err);
      env.counter().Start();
      auto kr = Keyring::Load(path, &env);
      Status st = kr.ok() ? kr->Rotate() : kr.status();
      env.counter().Disarm();
      ASSERT_TRUE(env.counter().fired());
      failed += !st.ok();
      const std::string where = "call " + std::to_string(at) + " failing";
      if (kr.ok() && !st.ok()) {
        EXPECT_EQ(kr->active_key_id(), "k1") << where;
      }
      auto disk = Keyring::Load(path);
      ASSERT_TRUE(disk.ok()) << where << ": " << disk.status().ToString();
      EXPECT_TRUE(disk->keys().size() == 2 || disk->keys().size() == 3) << where;
      EXPECT_EQ(Val(disk->Decrypt(token, "c.d")), "secret") << where;
      for (const auto& e : std::filesystem::directory_iterator(dir.path()))
        EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << where;
      ASSERT_TRUE(disk->Rotate().ok()) << where;
    }
  }
  EXPECT_EQ(failed, static_cast<int>(2 * calls)) << "every fault is reported";
}

TEST(KeyringTest, MovedKeyringStillWorks) {
  ScratchDir dir;
  Keyring a = NewKeyring(dir);
  auto t = a.Encrypt("value", "c.d");
  ASSERT_TRUE(t.ok());
  Keyring b = std::move(a);
  EXPECT_EQ(Val(b.Decrypt(*t, "c.d")), "value");
}

}  // namespace
}  // namespace aegis::security
