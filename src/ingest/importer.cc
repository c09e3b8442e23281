#include "ingest/importer.h"

#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>

#include "access/decision.h"
#include "access/protocol.h"
#include "geo/boundary_io.h"
#include "ingest/area_import.h"
#include "ingest/header.h"
#include "ingest/key_table.h"
#include "ingest/mapper.h"
#include "ingest/profile.h"
#include "ingest/table.h"
#include "ingest/xlsx_reader.h"
#include "util/text.h"

namespace aegis::ingest {

namespace {

std::string TodayUtc() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// Groups reasons that differ only in quoted values: "'x' is not a valid date (...)".
std::string ReasonGroup(const store::QuarantinedRow& q) {
  std::string out;
  bool in_quote = false;
  for (char c : q.reason) {
    if (c == '\'') {
      in_quote = !in_quote;
      if (!in_quote) out += "'…'";
      continue;
    }
    if (c == '(' && !in_quote) break;
    if (!in_quote) out.push_back(c);
  }
  std::string r(text::Trim(out));
  return q.column.empty() ? r : q.column + ": " + r;
}

// A bounded hand-off of batches from the reading thread to the writing thread.
class BatchQueue {
 public:
  void Push(store::ImportBatch b) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return q_.size() < 2 || closed_; });
    q_.push_back(std::move(b));
    cv_.notify_all();
  }
  bool Pop(store::ImportBatch* b) {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return false;
    *b = std::move(q_.front());
    q_.pop_front();
    cv_.notify_all();
    return true;
  }
  void Close() {
    std::lock_guard<std::mutex> l(mu_);
    closed_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<store::ImportBatch> q_;
  bool closed_ = false;
};

// Incident vectors of batches the writer is done with, handed back to the reading thread. It
// maps rows into their records in place, so the records' strings are reused rather than freed
// on one thread and allocated again on the other (for most rows, mapping then allocates
// nothing).
class IncidentPool {
 public:
  void Put(std::vector<store::Incident> v) {
    std::lock_guard<std::mutex> l(mu_);
    if (spare_.size() < kMaxSpare) spare_.push_back(std::move(v));
  }
  // A returned vector, or an empty one if none is waiting.
  std::vector<store::Incident> Take() {
    std::lock_guard<std::mutex> l(mu_);
    if (spare_.empty()) return {};
    std::vector<store::Incident> v = std::move(spare_.back());
    spare_.pop_back();
    return v;
  }

 private:
  static constexpr size_t kMaxSpare = 2;  // bounds the memory kept
  std::mutex mu_;
  std::vector<std::vector<store::Incident>> spare_;
};

// Victim groups of a repeat table (Kobo/ODK), keyed by the parent row's index.
Result<std::unordered_map<std::string, std::vector<store::VictimGroup>>> LoadRepeat(
    const std::string& path, const std::string& sheet, const Profile& profile,
    const taxonomy::Taxonomy& tax, Env* env) {
  TableOptions topts;
  topts.sheet = sheet;
  topts.env = env;
  AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<TableReader> reader, OpenTable(path, topts));
  Row header;
  if (!reader->Next(&header)) {
    AEGIS_RETURN_IF_ERROR(reader->status());
    return Status::InvalidArgument(path + ": the repeat group file is empty");
  }
  auto col = [&](const std::string& field) -> int {
    const FieldSpec* f = profile.Field(field);
    std::vector<std::string> names = f ? f->columns : std::vector<std::string>();
    if (field == "parent") names = {profile.repeat_parent_column, "PARENT_KEY"};
    for (const auto& n : names) {
      for (size_t i = 0; i < header.size(); ++i) {
        std::string_view h = text::Trim(header[i]);
        size_t p = h.rfind(profile.group_separator);
        std::string_view last = p == std::string_view::npos ? h : h.substr(p + 1);
        if (text::IEquals(h, n) || text::IEquals(last, n)) return static_cast<int>(i);
      }
    }
    return -1;
  };
  int parent = col("parent"), sex = col("victim_sex"), age = col("victim_age"),
      band = col("victim_age_band"), dis = col("victim_disability"),
      disp = col("victim_displacement"), count = col("victims");
  if (parent < 0) {
    return Status::InvalidArgument(path + ": no " + profile.repeat_parent_column +
                                   " column linking victims to their incident; export the "
                                   "repeat group with its _parent_index");
  }
  std::unordered_map<std::string, std::vector<store::VictimGroup>> out;
  Row r;
  auto cell = [&](int c) -> std::string {
    return c >= 0 && static_cast<size_t>(c) < r.size() ? std::string(text::Trim(r[c])) : "";
  };
  while (reader->Next(&r)) {
    std::string vs = cell(sex), va = cell(age), vb = cell(band), vd = cell(dis), vp = cell(disp),
                vc = count >= 0 ? cell(count) : std::string();
    AddVictimGroup(&out[cell(parent)], VictimFromCells(tax, {vs, va, vb, vd, vp, vc}));
  }
  AEGIS_RETURN_IF_ERROR(reader->status());
  return out;
}

}  // namespace

Result<Catalog> LoadCatalog(store::Store& store, const std::string& data_dir) {
  Catalog c;
  c.data_dir = data_dir;
  AEGIS_ASSIGN_OR_RETURN(taxonomy::Taxonomy tax, taxonomy::Taxonomy::Load(data_dir + "/taxonomy"));
  c.taxonomy = std::make_unique<taxonomy::Taxonomy>(std::move(tax));
  c.gazetteer = std::make_unique<geo::Gazetteer>();
  AEGIS_ASSIGN_OR_RETURN(std::vector<store::AreaRow> areas, store.LoadAreas());
  for (auto& a : areas) c.gazetteer->Add(ToGeoArea(std::move(a)));
  AEGIS_RETURN_IF_ERROR(c.gazetteer->Finalize());
  std::vector<std::pair<std::string, int>> risks;
  for (const auto& r : c.taxonomy->risks()) risks.emplace_back(r.code, r.id);
  AEGIS_RETURN_IF_ERROR(store.SyncRisks(risks));
  AEGIS_ASSIGN_OR_RETURN(auto boundaries, store.GetBoundaries());
  for (const auto& [level, geojson] : boundaries)
    AEGIS_RETURN_IF_ERROR(geo::LoadBoundariesFromGeoJson(*c.gazetteer, geojson, level));
  std::string aliases = data_dir + "/geo/aliases.csv";
  if (std::filesystem::exists(aliases)) AEGIS_RETURN_IF_ERROR(c.gazetteer->AddAliases(aliases));
  return c;
}

std::string OrganisationSourceCode(const std::string& source_code,
                                   const std::string& organisation) {
  return organisation.empty() ? source_code : source_code + "@" + organisation;
}

namespace {

std::string HexDigest(EVP_MD_CTX* ctx) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_DigestFinal_ex(ctx, md, &len);
  EVP_MD_CTX_free(ctx);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(kHex[md[i] >> 4]);
    out.push_back(kHex[md[i] & 15]);
  }
  return out;
}

}  // namespace

Result<std::string> FileSha256(const std::string& path, Env* env) {
  auto f = EnvOrDefault(env)->NewSequentialFile(path);
  if (!f.ok()) {
    if (f.status().code() == Status::Code::kNotFound)
      return Status::NotFound(path + ": cannot open; check the path");
    return f.status();
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  std::vector<char> buf(1 << 20);
  for (;;) {
    size_t n = 0;
    if (Status st = (*f)->Read(buf.size(), buf.data(), &n); !st.ok()) {
      EVP_MD_CTX_free(ctx);
      return st;
    }
    if (n == 0) break;
    EVP_DigestUpdate(ctx, buf.data(), n);
  }
  return HexDigest(ctx);
}

Result<std::string> ImportKey(const ImportOptions& opts, const Profile& profile,
                              const std::string& file_sha256) {
  // Each part as "name=length:value;", so that no two sets of parts give one text.
  std::string text;
  auto part = [&](const std::string& name, const std::string& value) {
    text += name + "=" + std::to_string(value.size()) + ":" + value + ";";
  };
  part("file", file_sha256);
  part("sheet", opts.sheet.empty() ? profile.sheet : opts.sheet);
  part("profile", profile.name);
  std::string profile_sha;
  if (!profile.path.empty()) {
    AEGIS_ASSIGN_OR_RETURN(profile_sha, FileSha256(profile.path, opts.env));
  }
  part("profile_sha256", profile_sha);
  char delimiter = opts.delimiter ? opts.delimiter : profile.delimiter;
  part("delimiter", delimiter ? std::string(1, delimiter) : "");
  part("source", opts.source_code.empty() ? profile.source_code : opts.source_code);
  for (const auto& [group, file] : opts.repeat_files) {
    AEGIS_ASSIGN_OR_RETURN(std::string sha, FileSha256(file, opts.env));
    part("repeat:" + group, sha);
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
  EVP_DigestUpdate(ctx, text.data(), text.size());
  return HexDigest(ctx);
}

namespace {

class Importer {
 public:
  Importer(store::Store& store, const Catalog& cat, const ImportOptions& opts)
      : store_(store), cat_(cat), opts_(opts) {}

  Result<ImportSummary> Run();

 private:
  // What is remembered of the first row of each record key.
  struct FirstRow {
    int64_t row = 0;
    uint64_t content = 0;  // content hash
    uint64_t core = 0;     // content hash without the perpetrator fields (incidents)
  };

  Status Prepare();
  // Reads the file through the mapper into the store (the reader and mapper are kept for the
  // summary).
  Status ReadAndStore(std::unique_ptr<TableReader>* reader, std::unique_ptr<RowMapper>* mapper);
  Status ReadAll(TableReader& reader, HeaderInfo& head, RowMapper& mapper);
  Result<bool> ShouldDeferIndexes();
  void Handle(const Row& row, int64_t record_no, RowMapper& mapper);
  void Flush(int64_t rows_done);
  void StartBatch();
  store::Incident& NextIncident();
  void WriterLoop();

  store::Store& store_;
  const Catalog& cat_;
  ImportOptions opts_;
  Profile profile_;
  std::unique_ptr<taxonomy::EventRiskMap> event_risks_;
  std::unordered_map<std::string, std::vector<store::VictimGroup>> victims_;
  bool have_victims_ = false;
  store::ImportRun run_;
  ImportSummary sum_;

  store::ImportBatch batch_;
  int64_t batch_rows_ = 0;
  // Incidents of batch_ in use; the records after them are recycled ones to map rows into.
  size_t batch_incidents_ = 0;
  IncidentPool incident_pool_;
  KeyTable<FirstRow> seen_;        // by hash of the record key
  KeyTable<int64_t> occurrences_;  // by hash of the record key: repeats of identical rows
  std::map<std::string, ReasonCount> reasons_;
  int64_t other_actor_rows_ = 0;

  BatchQueue queue_;
  std::mutex writer_mu_;
  Status writer_status_;
  std::atomic<int64_t> committed_batches_{0};
};

Status Importer::Prepare() {
  AEGIS_ASSIGN_OR_RETURN(profile_, FindProfile(opts_.profile, cat_.data_dir + "/profiles"));
  if (!profile_.event_risk_table.empty()) {
    AEGIS_ASSIGN_OR_RETURN(taxonomy::EventRiskMap m,
                           taxonomy::EventRiskMap::Load(
                               cat_.data_dir + "/" + profile_.event_risk_table, *cat_.taxonomy));
    event_risks_ = std::make_unique<taxonomy::EventRiskMap>(std::move(m));
  }
  if (!profile_.victims_repeat.empty()) {
    auto it = opts_.repeat_files.find(profile_.victims_repeat);
    std::string lower = text::ToLowerAscii(opts_.file);
    bool xlsx = lower.size() > 5 && lower.compare(lower.size() - 5, 5, ".xlsx") == 0;
    if (it != opts_.repeat_files.end() || xlsx) {
      std::string path = it != opts_.repeat_files.end() ? it->second : opts_.file;
      std::string sheet = it != opts_.repeat_files.end() ? "" : profile_.victims_repeat;
      auto v = LoadRepeat(path, sheet, profile_, *cat_.taxonomy, opts_.env);
      if (v.ok()) {
        victims_ = std::move(v).value();
        have_victims_ = true;
      } else if (it != opts_.repeat_files.end()) {
        return v.status();
      } else {
        sum_.warnings.push_back("no '" + profile_.victims_repeat +
                                "' sheet: victims taken from the main sheet only");
      }
    }
  }
  AEGIS_ASSIGN_OR_RETURN(BegunRun begun, BeginRun(store_, profile_, opts_));
  run_ = begun.run;
  // The run begun for this import by its caller is its own, not an interrupted one.
  if (opts_.begun_run_id != 0 && run_.id == opts_.begun_run_id && run_.rows_done == 0)
    run_.resumed = false;
  sum_.file_sha256 = begun.file_sha256;
  sum_.data_source = begun.data_source;
  sum_.run_id = run_.id;
  sum_.resumed = run_.resumed;
  return Status::Ok();
}

void Importer::Handle(const Row& row, int64_t record_no, RowMapper& mapper) {
  if (IsBlank(row)) return;                 // blank lines are not records
  bool skip = record_no <= run_.rows_done;  // committed by an interrupted run: rebuild state only
  store::Incident& inc = NextIncident();
  store::MonitoringReport rep;
  store::Service svc;
  store::QuarantinedRow q;
  uint64_t core = 0;
  MapOutcome out = mapper.Map(row, record_no, &inc, &rep, &svc, &q, &core);
  if (out == MapOutcome::kService) {
    // A GBV-specialised service is at least confidential (the kernel's rule).
    svc.sensitivity = access::SensitivityName(access::ServiceRank(
        svc.gbv_specialised, store::SensitivityRank(svc.sensitivity).value_or(3)));
  }
  if (out != MapOutcome::kQuarantined && opts_.organisation) {
    const bool incident = out == MapOutcome::kIncident;
    (incident                      ? inc.organisation_code
     : out == MapOutcome::kService ? svc.organisation_code
                                   : rep.organisation_code) = *opts_.organisation;
    std::string refused = !opts_.admit ? std::string()
                          : incident   ? opts_.admit(store::ClassOf(inc), inc.sensitivity)
                          : out == MapOutcome::kService
                              ? opts_.admit(store::RecordClass::kService, svc.sensitivity)
                              : opts_.admit(store::RecordClass::kMonitoring, "internal");
    if (!refused.empty()) {
      q.row = record_no;
      q.column = "";
      q.reason = "not admitted: " + refused;
      q.hint =
          "the sharing protocol does not let your account create this record; send the row to "
          "an organisation whose role may (for GBV and child records: the specialised service), "
          "or ask a coordinator";
      q.raw_json = mapper.RawJson(row);
      out = MapOutcome::kQuarantined;
    }
  }
  if (out != MapOutcome::kQuarantined) {
    bool incident = out == MapOutcome::kIncident;
    std::string& key = incident                      ? inc.source_key
                       : out == MapOutcome::kService ? svc.source_key
                                                     : rep.source_key;
    uint64_t content = incident                      ? inc.content_hash
                       : out == MapOutcome::kService ? svc.content_hash
                                                     : rep.content_hash;
    uint64_t key_hash = text::Hash64(key);
    auto [first, fresh] = seen_.FindOrInsert(key_hash);
    if (fresh) *first = {record_no, content, core};
    if (!fresh && profile_.key_columns.empty() && profile_.identical_rows_distinct) {
      // Identical rows of a keyless extract are distinct events: number them by occurrence.
      int64_t n = ++*occurrences_.FindOrInsert(key_hash).first;
      key += "#" + std::to_string(n + 1);
      fresh = true;
    }
    // ACLED monadic exports list an event once per actor (identical rows when both actors are
    // the same): the same event, counted once.
    if (!fresh && incident && profile_.same_key_other_actor_is_same_event && first->core == core) {
      ++other_actor_rows_;
      if (!skip) {
        ++batch_rows_;
        ++batch_.also_unchanged;
      }
      return;
    }
    if (!fresh) {
      bool same = first->content == content;
      q.row = record_no;
      q.column = profile_.key_columns.empty() ? "" : profile_.key_columns[0];
      q.reason = same ? "duplicate of row " + std::to_string(first->row)
                      : "same key as row " + std::to_string(first->row) + " but different content";
      q.hint = same ? "the row appears twice in the file; the first one was kept"
                    : "two rows share one identifier: correct the identifier or remove the "
                      "outdated row, then import again";
      q.raw_json = mapper.RawJson(row);
      out = MapOutcome::kQuarantined;
    }
  }
  if (skip) return;
  ++batch_rows_;
  // Placement counts of the rows stored (a quarantined row's place counts nowhere).
  auto count_place = [&](const store::Placement& pl) {
    if (pl.method.empty()) return;
    ++sum_.place_methods[pl.method];
    ++sum_.place_levels[pl.level];
  };
  if (out == MapOutcome::kIncident) {
    count_place(inc.place);
    ++batch_incidents_;  // already in place
  } else if (out == MapOutcome::kReport) {
    count_place(rep.place);
    batch_.reports.push_back(std::move(rep));
  } else if (out == MapOutcome::kService) {
    batch_.services.push_back(std::move(svc));
  } else {
    std::string group = ReasonGroup(q);
    ReasonCount& rc = reasons_[group];
    rc.reason = std::move(group);
    ++rc.count;
    if (rc.example.empty()) rc.example = q.reason + "; " + q.hint;
    if (rc.example_rows.size() < 5) rc.example_rows.push_back(q.row);
    batch_.quarantined.push_back(std::move(q));
  }
}

void Importer::Flush(int64_t rows_done) {
  batch_.run_id = run_.id;
  batch_.data_source_id = run_.data_source_id;
  batch_.import_key = run_.import_key;
  batch_.rows_done = rows_done;
  batch_.rows_read = batch_rows_;
  batch_.incidents.resize(batch_incidents_);
  queue_.Push(std::move(batch_));
  StartBatch();
}

void Importer::StartBatch() {
  batch_ = store::ImportBatch();
  batch_rows_ = 0;
  batch_incidents_ = 0;
  // Room for a full batch: growing the vector row by row would move every record several times.
  auto room = static_cast<size_t>(std::clamp<int64_t>(opts_.batch_rows, 0, 1 << 16));
  if (profile_.record == "monitoring_report") {
    batch_.reports.reserve(room);
  } else {
    batch_.incidents = incident_pool_.Take();
    batch_.incidents.reserve(room);
  }
}

store::Incident& Importer::NextIncident() {
  if (batch_incidents_ == batch_.incidents.size()) batch_.incidents.emplace_back();
  return batch_.incidents[batch_incidents_];
}

void Importer::WriterLoop() {
  store::ImportBatch b;
  while (queue_.Pop(&b)) {
    {
      std::lock_guard<std::mutex> l(writer_mu_);
      if (!writer_status_.ok()) continue;  // drain after a failure
    }
    Result<store::BatchOutcome> r = store_.ApplyImportBatch(b);
    incident_pool_.Put(std::move(b.incidents));
    if (r.ok()) ++committed_batches_;
    if (!r.ok()) {
      std::lock_guard<std::mutex> l(writer_mu_);
      writer_status_ = r.status();
    }
  }
}

Status Importer::ReadAll(TableReader& reader, HeaderInfo& head, RowMapper& mapper) {
  std::thread writer([this] { WriterLoop(); });
  StartBatch();
  int64_t last = 0;
  auto step = [&](const Row& row, int64_t no) {
    Handle(row, no, mapper);
    last = no;
    if (batch_rows_ >= opts_.batch_rows) {
      Flush(last);
      if (opts_.progress) opts_.progress(last, reader.bytes_read(), reader.total_bytes());
    }
  };
  for (auto& [no, row] : head.pending) step(row, no);
  Row row;
  while (reader.Next(&row)) {
    step(row, reader.record_number());
    if ((reader.record_number() & 1023) == 0) {
      std::lock_guard<std::mutex> l(writer_mu_);
      if (!writer_status_.ok()) break;
    }
  }
  if (batch_rows_ > 0 || last > run_.rows_done) Flush(std::max(last, run_.rows_done));
  queue_.Close();
  writer.join();
  if (opts_.progress) opts_.progress(last, reader.bytes_read(), reader.total_bytes());
  AEGIS_RETURN_IF_ERROR(writer_status_);
  return reader.status();
}

Result<bool> Importer::ShouldDeferIndexes() {
  using Mode = ImportOptions::IndexMode;
  if (opts_.index_mode != Mode::kAuto) return opts_.index_mode == Mode::kDefer;
  constexpr int64_t kMinBytes = 32 << 20;
  constexpr int64_t kBytesPerRow = 350;  // an ACLED row; a guess for the others
  auto size = EnvOrDefault(opts_.env)->FileSize(opts_.file);
  if (!size.ok() || static_cast<int64_t>(*size) < kMinBytes) return false;
  const auto bytes = static_cast<int64_t>(*size);
  AEGIS_ASSIGN_OR_RETURN(store::RecordCounts held, store_.Counts());
  return bytes / kBytesPerRow >= held.incidents / 4;
}

Status Importer::ReadAndStore(std::unique_ptr<TableReader>* reader_out,
                              std::unique_ptr<RowMapper>* mapper_out) {
  TableOptions topts;
  topts.delimiter = opts_.delimiter ? opts_.delimiter : profile_.delimiter;
  topts.sheet = opts_.sheet.empty() ? profile_.sheet : opts_.sheet;
  topts.env = opts_.env;
  AEGIS_ASSIGN_OR_RETURN(*reader_out, OpenTable(opts_.file, topts));
  TableReader& reader = **reader_out;
  // A workbook read from its first sheet whose header does not fit: the data may be on another
  // sheet; say which sheets there are.
  auto other_sheets = [&](Status st) {
    std::string lower = text::ToLowerAscii(opts_.file);
    if (st.ok() || !topts.sheet.empty() || !lower.ends_with(".xlsx")) return st;
    auto sheets = ListXlsxSheets(opts_.file);
    if (!sheets.ok() || sheets->size() < 2) return st;
    std::vector<std::string> quoted;
    for (const auto& n : *sheets) quoted.push_back("\"" + n + "\"");
    return Status::InvalidArgument(st.message() + ". The first sheet, \"" + sheets->front() +
                                   "\", was read; the workbook has the sheets " +
                                   text::Join(quoted, ", ") +
                                   ": if the data is on another one, give it with --sheet NAME");
  };
  Result<HeaderInfo> head_or = ReadHeader(reader, opts_.file);
  if (!head_or.ok()) return other_sheets(head_or.status());
  HeaderInfo head = std::move(head_or).value();
  MapContext ctx;
  ctx.profile = &profile_;
  ctx.taxonomy = cat_.taxonomy.get();
  ctx.event_risks = event_risks_.get();
  ctx.gazetteer = cat_.gazetteer.get();
  ctx.victims_by_parent = have_victims_ ? &victims_ : nullptr;
  ctx.today = TodayUtc();
  Result<std::unique_ptr<RowMapper>> mapper_or =
      RowMapper::Create(ctx, head.header, head.tags, opts_.file);
  if (!mapper_or.ok()) return other_sheets(mapper_or.status());
  *mapper_out = std::move(mapper_or).value();
  AEGIS_ASSIGN_OR_RETURN(bool defer, ShouldDeferIndexes());
  if (defer) AEGIS_RETURN_IF_ERROR(store_.DeferIndexes());
  Status st = ReadAll(reader, head, **mapper_out);
  if (defer) {
    // Also after a failure: the committed batches stay and should be fast to query.
    if (opts_.phase) opts_.phase("building the incident indexes");
    auto ti = std::chrono::steady_clock::now();
    Status ri = store_.RestoreIndexes();
    sum_.index_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - ti).count();
    if (st.ok()) st = ri;
  }
  return st;
}

Result<ImportSummary> Importer::Run() {
  auto t0 = std::chrono::steady_clock::now();
  sum_.file = opts_.file;
  auto size = EnvOrDefault(opts_.env)->FileSize(opts_.file);
  if (!size.ok() && size.status().code() == Status::Code::kNotFound)
    return Status::NotFound(opts_.file + ": no such file; check the path");
  if (!size.ok()) return size.status();
  if (*size == 0)
    return Status::InvalidArgument(opts_.file +
                                   ": the file is empty (0 bytes); check that the "
                                   "export or download finished");
  AEGIS_RETURN_IF_ERROR(Prepare());
  sum_.profile = profile_.name;
  std::unique_ptr<TableReader> reader;
  std::unique_ptr<RowMapper> mapper;
  if (Status st = ReadAndStore(&reader, &mapper); !st.ok()) {
    // Refused before a row was written (e.g. a required column missing): the run can never
    // complete as it is, so it ends failed with its reason. Otherwise the committed batches stay
    // and the run stays 'running', so that a re-run resumes after them.
    if (run_.rows_done == 0 && committed_batches_.load() == 0)
      (void)store_.FailImportRun(run_.id, st.message());
    return st;
  }
  AEGIS_RETURN_IF_ERROR(store_.FinishImportRun(run_.id, store::ImportRunStatus::kCompleted));
  AEGIS_ASSIGN_OR_RETURN(store::ImportRun done, store_.GetImportRun(run_.id));
  sum_.read = done.read;
  sum_.imported = done.imported;
  sum_.updated = done.updated;
  sum_.unchanged = done.unchanged;
  sum_.quarantined = done.quarantined;
  for (auto& [k, v] : reasons_) sum_.quarantine_reasons.push_back(v);
  std::sort(sum_.quarantine_reasons.begin(), sum_.quarantine_reasons.end(),
            [](const ReasonCount& a, const ReasonCount& b) { return a.count > b.count; });
  const MapStats& ms = mapper->stats();
  sum_.no_risk = ms.no_risk;
  if (ms.formula_like_cells > 0) {
    sum_.warnings.push_back(std::to_string(ms.formula_like_cells) +
                            " cell(s) start like a spreadsheet formula (=, +, -, @); they are "
                            "stored as plain text and neutralised in every export");
  }
  if (reader->formula_cells() > 0) {
    sum_.warnings.push_back(std::to_string(reader->formula_cells()) +
                            " spreadsheet formula cell(s): their last computed values were "
                            "imported");
  }
  if (!ms.unmapped_options.empty()) {
    std::vector<std::string> quoted;
    for (const auto& o : ms.unmapped_options) quoted.push_back("'" + o + "'");
    sum_.warnings.push_back(
        std::to_string(ms.unmapped_options.size()) +
        " option(s) of the form map to no risk and were not read: " + text::Join(quoted, ", ") +
        "; map each in the profile's [monitoring.options] (doc/profiles.md)");
  }
  if (ms.provider_code_only > 0) {
    std::vector<std::string> rows;
    for (int64_t r : ms.provider_code_only_rows) rows.push_back(std::to_string(r));
    sum_.warnings.push_back(
        std::to_string(ms.provider_code_only) +
        " service(s) name their provider by code or acronym only, with no name or type (row " +
        text::Join(rows, ", ") + (ms.provider_code_only > 10 ? ", ..." : "") +
        "): stored; complete the organisation's name and type in the source");
  }
  if (other_actor_rows_ > 0) {
    sum_.warnings.push_back(std::to_string(other_actor_rows_) +
                            " row(s) repeat an event already read (an ACLED monadic export lists "
                            "an event once per actor): counted once, as unchanged");
  }
  if (run_.resumed) {
    sum_.warnings.push_back("resumed an interrupted import of this file after row " +
                            std::to_string(run_.rows_done));
  }
  sum_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return sum_;
}

}  // namespace

Result<BegunRun> BeginRun(store::Store& store, const Profile& profile, const ImportOptions& opts) {
  BegunRun out;
  out.data_source = opts.source_code.empty() ? profile.source_code : opts.source_code;
  if (opts.organisation)
    out.data_source = OrganisationSourceCode(out.data_source, *opts.organisation);
  store::DataSource src{0,
                        out.data_source,
                        profile.source_name,
                        profile.source_kind,
                        opts.organisation.value_or(profile.organisation),
                        profile.source_type};
  AEGIS_ASSIGN_OR_RETURN(int64_t source_id, store.EnsureDataSource(src));
  AEGIS_ASSIGN_OR_RETURN(out.file_sha256, FileSha256(opts.file, opts.env));
  AEGIS_ASSIGN_OR_RETURN(std::string key, ImportKey(opts, profile, out.file_sha256));
  AEGIS_ASSIGN_OR_RETURN(
      out.run, store.BeginImportRun(source_id, profile.name, opts.file, out.file_sha256, key));
  return out;
}

Result<ImportSummary> RunImport(store::Store& store, const Catalog& catalog,
                                const ImportOptions& opts) {
  Importer imp(store, catalog, opts);
  return imp.Run();
}

Result<ProfileCheck> CheckProfile(const std::string& data_dir, const ImportOptions& opts) {
  AEGIS_ASSIGN_OR_RETURN(Profile profile, FindProfile(opts.profile, data_dir + "/profiles"));
  AEGIS_ASSIGN_OR_RETURN(taxonomy::Taxonomy tax, taxonomy::Taxonomy::Load(data_dir + "/taxonomy"));
  TableOptions topts;
  topts.delimiter = opts.delimiter ? opts.delimiter : profile.delimiter;
  topts.sheet = opts.sheet.empty() ? profile.sheet : opts.sheet;
  topts.env = opts.env;
  AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<TableReader> reader, OpenTable(opts.file, topts));
  AEGIS_ASSIGN_OR_RETURN(HeaderInfo head, ReadHeader(*reader, opts.file));
  geo::Gazetteer places;  // no row is placed
  MapContext ctx;
  ctx.profile = &profile;
  ctx.taxonomy = &tax;
  ctx.gazetteer = &places;
  ctx.report_only = true;
  AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<RowMapper> mapper,
                         RowMapper::Create(ctx, head.header, head.tags, opts.file));
  ProfileCheck out;
  out.profile = profile.name;
  out.file = opts.file;
  HeaderReport rep = mapper->Report();
  out.found = std::move(rep.found);
  out.missing = std::move(rep.missing);
  out.not_found = std::move(rep.not_found);
  out.unused = std::move(rep.unused);
  out.unmapped = std::move(rep.unmapped_options);
  std::vector<std::string> answers;
  auto row_risks = [&](const Row& row) {
    if (IsBlank(row)) return;
    ++out.rows;
    mapper->UnmappedRisks(row, &answers);
  };
  for (auto& [no, row] : head.pending) row_risks(row);
  Row row;
  while (reader->Next(&row)) row_risks(row);
  AEGIS_RETURN_IF_ERROR(reader->status());
  for (const auto& a : answers)
    out.unmapped.push_back("'" + a + "' (an answer in the risks column)");
  return out;
}

std::string ProfileCheck::ToText() const {
  std::string t =
      "profile " + profile + " on " + file + " (" + std::to_string(rows) + " data rows)\n";
  auto list = [&](const std::string& title, const std::vector<std::string>& items) {
    t += title + ": " + (items.empty() ? "none" : std::to_string(items.size())) + "\n";
    for (const auto& i : items) t += "  " + i + "\n";
  };
  t += "found: " + std::to_string(found.size()) + " field(s)\n";
  for (const auto& [field, cols] : found) t += "  " + field + " <- " + cols + "\n";
  list("missing (required: the import would be refused)", missing);
  list("not found (optional: left empty)", not_found);
  list("file columns not read", unused);
  list("risk options that map to no risk (add them to the profile's values or options)", unmapped);
  return t;
}

std::string ImportSummary::ToJson() const {
  nlohmann::ordered_json j;
  j["file"] = file;
  j["profile"] = profile;
  j["data_source"] = data_source;
  j["file_sha256"] = file_sha256;
  j["run_id"] = run_id;
  j["resumed"] = resumed;
  j["read"] = read;
  j["imported"] = imported;
  j["updated"] = updated;
  j["unchanged"] = unchanged;
  j["quarantined"] = quarantined;
  j["quarantine_reasons"] = nlohmann::ordered_json::array();
  for (const auto& r : quarantine_reasons)
    j["quarantine_reasons"].push_back({{"reason", r.reason},
                                       {"count", r.count},
                                       {"example_rows", r.example_rows},
                                       {"example", r.example}});
  j["placement"]["by_method"] = place_methods;
  nlohmann::ordered_json levels = nlohmann::ordered_json::object();
  for (const auto& [l, n] : place_levels) levels["admin" + std::to_string(l)] = n;
  j["placement"]["by_level"] = levels;
  j["no_risk_events"] = no_risk;
  if (index_seconds >= 0) j["index_build_seconds"] = index_seconds;
  j["warnings"] = warnings;
  j["seconds"] = seconds;
  j["rows_per_second"] = seconds > 0 ? static_cast<double>(read) / seconds : 0.0;
  return j.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace aegis::ingest
