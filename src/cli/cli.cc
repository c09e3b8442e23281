#include "cli/cli.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "access/cipher.h"
#include "cli/cli_internal.h"

namespace aegis::cli {

std::string Env(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  return v == nullptr ? std::string() : std::string(v);
}

alert::RoutingOptions RoutingFromEnvironment() {
  alert::RoutingOptions o;
  o.smtp_url = Env("AEGIS_SMTP_URL");
  o.variable = [](const std::string& name) { return Env(name); };
  return o;
}

void AlertWorkerFromEnvironment(int64_t* lease_ms, int64_t* analysis_every_ms) {
  if (std::string v = Env("AEGIS_ALERT_LEASE_MS"); !v.empty())
    *lease_ms = std::max<int64_t>(100, std::atoll(v.c_str()));  // tests: short leases
  if (std::string v = Env("AEGIS_ANALYSIS_EVERY_S"); !v.empty())
    *analysis_every_ms = std::max<int64_t>(0, std::atoll(v.c_str())) * 1000;
}

int Fail(const Status& st) {
  std::fprintf(stderr, "aegis: %s\n", st.ToString().c_str());
  return st.ExitCode();
}

void Run(const std::function<Status()>& fn) {
  if (Status st = fn(); !st.ok()) throw CLI::RuntimeError(Fail(st));
}

bool StderrIsTerminal() { return isatty(STDERR_FILENO) == 1; }

std::string StoreName(const std::string& db) {
  if (!store::IsPostgresUrl(db)) return db;
  std::string name = db.substr(db.rfind('/') + 1);
  name = name.substr(0, name.find('?'));
  return name.empty() ? std::string("aegis") : name;
}

std::string KeyFile(const GlobalOptions& g, const std::string& keys) {
  if (!keys.empty()) return keys;
  if (const char* e = std::getenv("AEGIS_KEY_FILE"); e && *e) return e;
  // For PostgreSQL "<database>.keys" in the working folder: every server process needs a copy.
  return StoreName(g.db) + ".keys";
}

Result<security::Keyring> LoadOrCreateKeys(const std::string& path) {
  if (std::filesystem::exists(path)) return security::Keyring::Load(path);
  std::fprintf(stderr,
               "created the key file %s (mode 0600). Keep it apart from the store and back it "
               "up: without it, encrypted fields and the audit chain cannot be read.\n",
               path.c_str());
  return security::Keyring::Create(path);
}

Result<std::unique_ptr<store::Store>> OpenStore(const GlobalOptions& g, bool migrate) {
  store::StoreOptions o;
  o.migrate = migrate;
  AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> s, store::Store::Open(g.db, o));
  // Personal fields are sealed with the key file. Commands that write (migrate) create it on
  // first use; read-only commands use it when it exists.
  std::string path = KeyFile(g);
  if (migrate) AEGIS_RETURN_IF_ERROR(LoadOrCreateKeys(path).status());
  if (std::filesystem::exists(path)) {
    AEGIS_ASSIGN_OR_RETURN(std::shared_ptr<access::KeySource> keys, access::KeySource::Load(path));
    s->SetCipher(std::move(keys));
  }
  return s;
}

namespace {

namespace fs = std::filesystem;

// The folder of the running executable ("" when /proc/self/exe cannot be read).
std::string ExecutableDir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

// The data folder when --data-dir is not given: $AEGIS_DATA_DIR, else the first of
// <executable's folder>/../share/aegis/data (an installed binary), ../data and ../../data (a
// build folder in the source tree) that holds taxonomy/. NotFound names the places tried.
Result<std::string> FindDataDir() {
  if (std::string env = Env("AEGIS_DATA_DIR"); !env.empty()) return env;
  std::vector<std::string> tried;
  if (std::string exe = ExecutableDir(); !exe.empty()) {
    for (const char* rel : {"../share/aegis/data", "../data", "../../data"}) {
      fs::path dir = (fs::path(exe) / rel).lexically_normal();
      std::error_code ec;
      if (fs::is_directory(dir / "taxonomy", ec)) return dir.string();
      tried.push_back(dir.string());
    }
  } else {
    tried.push_back("beside the executable (/proc/self/exe could not be read)");
  }
  std::string list;
  for (const std::string& t : tried) list += (list.empty() ? "" : ", ") + t;
  return Status::NotFound(
      "the data folder (taxonomy/, profiles/, mappings/, geo/) was not found: $AEGIS_DATA_DIR "
      "is not set and none of " +
      list +
      " holds taxonomy/. Give it with --data-dir DIR (the data/ folder of the Aegis sources; "
      "installed as <prefix>/share/aegis/data) or set AEGIS_DATA_DIR");
}

double Now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}
}  // namespace

Progress::Progress(std::string label) : label_(std::move(label)), start_(Now()) {}

void Progress::Update(int64_t rows, int64_t bytes, int64_t total) {
  if (!StderrIsTerminal()) return;
  double now = Now();
  if (now - last_ < 0.1) return;
  last_ = now;
  double frac = total > 0 ? static_cast<double>(bytes) / static_cast<double>(total) : 0;
  int width = 30, filled = static_cast<int>(frac * width);
  double rate = rows / std::max(1e-3, now - start_);
  double eta = frac > 0 ? (now - start_) * (1 - frac) / frac : 0;
  std::fprintf(stderr, "\r%s [%-*s] %3.0f%%  %lld rows  %.0f rows/s  ETA %.0fs ", label_.c_str(),
               width, std::string(filled, '#').c_str(), frac * 100, static_cast<long long>(rows),
               rate, eta);
  shown_ = true;
}

void Progress::Phase(const std::string& what) {
  if (!StderrIsTerminal()) return;
  std::fprintf(stderr, "\r\033[K%s: %s ...", label_.c_str(), what.c_str());
  shown_ = true;
}

void Progress::Done() {
  if (shown_) std::fprintf(stderr, "\r\033[K");
}

int Main(int argc, char** argv) {
  CLI::App app{
      "Aegis: the information system of a Protection Cluster.\n"
      "Partners' reports (ACLED, Kobo/ODK, HXL, spreadsheets) go into one store, placed on OCHA\n"
      "admin areas (P-codes) and classed under the GPC's 15 protection risks.",
      "aegis"};
  app.footer(
      "Start here:\n"
      "  aegis demo                        create a demo store with synthetic South Sudan data\n"
      "  aegis areas import FILE           load admin areas (P-codes) before importing reports\n"
      "  aegis import FILE --profile acled import a partner's file\n"
      "  aegis summary                     the monthly picture per area and risk\n"
      "Each command has --help. The store is --db (default $AEGIS_DB, else ./aegis.sqlite).\n"
      "The reference data (taxonomy, profiles, protocol) is --data-dir (default $AEGIS_DATA_DIR,\n"
      "else ../share/aegis/data, ../data or ../../data from the executable's folder).");
  app.require_subcommand(1);
  app.set_help_all_flag("--help-all", "Show help for every command");
  GlobalOptions g;
  const char* env_db = std::getenv("AEGIS_DB");
  g.db = env_db ? env_db : "aegis.sqlite";
  app.add_option("--db", g.db, "Store: a SQLite file path (created if missing)")
      ->envname("AEGIS_DB");
  app.add_option("--data-dir", g.data_dir,
                 "Folder with taxonomy/, profiles/, mappings/ and geo/. Default: $AEGIS_DATA_DIR, "
                 "else beside the executable: ../share/aegis/data (installed), ../data or "
                 "../../data (a build folder in the source tree)");
  // Before any command runs (CLI11 calls this ahead of the subcommands' callbacks).
  app.parse_complete_callback([&g] {
    if (!g.data_dir.empty()) return;
    Result<std::string> found = FindDataDir();
    if (!found.ok()) throw CLI::RuntimeError(Fail(found.status()));
    g.data_dir = *found;
  });
  AddDbCommands(app, g);
  AddAreaCommands(app, g);
  AddImportCommand(app, g);
  AddSummaryCommand(app, g);
  AddAnalyzeCommand(app, g);
  AddDemoCommand(app, g);
  AddTaxonomyCommand(app, g);
  AddBenchCommand(app, g);
  AddMatchCommands(app, g);
  AddTracingCommands(app, g);
  AddServiceCommands(app, g);
  AddReferralCommands(app, g);
  AddMessageCommands(app, g);
  AddServerCommands(app, g);
  AddAlertCommands(app, g);
  AddReferralBench(app, g);
  AddMessageBench(app, g);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const std::exception& e) {  // a library threw: report, never crash
    std::fprintf(stderr, "aegis: internal error: %s\n", e.what());
    return 1;
  }
  return 0;
}

}  // namespace aegis::cli
