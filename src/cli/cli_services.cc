// aegis services list|gaps: the service directory (who provides which service where) and the
// areas where a type of service is missing. Entries come in through `aegis import` with a
// profile whose record is "service" (data/profiles/ocha-3w.toml for an OCHA 3W sheet).
#include <algorithm>
#include <cstdio>
#include <map>

#include "access/decision.h"
#include "cli/cli_internal.h"
#include "export/export.h"
#include "ingest/profile.h"
#include "services/directory.h"
#include "services/directory_table.h"
#include "services/gaps.h"
#include "util/date.h"
#include "util/text.h"

namespace aegis::cli {

namespace {

struct ServiceArgs {
  std::string area, type, organisation, country, keys, out, format, period;
  std::string profile = "ocha-3w", sheet, quarantine_out;
  bool json = false;
  int level = 2;
  bool active = false;
  int top = 10;
};

// The directory filters of the command's options.
store::ServiceQuery QueryOf(const ServiceArgs& a) {
  store::ServiceQuery q;
  q.area = a.area;
  q.service_type = a.type;
  q.organisation = a.organisation;
  q.active_only = a.active;
  return q;
}

Status List(const GlobalOptions& g, const ServiceArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  store::ServiceQuery q = QueryOf(a);
  q.limit = 5000;
  std::printf("%-7s %-28s %-14s %-30s %-9s %-8s %s\n", "id", "type", "provider", "areas",
              "modality", "status", "confirmed");
  int64_t n = 0;
  std::string ids;
  for (;;) {
    AEGIS_ASSIGN_OR_RETURN(auto rows, st->ListServices(access::OperatorScope(), q));
    for (const auto& r : rows) {
      std::string areas = text::Join(r.s.pcodes, " ");
      if (areas.size() > 30) areas = areas.substr(0, 27) + "...";
      std::printf("%-7lld %-28s %-14s %-30s %-9s %-8s %s\n", static_cast<long long>(r.s.id),
                  r.s.service_type.c_str(), r.s.provider.c_str(), areas.c_str(),
                  r.s.modality.c_str(), r.s.status.c_str(),
                  r.s.assured_date.empty() ? "never" : r.s.assured_date.c_str());
      ++n;
    }
    if (rows.size() < static_cast<size_t>(q.limit)) break;
    q.after_id = rows.back().s.id;
  }
  std::printf("%lld service(s)\n", static_cast<long long>(n));
  return AuditCommand(g, a.keys, *st, "service.list", "service", "", std::to_string(n));
}

// A 3W/4W file into the directory, through the importer: only a profile of service records.
int ImportServices(const GlobalOptions& g, const ServiceArgs& a) {
  auto profile = ingest::FindProfile(a.profile, g.data_dir + "/profiles");
  if (profile.ok() && profile->record != "service") {
    std::fprintf(stderr,
                 "aegis: invalid input: --profile %s reads %s records, not services; use a "
                 "profile whose record is \"service\" (ocha-3w, aegis-directory), or aegis "
                 "import for other records\n",
                 a.profile.c_str(), profile->record.c_str());
    return 2;
  }
  return ImportFile(g, a.out, a.profile, a.sheet, a.json, a.quarantine_out);
}

// The directory as a 3W/4W table in a file (the format from --format or the file's extension).
Status Export(const GlobalOptions& g, const ServiceArgs& a) {
  std::string fmt = a.format;
  if (fmt.empty()) {
    size_t dot = a.out.rfind('.');
    fmt = dot == std::string::npos ? "" : a.out.substr(dot + 1);
  }
  auto format = exports::ParseFormat(fmt);
  if (!format.ok())
    return Status::InvalidArgument("--format: " + format.status().message() +
                                   " (or give the file an extension: .csv, .xlsx, .json)");
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  const store::ServiceQuery q = QueryOf(a);
  AEGIS_ASSIGN_OR_RETURN(auto areas, st->LoadAreas());
  AEGIS_ASSIGN_OR_RETURN(auto sink, exports::FileSink::Open(a.out));
  exports::ExportOptions o;
  o.metadata.title = "Aegis service directory (3W/4W)";
  o.metadata.generated_at = NowUtc();
  o.xlsx_hxl_row = true;
  AEGIS_ASSIGN_OR_RETURN(auto writer, exports::MakeWriter(*format, *sink, o));
  AEGIS_RETURN_IF_ERROR(writer->Begin(services::DirectoryColumns()));
  services::DirectoryCounts n;
  AEGIS_RETURN_IF_ERROR(services::WriteDirectory(*st, services::IndexAreas(std::move(areas)),
                                                 access::OperatorScope(), q, TodayUtc(), *writer,
                                                 nullptr, &n));
  AEGIS_RETURN_IF_ERROR(writer->Finish());
  AEGIS_RETURN_IF_ERROR(sink->Close());
  std::printf("%lld service(s), %lld row(s) (one per entry and area served) written to %s\n",
              static_cast<long long>(n.entries), static_cast<long long>(n.rows), a.out.c_str());
  return AuditCommand(g, a.keys, *st, "export.services", "export",
                      std::string(exports::FormatName(*format)), std::to_string(n.entries));
}

// Where to refer a person in an area: nearest level first, unconfirmed entries marked.
Status Recipients(const GlobalOptions& g, const ServiceArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  AEGIS_ASSIGN_OR_RETURN(
      auto rows, services::Recipients(*st, access::OperatorScope(), a.area, a.type, TodayUtc()));
  std::printf("%-7s %-9s %-14s %-30s %-9s %s\n", "id", "distance", "provider", "areas", "modality",
              "confirmed");
  for (const auto& r : rows) {
    const store::Service& s = r.service.s;
    std::string areas = text::Join(s.pcodes, " ");
    if (areas.size() > 30) areas = areas.substr(0, 27) + "...";
    std::string confirmed =
        r.confirmed ? s.assured_date
                    : "UNCONFIRMED (" + (s.assured_date.empty() ? "never" : s.assured_date) + ")";
    std::printf("%-7lld %-9d %-14s %-30s %-9s %s\n", static_cast<long long>(s.id), r.distance,
                s.provider.c_str(), areas.c_str(), s.modality.c_str(), confirmed.c_str());
  }
  std::printf("%zu service(s) for %s in %s\n", rows.size(), a.type.c_str(), a.area.c_str());
  return AuditCommand(g, a.keys, *st, "service.recipients", "service", a.area,
                      std::to_string(rows.size()));
}

// Per area of the level: how many entries of the type cover it; the areas with none first.
// The service-gap map beside the coverage: the areas where the risks a type answers are at
// phase 3 or worse in the period and no service covers them, or referrals were turned away.
Status SevereGaps(const GlobalOptions& g, store::Store& st, const ServiceArgs& a,
                  const std::map<std::string, std::string>& names) {
  AEGIS_ASSIGN_OR_RETURN(taxonomy::Taxonomy tax,
                         taxonomy::Taxonomy::Load(g.data_dir + "/taxonomy"));
  StoreAnalysis o;
  o.level = a.level;
  o.period = a.period;
  o.within = a.country;
  auto r = AnalyzeStore(g, st, tax, o);
  if (!r.ok() && (r.status().code() == Status::Code::kNotFound ||
                  r.status().code() == Status::Code::kInvalidArgument)) {
    std::printf("gaps by severity: not computed (%s)\n", r.status().message().c_str());
    return Status::Ok();
  }
  AEGIS_RETURN_IF_ERROR(r.status());
  AEGIS_ASSIGN_OR_RETURN(auto answers,
                         services::Answers::Load(g.data_dir + "/services/answers.toml", tax));
  AEGIS_ASSIGN_OR_RETURN(auto cells,
                         services::BuildGapMap(st, st, st, *r, access::OperatorScope(),
                                               services::ReferralCounts::kExact, answers));
  std::vector<const services::GapCell*> gaps;
  for (const auto& c : cells)
    if (c.gap && (a.type.empty() || c.service_type == a.type)) gaps.push_back(&c);
  std::printf(
      "gaps in %s (phase 3 or worse for a risk the type answers, with no service or "
      "referrals turned away): %zu\n",
      r->period.label.c_str(), gaps.size());
  for (size_t i = 0; i < gaps.size() && static_cast<int>(i) < a.top; ++i) {
    const services::GapCell& c = *gaps[i];
    auto name = names.find(c.pcode);
    std::printf("  %-10s %-24s %-14s phase %d (%s), %lld service(s), %lld turned away\n",
                c.pcode.c_str(), name == names.end() ? "" : name->second.c_str(),
                c.service_type.c_str(), c.phase, c.phase_risk.c_str(),
                static_cast<long long>(c.services), static_cast<long long>(c.unavailable));
  }
  return Status::Ok();
}

Status Gaps(const GlobalOptions& g, const ServiceArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto st, OpenStore(g));
  AEGIS_ASSIGN_OR_RETURN(auto cov, st->Coverage(access::OperatorScope(), a.level, a.country));
  AEGIS_ASSIGN_OR_RETURN(auto areas, st->LoadAreas());
  std::map<std::string, std::string> names;
  for (const auto& ar : areas) names[ar.pcode] = ar.name;
  std::vector<store::ServiceCoverage> rows;
  for (auto& c : cov)
    if (a.type.empty() || c.service_type == a.type) rows.push_back(std::move(c));
  if (rows.empty())
    return Status::NotFound(
        "no active service" + (a.type.empty() ? std::string() : " of type " + a.type) +
        " in the store" + (a.country.empty() ? std::string() : " for " + a.country) +
        "; import a 3W (aegis import FILE --profile ocha-3w) or check the type "
        "(data/taxonomy/vocabularies.json service_type)");
  std::map<std::string, std::vector<const store::ServiceCoverage*>> by_type;
  for (const auto& c : rows) by_type[c.service_type].push_back(&c);
  for (auto& [type, list] : by_type) {
    std::vector<const store::ServiceCoverage*> without, with;
    for (const auto* c : list) (c->services == 0 ? without : with).push_back(c);
    std::sort(with.begin(), with.end(), [](const auto* x, const auto* y) {
      return x->providers != y->providers ? x->providers > y->providers : x->pcode < y->pcode;
    });
    std::printf("%s: %zu of %zu areas of level %d have an active service", type.c_str(),
                with.size(), list.size(), a.level);
    std::printf("%s\n", without.empty() ? "" : "; without:");
    for (const auto* c : without)
      std::printf("  %-10s %s\n", c->pcode.c_str(), names[c->pcode].c_str());
    if (!with.empty()) std::printf("  most providers:\n");
    for (size_t i = 0; i < with.size() && static_cast<int>(i) < a.top; ++i)
      std::printf("  %-10s %-24s %lld provider(s), %lld service(s)\n", with[i]->pcode.c_str(),
                  names[with[i]->pcode].c_str(), static_cast<long long>(with[i]->providers),
                  static_cast<long long>(with[i]->services));
  }
  AEGIS_RETURN_IF_ERROR(SevereGaps(g, *st, a, names));
  return AuditCommand(g, a.keys, *st, "service.gaps", "service", a.type,
                      "level " + std::to_string(a.level));
}

}  // namespace

void AddServiceCommands(CLI::App& app, GlobalOptions& g) {
  static ServiceArgs a;
  auto* s = app.add_subcommand(
      "services", "The service directory (3W/4W): who provides which service where, and gaps");
  s->require_subcommand(1);
  s->footer(
      "Services come in through `aegis import` with a profile whose record is \"service\"\n"
      "(data/profiles/ocha-3w.toml reads an OCHA 3W operational-presence sheet; see\n"
      "doc/profiles.md). A service covers the areas it serves and everything below them.\n"
      "Example:\n"
      "  aegis areas import --global --country AFG\n"
      "  aegis services import afg_3w.csv              (or aegis import ... --profile ocha-3w)\n"
      "  aegis services gaps --type protection --level 2 --country AFG\n"
      "  aegis services list --area AF0101 --type protection --active\n"
      "  aegis services recipients --area AF0101 --type protection");
  auto* ls = s->add_subcommand("list", "List services (filters: area, type, organisation)");
  ls->add_option("--area", a.area, "P-code: services covering this area");
  ls->add_option("--type", a.type, "Service type (vocabularies.json service_type)");
  ls->add_option("--org", a.organisation, "Code of the organisation that owns the entries");
  ls->add_flag("--active", a.active, "Active services that accept referrals only");
  ls->callback([&g] { Run([&] { return List(g, a); }); });
  auto* im = s->add_subcommand(
      "import", "Import a 3W/4W file (CSV, XLSX, HXL) into the directory through the importer");
  im->add_option("file", a.out, "The file")->required();
  im->add_option("-p,--profile", a.profile,
                 "A service profile: ocha-3w (default: OCHA's operational presence), "
                 "aegis-directory (this directory's own export), or a .toml file");
  im->add_option("--sheet", a.sheet, "XLSX sheet (default: the profile's, else the first)");
  im->add_flag("--json", a.json, "Print the summary as JSON");
  im->add_option("--quarantine-out", a.quarantine_out,
                 "Write the quarantined rows, with reasons and fixes, to a CSV");
  im->footer(
      "The same importer as `aegis import`: every row ends imported, updated, unchanged or\n"
      "quarantined with its row, column, reason and fix; re-importing changes nothing.");
  im->callback([&g] {
    int rc = ImportServices(g, a);
    if (rc) throw CLI::RuntimeError(rc);
  });
  auto* ex = s->add_subcommand(
      "export", "Write the directory as a 3W/4W table (HXL, CSV, XLSX, JSON); no contact points");
  ex->add_option("file", a.out, "Output file; its extension gives the format")->required();
  ex->add_option("--format", a.format, "hxl, csv, xlsx or json (default: from the extension)");
  ex->add_option("--area", a.area, "P-code: services covering this area");
  ex->add_option("--type", a.type, "Service type (vocabularies.json service_type)");
  ex->add_option("--org", a.organisation, "Code of the organisation that owns the entries");
  ex->add_flag("--active", a.active, "Active services that accept referrals only");
  ex->footer(
      "One row per entry and area served, with the 3W tags (#org, #sector, #activity,\n"
      "#adm1+code, #adm2+code, #service, #date). It imports again with\n"
      "  aegis import FILE --profile aegis-directory");
  ex->callback([&g] { Run([&] { return Export(g, a); }); });
  auto* gp = s->add_subcommand("gaps", "Areas of a level without an active service of a type");
  gp->add_option("--type", a.type, "Service type (default: every type in the store)");
  gp->add_option("--level", a.level, "Admin level of the areas (default 2)")
      ->check(CLI::Range(0, 5));
  gp->add_option("--country", a.country, "ISO3 code: only this country's areas");
  gp->add_option("--top", a.top, "Areas listed with the most providers, and gaps (default 10)");
  gp->add_option("--period", a.period,
                 "Period of the severity (2024-03, 2024-Q1, 2024; default the latest month)");
  gp->callback([&g] { Run([&] { return Gaps(g, a); }); });
  auto* rc = s->add_subcommand(
      "recipients", "Where to refer a person in an area: nearest services first (90-day check)");
  rc->add_option("--area", a.area, "P-code of the person's area")->required();
  rc->add_option("--type", a.type, "Service type needed")->required();
  rc->callback([&g] { Run([&] { return Recipients(g, a); }); });
  for (auto* sub : {ls, ex, gp, rc})
    sub->add_option("--keys", a.keys, "Key file (default: <store>.keys)");
}

}  // namespace aegis::cli
