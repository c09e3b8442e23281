#include "security/audit_chain.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "fault_env.h"
#include "security/security_test_util.h"

namespace aegis::security {
namespace {

using testutil::ModeOf;
using testutil::NewKeyring;
using testutil::ReadAll;
using testutil::ScratchDir;
using testutil::WriteWithMode;

AuditEntry MakeEntry(int64_t seq) {
  AuditEntry e;
  e.seq = seq;
  e.at = "2026-11-22T10:" + std::string(seq < 10 ? "0" : "") + std::to_string(seq) + ":00Z";
  e.actor = seq % 2 == 0 ? "user:17" : "system";
  e.action = "incident.update";
  e.object_type = "incident";
  e.object_id = std::to_string(1000 + seq);
  e.organisation = "org:3";
  e.detail = "fields: status";
  return e;
}

// Appends a new entry the way the store will: seq = last + 1, hash chained to the last hash.
void Append(const Keyring& kr, std::vector<AuditEntry>* log) {
  AuditEntry e = MakeEntry(static_cast<int64_t>(log->size()) + 1);
  ASSERT_TRUE(ValidateAuditEntry(e).ok());
  e.hash = ChainHash(kr, log->empty() ? "" : log->back().hash, e);
  log->push_back(std::move(e));
}

class AuditChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 6; ++i) Append(kr_, &log_);
    anchor_ = {6, log_.back().hash, ""};
  }
  // Renumbers seq from position `from` on to follow on without gaps (what a careful attacker does
  // after inserting or deleting a row).
  static void Renumber(std::vector<AuditEntry>* log) {
    for (size_t i = 0; i < log->size(); ++i) (*log)[i].seq = static_cast<int64_t>(i) + 1;
  }
  void ExpectBad(const std::vector<AuditEntry>& log, const AuditAnchor* anchor,
                 const std::string& what, int64_t seq) {
    ChainReport r = VerifyChain(kr_, log, anchor);
    EXPECT_FALSE(r.ok);
    EXPECT_EQ(r.what, what) << r.detail;
    EXPECT_EQ(r.first_bad_seq, seq) << r.detail;
    EXPECT_FALSE(r.detail.empty());
    EXPECT_LE(r.entries_verified, seq);  // seq - 1, or seq for a duplicate / a rewrite
  }

  ScratchDir dir_;
  Keyring kr_ = NewKeyring(dir_);
  std::vector<AuditEntry> log_;
  AuditAnchor anchor_;
};

TEST_F(AuditChainTest, UntouchedChainVerifies) {
  for (const AuditEntry& e : log_)
    EXPECT_TRUE(std::regex_match(e.hash, std::regex("k1:[0-9a-f]{64}"))) << e.hash;
  ChainReport r = VerifyChain(kr_, log_, &anchor_);
  EXPECT_TRUE(r.ok) << r.what << ": " << r.detail;
  EXPECT_EQ(r.first_bad_seq, 0);
  EXPECT_EQ(r.what, "");
  EXPECT_EQ(r.entries_verified, 6);
  EXPECT_EQ(r.last_seq, 6);
  EXPECT_EQ(r.last_hash, log_.back().hash);
  EXPECT_EQ(r.entries_after_anchor, 0);

  EXPECT_TRUE(VerifyChain(kr_, log_, nullptr).ok);
  EXPECT_TRUE(VerifyChain(kr_, {}, nullptr).ok);
  AuditAnchor empty;
  EXPECT_TRUE(VerifyChain(kr_, {}, &empty).ok);

  // Entries written after the anchor was last saved are fine, and counted.
  Append(kr_, &log_);
  r = VerifyChain(kr_, log_, &anchor_);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.entries_after_anchor, 1);
}

TEST_F(AuditChainTest, DetectsAnEditedField) {
  std::vector<AuditEntry> edited = log_;
  edited[2].detail = "fields: status, narrative";
  ExpectBad(edited, &anchor_, "edited", 3);

  edited = log_;
  edited[0].actor = "user:99";  // the first entry
  ExpectBad(edited, &anchor_, "edited", 1);

  edited = log_;
  edited[5].organisation = "org:4";  // the last entry
  ExpectBad(edited, &anchor_, "edited", 6);

  edited = log_;
  edited[3].at = "2026-11-22T09:00:00Z";
  ExpectBad(edited, nullptr, "edited", 4);

  edited = log_;
  edited[1].hash[10] = edited[1].hash[10] == 'a' ? 'b' : 'a';  // the hash column itself
  ExpectBad(edited, &anchor_, "edited", 2);
}

TEST_F(AuditChainTest, FieldBoundariesAreUnambiguous) {
  AuditEntry a = MakeEntry(1);
  AuditEntry b = a;
  a.object_type = "incident";
  a.object_id = "12";
  b.object_type = "incident1";
  b.object_id = "2";
  EXPECT_NE(ChainHash(kr_, "", a), ChainHash(kr_, "", b));
  EXPECT_NE(ChainHash(kr_, "", a), ChainHash(kr_, "x", a));
  AuditEntry c = a;
  c.seq = 2;
  EXPECT_NE(ChainHash(kr_, "", a), ChainHash(kr_, "", c));
}

TEST_F(AuditChainTest, DetectsAnInsertedEntry) {
  AuditEntry forged = MakeEntry(3);
  forged.action = "incident.delete";
  forged.hash = "k1:" + std::string(64, '0');

  std::vector<AuditEntry> renumbered = log_;  // inserted before entry 3, the rest renumbered
  renumbered.insert(renumbered.begin() + 2, forged);
  Renumber(&renumbered);
  ExpectBad(renumbered, &anchor_, "inserted", 3);

  std::vector<AuditEntry> duplicate = log_;  // inserted with an existing seq
  duplicate.insert(duplicate.begin() + 3, forged);
  ExpectBad(duplicate, &anchor_, "inserted", 3);

  // Forged with a hash chained by someone without the key: still caught.
  std::vector<AuditEntry> appended = log_;
  forged.seq = 7;
  forged.hash = "k1:" + std::string(64, 'f');
  appended.push_back(forged);
  ExpectBad(appended, &anchor_, "inserted", 7);
}

TEST_F(AuditChainTest, DetectsADeletedEntry) {
  std::vector<AuditEntry> gap = log_;  // deleted in the middle, seq gap left
  gap.erase(gap.begin() + 2);
  ExpectBad(gap, &anchor_, "deleted", 3);
  ExpectBad(gap, nullptr, "deleted", 3);

  std::vector<AuditEntry> renumbered = gap;  // and the rest renumbered to hide the gap
  Renumber(&renumbered);
  ExpectBad(renumbered, &anchor_, "deleted", 3);

  std::vector<AuditEntry> first = log_;
  first.erase(first.begin());
  ExpectBad(first, &anchor_, "deleted", 1);
}

TEST_F(AuditChainTest, DetectsTruncationOnlyWithTheAnchor) {
  std::vector<AuditEntry> cut = log_;
  cut.resize(4);
  // Without the anchor the shorter log is self-consistent: exactly why the anchor exists.
  EXPECT_TRUE(VerifyChain(kr_, cut, nullptr).ok);
  ExpectBad(cut, &anchor_, "truncated", 5);
  ChainReport r = VerifyChain(kr_, {}, &anchor_);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.what, "truncated");
  EXPECT_EQ(r.first_bad_seq, 1);
}

TEST_F(AuditChainTest, DetectsReorderedEntries) {
  std::vector<AuditEntry> swapped = log_;  // rows 3 and 4 swapped, seq column kept in place
  std::swap(swapped[2], swapped[3]);
  std::swap(swapped[2].seq, swapped[3].seq);
  ExpectBad(swapped, &anchor_, "reordered", 3);

  std::vector<AuditEntry> out_of_order = log_;  // read in another order than seq
  std::swap(out_of_order[2], out_of_order[3]);
  ExpectBad(out_of_order, &anchor_, "reordered", 3);
}

TEST_F(AuditChainTest, DetectsARewriteAgainstTheAnchor) {
  // Someone with the key file rebuilds the log with other content: consistent, but the anchor
  // kept outside the database does not match.
  std::vector<AuditEntry> rewritten;
  for (int i = 0; i < 6; ++i) {
    AuditEntry e = MakeEntry(i + 1);
    e.detail = "rewritten";
    e.hash = ChainHash(kr_, rewritten.empty() ? "" : rewritten.back().hash, e);
    rewritten.push_back(e);
  }
  EXPECT_TRUE(VerifyChain(kr_, rewritten, nullptr).ok);
  ExpectBad(rewritten, &anchor_, "rewritten", 6);
}

TEST_F(AuditChainTest, ChainSpansKeyRotation) {
  const std::string before_rotation = dir_.File("keys-before.json");
  std::filesystem::copy_file(kr_.path(), before_rotation);
  ASSERT_TRUE(kr_.Rotate().ok());
  Append(kr_, &log_);
  Append(kr_, &log_);
  EXPECT_EQ(log_[5].hash.substr(0, 3), "k1:");
  EXPECT_EQ(log_[6].hash.substr(0, 3), "k2:");
  ChainReport r = VerifyChain(kr_, log_, nullptr);
  EXPECT_TRUE(r.ok) << r.detail;
  EXPECT_EQ(r.entries_verified, 8);

  // Verified with the key file from before the rotation: the new key is missing.
  auto old = Keyring::Load(before_rotation);
  ASSERT_TRUE(old.ok());
  r = VerifyChain(*old, log_, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.what, "unknown_key");
  EXPECT_EQ(r.first_bad_seq, 7);

  // Another deployment's key file verifies nothing.
  ScratchDir other_dir;
  Keyring other = NewKeyring(other_dir);
  r = VerifyChain(other, log_, nullptr);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.first_bad_seq, 1);
}

TEST_F(AuditChainTest, AnchorFileRoundTripAndTamperCheck) {
  const std::string path = DefaultAnchorPath(kr_.path());
  EXPECT_EQ(path, kr_.path() + ".audit-anchor");
  auto none = LoadAuditAnchor(kr_, path);
  EXPECT_EQ(none.status().code(), Status::Code::kNotFound);

  ASSERT_TRUE(SaveAuditAnchor(kr_, path, anchor_).ok());
  EXPECT_EQ(ModeOf(path), 0600u);
  auto loaded = LoadAuditAnchor(kr_, path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->last_seq, 6);
  EXPECT_EQ(loaded->last_hash, log_.back().hash);
  EXPECT_EQ(loaded->written_at.size(), 20u);
  EXPECT_TRUE(VerifyChain(kr_, log_, &*loaded).ok);

  // Someone who truncates the log and lowers the anchor to match is caught by the anchor's MAC.
  auto j = nlohmann::json::parse(ReadAll(path));
  j["last_seq"] = 4;
  j["last_hash"] = log_[3].hash;
  WriteWithMode(path, j.dump(), 0600);
  auto tampered = LoadAuditAnchor(kr_, path);
  ASSERT_FALSE(tampered.ok());
  EXPECT_EQ(tampered.status().code(), Status::Code::kCorruption);

  WriteWithMode(path, "{not json", 0600);
  EXPECT_EQ(LoadAuditAnchor(kr_, path).status().code(), Status::Code::kCorruption);

  // An anchor made with another key file is refused.
  ScratchDir other_dir;
  Keyring other = NewKeyring(other_dir);
  ASSERT_TRUE(SaveAuditAnchor(other, path, anchor_).ok());
  EXPECT_EQ(LoadAuditAnchor(kr_, path).status().code(), Status::Code::kCorruption);

  EXPECT_EQ(SaveAuditAnchor(kr_, path, {3, "", ""}).code(), Status::Code::kInvalidArgument);
}

TEST_F(AuditChainTest, AnchorNeverMovesBackwardsUnlessAsked) {
  const std::string path = DefaultAnchorPath(kr_.path());
  ASSERT_TRUE(SaveAuditAnchor(kr_, path, anchor_).ok());
  ASSERT_TRUE(SaveAuditAnchor(kr_, path, {4, log_[3].hash, ""}).ok());  // a slower writer
  EXPECT_EQ(LoadAuditAnchor(kr_, path)->last_seq, 6);
  ASSERT_TRUE(SaveAuditAnchor(kr_, path, {4, log_[3].hash, ""}, /*allow_backwards=*/true).ok());
  EXPECT_EQ(LoadAuditAnchor(kr_, path)->last_seq, 4);
  Append(kr_, &log_);
  ASSERT_TRUE(SaveAuditAnchor(kr_, path, {7, log_[6].hash, ""}).ok());
  EXPECT_EQ(LoadAuditAnchor(kr_, path)->last_seq, 7);
}

// Every file call of an anchor save failing once (tests/fault_env.h): the anchor on disk is the
// old one or the new one, never damaged, no temporary file stays, and saving again succeeds.
TEST_F(AuditChainTest, AnchorSaveFailingAtAnyFileCallLeavesAWholeAnchor) {
  const std::string path = DefaultAnchorPath(kr_.path()), saved = path + ".saved";
  ASSERT_TRUE(SaveAuditAnchor(kr_, path, {4, log_[3].hash, ""}).ok());
  std::filesystem::copy_file(path, saved);
  ::aegis::testing::FaultEnv env;
  auto faulty = Keyring::Load(kr_.path(), &env);
  ASSERT_TRUE(faulty.ok());
  env.counter().Arm(-1, 0);
  env.counter().Start();
  ASSERT_TRUE(SaveAuditAnchor(*faulty, path, anchor_).ok());
  env.counter().Disarm();
  const size_t calls = env.counter().log().size();
  EXPECT_GE(calls, 8u) << "lock, read, create, write, fsync, close, rename, fsync dir";
  for (int err : {EIO, ENOSPC}) {
    for (size_t at = 0; at < calls; ++at) {
      std::filesystem::remove(path);
      std::filesystem::copy_file(saved, path);
      env.counter().Arm(static_cast<int64_t>(at), err);
      env.counter().Start();
      Status st = SaveAuditAnchor(*faulty, path, anchor_);
      env.counter().Disarm();
      const std::string where = "call " + std::to_string(at) + " failing";
      ASSERT_TRUE(env.counter().fired()) << where;
      auto loaded = LoadAuditAnchor(kr_, path);
      ASSERT_TRUE(loaded.ok()) << where << ": " << loaded.status().ToString();
      if (st.ok()) {
        EXPECT_EQ(loaded->last_seq, 6) << where;
      } else {
        EXPECT_TRUE(loaded->last_seq == 4 || loaded->last_seq == 6) << where;
      }
      for (const auto& e :
           std::filesystem::directory_iterator(std::filesystem::path(path).parent_path()))
        EXPECT_EQ(e.path().filename().string().find(".tmp-"), std::string::npos) << where;
      ASSERT_TRUE(SaveAuditAnchor(kr_, path, anchor_).ok()) << where;
      EXPECT_EQ(LoadAuditAnchor(kr_, path)->last_seq, 6) << where;
    }
  }
}

TEST_F(AuditChainTest, ValidateAuditEntry) {
  EXPECT_TRUE(ValidateAuditEntry(MakeEntry(1)).ok());
  AuditEntry frac = MakeEntry(1);
  frac.at = "2026-11-22T10:16:00.123Z";
  EXPECT_TRUE(ValidateAuditEntry(frac).ok());

  auto bad = [](auto change, const char* field) {
    AuditEntry e = MakeEntry(1);
    change(e);
    Status st = ValidateAuditEntry(e);
    EXPECT_FALSE(st.ok()) << field;
    EXPECT_EQ(st.code(), Status::Code::kInvalidArgument);
    EXPECT_NE(st.message().find(field), std::string::npos) << st.message();
  };
  bad([](AuditEntry& e) { e.seq = 0; }, "seq");
  bad([](AuditEntry& e) { e.at = "2026-11-22 10:16"; }, "at");
  bad([](AuditEntry& e) { e.at = "2026-11-22T10:16:00+02:00"; }, "at");
  bad([](AuditEntry& e) { e.actor = ""; }, "actor");
  bad([](AuditEntry& e) { e.action = "User Add"; }, "action");
  bad([](AuditEntry& e) { e.detail = std::string(257, 'x'); }, "detail");
  bad([](AuditEntry& e) { e.detail = "line one\nline two"; }, "detail");
  bad([](AuditEntry& e) { e.object_id = "\xff\xfe"; }, "object_id");
  AuditEntry secret = MakeEntry(1);
  secret.detail = "Victim Achol Deng, 14\n";
  Status st = ValidateAuditEntry(secret);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.message().find("Achol"), std::string::npos);
}

}  // namespace
}  // namespace aegis::security
