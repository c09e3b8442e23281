// Data routes: the analysis (safe aggregates for whoever may not read individual records),
// exports, and imports (upload, progress, quarantined rows).
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

#include "analysis/analysis.h"
#include "analysis/severity.h"
#include "ingest/importer.h"
#include "security/tokens.h"
#include "server/api.h"
#include "util/date.h"

namespace aegis::server {

namespace {

// Readers get exact aggregates only if they may read individual incidents of every
// organisation; everyone else gets safe aggregates (small numbers suppressed).
bool NeedsSafe(const store::AccessScope& s) {
  return s.max_rank[static_cast<int>(store::RecordClass::kIncident)] < 1 ||
         s.only_organisation_id != 0;
}

uint32_t AggregateClasses(const store::AccessScope& s) {
  uint32_t m = 0;
  for (int c = 0; c < store::kRecordClasses; ++c)
    if (s.aggregate[c]) m |= 1U << c;
  return m;
}

// Facts per set of visible record classes, and cubes per month range over them; dropped when
// the data change through this server (an import, an entry).
class AnalysisCache {
 public:
  struct Entry {
    analysis::Facts facts;
    std::mutex mu;
    std::map<std::pair<int, int>, std::shared_ptr<const analysis::Cube>> cubes;
  };
  void Invalidate() {
    std::lock_guard<std::mutex> l(mu_);
    entries_.clear();
  }
  Result<std::shared_ptr<Entry>> Facts(Api& api, store::Store& s, uint32_t classes) {
    std::lock_guard<std::mutex> l(mu_);
    auto it = entries_.find(classes);
    if (it != entries_.end()) return it->second;
    auto e = std::make_shared<Entry>();
    AEGIS_ASSIGN_OR_RETURN(e->facts, analysis::LoadFacts(s, api.taxonomy(), classes));
    entries_[classes] = e;
    return e;
  }
  static std::shared_ptr<const analysis::Cube> CubeOf(Entry& e, int first, int last) {
    std::lock_guard<std::mutex> l(e.mu);
    auto& c = e.cubes[{first, last}];
    if (!c) c = std::make_shared<const analysis::Cube>(analysis::Cube::Build(e.facts, first, last));
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
  std::mutex jobs_mu;
  struct Job {
    int64_t id = 0;
    int64_t user_id = 0;
    std::string organisation, file_name, profile;
    std::string state = "queued";  // queued, running, completed, failed
    int64_t rows = 0, bytes = 0, total = 0;
    std::string phase, error, summary_json;
    int64_t run_id = 0, data_source_id = 0;
    std::string file_sha256;
  };
  std::map<int64_t, Job> jobs;
  int64_t next_job = 1;
  std::mutex import_mu;              // one import at a time (SQLite has one writer)
  std::vector<std::thread> threads;  // joined when the server stops
};

// The analysis as JSON (or HXL), or as an export table with `export_table`.
void Analysis(Api& api, DataState& st, const httplib::Request& req, httplib::Response& res,
              const Caller& c, bool export_table) {
  analysis::AnalysisRequest ar;
  if (req.has_param("level")) {
    auto v = Int(req.get_param_value("level"));
    if (!v || *v < 0 || *v > 5)
      return SendError(res, {400, "invalid", "level must be 0 to 5", "level"});
    ar.level = static_cast<int>(*v);
  }
  ar.within = req.get_param_value("within");
  if (!ar.within.empty() && api.AreaLevel(ar.within) < 0)
    return SendError(res, {400, "invalid", "within: unknown P-code; see /api/v1/areas", "within"});
  ar.safe = NeedsSafe(c.scope) || req.get_param_value("safe") == "true";
  analysis::AnalysisConfig cfg;
  if (!st.rules) return SendError(res, FromStatus(st.rules_error));
  cfg.rules = *st.rules;
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  uint32_t classes = AggregateClasses(c.scope);
  // The period: ?period=2024-03 | 2024-Q1 | 2024; default the latest month with data.
  auto entry = st.cache.Facts(api, **lease, classes);
  if (!entry.ok()) return SendError(res, FromStatus(entry.status()));
  const analysis::Facts& facts = (*entry)->facts;
  if (facts.max_month < facts.min_month)
    return SendError(res, {404, "no_data", "no placed incidents or monitoring answers yet", ""});
  auto period = analysis::PeriodOrLatest(req.get_param_value("period"), facts);
  if (!period.ok()) return SendError(res, {400, "invalid", period.status().message(), "period"});
  ar.period = *period;
  int first =
      std::min(facts.min_month, ar.period.first - cfg.trend.baseline_periods * ar.period.months());
  int last = std::max(facts.max_month, ar.period.last);
  if (ar.safe) {
    first = std::min(first, ar.period.first / 12 * 12);
    last = std::max(last, ar.period.first / 12 * 12 + 11);
  }
  auto cube = AnalysisCache::CubeOf(**entry, first, last);
  auto overrides = (*lease)->LoadSeverityOverrides();
  if (!overrides.ok()) return SendError(res, FromStatus(overrides.status()));
  auto r = analysis::Analyze(facts, *cube, *overrides, cfg, ar);
  if (!r.ok()) return SendError(res, FromStatus(r.status()));
  if (export_table) return ExportAnalysisTable(api, req, res, c, r->ToJson());
  api.Audit(**lease, &c, "analysis.read", "analysis", ar.period.label, ar.safe ? "safe" : "exact");
  if (req.get_param_value("format") == "hxl")
    return res.set_content(r->ToHxlCsv(), "text/csv; charset=utf-8");
  res.set_content(r->ToJson(), "application/json");
}

// --- imports ---------------------------------------------------------------------------------

json JobJson(const DataState::Job& j) {
  json out = {
      {"id", j.id},        {"state", j.state}, {"file_name", j.file_name}, {"profile", j.profile},
      {"rows", j.rows},    {"bytes", j.bytes}, {"total_bytes", j.total},   {"phase", j.phase},
      {"run_id", j.run_id}};
  if (!j.error.empty()) out["error"] = j.error;
  if (!j.summary_json.empty()) out["summary"] = json::parse(j.summary_json, nullptr, false);
  return out;
}

void StartImport(Api& api, const std::shared_ptr<DataState>& st, const httplib::Request& req,
                 httplib::Response& res, const Caller& c) {
  if (!api.protocol()->CanWrite(c.user.role, store::RecordClass::kIncident))
    return SendError(res, {403, "forbidden", "your role cannot import records", ""});
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
  // The upload holds personal data in clear: a private folder, removed after the import.
  std::string dir = PrivateDir(api.options());
  std::error_code ec;
  std::string ext = std::filesystem::path(file_name).extension().string();
  std::string path = dir + "/" + security::RandomToken().substr(0, 16) + ext;
  {
    std::ofstream f(path, std::ios::binary);
    f.write(req.body.data(), static_cast<std::streamsize>(req.body.size()));
    if (!f) {
      std::filesystem::remove(path, ec);
      return SendError(res, {500, "internal", "the server could not keep the upload", ""});
    }
  }
  int64_t id = 0;
  {
    std::lock_guard<std::mutex> l(st->jobs_mu);
    id = st->next_job++;
    DataState::Job& j = st->jobs[id];
    j.id = id;
    j.user_id = c.user.id;
    j.organisation = c.user.organisation_code;
    j.file_name = file_name;
    j.profile = profile;
    j.total = static_cast<int64_t>(req.body.size());
  }
  Api* a = &api;
  std::thread worker([a, st, id, path, profile, caller = c] {
    auto update = [&](const std::function<void(DataState::Job&)>& fn) {
      std::lock_guard<std::mutex> l(st->jobs_mu);
      fn(st->jobs[id]);
    };
    std::lock_guard<std::mutex> one_at_a_time(st->import_mu);
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
        ingest::ImportOptions o;
        o.file = path;
        o.profile = profile;
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
          auto run = (*lease)->GetImportRun(summary->run_id);
          update([&](DataState::Job& j) {
            j.state = "completed";
            j.summary_json = summary->ToJson();
            j.run_id = summary->run_id;
            j.file_sha256 = summary->file_sha256;
            if (run.ok()) j.data_source_id = run->data_source_id;
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
      std::string msg = result.message();
      size_t at = msg.find(path);
      if (at != std::string::npos) msg.replace(at, path.size(), "the upload");
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
  if (auto lease = api.pool().Acquire(); lease.ok())
    api.Audit(**lease, &c, "import.start", "import", std::to_string(id), profile);
  out["status_url"] = "/api/v1/imports/" + std::to_string(id);
  SendJson(res, out, 202);
}

// The job, if the caller may see it: its own, or any for coordinators and IMOs.
std::optional<DataState::Job> FindJob(Api& api, DataState& st, int64_t id, const Caller& c) {
  std::lock_guard<std::mutex> l(st.jobs_mu);
  auto it = st.jobs.find(id);
  if (it == st.jobs.end()) return std::nullopt;
  if (it->second.user_id != c.user.id && !api.protocol()->CanManage(c.user.role, "audit"))
    return std::nullopt;
  return it->second;
}

void ImportStatus(Api& api, DataState& st, const httplib::Request& req, httplib::Response& res,
                  const Caller& c) {
  auto id = Int(req.matches[1].str());
  auto job = id ? FindJob(api, st, *id, c) : std::nullopt;
  if (!job) return SendError(res, {404, "not_found", "no such import of yours", ""});
  SendJson(res, JobJson(*job));
}

void ImportQuarantine(Api& api, DataState& st, const httplib::Request& req, httplib::Response& res,
                      const Caller& c) {
  auto id = Int(req.matches[1].str());
  auto job = id ? FindJob(api, st, *id, c) : std::nullopt;
  if (!job) return SendError(res, {404, "not_found", "no such import of yours", ""});
  if (job->state != "completed")
    return SendError(res, {409, "conflict", "the import has not finished; see its status", ""});
  auto lease = api.pool().Acquire();
  if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
  auto rows = (*lease)->ListQuarantine(job->data_source_id, job->file_sha256);
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
  api.Audit(**lease, &c, "import.quarantine_read", "import_run", std::to_string(job->run_id),
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
  api.Add("GET", "/api/v1/analysis", true,
          [a, st](Req q, Res r, Caller* c) { Analysis(*a, *st, q, r, *c, false); });
  api.Add("GET", "/api/v1/exports/analysis", true,
          [a, st](Req q, Res r, Caller* c) { Analysis(*a, *st, q, r, *c, true); });
  api.Add("POST", "/api/v1/imports", true,
          [a, st](Req q, Res r, Caller* c) { StartImport(*a, st, q, r, *c); });
  api.Add("GET", "/api/v1/imports/{id}", true,
          [a, st](Req q, Res r, Caller* c) { ImportStatus(*a, *st, q, r, *c); });
  api.Add("GET", "/api/v1/imports/{id}/quarantine", true,
          [a, st](Req q, Res r, Caller* c) { ImportQuarantine(*a, *st, q, r, *c); });
}

}  // namespace aegis::server
