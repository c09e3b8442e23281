// aegis db ..., aegis areas ..., aegis taxonomy ...
#include <chrono>
#include <cstdio>
#include <set>

#include "cli/cli_internal.h"
#include "geo/boundary_io.h"
#include "geo/country.h"
#include "ingest/area_import.h"
#include "ingest/importer.h"
#include "store/copy.h"
#include "taxonomy/taxonomy.h"
#include "util/text.h"

namespace aegis::cli {

namespace {

void Exit(int rc) {
  if (rc != 0) throw CLI::RuntimeError(rc);
}

int DbMigrate(const GlobalOptions& g) {
  auto s = OpenStore(g, /*migrate=*/false);
  if (!s.ok()) return Fail(s.status());
  auto before = (*s)->SchemaVersion();
  auto n = (*s)->Migrate();
  if (!n.ok()) return Fail(n.status());
  std::printf("%s: schema version %d -> %d (%d migration%s applied)\n", g.db.c_str(),
              before.ok() ? *before : 0, (*s)->LatestSchemaVersion(), *n, *n == 1 ? "" : "s");
  return 0;
}

int DbCheck(const GlobalOptions& g) {
  store::StoreOptions o;
  o.create_if_missing = false;
  o.migrate = false;
  auto s = store::Store::Open(g.db, o);
  if (!s.ok()) return Fail(s.status());
  auto rep = (*s)->Check();
  if (!rep.ok()) return Fail(rep.status());
  for (const auto& p : rep->problems) std::printf("PROBLEM: %s\n", p.c_str());
  for (const auto& n : rep->notes) std::printf("note: %s\n", n.c_str());
  auto c = (*s)->Counts();
  if (c.ok()) {
    std::printf(
        "%s: %lld areas, %lld incidents, %lld monitoring reports, %lld quarantined rows, "
        "%lld import runs, %lld services\n",
        g.db.c_str(), (long long)c->areas, (long long)c->incidents, (long long)c->reports,
        (long long)c->quarantined, (long long)c->import_runs, (long long)c->services);
  }
  std::printf("%s\n", rep->ok ? "check: OK" : "check: FAILED");
  return rep->ok ? 0 : 4;
}

int DbBackup(const GlobalOptions& g, const std::string& out) {
  auto s = OpenStore(g, false);
  if (!s.ok()) return Fail(s.status());
  Status st = (*s)->Backup(out);
  if (!st.ok()) return Fail(st);
  std::printf("backup of %s written to %s\n", g.db.c_str(), out.c_str());
  return 0;
}

int DbCopy(const std::string& source, const std::string& target) {
  const bool tty = StderrIsTerminal();
  std::string last;
  auto r = store::CopyStore(source, target, [&](const std::string& table, int64_t rows) {
    if (tty) {
      std::fprintf(stderr, "\r  copying %-20s %10lld rows", table.c_str(), (long long)rows);
    } else if (table != last) {
      std::fprintf(stderr, "  copying %s\n", table.c_str());
    }
    last = table;
  });
  if (tty) std::fprintf(stderr, "\r%60s\r", "");
  if (!r.ok()) return Fail(r.status());
  int64_t total = 0;
  std::printf("%-22s %12s  %s\n", "table", "rows", "checksum (source = target)");
  for (const auto& t : r->tables) {
    std::printf("%-22s %12lld  %016llx\n", t.table.c_str(), (long long)t.rows,
                (unsigned long long)t.checksum);
    total += t.rows;
  }
  std::printf(
      "copied %lld rows in %zu tables; every count and checksum matches; content digest "
      "%s\n",
      (long long)total, r->tables.size(), r->digest.c_str());
  std::printf(
      "Personal fields are copied sealed: serve the target with the source's key file "
      "(--keys or $AEGIS_KEY_FILE).\n");
  return 0;
}

// `aegis areas import [FILE] [--global] [--country ISO3[,ISO3...]]`.
int AreasImport(const GlobalOptions& g, std::string file, const std::string& country_list,
                bool global) {
  auto started = std::chrono::steady_clock::now();
  if (global && file.empty()) {
    auto found = ingest::FindGlobalPcodeList(g.data_dir, Env("AEGIS_GLOBAL_PCODES"));
    if (!found.ok()) return Fail(found.status());
    file = *found;
  }
  if (file.empty())
    return Fail(Status::InvalidArgument(
        "give an area file, or --global for OCHA's global admin 1-2 P-code list"));
  std::set<std::string> countries;
  for (const std::string& c : text::Split(country_list, ',')) {
    if (text::Trim(c).empty()) continue;
    std::string iso3 = geo::CountryIso3(text::Trim(c));
    if (iso3.empty())
      return Fail(Status::InvalidArgument("--country: '" + std::string(text::Trim(c)) +
                                          "' is not a country code or name; write e.g. SYR"));
    countries.insert(iso3);
  }
  // One country: read with it as the hint (only its rows); several or none: read all.
  std::vector<std::string> warnings;
  auto areas = ingest::ReadAreas(file, countries.size() == 1 ? *countries.begin() : "", &warnings);
  if (!areas.ok()) return Fail(areas.status());
  auto s = OpenStore(g);
  if (!s.ok()) return Fail(s.status());
  // The global list does not replace a country's own list (often deeper, or newer) unless
  // --country names it.
  std::set<std::string> kept;
  if (global && countries.empty()) {
    auto loaded = (*s)->LoadAreas();
    if (!loaded.ok()) return Fail(loaded.status());
    for (const auto& a : *loaded) kept.insert(a.country);
  }
  std::vector<geo::Area> taken;
  std::set<std::string> taken_countries;
  int per_level[6] = {0, 0, 0, 0, 0, 0};
  for (auto& a : *areas) {
    if (!countries.empty() && !a.country.empty() && !countries.count(a.country)) continue;
    if (kept.count(a.country)) continue;
    if (a.level >= 0 && a.level < 6) ++per_level[a.level];
    taken_countries.insert(a.country);
    taken.push_back(std::move(a));
  }
  std::vector<store::AreaRow> rows = ingest::ToAreaRows(taken);
  if (rows.empty()) {
    return Fail(Status::InvalidArgument(
        file + ": no areas" +
        (countries.empty()
             ? ""
             : " for " +
                   text::Join(std::vector<std::string>(countries.begin(), countries.end()), ", ")) +
        (kept.empty() ? "" : " beside the countries already loaded") +
        "; check the file and --country"));
  }
  Status st = (*s)->UpsertAreas(rows);
  if (!st.ok()) return Fail(st);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf("%s: %zu areas of %zu %s loaded (admin1 %d, admin2 %d, admin3 %d) in %.1f s\n",
              file.c_str(), rows.size(), taken_countries.size(),
              taken_countries.size() == 1 ? "country" : "countries", per_level[1], per_level[2],
              per_level[3], secs);
  std::set<std::string> skipped;
  for (const auto& c : kept)
    if (!c.empty()) skipped.insert(c);
  if (!skipped.empty())
    std::printf(
        "kept the areas already loaded for %s (name a country with --country to replace its "
        "areas with the list's)\n",
        text::Join(std::vector<std::string>(skipped.begin(), skipped.end()), ", ").c_str());
  if (!warnings.empty())
    std::printf("%zu rows skipped or to check, e.g. %s\n", warnings.size(), warnings[0].c_str());
  return 0;
}

int PopulationImport(const GlobalOptions& g, const std::string& file) {
  auto pop = ingest::ReadPopulation(file);
  if (!pop.ok()) return Fail(pop.status());
  std::vector<store::Population> rows;
  for (const auto& p : *pop) rows.push_back({p.pcode, p.year, p.total, p.female, p.male, p.source});
  auto s = OpenStore(g);
  if (!s.ok()) return Fail(s.status());
  Status st = (*s)->UpsertPopulation(rows);
  if (!st.ok()) return Fail(st);
  std::printf("%s: %zu population figures loaded\n", file.c_str(), rows.size());
  return 0;
}

int AreasBoundaries(const GlobalOptions& g, const std::string& file, int level) {
  auto geojson = geo::BoundariesToGeoJson(file);
  if (!geojson.ok()) return Fail(geojson.status());
  auto s = OpenStore(g);
  if (!s.ok()) return Fail(s.status());
  // Check that the polygons fit the loaded areas before keeping them.
  auto cat = ingest::LoadCatalog(**s, g.data_dir);
  if (!cat.ok()) return Fail(cat.status());
  if (Status st = geo::LoadBoundariesFromGeoJson(*cat->gazetteer, *geojson, level); !st.ok())
    return Fail(st);
  if (Status st = (*s)->PutBoundaries(level, *geojson, file); !st.ok()) return Fail(st);
  std::printf(
      "%s: admin%d boundaries stored (%.1f MB as GeoJSON); places given only by "
      "coordinates now resolve by point in polygon\n",
      file.c_str(), level, geojson->size() / 1e6);
  return 0;
}

int TaxonomyCheck(const GlobalOptions& g) {
  auto t = taxonomy::Taxonomy::Load(g.data_dir + "/taxonomy");
  if (!t.ok()) return Fail(t.status());
  std::printf("taxonomy in %s/taxonomy is valid\n\nThe 15 GPC protection risks:\n",
              g.data_dir.c_str());
  for (const auto& r : t->risks())
    std::printf("  %2d %-5s %s\n", r.id, r.code.c_str(), r.label.c_str());
  std::printf("\nSeverity phases:\n");
  for (const auto& p : t->severity_phases()) std::printf("  %d %s\n", p.value, p.label.c_str());
  return 0;
}

}  // namespace

void AddDbCommands(CLI::App& app, GlobalOptions& g) {
  CLI::App* db = app.add_subcommand("db", "Create, upgrade, check and back up the store");
  db->require_subcommand(1);
  db->footer(
      "Examples:\n  aegis --db ops.sqlite db migrate\n  aegis --db ops.sqlite db check\n"
      "  aegis --db ops.sqlite db backup ops-2026-11-22.sqlite\n"
      "  aegis db copy ops.sqlite postgresql://aegis@db.example:5432/ops\n"
      "  aegis db copy postgresql://aegis@db.example:5432/ops ops-copy.sqlite");
  db->add_subcommand("migrate",
                     "Create the store or apply pending schema migrations (safe to "
                     "repeat)")
      ->callback([&g] { Exit(DbMigrate(g)); });
  db->add_subcommand("check",
                     "Check integrity, foreign keys, schema version and that every "
                     "import's counts add up; exit 4 if a problem is found")
      ->callback([&g] { Exit(DbCheck(g)); });
  auto* backup = db->add_subcommand("backup",
                                    "Write a consistent copy of the store while it is "
                                    "in use");
  static std::string out;
  backup->add_option("OUT", out, "Backup file to create (must not exist)")->required();
  backup->callback([&g] { Exit(DbBackup(g, out)); });
  static std::string copy_from, copy_to;
  auto* copy = db->add_subcommand(
      "copy",
      "Copy a whole store to a new one, SQLite <-> PostgreSQL in either direction, and verify it "
      "(row counts and checksums of every table, content digest)");
  copy->add_option("SOURCE", copy_from, "Store to copy: a SQLite file or postgresql://...")
      ->required();
  copy->add_option("TARGET", copy_to,
                   "New store: a SQLite file or postgresql://user@host:port/database (created "
                   "if missing; must hold no records)")
      ->required();
  copy->footer(
      "The source is only read; stop writers (aegis serve) for a copy that includes their last "
      "writes.\nThe target keeps every id; personal fields stay sealed with the source's key "
      "file.");
  copy->callback([] { Exit(DbCopy(copy_from, copy_to)); });
}

void AddAreaCommands(CLI::App& app, GlobalOptions& g) {
  CLI::App* areas = app.add_subcommand("areas", "Load admin areas (P-codes) and population");
  areas->require_subcommand(1);
  areas->footer(
      "Accepted area files: OCHA's P-code lists (long: P-Code, Name, Parent P-Code, Admin Level),\n"
      "wide files with adm1_pcode/adm2_pcode/adm3_pcode columns, HXL-tagged CSV/XLSX (#adm1+code\n"
      "...), or pcode,name,level,parent_pcode. Examples:\n"
      "  aegis areas import data/geo/ssd/ssd_adm3_payams_pcodes.csv\n"
      "  aegis areas import --global                  OCHA's admin 1-2 P-codes, every country\n"
      "  aegis areas import --global --country SYR,BGD,CMR\n"
      "  aegis areas import global_pcodes.csv --country MLI\n"
      "  aegis areas population dtm_baseline.csv");
  static std::string file, country, pop_file;
  static bool global = false;
  auto* imp = areas->add_subcommand("import", "Load or update areas from a CSV/XLSX file");
  imp->add_option("FILE", file, "Area list (with --global: the global list, if not the default)")
      ->check(CLI::ExistingFile);
  imp->add_flag("--global", global,
                "OCHA's global admin 1-2 P-code list (HDX global_pcodes_adm_1_2.csv), found at "
                "$AEGIS_GLOBAL_PCODES, DATA_DIR/geo/global_pcodes_adm_1_2.csv or beside the "
                "project in ../shared/data; countries already loaded keep their own list unless "
                "--country names them");
  imp->add_option("--country", country, "Only these countries (ISO3, comma-separated), e.g. SSD");
  imp->callback([&g] { Exit(AreasImport(g, file, country, global)); });
  static std::string bfile;
  static int blevel = 2;
  auto* bnd = areas->add_subcommand(
      "boundaries",
      "Store admin polygons (GeoJSON, shapefile, GeoPackage; reprojected to WGS84) "
      "for point-in-polygon placement");
  bnd->add_option("FILE", bfile,
                  "Boundary file; its P-code attribute is detected "
                  "(ADM2_PCODE, admin2Pcode, pcode, ...)")
      ->required()
      ->check(CLI::ExistingFile);
  bnd->add_option("--level", blevel, "Admin level of the polygons (1, 2 or 3)")
      ->check(CLI::Range(1, 3));
  bnd->callback([&g] { Exit(AreasBoundaries(g, bfile, blevel)); });
  auto* pop = areas->add_subcommand("population", "Load population figures by P-code");
  pop->add_option("FILE", pop_file, "CSV with a P-code and a total column")
      ->required()
      ->check(CLI::ExistingFile);
  pop->callback([&g] { Exit(PopulationImport(g, pop_file)); });
}

void AddTaxonomyCommand(CLI::App& app, GlobalOptions& g) {
  app.add_subcommand("taxonomy", "Validate and list the reference taxonomies (data/taxonomy)")
      ->callback([&g] { Exit(TaxonomyCheck(g)); });
}

}  // namespace aegis::cli
