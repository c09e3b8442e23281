// Writer-side micro-benchmark: ApplyImportBatch of synthetic incidents into a fresh SQLite store.
// Run: build/aegis_bench   (prints rows/s of the store alone, without parsing or mapping)
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "store/store.h"

using namespace aegis;

int main(int argc, char** argv) {
  int64_t rows = argc > 1 ? std::atoll(argv[1]) : 200000;
  std::string db = "/tmp/aegis_store_bench.sqlite";
  for (const char* e : {"", "-wal", "-shm"}) std::filesystem::remove(db + e);
  auto s = store::Store::Open(db);
  if (!s.ok()) return 1;
  auto& st = **s;
  (void)st.UpsertAreas({{"SS01", 1, "State", "", "SSD", {}, {}, {}},
                        {"SS0101", 2, "County", "SS01", "SSD", {}, {}, {}}});
  (void)st.SyncRisks({{"ATK", 2}, {"GBV", 8}});
  int64_t src = st.EnsureDataSource({0, "bench", "bench", "acled", "ACLED", "secondary"}).value();
  auto run = st.BeginImportRun(src, "acled", "x", "sha").value();
  auto t0 = std::chrono::steady_clock::now();
  const int64_t batch = 20000;
  for (int64_t done = 0; done < rows; done += batch) {
    store::ImportBatch b;
    b.run_id = run.id;
    b.data_source_id = src;
    b.file_sha256 = "sha";
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
  double sec = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("store only: %lld incidents in %.2f s = %.0f rows/s (%.2f us/row)\n", (long long)rows,
              sec, rows / sec, sec * 1e6 / rows);
  return 0;
}
