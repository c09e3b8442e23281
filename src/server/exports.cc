// Export routes: incidents (what the caller may read as individual records, with pseudonymous
// ids and without personal fields) and the analysis table (safe aggregates as for the analysis
// route). Streamed: a chunked response, written page by page, so memory stays bounded.
#include <algorithm>
#include <functional>

#include "export/export.h"
#include "security/pseudonym.h"
#include "server/api.h"
#include "services/directory_table.h"
#include "util/date.h"

namespace aegis::server {

namespace {

// An export Sink over cpp-httplib's chunked response.
class HttpSink final : public exports::Sink {
 public:
  explicit HttpSink(httplib::DataSink& sink) : sink_(sink) {}
  Status Write(std::string_view bytes) override {
    if (!sink_.is_writable() || !sink_.write(bytes.data(), bytes.size()))
      return Status::IOError("the client went away");
    return Status::Ok();
  }

 private:
  httplib::DataSink& sink_;
};

const std::vector<exports::Column>& IncidentColumns() {
  using K = exports::Column::Kind;
  static const std::vector<exports::Column> kCols = {
      {"id", "#meta+id+pseudonym", K::kText},
      {"date_start", "#date+start", K::kDate},
      {"date_end", "#date+end", K::kDate},
      {"area_pcode", "#loc+code", K::kText},
      {"risks", "#indicator+risk+protection", K::kText},
      {"event_type", "#event+type", K::kText},
      {"act_type", "#event+type+act", K::kText},
      {"perpetrator", "#group+perpetrator", K::kText},
      {"organisation", "#org+code", K::kText},
      {"source_type", "#meta+source_type", K::kText},
      {"verification", "#status+verification", K::kText},
      {"sensitivity", "#meta+sensitivity", K::kText},
      {"killed", "#affected+killed", K::kInteger},
      {"injured", "#affected+injured", K::kInteger},
  };
  return kCols;
}

std::vector<exports::Cell> IncidentRow(const security::Keyring& keys,
                                       const store::IncidentRecord& r) {
  auto count = [](const std::optional<int64_t>& v) {
    return v ? exports::Cell(*v) : exports::NullCell();
  };
  std::string risks;
  for (const auto& k : r.risks) risks += (risks.empty() ? "" : " ") + k;
  return {security::Pseudonym(keys, "incident", std::to_string(r.id)),
          r.date_start,
          r.date_end,
          r.area_pcode,
          risks,
          r.event_type,
          r.act_type,
          r.perpetrator,
          r.organisation,
          r.source_type,
          r.verification,
          r.sensitivity,
          count(r.killed),
          count(r.injured)};
}

// Streams a table to the response as a chunked attachment "aegis-<name>-<date>.<ext>": the
// writer is made, begun with `columns` and finished here; `rows` writes the rows on a pooled
// connection. A failure drops the connection, so a partial file is never taken as whole.
using RowsFn = std::function<Status(store::Store&, exports::TableWriter&)>;
void StreamTable(Api& api, httplib::Response& res, exports::Format f, const std::string& name,
                 exports::ExportOptions o, const std::vector<exports::Column>& columns,
                 RowsFn rows) {
  res.set_header("Content-Disposition", "attachment; filename=\"aegis-" + name + "-" +
                                            NowUtc().substr(0, 10) + "." +
                                            std::string(exports::FileExtension(f)) + "\"");
  o.tmpdir = PrivateDir(api.options());
  Api* a = &api;
  const std::vector<exports::Column>* cols = &columns;
  res.set_chunked_content_provider(
      std::string(exports::ContentType(f)),
      [a, f, o, cols, rows = std::move(rows)](size_t, httplib::DataSink& sink) {
        HttpSink out(sink);
        exports::ExportOptions options = o;
        options.metadata.generated_at = NowUtc();
        auto writer = exports::MakeWriter(f, out, options);
        auto lease = a->pool().Acquire();
        Status st = writer.ok() ? (lease.ok() ? Status::Ok() : lease.status()) : writer.status();
        if (st.ok()) st = (*writer)->Begin(*cols);
        if (st.ok()) st = rows(**lease, **writer);
        if (st.ok()) st = (*writer)->Finish();
        if (st.ok()) sink.done();
        return st.ok();
      });
}

void ExportIncidents(Api& api, const httplib::Request& req, httplib::Response& res,
                     const Caller& c) {
  auto format = exports::ParseFormat(req.get_param_value("format"));
  if (!format.ok()) return SendError(res, {400, "invalid", format.status().message(), "format"});
  store::IncidentQuery q;
  if (ApiError e; !ReadIncidentQuery(api.taxonomy(), req, &q, &e)) return SendError(res, e);
  {
    auto lease = api.pool().Acquire();
    if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
    api.Audit(**lease, &c, "export.incidents", "export", std::string(exports::FormatName(*format)),
              c.break_glass_until.empty() ? "" : "break-glass");
  }
  Api* a = &api;
  // The records the kernel lets the caller export (those it may read, with an export right).
  store::AccessScope scope = access::ReadScope(*api.protocol(), c.subject, access::Action::kExport);
  exports::ExportOptions o;
  o.metadata.title = "Aegis incidents";
  StreamTable(api, res, *format, "incidents", o, IncidentColumns(),
              [a, scope, q, caller = c](store::Store& st, exports::TableWriter& w) mutable {
                auto keys = a->keyring();
                q.limit = 1000;
                for (;;) {
                  AEGIS_ASSIGN_OR_RETURN(auto rows, st.ListIncidents(scope, q));
                  // Audited by record, a page at a time: the ids of every record written.
                  if (!rows.empty())
                    a->Audit(st, &caller, "export.records", "incident", IdList(rows), "");
                  for (const auto& r : rows) AEGIS_RETURN_IF_ERROR(w.Row(IncidentRow(*keys, r)));
                  if (rows.size() < 1000) return Status::Ok();
                  q.after_id = rows.back().id;
                }
              });
}

// The service directory as a 3W/4W table: the entries the caller may export (class `service`),
// one row per entry and area served, without the contact point; audited by entry, a page at a
// time.
void ExportServices(Api& api, const httplib::Request& req, httplib::Response& res,
                    const Caller& c) {
  auto format = exports::ParseFormat(req.get_param_value("format"));
  if (!format.ok()) return SendError(res, {400, "invalid", format.status().message(), "format"});
  store::ServiceQuery q;
  if (ApiError e; !ReadServiceQuery(api, req, &q, &e)) return SendError(res, e);
  auto areas = std::make_shared<services::AreaIndex>();
  {
    auto lease = api.pool().Acquire();
    if (!lease.ok()) return SendError(res, FromStatus(lease.status()));
    auto rows = (*lease)->LoadAreas();
    if (!rows.ok()) return SendError(res, FromStatus(rows.status()));
    *areas = services::IndexAreas(std::move(*rows));
    api.Audit(**lease, &c, "export.services", "export", std::string(exports::FormatName(*format)),
              "");
  }
  Api* a = &api;
  store::AccessScope scope = access::ReadScope(*api.protocol(), c.subject, access::Action::kExport);
  exports::ExportOptions o;
  o.metadata.title = "Aegis service directory (3W/4W)";
  o.xlsx_hxl_row = true;
  StreamTable(api, res, *format, "services", o, services::DirectoryColumns(),
              [a, scope, q, areas, caller = c](store::Store& st, exports::TableWriter& w) {
                return services::WriteDirectory(
                    st, *areas, scope, q, NowUtc().substr(0, 10), w,
                    [&](const std::vector<store::ServiceRecord>& page) {
                      std::string ids;
                      for (const auto& r : page)
                        ids += (ids.empty() ? "" : ",") + std::to_string(r.s.id);
                      a->Audit(st, &caller, "export.records", "service", ids, "");
                    },
                    nullptr);
              });
}

}  // namespace

void ExportAnalysisTable(Api& api, const httplib::Request& req, httplib::Response& res,
                         const Caller& c, const std::string& analysis_json) {
  auto format = exports::ParseFormat(req.get_param_value("format"));
  if (!format.ok()) return SendError(res, {400, "invalid", format.status().message(), "format"});
  json r = json::parse(analysis_json, nullptr, false);
  if (!r.is_object()) return SendError(res, {500, "internal", "the analysis failed", ""});
  const bool safe = r.value("safe", false);
  using K = exports::Column::Kind;
  // Figures are text: a safe table holds "<5" and "x" beside numbers.
  std::vector<exports::Column> cols = {
      {"area_pcode", "#adm+code", K::kText},
      {"area_name", "#adm+name", K::kText},
      {"period", "#date+period", K::kText},
      {"risk", "#indicator+risk+code", K::kText},
      {"incidents", "#indicator+incidents", K::kText},
      {"killed", "#affected+killed", K::kText},
      {"victims", "#affected+victims", K::kText},
      {"phase", "#severity+phase", K::kText},  // a number, or "withheld" in safe tables
      // "yes": the records placed on the area above the level and on none of its sub-areas.
      {"not_further_located", "#meta+not_further_located", K::kText},
  };
  exports::StringSink sink;
  exports::ExportOptions o;
  o.metadata.title = "Aegis protection analysis";
  o.metadata.generated_at = NowUtc();
  o.metadata.suppression_note = safe ? "safe aggregates: counts below " +
                                           std::to_string(r.value("suppression_threshold", 5)) +
                                           " shown as <N, x = suppressed to protect another cell"
                                     : "exact figures";
  o.metadata.filters = {{"admin level", std::to_string(r.value("admin_level", 0))},
                        {"period", r.value("period", "")}};
  if (const json& n = r.value("not_further_located_incidents", json()); !n.is_null())
    o.metadata.filters.emplace_back(
        "incidents placed above the level (rows marked not_further_located)",
        n.is_string() ? n.get<std::string>() : std::to_string(n.get<int64_t>()));
  o.tmpdir = PrivateDir(api.options());
  auto writer = exports::MakeWriter(*format, sink, o);
  if (!writer.ok()) return SendError(res, FromStatus(writer.status()));
  Status st = (*writer)->Begin(cols);
  std::string period = r.value("period", "");
  auto figure = [](const json& v) -> exports::Cell {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_integer()) return std::to_string(v.get<int64_t>());
    return exports::NullCell();
  };
  for (const char* list : {"areas", "not_further_located"}) {
    const bool line = std::string(list) == "not_further_located";
    for (const json& area : r.value(list, json::array()))
      for (const json& risk : area.value("risks", json::array())) {
        if (!st.ok()) break;
        exports::Cell phase = exports::NullCell();
        if (risk.contains("phase")) phase = figure(risk["phase"]);
        std::string name = area.value("name", "");
        st = (*writer)->Row(
            {area.value("pcode", ""), line ? name + " (not further located)" : name, period,
             risk.value("risk", ""), figure(risk.value("incidents", json())),
             figure(risk.value("killed", json())), figure(risk.value("victims", json())), phase,
             line ? exports::Cell(std::string("yes")) : exports::NullCell()});
      }
  }
  if (st.ok()) st = (*writer)->Finish();
  if (!st.ok()) return SendError(res, FromStatus(st));
  std::string file =
      "aegis-analysis-" + period + "." + std::string(exports::FileExtension(*format));
  res.set_header("Content-Disposition", "attachment; filename=\"" + file + "\"");
  if (auto lease = api.pool().Acquire(); lease.ok())
    api.Audit(**lease, &c, "export.analysis", "export", std::string(exports::FormatName(*format)),
              safe ? "safe" : "exact");
  res.set_content(sink.Take(), std::string(exports::ContentType(*format)));
}

void AddExportRoutes(Api& api) {
  Api* a = &api;
  api.Add("GET", "/api/v1/exports/incidents", access::Action::kExport,
          [a](const httplib::Request& q, httplib::Response& r, Caller* c) {
            ExportIncidents(*a, q, r, *c);
          });
  api.Add("GET", "/api/v1/services/export", access::Action::kExport,
          [a](const httplib::Request& q, httplib::Response& r, Caller* c) {
            ExportServices(*a, q, r, *c);
          });
}

}  // namespace aegis::server
