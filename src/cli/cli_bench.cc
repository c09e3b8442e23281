// aegis bench import: end-to-end import speed against a bare sqlite3 .import of the same file.
#include <sys/resource.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

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
}

}  // namespace aegis::cli
