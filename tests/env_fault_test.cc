// Fault injection through the Env seam (issue 21, point 5): a failed write, a full disk, a failed
// fsync, a failed rename or read at every I/O call of an import and of a key rotation. Each
// operation runs once to count its I/O calls; then, for every call it makes and every fault that
// can hit that kind of call, it runs again from the same start with that one call failing. After
// each run the store passes its check and holds no half-import or half-sealed field, and
// re-running the operation with no fault gives exactly what an uninterrupted run gives.
//
// Two seams are exercised: the Env (tests/fault_env.h FaultEnv: the data file, the key file) and
// SQLite's VFS (FaultVfs: the store's database and WAL, where a full disk really hits an import).
// The figures (call sites, trials, outcomes) are printed, recorded as test properties and kept
// in doc/testing.md. SQLite only: the PostgreSQL server's disk is not this process's to fail.
#include <algorithm>
#include <filesystem>
#include <map>

#include "access/cipher.h"
#include "cli/synthetic_acled.h"
#include "fault_env.h"
#include "security/keyring.h"
#include "test_util.h"

namespace aegis::testing {
namespace {

// A fault and the calls it can hit.
struct FaultKind {
  std::string name;
  int err;
  std::vector<IoOp> ops;
};

// Env faults: what a disk does to a file written or read outside the store.
const std::vector<FaultKind> kEnvFaults = {
    {"env: failed write (EIO)", EIO, {IoOp::kWrite, IoOp::kClose, IoOp::kRemove}},
    {"env: full disk (ENOSPC)", ENOSPC, {IoOp::kCreate, IoOp::kWrite, IoOp::kClose}},
    {"env: failed fsync (EIO)", EIO, {IoOp::kSync, IoOp::kSyncDir}},
    {"env: failed rename (EIO)", EIO, {IoOp::kRename}},
    {"env: failed read (EIO)", EIO, {IoOp::kOpen, IoOp::kRead, IoOp::kStat}},
};
// SQLite faults: SQLITE_IOERR_WRITE / _TRUNCATE, SQLITE_FULL, SQLITE_IOERR_FSYNC.
const std::vector<FaultKind> kStoreFaults = {
    {"store: failed write (SQLITE_IOERR)", EIO, {IoOp::kWrite}},
    {"store: full disk (SQLITE_FULL)", ENOSPC, {IoOp::kWrite}},
    {"store: failed fsync (SQLITE_IOERR_FSYNC)", EIO, {IoOp::kSync}},
};

// At most this many call indices per fault kind, spread evenly over the calls it can hit (first
// and last always included), to keep the suite to seconds if the operations grow: SQLite writes a
// page per call. The import and the rotation below make fewer, so every call site is tried.
constexpr size_t kMaxTrialsPerKind = 400;

std::vector<int64_t> Sites(const std::vector<IoOp>& log, const FaultKind& k, size_t* all) {
  std::vector<int64_t> at;
  for (size_t i = 0; i < log.size(); ++i)
    if (std::find(k.ops.begin(), k.ops.end(), log[i]) != k.ops.end())
      at.push_back(static_cast<int64_t>(i));
  *all = at.size();
  if (at.size() <= kMaxTrialsPerKind) return at;
  std::vector<int64_t> pick;
  for (size_t j = 0; j < kMaxTrialsPerKind; ++j)
    pick.push_back(at[j * (at.size() - 1) / (kMaxTrialsPerKind - 1)]);
  return pick;
}

// What happened at each trial of one fault kind.
struct Tally {
  size_t sites = 0, trials = 0, failed_cleanly = 0, completed = 0, consistent = 0, resumed = 0;
  std::string Line(const std::string& name) const {
    return name + ": " + std::to_string(sites) + " call sites, " + std::to_string(trials) +
           " faulted (" + std::to_string(failed_cleanly) + " returned an error, " +
           std::to_string(completed) + " absorbed); consistent " + std::to_string(consistent) +
           "/" + std::to_string(trials) + ", resumable " + std::to_string(resumed) + "/" +
           std::to_string(trials);
  }
};

void Report(const std::string& op, const std::vector<std::pair<std::string, Tally>>& tallies,
            size_t env_calls, size_t store_calls) {
  std::printf("[ env-fault ] %s: %zu Env calls, %zu SQLite write/sync calls\n", op.c_str(),
              env_calls, store_calls);
  ::testing::Test::RecordProperty(op + " env calls", static_cast<int>(env_calls));
  ::testing::Test::RecordProperty(op + " store calls", static_cast<int>(store_calls));
  for (const auto& [name, t] : tallies) {
    std::printf("[ env-fault ] %s | %s\n", op.c_str(), t.Line(name).c_str());
    ::testing::Test::RecordProperty(op + " | " + name, t.Line(name));
  }
}

void RemoveStore(const std::string& db) {
  for (const char* ext : {"", "-wal", "-shm"}) std::filesystem::remove(db + ext);
}

void CopyStore(const std::string& from, const std::string& to) {
  RemoveStore(to);
  std::filesystem::copy_file(from, to);
}

bool LeftoverTempFiles(const std::string& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().filename().string().find(".tmp-") != std::string::npos) return true;
  return false;
}

// ------------------------------------------------------------------------------------------------
// (a) An import.

class EnvFaultImport : public ::testing::Test {
 protected:
  void SetUp() override {
    if (OnPostgres()) GTEST_SKIP() << "Env and VFS faults are SQLite-only";
    tmpl_ = dir_ / "template.sqlite";
    {
      auto s = NewStore(dir_, {}, "template.sqlite");
      ASSERT_TRUE(cli::WriteSyntheticAcled(csv_, 160, s->LoadAreas().value(), 7).ok());
    }
    // A row that is quarantined, so that the quarantine is part of what must come out whole.
    WriteFile(csv_, ReadFile(csv_) +
                        "BAD1,31 February 2020,2020,1,Political violence,Battles,Armed clash,X,,3,"
                        "Y,,7,37,,728,Eastern Africa,South Sudan,Jonglei,Akobo,,Akobo,7.1,31.6,1,"
                        "Test,Local,bad date,0,,1\n");
    CopyStore(tmpl_, ref_);
    auto sum = Import(ref_, nullptr);
    ASSERT_TRUE(sum.ok()) << sum.status().ToString();
    ASSERT_EQ(sum->read, 161);
    ref_digest_ = Digest(ref_);
    ref_counts_ = Counts(ref_);
  }

  // `aegis import` of the CSV into `db`: opens the store, imports in batches of 40 rows, closes.
  Result<ingest::ImportSummary> Import(const std::string& db, Env* env) {
    auto s = store::Store::Open(db);
    if (!s.ok()) return s.status();
    auto cat = ingest::LoadCatalog(**s, kData);
    if (!cat.ok()) return cat.status();
    ingest::ImportOptions o;
    o.file = csv_;
    o.profile = "acled";
    o.batch_rows = 40;
    o.env = env;
    return ingest::RunImport(**s, *cat, o);
  }
  static std::string Digest(const std::string& db) {
    auto s = store::Store::Open(db);
    return s.ok() ? (*s)->ContentDigest().value() : "open failed";
  }
  static store::RecordCounts Counts(const std::string& db) {
    auto s = store::Store::Open(db);
    return s.ok() ? (*s)->Counts().value() : store::RecordCounts{};
  }

  // One trial: the import with call `at` of `counter` failing, then the checks.
  void Trial(FaultCounter& counter, FaultEnv* env, const FaultKind& k, int64_t at, Tally* t) {
    const std::string db = dir_ / "trial.sqlite";
    CopyStore(tmpl_, db);
    counter.Arm(at, k.err);
    counter.Start();
    auto sum = Import(db, env);
    counter.Disarm();
    const std::string where = k.name + " at call " + std::to_string(at);
    ASSERT_TRUE(counter.fired()) << where;
    ++t->trials;
    if (sum.ok()) {
      ++t->completed;  // e.g. a failed fsync at close: SQLite retries at the next open
    } else {
      ++t->failed_cleanly;
      EXPECT_NE(sum.status().message(), "") << where;
    }
    auto s = store::Store::Open(db);
    ASSERT_TRUE(s.ok()) << where << ": " << s.status().ToString();
    auto check = (*s)->Check();
    ASSERT_TRUE(check.ok()) << where;
    EXPECT_TRUE(check->ok) << where << ": " << text::Join(check->problems, "; ");
    store::RecordCounts c = (*s)->Counts().value();
    // No half-import: what is there is whole batches of the reference, never more.
    EXPECT_LE(c.incidents, ref_counts_.incidents) << where;
    EXPECT_LE(c.quarantined, ref_counts_.quarantined) << where;
    s->reset();
    // An import that reported success lost nothing to the fault (a write SQLite retried, or one
    // of the checkpoint at close, whose pages are still in the WAL).
    const bool whole_if_ok = !sum.ok() || Digest(db) == ref_digest_;
    EXPECT_TRUE(whole_if_ok) << where << ": reported success but the store is not the reference";
    if (check->ok && c.incidents <= ref_counts_.incidents && whole_if_ok) ++t->consistent;
    auto again = Import(db, nullptr);
    ASSERT_TRUE(again.ok()) << where << ": the re-run failed: " << again.status().ToString();
    EXPECT_ACCOUNTED(*again);
    const bool same = Digest(db) == ref_digest_ && Counts(db).incidents == ref_counts_.incidents;
    EXPECT_TRUE(same) << where << ": the re-run did not give the uninterrupted store";
    if (same) ++t->resumed;
  }

  TempDir dir_;
  std::string csv_ = dir_ / "events.csv", tmpl_, ref_ = dir_ / "ref.sqlite";
  std::string ref_digest_;
  store::RecordCounts ref_counts_;
};

TEST_F(EnvFaultImport, EveryIoCallOfAnImportFailingLeavesTheStoreConsistentAndResumable) {
  FaultEnv env;
  FaultVfs vfs;
  // Count: one run with no fault.
  const std::string db = dir_ / "count.sqlite";
  CopyStore(tmpl_, db);
  env.counter().Arm(-1, 0);
  vfs.counter().Arm(-1, 0);
  env.counter().Start();
  vfs.counter().Start();
  auto sum = Import(db, &env);
  env.counter().Disarm();
  vfs.counter().Disarm();
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  ASSERT_EQ(Digest(db), ref_digest_) << "counting through the seams changed the result";
  const std::vector<IoOp> env_log = env.counter().log(), vfs_log = vfs.counter().log();
  ASSERT_GE(env_log.size(), 5u) << "the import reads its file through the Env";
  ASSERT_GE(vfs_log.size(), 10u) << "the store writes through the fault VFS";

  std::vector<std::pair<std::string, Tally>> tallies;
  for (const FaultKind& k : kEnvFaults) {
    Tally t;
    for (int64_t at : Sites(env_log, k, &t.sites)) {
      ASSERT_NO_FATAL_FAILURE(Trial(env.counter(), &env, k, at, &t));
    }
    tallies.emplace_back(k.name, t);
  }
  for (const FaultKind& k : kStoreFaults) {
    Tally t;
    for (int64_t at : Sites(vfs_log, k, &t.sites)) {
      ASSERT_NO_FATAL_FAILURE(Trial(vfs.counter(), nullptr, k, at, &t));
    }
    tallies.emplace_back(k.name, t);
  }
  Report("import", tallies, env_log.size(), vfs_log.size());
  for (const auto& [name, t] : tallies) {
    EXPECT_EQ(t.consistent, t.trials) << name;
    EXPECT_EQ(t.resumed, t.trials) << name;
  }
}

// ------------------------------------------------------------------------------------------------
// (b) A key rotation, as `aegis keys rotate` does it: load the key file, add a key and save the
// file (Env), then re-seal every personal field under the new key (SQLite).

class EnvFaultKeys : public ::testing::Test {
 protected:
  void SetUp() override {
    if (OnPostgres()) GTEST_SKIP() << "Env and VFS faults are SQLite-only";
    ASSERT_TRUE(security::Keyring::Create(tmpl_keys_).ok());
    auto s = NewStore(dir_, {}, "template.sqlite");
    auto keys = access::KeySource::Load(tmpl_keys_);
    ASSERT_TRUE(keys.ok());
    s->SetCipher(*keys);
    ASSERT_TRUE(s->EnsureOrganisation({0, "UNICEF", "UNICEF", "ngo"}).ok());
    std::vector<store::TracingRecord> people;
    for (int i = 0; i < 4; ++i) {
      store::TracingRecord r;
      r.kind = "registered";
      r.organisation = "UNICEF";
      r.external_id = "U-" + std::to_string(i);
      r.name = "Person Number " + std::to_string(i);
      r.sex = "f";
      r.age_min = r.age_max = 9;
      r.area_pcode = "SS010101";
      r.relative_names = "Relative Of " + std::to_string(i);
      r.consent_for_tracing = true;
      people.push_back(r);
    }
    ASSERT_TRUE(s->PutTracingRecords(people).ok());
    names_ = Names(*s);
    ASSERT_EQ(names_.size(), 8u);
  }

  // Every sealed value, decrypted ("" for one that does not decrypt).
  static std::vector<std::string> Names(store::Store& s) {
    std::vector<std::string> out;
    auto recs = s.LoadTracingRecords("", false);
    if (!recs.ok()) return {"load failed: " + recs.status().ToString()};
    for (const auto& r : *recs) {
      out.push_back(r.name);
      out.push_back(r.relative_names);
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  // The rotation with the key file read and written through `env`.
  static Status Rotate(const std::string& keys_path, const std::string& db, Env* env) {
    AEGIS_ASSIGN_OR_RETURN(security::Keyring k, security::Keyring::Load(keys_path, env));
    AEGIS_RETURN_IF_ERROR(k.Rotate());
    AEGIS_ASSIGN_OR_RETURN(auto s, store::Store::Open(db));
    AEGIS_ASSIGN_OR_RETURN(std::shared_ptr<access::KeySource> keys,
                           access::KeySource::Load(keys_path));
    s->SetCipher(keys);
    AEGIS_ASSIGN_OR_RETURN(int64_t n, s->ResealFields(2));
    (void)n;
    return Status::Ok();
  }

  void Trial(FaultCounter& counter, FaultEnv* env, const FaultKind& k, int64_t at, Tally* t) {
    const std::string keys = dir_ / "trial.keys", db = dir_ / "trial.sqlite";
    std::filesystem::remove(keys);
    std::filesystem::copy_file(tmpl_keys_, keys);  // mode 0600 kept
    CopyStore(dir_ / "template.sqlite", db);
    counter.Arm(at, k.err);
    counter.Start();
    Status st = Rotate(keys, db, env);
    counter.Disarm();
    const std::string where = k.name + " at call " + std::to_string(at);
    ASSERT_TRUE(counter.fired()) << where;
    ++t->trials;
    if (st.ok()) {
      ++t->completed;
    } else {
      ++t->failed_cleanly;
    }
    // The key file is whole (the old one or the new one) and opens every sealed field.
    auto k2 = security::Keyring::Load(keys);
    ASSERT_TRUE(k2.ok()) << where << ": " << k2.status().ToString();
    EXPECT_TRUE(k2->keys().size() == 2 || k2->keys().size() == 3) << where;
    EXPECT_FALSE(LeftoverTempFiles(dir_.path())) << where << ": a temporary key file was left";
    {
      auto s = store::Store::Open(db);
      ASSERT_TRUE(s.ok()) << where;
      auto src = access::KeySource::Load(keys);
      ASSERT_TRUE(src.ok()) << where;
      (*s)->SetCipher(*src);
      auto check = (*s)->Check();
      bool ok = check.ok() && check->ok && Names(**s) == names_;
      if (st.ok()) {  // a rotation that reported success left nothing under the old key
        auto left = (*s)->ResealFields(100);
        ok = ok && left.ok() && *left == 0;
      }
      EXPECT_TRUE(ok) << where << ": a sealed field no longer opens, or the check failed";
      if (ok) ++t->consistent;
    }
    // Rotating again completes, and leaves every field under the new active key.
    Status again = Rotate(keys, db, nullptr);
    ASSERT_TRUE(again.ok()) << where << ": the re-run failed: " << again.ToString();
    auto s = store::Store::Open(db);
    ASSERT_TRUE(s.ok());
    auto src = access::KeySource::Load(keys);
    ASSERT_TRUE(src.ok());
    (*s)->SetCipher(*src);
    auto left = (*s)->ResealFields(100);
    const bool whole = Names(**s) == names_ && left.ok() && *left == 0;
    EXPECT_TRUE(whole) << where << ": after the re-run a field is lost or not under the new key";
    if (whole) ++t->resumed;
  }

  TempDir dir_;
  std::string tmpl_keys_ = dir_ / "template.keys";
  std::vector<std::string> names_;
};

TEST_F(EnvFaultKeys, EveryIoCallOfAKeyRotationFailingLosesNoSealedFieldAndRotatingAgainCompletes) {
  FaultEnv env;
  FaultVfs vfs;
  const std::string keys = dir_ / "count.keys", db = dir_ / "count.sqlite";
  std::filesystem::copy_file(tmpl_keys_, keys);
  CopyStore(dir_ / "template.sqlite", db);
  env.counter().Arm(-1, 0);
  vfs.counter().Arm(-1, 0);
  env.counter().Start();
  vfs.counter().Start();
  Status st = Rotate(keys, db, &env);
  env.counter().Disarm();
  vfs.counter().Disarm();
  ASSERT_TRUE(st.ok()) << st.ToString();
  const std::vector<IoOp> env_log = env.counter().log(), vfs_log = vfs.counter().log();
  std::filesystem::remove(keys);
  ASSERT_GE(env_log.size(), 8u) << "load, lock, re-read, create, write, fsync, close, rename";

  std::vector<std::pair<std::string, Tally>> tallies;
  for (const FaultKind& k : kEnvFaults) {
    Tally t;
    for (int64_t at : Sites(env_log, k, &t.sites)) {
      ASSERT_NO_FATAL_FAILURE(Trial(env.counter(), &env, k, at, &t));
    }
    tallies.emplace_back(k.name, t);
  }
  for (const FaultKind& k : kStoreFaults) {
    Tally t;
    for (int64_t at : Sites(vfs_log, k, &t.sites)) {
      ASSERT_NO_FATAL_FAILURE(Trial(vfs.counter(), nullptr, k, at, &t));
    }
    tallies.emplace_back(k.name, t);
  }
  Report("key rotation", tallies, env_log.size(), vfs_log.size());
  for (const auto& [name, t] : tallies) {
    EXPECT_EQ(t.consistent, t.trials) << name;
    EXPECT_EQ(t.resumed, t.trials) << name;
  }
}

}  // namespace
}  // namespace aegis::testing
