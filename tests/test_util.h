// Helpers shared by the scenario tests: temporary folders, files, running the aegis binary,
// and a store loaded with South Sudan admin areas.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>
#include <string>

#include "ingest/area_import.h"
#include "ingest/importer.h"
#include "store/sql_conn.h"
#include "store/store.h"
#include "temp_dir.h"
#include "util/text.h"

namespace aegis::testing {

inline const std::string kShared = AEGIS_SHARED_DIR;
inline const std::string kSource = AEGIS_SOURCE_DIR;
inline const std::string kData = std::string(AEGIS_SOURCE_DIR) + "/data";

// The backend the store-backed tests run on: SQLite files by default; PostgreSQL when
// AEGIS_TEST_BACKEND=postgresql (the ctest entries named "pg.*" set it), on the server whose
// base URL is in AEGIS_TEST_PG (scripts/test.sh starts a throwaway one with scripts/pg-server.sh).
inline bool OnPostgres() {
  const char* b = std::getenv("AEGIS_TEST_BACKEND");
  return b != nullptr && std::string(b) == "postgresql";
}

// Skips every test of a PostgreSQL run when no server was given, unless AEGIS_REQUIRE_PG=1
// (scripts/test.sh), where a missing server fails instead.
class PostgresEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    if (!OnPostgres() || std::getenv("AEGIS_TEST_PG") != nullptr) return;
    const char* req = std::getenv("AEGIS_REQUIRE_PG");
    if (req != nullptr && std::string(req) == "1")
      FAIL() << "AEGIS_TEST_BACKEND=postgresql needs AEGIS_TEST_PG (a server's base URL); start "
                "one with scripts/pg-server.sh start DIR";
    // gtest counts a test skipped by its environment as passed: the marker makes ctest (its
    // SKIP_REGULAR_EXPRESSION) list it as skipped, not as a pass.
    GTEST_SKIP() << "[  SKIPPED ] no PostgreSQL server: run scripts/test.sh, or start one with "
                    "scripts/pg-server.sh start DIR and export AEGIS_TEST_PG";
  }
};
inline const bool kPostgresEnvironment =
    (::testing::AddGlobalTestEnvironment(new PostgresEnvironment), true);

// Where a test's store named `name` lives: `dir/name` on SQLite; on PostgreSQL a database named
// after that path on the test server (created at first open, dropped with `dir`).
inline std::string StoreUrl(const TempDir& dir, const std::string& name = "t.sqlite") {
  if (!OnPostgres()) return dir / name;
  std::string base = std::getenv("AEGIS_TEST_PG") ? std::getenv("AEGIS_TEST_PG") : "";
  char db[40];
  std::snprintf(db, sizeof db, "aegis_t_%016llx",
                static_cast<unsigned long long>(text::Hash64(dir / name)));
  std::string url = base.substr(0, base.rfind('/') + 1) + db;
  dir.AtRemove(url, [url] { (void)store::Store::Destroy(url); });
  return url;
}

inline void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary);
  f << content;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs a shell command line; its exit status and output (stdout and stderr).
inline CommandResult Shell(const std::string& cmd_line) {
  CommandResult r;
  FILE* p = popen((cmd_line + " 2>&1").c_str(), "r");
  if (p == nullptr) return r;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  int st = pclose(p);
  r.exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}

// Runs the aegis binary with `args` (a shell-quoted string).
inline CommandResult RunAegis(const std::string& args) {
  return Shell(std::string(AEGIS_BINARY) + " --data-dir " + kData + " " + args);
}

inline std::vector<store::AreaRow> ToRows(const std::vector<geo::Area>& areas) {
  return ingest::ToAreaRows(areas);
}

// A test oracle: one integer from a read-only SQL query on a store (a SQLite file or a
// PostgreSQL URL), bypassing the Store interface; -1 when the query fails.
inline int64_t QueryInt(const std::string& db, const std::string& sql) {
  auto conn = store::sql::Open(db, false);
  if (!conn.ok()) return -1;
  auto s = store::sql::Prepare(conn->get(), sql);
  Status st;
  if (!s.ok() || !s->Step(&st)) return -1;
  return s->Int(0);
}

// Runs statements on a store behind its back (tamper tests); false when they fail.
inline bool ExecRaw(const std::string& db, const std::string& sql) {
  auto conn = store::sql::Open(db, false);
  return conn.ok() && (*conn)->Exec(sql).ok();
}

// Every row's first column of a query on a store, concatenated: what the engine holds, as stored.
inline std::string QueryText(const std::string& db, const std::string& sql) {
  auto conn = store::sql::Open(db, false);
  std::string all;
  if (!conn.ok()) return all;
  auto s = store::sql::Prepare(conn->get(), sql);
  Status st;
  while (s.ok() && s->Step(&st)) all += s->Text(0);
  return all;
}

// Everything a store holds as the engine stores it: a SQLite file with its WAL, or every row of
// every table of a PostgreSQL database as text. For "this secret is never stored in clear".
inline std::string StoredBytes(const std::string& db) {
  if (!store::IsPostgresUrl(db)) return ReadFile(db) + ReadFile(db + "-wal");
  std::string all;
  auto conn = store::sql::OpenPostgres(db, false);
  if (!conn.ok()) return all;
  std::vector<std::string> tables;
  {
    auto t = store::sql::Prepare(conn->get(),
                                 "SELECT table_name FROM information_schema.tables WHERE "
                                 "table_schema=current_schema()");
    Status st;
    while (t.ok() && t->Step(&st)) tables.push_back(t->Text(0));
  }
  for (const auto& table : tables)
    all += QueryText(db, "SELECT CAST(x AS TEXT) FROM " + table + " x") + "\n";
  return all;
}

// Writes `incidents` into `s` as an importer would: one completed import run of the data source
// `source_id` (its own file digest each call, so runs never resume one another). How tests seed
// a store with records.
inline Status ImportIncidents(store::Store& s, int64_t source_id,
                              std::vector<store::Incident> incidents) {
  static std::atomic<int> runs{0};
  const std::string sha = "seed-" + std::to_string(++runs);
  auto run = s.BeginImportRun(source_id, "test", "memory", sha, sha);
  if (!run.ok()) return run.status();
  store::ImportBatch b;
  b.run_id = run->id;
  b.data_source_id = source_id;
  b.import_key = sha;
  b.rows_read = b.rows_done = static_cast<int64_t>(incidents.size());
  b.incidents = std::move(incidents);
  if (auto out = s.ApplyImportBatch(b); !out.ok()) return out.status();
  return s.FinishImportRun(run->id, store::ImportRunStatus::kCompleted);
}

// A fresh store (StoreUrl(dir, name)) with the South Sudan payam list loaded; `global_countries`
// adds admin1-2 of other countries from OCHA's global P-code list (e.g. {"MLI", "CAF"}).
inline std::unique_ptr<store::Store> NewStore(const TempDir& dir,
                                              const std::vector<std::string>& global_countries = {},
                                              const std::string& name = "t.sqlite") {
  auto s = store::Store::Open(StoreUrl(dir, name));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  auto areas = ingest::ReadAreas(kData + "/geo/ssd/ssd_adm3_payams_pcodes.csv", "SSD");
  EXPECT_TRUE(areas.ok()) << areas.status().ToString();
  EXPECT_TRUE((*s)->UpsertAreas(ToRows(*areas)).ok());
  for (const auto& c : global_countries) {
    auto g = ingest::ReadAreas(kShared +
                                   "/data/hdx-python-country-pcodes/tests/fixtures/"
                                   "fixtures-download-global-pcodes-adm-1-2.csv",
                               c);
    EXPECT_TRUE(g.ok()) << g.status().ToString();
    std::vector<geo::Area> only;
    for (auto& a : *g)
      if (a.country == c) only.push_back(a);
    Status st = (*s)->UpsertAreas(ToRows(only));
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  return std::move(s).value();
}

inline Result<ingest::ImportSummary> Import(store::Store& s, const std::string& file,
                                            const std::string& profile,
                                            std::map<std::string, std::string> repeats = {}) {
  auto cat = ingest::LoadCatalog(s, kData);
  if (!cat.ok()) return cat.status();
  ingest::ImportOptions o;
  o.file = file;
  o.profile = profile;
  o.repeat_files = std::move(repeats);
  return ingest::RunImport(s, *cat, o);
}

#define EXPECT_ACCOUNTED(sum)                                                                 \
  EXPECT_EQ((sum).read, (sum).imported + (sum).updated + (sum).unchanged + (sum).quarantined) \
      << (sum).ToJson()

}  // namespace aegis::testing
