// aegis bench import: end-to-end import speed against a bare sqlite3 .import of the same file.
#include <sqlite3.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "analysis/analysis.h"
#include "cli/cli_internal.h"
#include "cli/synthetic_acled.h"
#include "ingest/area_import.h"
#include "ingest/importer.h"

namespace aegis::cli {

namespace {

double Seconds(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

long PeakRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

int BenchImport(const GlobalOptions& g, int64_t rows, const std::string& dir, int64_t batch) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string csv = dir + "/bench_acled.csv", db = dir + "/bench.sqlite",
              bare = dir + "/bare.sqlite";
  for (const auto& f : {db, db + "-wal", db + "-shm", bare}) std::filesystem::remove(f, ec);
  auto store = store::Store::Open(db);
  if (!store.ok()) return Fail(store.status());
  auto areas = ingest::ReadAreas(g.data_dir + "/geo/ssd/ssd_adm3_payams_pcodes.csv", "SSD");
  if (!areas.ok()) return Fail(areas.status());
  std::vector<store::AreaRow> ar = ingest::ToAreaRows(*areas);
  if (Status st = (*store)->UpsertAreas(ar); !st.ok()) return Fail(st);
  auto t0 = std::chrono::steady_clock::now();
  if (Status st = WriteSyntheticAcled(csv, rows, ar, 1); !st.ok()) return Fail(st);
  std::printf("generated %lld synthetic ACLED-format rows (%.1f MB) in %.2fs\n", (long long)rows,
              std::filesystem::file_size(csv) / 1e6, Seconds(t0));
  long rss_before = PeakRssKb();
  t0 = std::chrono::steady_clock::now();
  auto cat = ingest::LoadCatalog(**store, g.data_dir);
  if (!cat.ok()) return Fail(cat.status());
  ingest::ImportOptions o;
  o.file = csv;
  o.profile = "acled";
  o.batch_rows = batch;
  auto sum = ingest::RunImport(**store, *cat, o);
  if (!sum.ok()) return Fail(sum.status());
  double aegis_s = Seconds(t0);
  long rss = PeakRssKb();
  t0 = std::chrono::steady_clock::now();
  std::string cmd = "sqlite3 " + bare + " \".import --csv " + csv + " bare\"";
  int rc = std::system(cmd.c_str());
  double bare_s = Seconds(t0);
  std::printf("\naegis import (parse, validate, resolve place and risks, store in SQLite):\n");
  std::printf("  rows read %lld: imported %lld, quarantined %lld\n", (long long)sum->read,
              (long long)sum->imported, (long long)sum->quarantined);
  std::printf("  time %.2f s  ->  %.0f rows/s end to end\n", aegis_s, sum->read / aegis_s);
  if (sum->index_seconds >= 0)
    std::printf("  of which building the incident-by-area index after the load: %.2f s\n",
                sum->index_seconds);
  std::printf("  peak memory (RSS) %.1f MB (%.1f MB before the import)\n", rss / 1024.0,
              rss_before / 1024.0);
  if (rc == 0) {
    std::printf("sqlite3 .import of the same file into a bare table: %.2f s (%.0f rows/s)\n",
                bare_s, rows / bare_s);
    std::printf("ratio aegis / sqlite3 .import: %.2f (goal <= 2.0)\n", aegis_s / bare_s);
  } else {
    std::printf("sqlite3 command-line tool not found: install the sqlite3 package to compare\n");
  }
  std::printf("goal >= 300000 rows/s: %s\n", sum->read / aegis_s >= 300000 ? "met" : "NOT met");
  return 0;
}

// Runs SQL on a store file directly (generation of bench data only).
Status ExecSql(const std::string& db, const std::string& sql) {
  sqlite3* h = nullptr;
  if (sqlite3_open(db.c_str(), &h) != SQLITE_OK) {
    sqlite3_close(h);
    return Status::IOError(db + ": cannot open");
  }
  char* err = nullptr;
  int rc = sqlite3_exec(h, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(h);
  return rc == SQLITE_OK ? Status::Ok() : Status::Internal("bench data: " + msg);
}

int BenchAnalysis(const GlobalOptions& g, int64_t n, int months, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string db = dir + "/analysis.sqlite";
  for (const auto& f : {db, db + "-wal", db + "-shm"}) std::filesystem::remove(f, ec);
  auto store = store::Store::Open(db);
  if (!store.ok()) return Fail(store.status());
  auto areas = ingest::ReadAreas(g.data_dir + "/geo/ssd/ssd_adm3_payams_pcodes.csv", "SSD");
  if (!areas.ok()) return Fail(areas.status());
  if (Status st = (*store)->UpsertAreas(ingest::ToAreaRows(*areas)); !st.ok()) return Fail(st);
  auto cat = ingest::LoadCatalog(**store, g.data_dir);  // records the risks
  if (!cat.ok()) return Fail(cat.status());
  if (Status st = (*store)->DeferIndexes(); !st.ok()) return Fail(st);
  store->reset();
  auto t0 = std::chrono::steady_clock::now();
  // Synthetic incidents spread uniformly over the payams, months and risks; 1 in 4 has a second
  // risk; 1 in 3 has victims. Generated in SQL so that the bench measures the analysis only.
  std::string sql =
      "PRAGMA foreign_keys=OFF; PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; BEGIN;"
      "INSERT INTO data_source(code,name,kind,source_type,created_at) VALUES "
      "('BENCH','synthetic bench incidents','manual','direct_monitoring','');"
      "WITH RECURSIVE o(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM o WHERE x<20) "
      "INSERT INTO organisation(code,name,kind,created_at) SELECT 'BENCH-ORG-'||x, 'Bench org "
      "'||x, 'ngo', '' FROM o;"
      "CREATE TEMP TABLE p(i INTEGER PRIMARY KEY, pcode TEXT);"
      "INSERT INTO p(i,pcode) SELECT row_number() OVER (ORDER BY pcode)-1, pcode FROM area "
      "WHERE level=3;"
      "CREATE TEMP TABLE rb(i INTEGER PRIMARY KEY, bit INTEGER);"
      "INSERT INTO rb SELECT id-1, bit FROM risk;"
      "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x<" +
      std::to_string(n) +
      ") INSERT INTO incident(data_source_id, source_key, content_hash, date_start, date_end, "
      "country, area_pcode, area_level, risk_mask, killed, organisation_id, source_type, "
      "verification, sensitivity, created_at, updated_at) "
      // Each subquery names x: SQLite runs an uncorrelated scalar subquery once per statement,
      // which put every incident in one payam with one risk.
      "SELECT 1, 'B'||x, x, d, d, 'SSD', (SELECT pcode FROM p WHERE "
      "i=(x+abs(random())%4096)%(SELECT "
      "count(*) FROM p)), 3, (SELECT bit FROM rb WHERE i=(x+abs(random())%4096)%15) | CASE WHEN "
      "abs(random())%4=0 THEN (SELECT bit FROM rb WHERE i=(x+abs(random())%4096)%15) ELSE 0 END, "
      "abs(random())%3, 1+abs(random())%20, 'direct_monitoring', 'unverified', 'internal', '', "
      "'' FROM (SELECT x, date('2020-01-01', '+'||(abs(random())%" +
      std::to_string(months) +
      ")||' months', '+'||(abs(random())%28)||' days') AS d FROM c);"
      "INSERT INTO incident_victim SELECT id, CASE abs(random())%3 WHEN 0 THEN 'female' WHEN 1 "
      "THEN 'male' ELSE 'unknown' END, '18_59', 'unknown', 'idp', 1+abs(random())%4 FROM "
      "incident WHERE id%3=0;"
      "COMMIT;";
  if (Status st = ExecSql(db, sql); !st.ok()) return Fail(st);
  std::printf("generated %lld incidents over %d months and 512 payams in %.1f s\n",
              static_cast<long long>(n), months, Seconds(t0));
  auto reopened = store::Store::Open(db);  // rebuilds the deferred index
  if (!reopened.ok()) return Fail(reopened.status());
  auto tax = taxonomy::Taxonomy::Load(g.data_dir + "/taxonomy");
  if (!tax.ok()) return Fail(tax.status());
  long rss0 = PeakRssKb();
  t0 = std::chrono::steady_clock::now();
  auto facts = analysis::LoadFacts(**reopened, *tax);
  if (!facts.ok()) return Fail(facts.status());
  double load_s = Seconds(t0);
  long rss_load = PeakRssKb();
  // The full payam x risk x month table with its county and state roll-ups.
  double best = 1e9;
  size_t cells = 0;
  int measures = 0;
  size_t cube_bytes = 0;
  for (int rep = 0; rep < 3; ++rep) {
    t0 = std::chrono::steady_clock::now();
    analysis::Cube cube = analysis::Cube::Build(*facts, facts->min_month, facts->max_month);
    best = std::min(best, Seconds(t0));
    cells = facts->areas.size() * static_cast<size_t>(cube.last() - cube.first() + 1) *
            static_cast<size_t>(cube.slots());
    measures = cube.measures();
    cube_bytes = cube.MemoryBytes();
  }
  long rss = PeakRssKb();
  std::printf("\naegis analysis over %zu incidents (%lld confirmed duplicates)\n",
              facts->incidents(), static_cast<long long>(facts->duplicates));
  std::printf("  load from the store into memory: %.2f s (peak RSS %.0f MB -> %.0f MB)\n", load_s,
              rss0 / 1024.0, rss_load / 1024.0);
  std::printf(
      "  full payam x risk x month table with county and state roll-ups: %.3f s (best of "
      "3; %zu cells x %d measures)\n",
      best, cells, measures);
  std::printf("  memory: facts %.0f MB, cube %.0f MB; peak RSS of the process %.0f MB\n",
              facts->MemoryBytes() / 1e6, cube_bytes / 1e6, rss / 1024.0);
  // The same roll-up as one GROUP BY: every placed incident counted in its area at every level
  // (area_ancestor holds each area's ancestors and itself), per month and risk. Incidents and
  // killed only: the engine computes 30 measures per cell, sqlite3 two.
  std::string q =
      "SELECT aa.ancestor_pcode, substr(i.date_start,1,7) AS m, r.code, count(*), "
      "sum(i.killed) FROM incident i JOIN area_ancestor aa ON aa.pcode=i.area_pcode "
      "JOIN risk r ON (i.risk_mask & r.bit) <> 0 GROUP BY 1, 2, 3;";
  std::string cmd = "sqlite3 " + db + " \"" + q + "\" > /dev/null";
  t0 = std::chrono::steady_clock::now();
  int rc = std::system(cmd.c_str());
  double sql_s = Seconds(t0);
  if (rc == 0) {
    std::printf(
        "sqlite3 command line, the same roll-up as one GROUP BY (incidents and killed per "
        "area at every level x month x risk): %.2f s\n",
        sql_s);
    std::printf("ratio sqlite3 / aegis: %.0fx (goal >= 10x); goal under 1 s: %s\n", sql_s / best,
                best < 1.0 ? "met" : "NOT met");
  } else {
    std::printf("sqlite3 command-line tool not found or failed (exit %d)\n", rc);
  }
  return 0;
}

}  // namespace

void AddBenchCommand(CLI::App& app, GlobalOptions& g) {
  static int64_t rows = 1000000, batch = 20000;
  static std::string dir = "bench-out";
  CLI::App* b = app.add_subcommand("bench", "Benchmarks that print figures");
  b->require_subcommand(1);
  auto* imp = b->add_subcommand(
      "import",
      "Import N generated ACLED-format rows end to end into SQLite, and compare with "
      "sqlite3 .import of the same file into a bare table");
  imp->add_option("--rows", rows, "Rows to generate (default 1,000,000)");
  imp->add_option("--batch-rows", batch, "Rows per transaction (default 20,000)");
  imp->add_option("--dir", dir, "Work folder (default bench-out)");
  imp->callback([&g] {
    int rc = BenchImport(g, rows, dir, batch);
    if (rc) throw CLI::RuntimeError(rc);
  });
  static int64_t incidents = 10000000;
  static int months = 60;
  auto* an = b->add_subcommand(
      "analysis",
      "Generate N incidents over South Sudan's 512 payams and M months, then time the full "
      "payam x risk x month table with its roll-ups against the same GROUP BY in sqlite3");
  an->add_option("--incidents", incidents, "Incidents to generate (default 10,000,000)");
  an->add_option("--months", months, "Months (default 60)")->check(CLI::Range(1, 600));
  an->add_option("--dir", dir, "Work folder (default bench-out)");
  an->callback([&g] {
    int rc = BenchAnalysis(g, incidents, months, dir);
    if (rc) throw CLI::RuntimeError(rc);
  });
}

}  // namespace aegis::cli
