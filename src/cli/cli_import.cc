// aegis import FILE --profile NAME
#include <cstdio>
#include <fstream>

#include "cli/cli_internal.h"
#include "ingest/importer.h"
#include "ingest/profile.h"
#include "util/text.h"

namespace aegis::cli {

namespace {

struct ImportArgs {
  std::string file, profile = "", delimiter, sheet, source, quarantine_out;
  std::vector<std::string> repeats;
  int64_t batch_rows = 20000;
  std::string indexes = "auto";
  bool json = false, list = false;
};

std::string CsvCell(const std::string& v) {
  std::string s = v;
  if (text::LooksLikeFormula(s)) s = "'" + s;  // never hand a spreadsheet a formula
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"')
      out += "\"\"";
    else
      out.push_back(c);
  }
  return out + "\"";
}

Status WriteQuarantine(store::Store& st, const ingest::ImportSummary& sum,
                       const std::string& path) {
  auto run = st.GetImportRun(sum.run_id);
  if (!run.ok()) return run.status();
  auto rows = st.ListQuarantine(run->data_source_id, run->import_key);
  if (!rows.ok()) return rows.status();
  std::ofstream out(path);
  if (!out) return Status::IOError(path + ": cannot write; check the folder");
  out << "row,column,reason,how_to_fix,original_row\n";
  for (const auto& q : *rows) {
    out << q.row << ',' << CsvCell(q.column) << ',' << CsvCell(q.reason) << ',' << CsvCell(q.hint)
        << ',' << CsvCell(q.raw_json) << '\n';
  }
  return out ? Status::Ok() : Status::IOError(path + ": write failed");
}

void PrintHuman(const ingest::ImportSummary& s) {
  std::printf("%s  (profile %s, source %s%s)\n", s.file.c_str(), s.profile.c_str(),
              s.data_source.c_str(), s.resumed ? ", resumed" : "");
  std::printf(
      "  read %lld = imported %lld + updated %lld + unchanged %lld + quarantined %lld"
      "   (%.2fs)\n",
      (long long)s.read, (long long)s.imported, (long long)s.updated, (long long)s.unchanged,
      (long long)s.quarantined, s.seconds);
  if (s.index_seconds >= 0)
    std::printf("  bulk load: incident indexes built once at the end (%.2fs of the total)\n",
                s.index_seconds);
  if (!s.place_levels.empty()) {
    std::printf("  placed at:");
    for (const auto& [l, n] : s.place_levels) std::printf(" admin%d %lld", l, (long long)n);
    std::printf("   by:");
    for (const auto& [m, n] : s.place_methods) std::printf(" %s %lld", m.c_str(), (long long)n);
    std::printf("\n");
  }
  for (const auto& r : s.quarantine_reasons) {
    std::string rows;
    for (auto x : r.example_rows) rows += (rows.empty() ? "" : ", ") + std::to_string(x);
    std::printf("  quarantined %lld: %s (rows %s%s)\n      e.g. %s\n", (long long)r.count,
                r.reason.c_str(), rows.c_str(),
                r.count > (int64_t)r.example_rows.size() ? ", ..." : "", r.example.c_str());
  }
  for (const auto& w : s.warnings) std::printf("  warning: %s\n", w.c_str());
}

int RunImportCommand(const GlobalOptions& g, const ImportArgs& a) {
  if (a.list) {
    for (const auto& [n, d] : ingest::ListProfiles(g.data_dir + "/profiles"))
      std::printf("  %-28s %s\n", n.c_str(), d.c_str());
    return 0;
  }
  if (a.file.empty() || a.profile.empty()) {
    return Fail(
        Status::InvalidArgument("give a FILE and --profile NAME (aegis import "
                                "--list-profiles shows the profiles)"));
  }
  auto store = OpenStore(g);
  if (!store.ok()) return Fail(store.status());
  auto cat = ingest::LoadCatalog(**store, g.data_dir);
  if (!cat.ok()) return Fail(cat.status());
  ingest::ImportOptions o;
  o.file = a.file;
  o.profile = a.profile;
  o.sheet = a.sheet;
  o.source_code = a.source;
  o.batch_rows = a.batch_rows;
  using Mode = ingest::ImportOptions::IndexMode;
  o.index_mode = a.indexes == "defer"  ? Mode::kDefer
                 : a.indexes == "keep" ? Mode::kKeep
                                       : Mode::kAuto;
  if (!a.delimiter.empty())
    o.delimiter = a.delimiter == "tab" || a.delimiter == "\\t" ? '\t' : a.delimiter[0];
  for (const auto& r : a.repeats) {
    size_t eq = r.find('=');
    if (eq == std::string::npos)
      return Fail(Status::InvalidArgument("--repeat " + r +
                                          ": write GROUP=FILE, e.g. victims=victims.csv"));
    o.repeat_files[r.substr(0, eq)] = r.substr(eq + 1);
  }
  Progress bar("importing");
  o.progress = [&bar](int64_t rows, int64_t bytes, int64_t total) {
    bar.Update(rows, bytes, total);
  };
  o.phase = [&bar](const std::string& what) { bar.Phase(what); };
  auto sum = ingest::RunImport(**store, *cat, o);
  bar.Done();
  if (!sum.ok()) return Fail(sum.status());
  if (!a.quarantine_out.empty()) {
    Status st = WriteQuarantine(**store, *sum, a.quarantine_out);
    if (!st.ok()) return Fail(st);
  }
  if (a.json)
    std::printf("%s\n", sum->ToJson().c_str());
  else
    PrintHuman(*sum);
  return 0;
}

// aegis profile check PROFILE FILE / aegis profile draft FILE (registered with import: they
// are how a profile for an import is written).
void AddProfileCommands(CLI::App& app, GlobalOptions& g) {
  static std::string profile, file, sheet, delimiter;
  CLI::App* prof = app.add_subcommand(
      "profile", "Write and check mapping profiles (the format: doc/profiles.md)");
  prof->require_subcommand(1);
  auto options = [&](ingest::ImportOptions* o) {
    o->file = file;
    o->profile = profile;
    o->sheet = sheet;
    if (!delimiter.empty())
      o->delimiter = delimiter == "tab" || delimiter == "\\t" ? '\t' : delimiter[0];
  };
  CLI::App* check = prof->add_subcommand(
      "check", "What a profile finds in a file's header, before anything is imported");
  check->add_option("PROFILE", profile, "Built-in profile name or .toml file")->required();
  check->add_option("FILE", file, "The file to import (CSV, XLSX, JSON)")->required();
  check->add_option("--sheet", sheet, "XLSX sheet (default: the profile's, else the first)");
  check->add_option("--delimiter", delimiter, "CSV separator (default: detected)");
  check->footer(
      "Lists the profile's fields found in the header (and HXL tag row) with their columns, the\n"
      "required fields missing (the import would be refused), the optional ones not found, the\n"
      "file columns nothing reads, and the risk options or answers that map to no risk.\n"
      "Exit code 2 when a required field is missing or a risk option maps to nothing.");
  check->callback([&g, options] {
    ingest::ImportOptions o;
    options(&o);
    auto r = ingest::CheckProfile(g.data_dir, o);
    if (!r.ok()) throw CLI::RuntimeError(Fail(r.status()));
    std::printf("%s", r->ToText().c_str());
    if (!r->missing.empty() || !r->unmapped.empty()) throw CLI::RuntimeError(2);
  });
  CLI::App* draft = prof->add_subcommand(
      "draft", "Draft a profile from a Kobo, ODK or HXL file's header (printed; save it)");
  draft->add_option("FILE", file, "A Kobo / ODK Central export or an HXL-tagged sheet")->required();
  draft->add_option("--sheet", sheet, "XLSX sheet (default: the first)");
  draft->add_option("--delimiter", delimiter, "CSV separator (default: detected)");
  draft->footer(
      "Example:\n  aegis profile draft pm_incidents.csv > pm.toml\n"
      "  aegis profile check pm.toml pm_incidents.csv\n"
      "  aegis import pm_incidents.csv --profile pm.toml");
  draft->callback([&g, options] {
    ingest::ImportOptions o;
    options(&o);
    auto r = ingest::DraftProfile(g.data_dir, o);
    if (!r.ok()) throw CLI::RuntimeError(Fail(r.status()));
    std::printf("%s", r->c_str());
  });
}

}  // namespace

int ImportFile(const GlobalOptions& g, const std::string& file, const std::string& profile,
               const std::string& sheet, bool json, const std::string& quarantine_out) {
  ImportArgs a;
  a.file = file;
  a.profile = profile;
  a.sheet = sheet;
  a.json = json;
  a.quarantine_out = quarantine_out;
  return RunImportCommand(g, a);
}

void AddImportCommand(CLI::App& app, GlobalOptions& g) {
  static ImportArgs a;
  CLI::App* imp = app.add_subcommand(
      "import", "Import a partner's file (CSV, XLSX, JSON) through a mapping profile");
  imp->add_option("FILE", a.file, "File to import");
  imp->add_option("-p,--profile", a.profile,
                  "Mapping profile: a built-in name (see --list-profiles) or a .toml file");
  imp->add_flag("--list-profiles", a.list, "List the built-in profiles and exit");
  imp->add_flag("--json", a.json,
                "Print the summary as JSON (read, imported, updated, "
                "unchanged, quarantined, quarantine_reasons, ...)");
  imp->add_option("--repeat", a.repeats,
                  "Repeat-group file of a Kobo/ODK export, as GROUP=FILE (e.g. victims=v.csv)");
  imp->add_option("--delimiter", a.delimiter, "CSV separator (default: detected): , ; tab |");
  imp->add_option("--sheet", a.sheet, "XLSX sheet (default: the profile's, else the first)");
  imp->add_option("--source", a.source, "Data source code (default: the profile's)");
  imp->add_option("--quarantine-out", a.quarantine_out,
                  "Write this file's quarantined rows, with reasons and fixes, to a CSV");
  imp->add_option("--batch-rows", a.batch_rows,
                  "Rows per transaction (default 20,000; larger is faster on big files and uses "
                  "more memory)")
      ->check(CLI::Range(1, 10000000));
  imp->add_option("--indexes", a.indexes,
                  "auto (default): on a big file that adds at least a quarter of the store's "
                  "incidents, drop the incident-by-area index and build it once at the end; "
                  "defer: always do so; keep: never")
      ->check(CLI::IsMember({"auto", "defer", "keep"}));
  std::string fields;
  for (const auto& [f, d] : ingest::KnownFields())
    fields += "  " + f + std::string(22 - std::min<size_t>(20, f.size()), ' ') + d + "\n";
  imp->footer(
      "Every row read ends as imported, updated (same key, new content), unchanged, or\n"
      "quarantined with its file row, column, reason and fix; the four counts add up to the rows\n"
      "read. Re-importing a file changes nothing. An interrupted import resumes when re-run.\n\n"
      "Examples:\n"
      "  aegis import acled_ssd.csv --profile acled\n"
      "  aegis import pm_incidents.csv --profile kobo-incident --repeat victims=pm_victims.csv\n"
      "  aegis import sheet.xlsx --profile hxl-incident --json --quarantine-out rejects.csv\n\n"
      "A profile is a TOML file mapping source columns to these Aegis fields:\n" +
      fields +
      "Every key of the profile format, with examples: doc/profiles.md. To write one for a new\n"
      "form: `aegis profile draft FILE > form.toml` drafts it from the file's header, and\n"
      "`aegis profile check form.toml FILE` says what it finds before anything is imported.");
  imp->callback([&g] {
    int rc = RunImportCommand(g, a);
    if (rc) throw CLI::RuntimeError(rc);
  });
  AddProfileCommands(app, g);
}

}  // namespace aegis::cli
