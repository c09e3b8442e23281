// Store behaviour that several server processes rely on, on both backends: StoreTest.* runs on
// SQLite files, pg.StoreTest.* on PostgreSQL (see test_util.h, StoreUrl).
#include <atomic>
#include <set>
#include <thread>

#include "test_util.h"

namespace aegis::testing {
namespace {

// An incident entered by hand in payam SS010101, risk MOV.
store::Incident TestIncident(const std::string& key) {
  store::Incident inc;
  inc.source_key = key;
  inc.date_start = inc.date_end = "2026-10-01";
  inc.place.pcode = "SS010101";
  inc.place.level = 3;
  inc.risks = {"MOV"};
  inc.source_type = "direct_monitoring";
  inc.verification = "reported";
  inc.sensitivity = "internal";
  return inc;
}

TEST(StoreTest, ALeaseIsHeldByOneHolderUntilItExpires) {
  TempDir dir;
  auto a = NewStore(dir);
  auto b = store::Store::Open(StoreUrl(dir));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_TRUE(a->AcquireLease("job", "A", 1000, 500).value());
  EXPECT_FALSE((*b)->AcquireLease("job", "B", 1200, 500).value()) << "held by A until 1500";
  EXPECT_TRUE(a->AcquireLease("job", "A", 1400, 500).value()) << "its holder renews it";
  EXPECT_FALSE((*b)->AcquireLease("job", "B", 1800, 500).value()) << "renewed until 1900";
  EXPECT_TRUE((*b)->AcquireLease("job", "B", 1900, 500).value()) << "expired: B takes it over";
  EXPECT_FALSE(a->AcquireLease("job", "A", 2000, 500).value());
  EXPECT_TRUE(a->AcquireLease("other", "A", 2000, 500).value()) << "leases are per name";
}

// The analysis caches of other processes see every change through the data version.
TEST(StoreTest, TheDataVersionMovesAfterEveryChangeTheAnalysisReads) {
  TempDir dir;
  auto reader = NewStore(dir);
  ASSERT_TRUE(ingest::LoadCatalog(*reader, kData).ok());
  auto writer = store::Store::Open(StoreUrl(dir));
  ASSERT_TRUE(writer.ok());
  auto src =
      (*writer)->EnsureDataSource({0, "MANUAL", "manual", "manual", "", "direct_monitoring"});
  ASSERT_TRUE(src.ok());
  int64_t v = reader->DataVersion().value();
  EXPECT_EQ(reader->DataVersion().value(), v) << "reading does not move it";
  auto a = (*writer)->CreateIncident(TestIncident("k1"), *src);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_GT(reader->DataVersion().value(), v) << "a new incident";
  v = reader->DataVersion().value();
  auto b = (*writer)->CreateIncident(TestIncident("k2"), *src);
  ASSERT_TRUE(b.ok());
  v = reader->DataVersion().value();
  ASSERT_TRUE((*writer)->SetDuplicateOf(*b, *a).ok());
  EXPECT_GT(reader->DataVersion().value(), v) << "a confirmed duplicate";
  v = reader->DataVersion().value();
  store::SeverityOverride o{0, "SS0101", "MOV", "2026-10", 4, "seen", "IMO", ""};
  ASSERT_TRUE((*writer)->AddSeverityOverride(o).ok());
  EXPECT_GT(reader->DataVersion().value(), v) << "a severity override";
}

TEST(StoreTest, ConnectionsOpeningANewStoreAtOnceMigrateItOnce) {
  TempDir dir;
  const std::string url = StoreUrl(dir, "fresh.sqlite");
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      auto s = store::Store::Open(url);
      if (!s.ok()) {
        ADD_FAILURE() << s.status().ToString();
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  auto s = store::Store::Open(url);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->SchemaVersion().value(), (*s)->LatestSchemaVersion());
  EXPECT_EQ(QueryInt(url, "SELECT count(*) FROM schema_migration"), (*s)->LatestSchemaVersion());
}

// The analysis's scans read large tables a chunk at a time on PostgreSQL (a cursor; see
// Stmt::Stream). A scan longer than a chunk gives every row once, in order; the connection
// answers other reads during it and takes writes after it.
TEST(StoreTest, AScanLongerThanOneChunkGivesEveryRowOnceAndLeavesTheConnectionUsable) {
  TempDir dir;
  auto s = NewStore(dir);
  ASSERT_TRUE(ingest::LoadCatalog(*s, kData).ok());
  auto src = s->EnsureDataSource({0, "MANUAL", "manual", "manual", "", "direct_monitoring"});
  ASSERT_TRUE(src.ok());
  constexpr int kRows = 4500;  // two full chunks of 2,000 and a part
  std::vector<store::Incident> incidents;
  int64_t killed = 0;
  for (int i = 0; i < kRows; ++i) {
    incidents.push_back(TestIncident("scan-" + std::to_string(i)));
    incidents.back().killed = i % 7;
    killed += i % 7;
  }
  Status imported = ImportIncidents(*s, *src, std::move(incidents));
  ASSERT_TRUE(imported.ok()) << imported.ToString();

  for (int pass = 0; pass < 2; ++pass) {
    int64_t rows = 0, sum = 0, last_id = 0, reads_during = 0;
    bool ordered = true;
    Status scan = s->ScanIncidentFacts([&](const store::IncidentFact& f) {
      ordered = ordered && f.id > last_id;
      last_id = f.id;
      sum += f.killed;
      if (++rows % 1000 == 0 && s->DataVersion().ok()) ++reads_during;
    });
    ASSERT_TRUE(scan.ok()) << scan.ToString();
    EXPECT_EQ(rows, kRows + pass) << "pass " << pass;
    EXPECT_EQ(sum, killed);
    EXPECT_TRUE(ordered) << "in id order, each once";
    EXPECT_EQ(reads_during, (kRows + pass) / 1000) << "reads answered during the scan";
    // A write after the scan: its cursor and transaction are gone.
    if (pass == 0) {
      auto id = s->CreateIncident(TestIncident("after-scan"), *src);
      ASSERT_TRUE(id.ok()) << id.status().ToString();
    }
  }
}

// Four connections write incidents and audit rows at once: every write lands once, and the audit
// chain stays one unbroken chain (each row's hash continues the previous one's).
TEST(StoreTest, ConcurrentWritersLoseNothingAndKeepTheAuditChain) {
  TempDir dir;
  auto setup = NewStore(dir);
  ASSERT_TRUE(ingest::LoadCatalog(*setup, kData).ok());  // the risk table
  auto src = setup->EnsureDataSource({0, "MANUAL", "manual", "manual", "", "direct_monitoring"});
  ASSERT_TRUE(src.ok());
  constexpr int kThreads = 4, kEach = 40;
  auto chain = [](const std::string& prev, const store::AuditRow& r) {
    return std::to_string(std::hash<std::string>{}(prev + r.detail));
  };
  std::vector<std::thread> threads;
  std::atomic<int> errors{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto s = store::Store::Open(StoreUrl(dir));
      if (!s.ok()) {
        ++errors;
        return;
      }
      for (int i = 0; i < kEach; ++i) {
        store::Incident inc = TestIncident("w" + std::to_string(t) + "-" + std::to_string(i));
        if (auto id = (*s)->CreateIncident(inc, *src); !id.ok()) {
          ADD_FAILURE() << id.status().ToString();
          ++errors;
        }
        store::AuditRow row;
        row.actor = "t" + std::to_string(t);
        row.action = "test";
        row.detail = inc.source_key;
        if (!(*s)->AppendAudit({row}, chain).ok()) ++errors;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);
  const std::string url = StoreUrl(dir);
  EXPECT_EQ(QueryInt(url, "SELECT count(*) FROM incident"), kThreads * kEach);
  EXPECT_EQ(QueryInt(url, "SELECT count(DISTINCT source_key) FROM incident"), kThreads * kEach);
  std::string prev;
  int64_t seq = 0;
  std::set<std::string> details;
  ASSERT_TRUE(setup
                  ->ScanAudit([&](const store::AuditRow& r) {
                    EXPECT_EQ(r.seq, ++seq);
                    EXPECT_EQ(r.hash, chain(prev, r)) << "row " << r.seq << " breaks the chain";
                    prev = r.hash;
                    details.insert(r.detail);
                  })
                  .ok());
  EXPECT_EQ(details.size(), static_cast<size_t>(kThreads * kEach));
}

}  // namespace
}  // namespace aegis::testing
