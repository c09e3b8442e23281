// Store micro-benchmark on either engine: ApplyImportBatch of synthetic incidents into a fresh
// store (the writer alone, without parsing or mapping), then one ScanIncidentFacts over them (the
// analysis's read) with the memory it takes.
// Run: build/aegis_store_bench [ROWS] [STORE_URL]
//   ROWS       incidents to write (200000)
//   STORE_URL  a SQLite file (/tmp/aegis_store_bench.sqlite) or postgresql://user@host:port/db;
//              the store there is destroyed first and left behind for inspection.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "store/store.h"

using namespace aegis;

namespace {

// kB of resident memory now (VmRSS) or at its peak (VmHWM).
long StatusKb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key, 0) == 0) return std::atol(line.c_str() + std::string(key).size() + 1);
  return -1;
}

// Resets VmHWM to the current RSS (Linux >= 4.0), so the next peak is the scan's.
void ResetPeak() { std::ofstream("/proc/self/clear_refs") << "5"; }

double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  int64_t rows = argc > 1 ? std::atoll(argv[1]) : 200000;
  std::string db = argc > 2 ? argv[2] : "/tmp/aegis_store_bench.sqlite";
  if (Status d = store::Store::Destroy(db); !d.ok()) {
    std::fprintf(stderr, "%s\n", d.ToString().c_str());
    return 1;
  }
  auto s = store::Store::Open(db);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.status().ToString().c_str());
    return 1;
  }
  auto& st = **s;
  (void)st.UpsertAreas({{"SS01", 1, "State", "", "SSD", {}, {}, {}},
                        {"SS0101", 2, "County", "SS01", "SSD", {}, {}, {}}});
  (void)st.SyncRisks({{"ATK", 2}, {"GBV", 8}});
  int64_t src = st.EnsureDataSource({0, "bench", "bench", "acled", "ACLED", "secondary"}).value();
  auto run = st.BeginImportRun(src, "acled", "x", "sha", "sha").value();
  auto t0 = std::chrono::steady_clock::now();
  const int64_t batch = 20000;
  for (int64_t done = 0; done < rows; done += batch) {
    store::ImportBatch b;
    b.run_id = run.id;
    b.data_source_id = src;
    b.import_key = "sha";
    for (int64_t i = done; i < done + batch; ++i) {
      store::Incident inc;
      inc.source_key = "SYN" + std::to_string(i);
      inc.content_hash = static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ULL;
      inc.date_start = inc.date_end = "2020-01-01";
      inc.country = "SSD";
      inc.place = {"SS0101", 2, "name", 1.0, "Jonglei / Akobo / Akobo", ""};
      inc.lat = 7.1;
      inc.lon = 31.6;
      inc.risks = {"ATK"};
      inc.event_type = "Violence against civilians / Attack";
      inc.act_type = "attack_on_civilians";
      inc.perpetrator = "militia";
      inc.perpetrator_detail = "Synthetic Armed Group";
      inc.killed = 1;
      inc.organisation_code = "ACLED";
      inc.source_type = "secondary";
      inc.sensitivity = "public";
      inc.narrative =
          "SYNTHETIC benchmark event: no real place, actor or person is described here.";
      inc.source_row = i + 2;
      b.incidents.push_back(std::move(inc));
    }
    b.rows_read = batch;
    b.rows_done = done + batch + 1;
    auto r = st.ApplyImportBatch(b);
    if (!r.ok()) {
      std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
      return 1;
    }
  }
  double sec = Since(t0);
  std::printf("%s\nwrite: %lld incidents in %.2f s = %.0f rows/s (%.2f us/row)\n",
              store::IsPostgresUrl(db) ? "PostgreSQL" : "SQLite", (long long)rows, sec, rows / sec,
              sec * 1e6 / rows);
  ResetPeak();
  long before = StatusKb("VmRSS:");
  int64_t seen = 0, killed = 0;
  t0 = std::chrono::steady_clock::now();
  Status scan = st.ScanIncidentFacts([&](const store::IncidentFact& f) {
    ++seen;
    killed += f.killed;
  });
  sec = Since(t0);
  if (!scan.ok()) {
    std::fprintf(stderr, "%s\n", scan.ToString().c_str());
    return 1;
  }
  std::printf(
      "scan: %lld facts in %.2f s = %.0f rows/s; memory +%ld kB at peak (RSS %ld kB before)\n",
      (long long)seen, sec, seen / sec, StatusKb("VmHWM:") - before, before);
  return seen == rows && killed == rows ? 0 : 1;
}
