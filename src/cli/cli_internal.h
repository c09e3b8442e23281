// Shared pieces of the `aegis` subcommands.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

#include "analysis/analysis.h"
#include "match/tracing.h"
#include "security/keyring.h"
#include "server/server.h"
#include "store/store.h"
#include "taxonomy/taxonomy.h"
#include "util/status.h"

namespace aegis::cli {

struct GlobalOptions {
  std::string db;  // --db; default $AEGIS_DB or ./aegis.sqlite
  // --data-dir; default $AEGIS_DATA_DIR, else found beside the executable (cli.cc FindDataDir).
  // Set before any command runs.
  std::string data_dir;
};

// The value of the environment variable `name`, "" when it is unset. Only the CLI reads the
// environment: library code takes these values as options.
std::string Env(const std::string& name);
// $AEGIS_SMTP_URL, and a lookup of the variables a routing file's secret_env names.
alert::RoutingOptions RoutingFromEnvironment();
// The alert delivery worker's lease ($AEGIS_ALERT_LEASE_MS, at least 100 ms) and scheduled
// analysis interval ($AEGIS_ANALYSIS_EVERY_S, in ms; 0 = off), each left as it is when unset.
void AlertWorkerFromEnvironment(int64_t* lease_ms, int64_t* analysis_every_ms);

// Prints "aegis: <message>" to stderr and returns the exit code for the status.
int Fail(const Status& st);
// Runs a subcommand's work: a failed Status is printed (Fail) and ends the program with its
// exit code.
void Run(const std::function<Status()>& fn);
// The demo's server: makes (or resets) the demo coordinator account with a fresh password,
// serves the store and prints the address and the first sign-in. `check_only`: starts the server
// on a free port, signs in over HTTP, reads /me and the analysis, and stops (for scripts and CI).
Status ServeDemo(const GlobalOptions& g, server::ServerOptions o, bool check_only);

// The analysis of a store as `aegis analyze` computes it: the data folder's severity rules
// (or `rules`), the period asked for or the latest month with data. NotFound when the store
// holds no placed incident or monitoring answer.
struct StoreAnalysis {
  int level = 2, baseline = 6;
  std::string period, within, rules;
  int64_t threshold = 5;
  bool safe = false;
};
Result<analysis::AnalysisResult> AnalyzeStore(const GlobalOptions& g, store::Store& store,
                                              const taxonomy::Taxonomy& tax,
                                              const StoreAnalysis& o);

// Opens the store with its key file as the field cipher (see KeyFile).
Result<std::unique_ptr<store::Store>> OpenStore(const GlobalOptions& g, bool migrate = true);
// The key file: `keys` (a --keys option), else $AEGIS_KEY_FILE, else "<store>.keys" beside the
// store (move it to another disk in production: whoever holds both files holds the data).
std::string KeyFile(const GlobalOptions& g, const std::string& keys = "");
// A store as messages name it: a SQLite file's path, a PostgreSQL URL's database name.
std::string StoreName(const std::string& db);
Result<security::Keyring> LoadOrCreateKeys(const std::string& path);
bool StderrIsTerminal();
// Appends a row to the audit log as "system" (commands run by whoever holds the store and its
// key file): ids and counts only, never personal data.
Status AuditCommand(const GlobalOptions& g, const std::string& keys, store::Store& st,
                    const std::string& action, const std::string& object_type,
                    const std::string& object_id, const std::string& detail);
// People from a tracing CSV (see `aegis match --help` for the columns), checked row by row.
Result<std::vector<match::Person>> ReadPeople(const std::string& file, bool registered);

// A progress bar on stderr when it is a terminal; silent otherwise.
class Progress {
 public:
  explicit Progress(std::string label);
  void Update(int64_t rows, int64_t bytes, int64_t total);
  // A step without row progress (e.g. building indexes): shown after the bar on a terminal.
  void Phase(const std::string& what);
  void Done();

 private:
  std::string label_;
  double start_ = 0, last_ = 0;
  bool shown_ = false;
};

void AddDbCommands(CLI::App& app, GlobalOptions& g);
void AddAreaCommands(CLI::App& app, GlobalOptions& g);
void AddImportCommand(CLI::App& app, GlobalOptions& g);
// `aegis import FILE --profile PROFILE` with these options (for commands that import one kind of
// record, e.g. `aegis services import`); the exit code.
int ImportFile(const GlobalOptions& g, const std::string& file, const std::string& profile,
               const std::string& sheet, bool json, const std::string& quarantine_out);
void AddSummaryCommand(CLI::App& app, GlobalOptions& g);
void AddAnalyzeCommand(CLI::App& app, GlobalOptions& g);
// The latest month's analysis per county, printed, and its report written to `html`.
Status AnalyzeForDemo(const GlobalOptions& g, const std::string& html);
void AddDemoCommand(CLI::App& app, GlobalOptions& g);
void AddTaxonomyCommand(CLI::App& app, GlobalOptions& g);
void AddBenchCommand(CLI::App& app, GlobalOptions& g);
// `aegis match` and `aegis bench match` (after AddBenchCommand).
void AddMatchCommands(CLI::App& app, GlobalOptions& g);
// `aegis tracing ...` and `aegis duplicates ...`: linkage over the store, decisions audited.
void AddTracingCommands(CLI::App& app, GlobalOptions& g);
// `aegis services list|gaps`: the service directory and where a service type is missing.
void AddServiceCommands(CLI::App& app, GlobalOptions& g);
// `aegis referral list|show|escalate`: referrals without the person's fields; the overdue check.
void AddReferralCommands(CLI::App& app, GlobalOptions& g);
// `aegis message ...`: SMS segments, messages and their cost, radio scripts, withdrawal, contact
// counts and imports (cli_messages.cc).
void AddMessageCommands(CLI::App& app, GlobalOptions& g);
// `aegis bench messages` (cli_bench_messages.cc; after AddBenchCommand).
void AddMessageBench(CLI::App& app, GlobalOptions& g);
void AddServerCommands(CLI::App& app, GlobalOptions& g);
// `aegis alert ...` (cli_alert.cc) and `aegis bench alerts` (cli_bench_alerts.cc; after
// AddBenchCommand).
void AddAlertCommands(CLI::App& app, GlobalOptions& g);
void AddAlertBench(CLI::App& app, GlobalOptions& g);
// `aegis bench referrals` (cli_bench_referrals.cc; after AddBenchCommand).
void AddReferralBench(CLI::App& app, GlobalOptions& g);

// Prints the monthly summary of incidents per area and risk (used by `summary` and `demo`).
Status PrintSummary(store::Store& store, const std::string& data_dir, int level,
                    const std::string& from, const std::string& to, bool json, int top);

}  // namespace aegis::cli
