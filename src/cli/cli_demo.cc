// aegis demo: the main job on the embedded default, with synthetic data.
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "cli/cli_internal.h"
#include "cli/demo_data.h"
#include "ingest/area_import.h"
#include "ingest/importer.h"
#include "util/date.h"

namespace aegis::cli {

namespace {

int RunDemo(GlobalOptions& g, const std::string& dir, unsigned seed, int months) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (g.db == "aegis.sqlite") g.db = dir + "/aegis-demo.sqlite";
  // Rebuilt from scratch: the store, its key file and the audit anchor beside it.
  if (Status st = store::Store::Destroy(g.db); !st.ok()) return Fail(st);
  const std::string keys = KeyFile(g);
  for (const char* ext : {"", ".audit-anchor", ".lock"}) std::filesystem::remove(keys + ext, ec);
  const bool pg = store::IsPostgresUrl(g.db);
  std::printf("Aegis demo: a synthetic South Sudan protection-monitoring picture\n");
  std::printf("store: %s (%s)\n\n", StoreName(g.db).c_str(), pg ? "PostgreSQL database" : "SQLite");
  auto store = OpenStore(g);
  if (!store.ok()) return Fail(store.status());
  std::string areas_file = g.data_dir + "/geo/ssd/ssd_adm3_payams_pcodes.csv";
  auto areas = ingest::ReadAreas(areas_file, "SSD");
  if (!areas.ok()) return Fail(areas.status());
  std::vector<store::AreaRow> rows = ingest::ToAreaRows(*areas);
  if (Status st = (*store)->UpsertAreas(rows); !st.ok()) return Fail(st);
  std::string today = TodayUtc();
  auto pop = DemoPopulation(rows, seed, std::stoi(today.substr(0, 4)));
  if (Status st = (*store)->UpsertPopulation(pop); !st.ok()) return Fail(st);
  std::printf(
      "1. admin areas: %zu South Sudan states, counties and payams (P-codes); synthetic "
      "population for %zu counties\n",
      rows.size(), pop.size());
  DemoOptions o{dir + "/input", seed, months, today};
  auto files = WriteDemoFiles(o, rows);
  if (!files.ok()) return Fail(files.status());
  std::printf(
      "2. partner files written to %s/input (Kobo, ODK Central, HXL, key-informant "
      "monitoring; invented partners DEMO-ALPHA..DELTA)\n3. imports:\n",
      dir.c_str());
  auto cat = ingest::LoadCatalog(**store, g.data_dir);
  if (!cat.ok()) return Fail(cat.status());
  auto sums = ImportDemoFiles(**store, *cat, *files);
  if (!sums.ok()) return Fail(sums.status());
  for (size_t i = 0; i < sums->size(); ++i) {
    const ingest::ImportSummary& sum = (*sums)[i];
    std::printf("   %-34s %-16s read %4lld  imported %4lld  quarantined %lld\n",
                std::filesystem::path((*files)[i].path).filename().c_str(),
                (*files)[i].profile.c_str(), (long long)sum.read, (long long)sum.imported,
                (long long)sum.quarantined);
    for (const auto& r : sum.quarantine_reasons)
      std::printf("      quarantined row %lld: %s\n", (long long)r.example_rows.front(),
                  r.example.c_str());
  }
  std::printf("\n4. ");
  Status st = PrintSummary(**store, g.data_dir, 2, "1900-01-01", "2999-12-31", false, 8);
  if (!st.ok()) return Fail(st);
  std::printf("\n5. ");
  std::fflush(stdout);
  std::string html = dir + "/protection-analysis-update.html";
  st = AnalyzeForDemo(g, html);
  if (!st.ok()) return Fail(st);
  std::printf(
      "\nThe Protection Analysis Update of the month: %s (open it in a browser; print it to "
      "PDF with aegis analyze --pdf)\n"
      "Next: aegis --db %s analyze --period 2026-Q3 --level 1   |   aegis --db %s analyze "
      "--safe   |   aegis import --help\n"
      "Another country: aegis --db %s areas import --global --country SYR (OCHA's admin 1-2 "
      "P-codes), then import its partners' files\n",
      html.c_str(), g.db.c_str(), g.db.c_str(), g.db.c_str());
  return 0;
}

}  // namespace

void AddDemoCommand(CLI::App& app, GlobalOptions& g) {
  static std::string dir = "demo";
  static std::string serve_mode = "no";
  static server::ServerOptions so;
  static unsigned seed = 2026;
  static int months = 6;
  CLI::App* d = app.add_subcommand(
      "demo",
      "Build a demo store from synthetic South Sudan data, show the monthly summary and analysis, "
      "and write the Protection Analysis Update");
  d->add_option("--dir", dir, "Folder for the demo store and its input files (default: demo)");
  d->add_option("--seed", seed, "Random seed of the synthetic data");
  d->add_option("--months", months, "Months of data (default 6)")->check(CLI::Range(1, 36));
  d->add_option("--serve", serve_mode,
                "Then start the server (API and web application) on the demo store: 'yes' (until "
                "Ctrl-C), 'check' (start it, sign in over HTTP, read the analysis and the web "
                "application's page, stop: for scripts) or 'no'")
      ->check(CLI::IsMember({"yes", "check", "no"}));
  d->add_option("--port", so.port, "Port of the server (default 8080)");
  d->footer(
      "The demo store is rebuilt from scratch each time (DIR/aegis-demo.sqlite unless --db "
      "is given).\nEverything in it is invented: partners DEMO-ALPHA..DELTA, people, "
      "narratives.\nOnly the P-codes are real (data/geo/ssd).");
  d->callback([&g] {
    GlobalOptions demo = g;
    int rc = RunDemo(demo, dir, seed, months);
    if (rc) throw CLI::RuntimeError(rc);
    if (serve_mode == "no") return;
    Status st = ServeDemo(demo, so, serve_mode == "check");
    if (!st.ok()) throw CLI::RuntimeError(Fail(st));
  });
}

}  // namespace aegis::cli
