// Data routes: the analysis (safe aggregates for whoever may not read individual records),
// exports, and imports (upload, progress, quarantined rows).
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <tuple>

#include "analysis/analysis.h"
#include "analysis/severity.h"
#include "ingest/importer.h"
#include "ingest/profile.h"
#include "security/tokens.h"
#include "server/api.h"
#include "server/ops.h"
#include "services/gaps.h"
#include "util/date.h"
#include "util/text.h"

namespace aegis::server {

namespace {

// Facts per set of visible record classes, and cubes per month range over them, kept while the
// store's data version (Store::DataVersion: one primary-key read) is the one they were read at.
// The version changes after every change the analysis reads, made through any server process
// or the command line, so every process answers with the data as it is. Also dropped when the
// data change through this process (an import, an entry, a duplicate decision).
class AnalysisCache {
 public:
  struct Entry {
    analysis::Facts facts;
    int64_t version = -1;
    std::mutex mu;
    // By (first month, last month, withheld risk bits).
    std::map<std::tuple<int, int, uint32_t>, std::shared_ptr<const analysis::Cube>> cubes;
  };
  void Invalidate() {
    std::lock_guard<std::mutex> l(mu_);
    entries_.clear();
  }
  Result<std::shared_ptr<Entry>> Facts(Api& api, store::Store& s, uint32_t classes) {
    AEGIS_ASSIGN_OR_RETURN(int64_t version, s.DataVersion());
    std::lock_guard<std::mutex> l(mu_);
    auto it = entries_.find(classes);
    if (it != entries_.end() && it->second->version == version) return it->second;
    auto e = std::make_shared<Entry>();
    e->version = version;
    AEGIS_ASSIGN_OR_RETURN(e->facts, analysis::LoadFacts(s, api.taxonomy(), classes));
    entries_[classes] = e;
    return e;
  }
  static std::shared_ptr<const analysis::Cube> CubeOf(Entry& e, int first, int last,
                                                      uint32_t withheld) {
    std::lock_guard<std::mutex> l(e.mu);
    auto& c = e.cubes[{first, last, withheld}];
    if (!c)
      c = std::make_shared<const analysis::Cube>(
          analysis::Cube::Build(e.facts, first, last, withheld));
    return c;
  }

 private:
  std::mutex mu_;
  std::map<uint32_t, std::shared_ptr<Entry>> entries_;
};

struct DataState {
  AnalysisCache cache;
  // The severity rules, read once at start (data/analysis/severity.toml).
  std::optional<analysis::SeverityRules> rules;
  Status rules_error;
  // Which risks each service type answers, read once at start (data/services/answers.toml).
  std::optional<services::Answers> answers;
  Status answers_error;
  // Imports run by this process, by id (= their import run's id): the live detail the store does
  // not hold (bytes read, phase, the error message, the full summary). Any process answers
  // from the store (see FindJob); this only enriches the answer of the process that ran it.
  std::mutex jobs_mu;
  struct Job {
    int64_t id = 0;
    int64_t user_id = 0;
    std::string organisation, file_name, profile;
    std::string state = "queued";  // queued, running, completed, failed
    int64_t rows = 0, bytes = 0, total = 0;
    std::string phase, error, summary_json;
    int64_t run_id = 0;
  };
  static constexpr size_t kKeptJobs =
      1000;  // finished jobs beyond these are answered from the store
  std::map<int64_t, Job> jobs;
  std::mutex import_mu;              // one import at a time in this process (one SQLite writer)
  std::vector<std::thread> threads;  // joined when the server stops
};

// What an analysis request reads, ready to analyse any period and level of the same selection.
struct Prepared {
  std::shared_ptr<AnalysisCache::Entry> entry;
  std::shared_ptr<const analysis::Cube> cube;
  std::vector<store::SeverityOverride> overrides;
  analysis::AnalysisConfig cfg;
  analysis::AnalysisRequest ar;
};

// The inputs of the analysis the request asks for (level, within, period; safe where the
// reader needs it), or nullopt with the error to send.
std::optional<Prepared> PrepareAnalysis(Api& api, DataState& st, const httplib::Request& req,
                                        const Caller& c, store::Store& store, ApiError* e) {
  Prepared p;
  analysis::AnalysisRequest& ar = p.ar;
  if (req.has_param("level")) {
    auto v = Int(req.get_param_value("level"));
    if (!v || *v < 0 || *v > 5) {
      *e = {400, "invalid", "level must be 0 to 5", "level"};
      return std::nullopt;
    }
    ar.level = static_cast<int>(*v);
  }
  ar.within = req.get_param_value("within");
  const access::AggregateView view = access::AggregateViewOf(*api.protocol(), c.subject);
  ar.safe = view.safe || req.get_param_value("safe") == "true";
  if (!st.rules) {
    *e = FromStatus(st.rules_error);
    return std::nullopt;
  }
  p.cfg.rules = *st.rules;
  const uint32_t classes = view.classes;
  // The period: ?period=2024-03 | 2024-Q1 | 2024; default the latest month with data.
  auto entry = st.cache.Facts(api, store, classes);
  if (!entry.ok()) {
    *e = FromStatus(entry.status());
    return std::nullopt;
  }
  p.entry = *entry;
  const analysis::Facts& facts = p.entry->facts;
  // An area of the store, or a country (ISO3) the analysis holds.
  if (!ar.within.empty() && !facts.area_index.count(ar.within)) {
    *e = {400, "invalid", "within: unknown P-code; see /api/v1/areas", "within"};
    return std::nullopt;
  }
  auto window = analysis::AnalysisWindow(req.get_param_value("period"), facts);
  if (!window.ok()) {
    *e = window.status().code() == Status::Code::kNotFound
             ? ApiError{404, "no_data", window.status().message(), ""}
             : ApiError{400, "invalid", window.status().message(), "period"};
    return std::nullopt;
  }
  ar.period = window->period;
  // The cube spans the months that hold data, never the period asked for (period=1900-01 once
  // built one from 1899 to the data's last month: gigabytes for a request). Other periods
  // compared with this one read the same cube (its sums are 0 outside the data).
  p.cube = AnalysisCache::CubeOf(*p.entry, window->first_month, window->last_month,
                                 ar.safe ? analysis::RiskBits(facts, p.cfg.withheld_risks) : 0);
  auto overrides = store.LoadSeverityOverrides();
  if (!overrides.ok()) {
    *e = FromStatus(overrides.status());
    return std::nullopt;
  }
  p.overrides = std::move(*overrides);
  return p;
}

// The analysis of `ar`; with `compare`, each area also holds its figures of the previous period
// and of the same period a year before, as the analyses of those periods publish them.
Result<analysis::AnalysisResult> AnalyzePrepared(const Prepared& p,
                                                 const analysis::AnalysisRequest& ar,
                                                 bool compare) {
  AEGIS_ASSIGN_OR_RETURN(analysis::AnalysisResult r,
                         analysis::Analyze(p.entry->facts, *p.cube, p.overrides, p.cfg, ar));
  if (!compare) return r;
  analysis::AnalysisRequest prev = ar, last_year = ar;
  prev.period = ar.period.Shifted(-1);
  last_year.period = analysis::SamePeriodLastYear(ar.period);
  AEGIS_ASSIGN_OR_RETURN(analysis::AnalysisResult rp,
                         analysis::Analyze(p.entry->facts, *p.cube, p.overrides, p.cfg, prev));
  AEGIS_ASSIGN_OR_RETURN(analysis::AnalysisResult ry,
                         analysis::Analyze(p.entry->facts, *p.cube, p.overrides, p.cfg, last_year));
  analysis::Compare(&r, rp, ry);
  return r;
}

// The analysis the request asks for (with ?compare=true, each area against the previous period
// and the same period last year), or nullopt with the error to send.
std::optional<analysis::AnalysisResult> RunAnalysis(Api& api, DataState& st,
                                                    const httplib::Request& req, const Caller& c,
                                                    store::Store& store, ApiError* e) {
  auto p = PrepareAnalysis(api, st, req, c, store, e);
  if (!p) return std::nullopt;
  auto r = AnalyzePrepared(*p, p->ar, req.get_param_value("compare") == "true");
  if (!r.ok()) {
    *e = FromStatus(r.status());
    return std::nullopt;
  }
  return std::move(*r);
}

// Every area of every admin level under the selection whose overall phase changed against the
// previous period (or all of them with direction=all), with both periods' published figures
// and the same period last year: the coordinator's "worse this period" list.
void Changes(Api& api, DataState& st, const httplib::Request& req, httplib::Response& res,
             const Caller& c) {
  const std::string direction =
      req.has_param("direction") ? req.get_param_value("direction") : std::string("worse");
  if (direction != "worse" && direction != "better" && direction != "same" &&
      direction != "unknown" && direction != "all")
    return SendError(
        res, {400, "invalid", "direction: worse, better, same, unknown or all", "direction"});
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  ApiError e;
  auto p = PrepareAnalysis(api, st, req, c, **lease, &e);
  if (!p) return SendError(res, e);
  const analysis::Facts& facts = p->entry->facts;
  int lowest = 0, deepest = 0;
  if (!p->ar.within.empty()) lowest = facts.areas[facts.area_index.at(p->ar.within)].level + 1;
  for (size_t a = 0; a < facts.areas.size(); ++a)
    if (facts.Active(static_cast<int>(a))) deepest = std::max(deepest, facts.areas[a].level);
  if (lowest > deepest)
    return SendError(res, {400, "invalid", "within: this area has no areas below it", "within"});
  std::vector<analysis::AnalysisResult> levels;
  for (int level = lowest; level <= deepest; ++level) {
    analysis::AnalysisRequest ar = p->ar;
    ar.level = level;
    auto r = AnalyzePrepared(*p, ar, true);
    if (!r.ok()) return SendError(res, FromStatus(r.status()));
    levels.push_back(std::move(*r));
  }
  api.Audit(**lease, &c, "analysis.changes", "analysis", p->ar.period.label,
            p->ar.safe ? "safe" : "exact");
  res.set_content(analysis::ChangesJson(levels, direction), "application/json");
}

// The analysis as JSON (or HXL), or as an export table with `export_table`.
void Analysis(Api& api, DataState& st, const httplib::Request& req, httplib::Response& res,
              const Caller& c, bool export_table) {
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  ApiError e;
  auto r = RunAnalysis(api, st, req, c, **lease, &e);
  if (!r) return SendError(res, e);
  if (export_table) return ExportAnalysisTable(api, req, res, c, r->ToJson());
  api.Audit(**lease, &c, "analysis.read", "analysis", r->period.label, r->safe ? "safe" : "exact");
  if (req.get_param_value("format") == "hxl")
    return res.set_content(r->ToHxlCsv(), "text/csv; charset=utf-8");
  res.set_content(r->ToJson(), "application/json");
}

// The service-gap map (services/gaps.h): per area of the level and service type, the phase of
// the risks the type answers, the services covering the area, and the referrals closed there as
// service_unavailable in the period. Phases as the analysis publishes them to the reader (safe
// outputs withhold what would reveal a suppressed count); directory entries counted up to the
// reader's rank for services; referral counts only where the reader sees referrals in
// aggregates, and in safe outputs a count under the threshold is not published (nor does it make
// a gap).
void Gaps(Api& api, DataState& st, const httplib::Request& req, httplib::Response& res,
          const Caller& c) {
  if (!st.answers) return SendError(res, FromStatus(st.answers_error));
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  ApiError e;
  auto r = RunAnalysis(api, st, req, c, **lease, &e);
  if (!r) return SendError(res, e);
  store::AccessScope scope = c.scope;
  scope.max_rank[static_cast<int>(store::RecordClass::kService)] =
      access::AggregateRank(*api.protocol(), c.subject, store::RecordClass::kService);
  access::Resource ref;
  ref.record_class = store::RecordClass::kReferral;
  const access::Effect referrals = Decide(api, c, access::Action::kReadAggregate, ref).effect;
  const services::ReferralCounts counts =
      referrals == access::Effect::kDeny                         ? services::ReferralCounts::kHidden
      : (r->safe || referrals == access::Effect::kAggregateOnly) ? services::ReferralCounts::kSafe
                                                                 : services::ReferralCounts::kExact;
  auto built = services::BuildGapMap(**lease, **lease, **lease, *r, scope, counts, *st.answers);
  if (!built.ok()) return SendError(res, FromStatus(built.status()));
  std::vector<services::GapCell> cells = std::move(*built);
  const std::string type = req.get_param_value("type");
  if (!type.empty())
    std::erase_if(cells, [&](const services::GapCell& g) { return g.service_type != type; });
  api.Audit(**lease, &c, "analysis.gaps", "analysis", r->period.label, r->safe ? "safe" : "exact");
  if (req.get_param_value("format") == "hxl")
    return res.set_content(services::GapMapHxl(cells, r->threshold), "text/csv; charset=utf-8");
  json items = json::array();
  int64_t gaps = 0;
  for (const auto& g : cells) {
    gaps += g.gap ? 1 : 0;
    json j = {{"pcode", g.pcode},
              {"name", g.name},
              {"service_type", g.service_type},
              {"phase", g.phase},
              {"phase_risk", g.phase_risk},
              {"services", g.services},
              {"providers", g.providers},
              {"gap", g.gap}};
    if (!g.phase_withheld.empty()) j["phase_withheld"] = g.phase_withheld;
    if (referrals == access::Effect::kDeny)
      j["unavailable"] = nullptr;
    else if (g.unavailable_small)
      j["unavailable"] = "<" + std::to_string(r->threshold);
    else
      j["unavailable"] = g.unavailable;
    items.push_back(std::move(j));
  }
  SendJson(res, {{"period", r->period.label},
                 {"level", r->level},
                 {"safe", r->safe},
                 {"gaps", gaps},
                 {"items", items}});
}

// --- imports ---------------------------------------------------------------------------------
//
// An import is its import run in the store: POST /imports begins the run before it answers and
// the id it answers is the run's id, so that whichever server process a later request reaches
// answers from the store (GetImportRun: state, rows, counts; ListQuarantine). The upload is kept
// as "<store>.uploads/u<user id>-<16 random>-<file name, %-encoded>", and the run keeps that
// path as its file name: so every process knows who uploaded it (only they, and roles that
// manage the audit, may follow it) and under which name. The process running an import adds
// what only it knows (bytes read, phase, the error message, the whole summary).

std::string EncodeName(const std::string& name) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : name) {
    if (std::isalnum(ch) != 0 || ch == '.' || ch == '_' || ch == '-') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

std::string DecodeName(const std::string& enc) {
  std::string out;
  for (size_t i = 0; i < enc.size(); ++i) {
    if (enc[i] == '%' && i + 2 < enc.size() &&
        std::isxdigit(static_cast<unsigned char>(enc[i + 1])) != 0 &&
        std::isxdigit(static_cast<unsigned char>(enc[i + 2])) != 0) {
      out += static_cast<char>(std::stoi(enc.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += enc[i];
    }
  }
  return out;
}

constexpr size_t kRandomChars = 16;

// The upload's path for `user_id` and the client's file name (kept short enough for a file name).
std::string UploadPath(const std::string& dir, int64_t user_id, const std::string& file_name) {
  std::string name = EncodeName(file_name);
  if (name.size() > 180) {
    std::string ext = EncodeName(std::filesystem::path(file_name).extension().string());
    name = "upload" + (ext.size() <= 20 ? ext : "");
  }
  return dir + "/u" + std::to_string(user_id) + "-" +
         security::RandomToken().substr(0, kRandomChars) + "-" + name;
}

// Who uploaded the run's file and its name, from the path UploadPath made; nullopt for runs of
// other imports (the command line).
struct Upload {
  int64_t user_id = 0;
  std::string file_name;
};
std::optional<Upload> UploadOf(const std::string& dir, const std::string& path) {
  if (path.size() <= dir.size() + 1 || path.compare(0, dir.size(), dir) != 0 ||
      path[dir.size()] != '/')
    return std::nullopt;
  std::string base = path.substr(dir.size() + 1);
  size_t dash = base.find('-');
  if (base.size() < 2 || base[0] != 'u' || dash == std::string::npos || dash < 2)
    return std::nullopt;
  auto user = Int(std::string_view(base).substr(1, dash - 1));
  size_t name_at = dash + 1 + kRandomChars;
  if (!user || base.size() <= name_at || base[name_at] != '-') return std::nullopt;
  return Upload{*user, DecodeName(base.substr(name_at + 1))};
}

json JobJson(const DataState::Job& j) {
  json out = {
      {"id", j.id},        {"state", j.state}, {"file_name", j.file_name}, {"profile", j.profile},
      {"rows", j.rows},    {"bytes", j.bytes}, {"total_bytes", j.total},   {"phase", j.phase},
      {"run_id", j.run_id}};
  if (!j.error.empty()) out["error"] = j.error;
  if (!j.summary_json.empty()) out["summary"] = json::parse(j.summary_json, nullptr, false);
  return out;
}

// The same shape from the store alone (another process runs or ran the import). The store has
// no byte counts (0: the client shows no percentage while it runs) nor the phase; it has the
// reason a failed import stopped.
json RunJson(const store::ImportRun& r, const std::string& file_name) {
  std::string state(store::ToString(r.status));
  json out = {{"id", r.id},           {"state", state},      {"file_name", file_name},
              {"profile", r.profile}, {"rows", r.rows_done}, {"bytes", 0},
              {"total_bytes", 0},     {"phase", ""},         {"run_id", r.id}};
  if (state == "failed")
    out["error"] = !r.error.empty()
                       ? r.error
                       : "the import stopped with an error; the rows committed before it are "
                         "kept. The reason is in the log of the server process that ran it "
                         "(import run " +
                             std::to_string(r.id) + ")";
  if (state == "completed")
    out["summary"] = {{"profile", r.profile},
                      {"file_sha256", r.file_sha256},
                      {"run_id", r.id},
                      {"resumed", false},
                      {"read", r.read},
                      {"imported", r.imported},
                      {"updated", r.updated},
                      {"unchanged", r.unchanged},
                      {"quarantined", r.quarantined}};
  return out;
}

void StartImport(Api& api, const std::shared_ptr<DataState>& st, const httplib::Request& req,
                 httplib::Response& res, const Caller& c) {
  // Imports write records of the caller's own organisation only (each row is then admitted by the
  // kernel as a record of its class and sensitivity, or quarantined with the reason).
  access::Resource own;
  own.organisation_id = c.organisation_id;
  if (!Allowed(api, c, access::Action::kImport, own, res)) return;
  std::string profile = req.get_param_value("profile");
  std::string file_name = req.get_param_value("file_name");
  if (profile.empty() || profile.find('/') != std::string::npos ||
      profile.find("..") != std::string::npos)
    return SendError(
        res, {400, "invalid",
              "profile: the name of a built-in mapping profile (aegis import --help)", "profile"});
  if (file_name.empty()) file_name = "upload";
  if (file_name.size() > 200 || file_name.find('/') != std::string::npos ||
      file_name.find('\\') != std::string::npos || file_name.find("..") != std::string::npos)
    return SendError(res,
                     {400, "invalid", "file_name: a plain file name without folders", "file_name"});
  if (req.body.empty())
    return SendError(res, {400, "invalid", "the body is the file to import; it is empty", ""});
  auto prof = ingest::FindProfile(profile, api.options().data_dir + "/profiles");
  if (!prof.ok())
    return SendError(
        res, {400, "invalid",
              "profile: no built-in mapping profile " + text::QuoteIfCode(profile, "of that name") +
                  " (GET /api/v1/import-profiles lists them)",
              "profile"});
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  // The upload holds personal data in clear: a private folder, removed after the import.
  std::string dir = PrivateDir(api.options());
  std::error_code ec;
  std::string path = UploadPath(dir, c.user.id, file_name);
  {
    std::ofstream f(path, std::ios::binary);
    f.write(req.body.data(), static_cast<std::streamsize>(req.body.size()));
    if (!f) {
      std::filesystem::remove(path, ec);
      return SendError(res, {500, "internal", "the server could not keep the upload", ""});
    }
  }
  // The run, begun as the importer begins it, so that the job's id is the run's; the worker's
  // import takes it up (begun_run_id).
  ingest::ImportOptions opts;
  opts.file = path;
  opts.profile = profile;
  opts.organisation = c.user.organisation_code;
  auto begun = ingest::BeginRun(**lease, *prof, opts);
  if (!begun.ok()) {
    std::filesystem::remove(path, ec);
    return SendError(res, FromStatus(begun.status()));
  }
  const store::ImportRun* run = &begun->run;
  const int64_t id = run->id;
  {
    std::lock_guard<std::mutex> l(st->jobs_mu);
    if (auto it = st->jobs.find(id);
        it != st->jobs.end() && (it->second.state == "queued" || it->second.state == "running")) {
      std::filesystem::remove(path, ec);
      return SendError(res,
                       {409, "conflict",
                        "this file is being imported already with this profile: import " +
                            std::to_string(id) + " (/api/v1/imports/" + std::to_string(id) + ")",
                        ""});
    }
    if (st->jobs.size() >= DataState::kKeptJobs)
      for (auto it = st->jobs.begin(); it != st->jobs.end(); ++it)
        if (it->second.state == "completed" || it->second.state == "failed") {
          st->jobs.erase(it);  // the oldest finished one; the store still answers for it
          break;
        }
    DataState::Job& j = st->jobs[id];
    j = DataState::Job{};
    j.id = id;
    j.run_id = id;
    j.user_id = c.user.id;
    j.organisation = c.user.organisation_code;
    j.file_name = file_name;
    j.profile = profile;
    j.total = static_cast<int64_t>(req.body.size());
  }
  Api* a = &api;
  std::thread worker([a, st, id, opts, file_name, caller = c]() mutable {
    auto update = [&](const std::function<void(DataState::Job&)>& fn) {
      std::lock_guard<std::mutex> l(st->jobs_mu);
      auto it = st->jobs.find(id);
      if (it != st->jobs.end()) fn(it->second);
    };
    std::lock_guard<std::mutex> one_at_a_time(st->import_mu);
    const std::string path = opts.file;
    update([](DataState::Job& j) { j.state = "running"; });
    Status result;
    auto lease = a->pool().Acquire();
    if (!lease.ok()) {
      result = lease.status();
    } else {
      auto catalog = ingest::LoadCatalog(**lease, a->options().data_dir);
      if (!catalog.ok()) {
        result = catalog.status();
      } else {
        ingest::ImportOptions& o = opts;
        o.begun_run_id = id;
        auto protocol = a->protocol();
        o.admit = [protocol, caller](store::RecordClass k, const std::string& sensitivity) {
          access::Resource r;
          r.record_class = k;
          r.sensitivity = store::SensitivityRank(sensitivity).value_or(access::kStrictestRank);
          r.organisation_id = caller.organisation_id;
          access::Decision d =
              access::Decide(*protocol, caller.subject, access::Action::kCreate, r);
          return d.allowed() ? std::string() : d.reason;
        };
        o.phase = [&](const std::string& p) { update([&](DataState::Job& j) { j.phase = p; }); };
        o.progress = [&](int64_t rows, int64_t bytes, int64_t total) {
          update([&](DataState::Job& j) {
            j.rows = rows;
            j.bytes = bytes;
            j.total = total;
          });
        };
        auto summary = ingest::RunImport(**lease, *catalog, o);
        if (summary.ok()) {
          a->CountImportRows(summary->read, summary->imported + summary->updated,
                             summary->quarantined);
          summary->file = file_name;  // not the server's path
          update([&](DataState::Job& j) {
            j.state = "completed";
            j.summary_json = summary->ToJson();
            j.run_id = summary->run_id;
          });
          a->Audit(**lease, &caller, "import.complete", "import_run",
                   std::to_string(summary->run_id),
                   std::to_string(summary->imported) + " imported, " +
                       std::to_string(summary->quarantined) + " quarantined");
        } else {
          result = summary.status();
        }
      }
    }
    std::error_code ec;
    std::filesystem::remove(path, ec);
    if (!result.ok()) {
      // Messages name rows and columns, never values: safe to show to the uploader.
      std::string msg = result.message(), logged = msg;
      size_t at = msg.find(path);
      if (at != std::string::npos) {
        msg.replace(at, path.size(), file_name);
        // The log never names the file (a name typed by the uploader may be a person's).
        logged.replace(at, path.size(), "the upload");
      }
      // Failed, in the store too, so that every process answers so. (The upload is gone, so the
      // run could not be resumed anyway; the same file uploaded again starts a new run, and the
      // rows committed before the error count as unchanged in it.)
      if (lease.ok()) (void)(*lease)->FailImportRun(id, msg);
      LogLine("error", {{"event", JsonString("import_failed")},
                        {"import_run", std::to_string(id)},
                        {"error", JsonString(logged)}});
      update([&](DataState::Job& j) {
        j.state = "failed";
        j.error = msg;
      });
    }
    st->cache.Invalidate();
  });
  json out;
  {
    std::lock_guard<std::mutex> l(st->jobs_mu);
    st->threads.push_back(std::move(worker));
    out = JobJson(st->jobs[id]);
  }
  api.Audit(**lease, &c, "import.start", "import_run", std::to_string(id), profile);
  out["status_url"] = "/api/v1/imports/" + std::to_string(id);
  SendJson(res, out, 202);
}

// The import `id` as the caller may see it (their own, or any for roles that manage the audit),
// with its run: from this process's job if it runs it, else from the store.
struct JobView {
  json job;
  store::ImportRun run;
};
std::optional<JobView> FindJob(Api& api, DataState& st, store::Store& s, int64_t id,
                               const Caller& c, ApiError* e) {
  const bool reviewer = Decide(api, c, access::Action::kReadAudit).allowed();
  const ApiError not_found{404, "not_found", "no such import of yours", ""};
  auto run = s.GetImportRun(id);
  if (!run.ok()) {
    *e = run.status().code() == Status::Code::kNotFound ? not_found : FromStatus(run.status());
    return std::nullopt;
  }
  std::optional<Upload> up = UploadOf(PrivateDir(api.options()), run->file_name);
  {
    std::lock_guard<std::mutex> l(st.jobs_mu);
    auto it = st.jobs.find(id);
    if (it != st.jobs.end()) {
      if (it->second.user_id != c.user.id && !reviewer) {
        *e = not_found;
        return std::nullopt;
      }
      return JobView{JobJson(it->second), *run};
    }
  }
  if (!reviewer && (!up || up->user_id != c.user.id)) {
    *e = not_found;
    return std::nullopt;
  }
  std::string name = up ? up->file_name : std::filesystem::path(run->file_name).filename().string();
  return JobView{RunJson(*run, name), *run};
}

// The import named by the request's path (FindJob), or nothing after answering the error.
std::optional<JobView> RequestedJob(Api& api, DataState& st, store::Store& s,
                                    const httplib::Request& req, httplib::Response& res,
                                    const Caller& c) {
  ApiError e{404, "not_found", "no such import of yours", ""};
  std::optional<JobView> job;
  if (auto id = Int(req.matches[1].str()); id) job = FindJob(api, st, s, *id, c, &e);
  if (!job) SendError(res, e);
  return job;
}

void ImportStatus(Api& api, DataState& st, const httplib::Request& req, httplib::Response& res,
                  const Caller& c) {
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  if (auto job = RequestedJob(api, st, **lease, req, res, c)) SendJson(res, job->job);
}

void ImportQuarantine(Api& api, DataState& st, const httplib::Request& req, httplib::Response& res,
                      const Caller& c) {
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto job = RequestedJob(api, st, **lease, req, res, c);
  if (!job) return;
  if (job->job["state"] != "completed")
    return SendError(res, {409, "conflict", "the import has not finished; see its status", ""});
  // A quarantined row could not be read, so it may be of any class and sensitivity: its
  // uploader sees it (the file is theirs); anyone else only if the kernel lets them read the
  // strictest class at the strictest level of the uploader's organisation.
  std::optional<Upload> up = UploadOf(PrivateDir(api.options()), job->run.file_name);
  if (!up || up->user_id != c.user.id) {
    access::Resource strictest;
    strictest.record_class = access::kStrictestClass;
    strictest.sensitivity = access::kStrictestRank;
    strictest.organisation_id = -1;  // unknown uploader: nobody's organisation
    auto uploader =
        up ? (*lease)->GetUser(up->user_id) : Result<std::optional<store::User>>(std::nullopt);
    if (uploader.ok() && uploader->has_value()) {
      auto org = api.OrganisationId(**lease, (*uploader)->organisation_code);
      if (org.ok()) strictest.organisation_id = *org;
    }
    if (!Allowed(api, c, access::Action::kReadIndividual, strictest, res)) return;
  }
  auto rows = (*lease)->ListQuarantine(job->run.data_source_id, job->run.import_key);
  if (!rows.ok()) return SendError(res, FromStatus(rows.status()));
  json items = json::array();
  for (const auto& q : *rows)
    items.push_back({{"row", q.row},
                     {"column", q.column},
                     {"reason", q.reason},
                     {"hint", q.hint},
                     {"raw", json::parse(q.raw_json, nullptr, false).is_discarded()
                                 ? json(q.raw_json)
                                 : json::parse(q.raw_json)}});
  api.Audit(**lease, &c, "import.quarantine_read", "import_run", std::to_string(job->run.id),
            std::to_string(items.size()) + " rows");
  SendJson(res, {{"items", items}, {"count", items.size()}});
}

}  // namespace

void AddDataRoutes(Api& api) {
  Api* a = &api;
  auto st = std::make_shared<DataState>();
  auto rules = analysis::SeverityRules::Load(api.options().data_dir + "/analysis/severity.toml");
  if (rules.ok())
    st->rules = std::move(*rules);
  else
    st->rules_error = rules.status();
  auto answers =
      services::Answers::Load(api.options().data_dir + "/services/answers.toml", api.taxonomy());
  if (answers.ok())
    st->answers = std::move(*answers);
  else
    st->answers_error = answers.status();
  api.OnDataChanged([st] { st->cache.Invalidate(); });
  api.AtStop([st] {
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> l(st->jobs_mu);
      threads.swap(st->threads);
    }
    for (auto& t : threads) t.join();
  });
  using Req = const httplib::Request&;
  using Res = httplib::Response&;
  using A = access::Action;
  api.Add("GET", "/api/v1/analysis", A::kReadAggregate,
          [a, st](Req q, Res r, Caller* c) { Analysis(*a, *st, q, r, *c, false); });
  api.Add("GET", "/api/v1/exports/analysis", A::kReadAggregate,
          [a, st](Req q, Res r, Caller* c) { Analysis(*a, *st, q, r, *c, true); });
  api.Add("GET", "/api/v1/analysis/changes", A::kReadAggregate,
          [a, st](Req q, Res r, Caller* c) { Changes(*a, *st, q, r, *c); });
  api.Add("GET", "/api/v1/analysis/gaps", A::kReadAggregate,
          [a, st](Req q, Res r, Caller* c) { Gaps(*a, *st, q, r, *c); });
  api.Add("POST", "/api/v1/imports", A::kImport,
          [a, st](Req q, Res r, Caller* c) { StartImport(*a, st, q, r, *c); });
  api.Add("GET", "/api/v1/imports/{id}", A::kImport,
          [a, st](Req q, Res r, Caller* c) { ImportStatus(*a, *st, q, r, *c); });
  api.Add("GET", "/api/v1/imports/{id}/quarantine", A::kImport,
          [a, st](Req q, Res r, Caller* c) { ImportQuarantine(*a, *st, q, r, *c); });
}

}  // namespace aegis::server
