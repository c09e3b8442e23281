// aegis analyze: each area's situation across the 15 protection risks for a period.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>

#include "access/decision.h"
#include "analysis/analysis.h"
#include "analysis/report_html.h"
#include "cli/cli_internal.h"
#include "services/gaps.h"
#include "util/date.h"

namespace aegis::cli {

namespace {

struct AnalyzeArgs {
  int level = 2, baseline = 6, top = 3;
  std::string period, within, rules, hxl, html, pdf, operation = "Protection Cluster";
  int64_t threshold = 5;
  bool safe = false, json = false;
};

struct OverrideArgs {
  std::string area, risk, period, rationale, by;
  int phase = 0;
};

const char* FlagMark(const analysis::Trend& t) {
  switch (t.flag) {
    case analysis::Trend::Flag::kEmerging:
      return " NEW";
    case analysis::Trend::Flag::kEscalating:
      return " UP";
    case analysis::Trend::Flag::kDeEscalating:
      return " DOWN";
    default:
      return "";
  }
}

void PrintTable(const analysis::AnalysisResult& r, int top) {
  std::printf("Protection risk analysis, %s, admin level %d%s (%zu areas)\n",
              r.period.label.c_str(), r.level, r.safe ? ", safe aggregates" : "", r.areas.size());
  std::printf(
      "Phase 1-5 per risk (0 = not assessed); trend vs the %d periods before: UP "
      "escalating, DOWN de-escalating, NEW emerging.\n\n",
      r.baseline_periods);
  std::printf("%-10s %-24s %5s %9s  %s\n", "P-code", "Area", "Phase", "Incidents",
              "Top risks (phase, incidents, trend)");
  size_t quiet = 0;
  for (const auto& a : r.areas) {
    if (a.overall_phase == 0 && a.risks[0].incidents.value == 0 &&
        a.risks[0].incidents.state == analysis::Figure::State::kExact) {
      ++quiet;
      continue;
    }
    std::vector<const analysis::RiskFigures*> rs;
    for (size_t i = 1; i < a.risks.size(); ++i)
      if (a.risks[i].phase.final > 0) rs.push_back(&a.risks[i]);
    std::stable_sort(rs.begin(), rs.end(), [](auto* x, auto* y) {
      if (x->phase.final != y->phase.final) return x->phase.final > y->phase.final;
      return x->incidents.value > y->incidents.value;
    });
    std::string tops;
    for (size_t i = 0; i < rs.size() && static_cast<int>(i) < top; ++i)
      tops += (i ? ", " : "") + rs[i]->risk + " " + std::to_string(rs[i]->phase.final) + " (" +
              rs[i]->incidents.Text(r.threshold) + FlagMark(rs[i]->trend) + ")";
    std::printf("%-10s %-24.24s %5d %9s  %s\n", a.pcode.c_str(), a.name.c_str(), a.overall_phase,
                a.risks[0].incidents.Text(r.threshold).c_str(), tops.c_str());
  }
  if (quiet > 0)
    std::printf(
        "(%zu areas with no incidents and no monitoring answers in the period not listed)\n",
        quiet);
  if (!r.not_further_located.empty()) {
    std::printf(
        "\nNot further located: %s incidents placed above admin level %d (listed by the area they "
        "are placed on, "
        "counted in its total)\n",
        r.above_level.Text(r.threshold).c_str(), r.level);
    std::printf("%-10s %-24s %5s %9s  %s\n", "P-code", "Area", "Level", "Incidents",
                "Risks (incidents)");
    for (const auto& a : r.not_further_located) {
      std::vector<const analysis::RiskFigures*> rs;
      for (size_t i = 1; i < a.risks.size(); ++i) {
        const analysis::Figure& n = a.risks[i].incidents;
        if (n.state != analysis::Figure::State::kWithheld &&
            (n.state != analysis::Figure::State::kExact || n.value > 0))
          rs.push_back(&a.risks[i]);
      }
      std::string risks;
      for (size_t i = 0; i < rs.size() && static_cast<int>(i) < top; ++i)
        risks += (i ? ", " : "") + rs[i]->risk + " " + rs[i]->incidents.Text(r.threshold);
      if (static_cast<int>(rs.size()) > top) risks += ", ...";
      std::printf("%-10s %-24.24s %5d %9s  %s\n", a.pcode.c_str(), a.name.c_str(), a.level,
                  a.risks[0].incidents.Text(r.threshold).c_str(), risks.c_str());
    }
  }
  for (const auto& n : r.notes) std::printf("\nNote: %s", n.c_str());
  if (!r.notes.empty()) std::printf("\n");
}

// Centroids of every area: its own where the area list gives one, else the mean of its
// descendants' (county and state lists often come without coordinates).
std::map<std::string, std::pair<double, double>> Centroids(
    const std::vector<store::AreaRow>& rows) {
  std::map<std::string, std::pair<double, double>> sum;
  std::map<std::string, int> n;
  std::map<std::string, std::string> parent;
  for (const auto& r : rows) parent[r.pcode] = r.parent_pcode;
  for (const auto& r : rows) {
    if (!r.lat || !r.lon) continue;
    for (std::string p = r.pcode; !p.empty(); p = parent[p]) {
      sum[p].first += *r.lon;
      sum[p].second += *r.lat;
      ++n[p];
    }
  }
  std::map<std::string, std::pair<double, double>> out;
  for (const auto& r : rows) {
    if (r.lat && r.lon)
      out[r.pcode] = {*r.lon, *r.lat};
    else if (n[r.pcode] > 0)
      out[r.pcode] = {sum[r.pcode].first / n[r.pcode], sum[r.pcode].second / n[r.pcode]};
  }
  return out;
}

// Pillar 4 of the report: the service-gap map at the analysis's level and period. A safe report
// counts the directory entries up to internal (GBV-specialised services, confidential, are not
// counted) and publishes no referral count under the threshold.
Status AddCapacities(store::Store& store, const analysis::AnalysisResult& r,
                     const services::Answers& answers, analysis::ReportInput* in) {
  store::AccessScope scope = access::OperatorScope();
  if (r.safe) scope.max_rank[static_cast<int>(store::RecordClass::kService)] = 1;
  AEGIS_ASSIGN_OR_RETURN(
      auto cells,
      services::BuildGapMap(
          store, store, store, r, scope,
          r.safe ? services::ReferralCounts::kSafe : services::ReferralCounts::kExact, answers));
  in->capacities_known = true;
  for (const services::GapCell& c : cells) {
    analysis::CapacityRow row;
    row.pcode = c.pcode;
    row.name = c.name;
    row.service_type = c.service_type;
    row.phase = c.phase;
    row.phase_risk = c.phase_risk;
    row.phase_withheld = !c.phase_withheld.empty();
    row.services = c.services;
    row.providers = c.providers;
    row.turned_away =
        c.unavailable_small ? "<" + std::to_string(r.threshold) : std::to_string(c.unavailable);
    row.gap = c.gap;
    in->capacities.push_back(std::move(row));
  }
  return Status::Ok();
}

Status WriteReport(store::Store& store, const analysis::AnalysisResult& r,
                   const services::Answers& answers, const AnalyzeArgs& a) {
  analysis::ReportInput in;
  in.operation = a.operation;
  in.result = &r;
  in.generated_at = NowUtc();
  AEGIS_RETURN_IF_ERROR(AddCapacities(store, r, answers, &in));
  AEGIS_ASSIGN_OR_RETURN(auto boundaries, store.GetBoundaries());
  for (auto& [level, geojson] : boundaries) in.boundaries_geojson[level] = std::move(geojson);
  AEGIS_ASSIGN_OR_RETURN(auto areas, store.LoadAreas());
  in.centroids = Centroids(areas);
  std::string html_path = a.html;
  if (html_path.empty()) html_path = a.pdf + ".html";
  {
    std::ofstream f(html_path, std::ios::binary);
    f << analysis::RenderReportHtml(in);
    if (!f) return Status::IOError(html_path + ": cannot write; check the folder");
  }
  std::fprintf(stderr, "wrote %s (Protection Analysis Update, one self-contained HTML file)\n",
               html_path.c_str());
  if (a.pdf.empty()) return Status::Ok();
  std::string cmd =
      "chromium --headless --no-sandbox --disable-gpu --no-pdf-header-footer "
      "--print-to-pdf='" +
      a.pdf + "' 'file://" + std::filesystem::absolute(html_path).string() + "' >/dev/null 2>&1";
  if (std::system("command -v chromium >/dev/null 2>&1") != 0)
    return Status::Unsupported(
        "--pdf needs headless Chromium: install the Debian package "
        "chromium (scripts/install-deps.sh does), or print the HTML from "
        "a browser");
  if (std::system(cmd.c_str()) != 0 || !std::filesystem::exists(a.pdf))
    return Status::IOError(a.pdf + ": Chromium could not print the report");
  if (a.html.empty()) std::filesystem::remove(html_path);
  std::fprintf(stderr, "wrote %s (PDF)\n", a.pdf.c_str());
  return Status::Ok();
}

}  // namespace

Result<analysis::AnalysisResult> AnalyzeStore(const GlobalOptions& g, store::Store& store,
                                              const taxonomy::Taxonomy& tax,
                                              const StoreAnalysis& o) {
  analysis::AnalysisConfig cfg;
  std::string rules = o.rules.empty() ? g.data_dir + "/analysis/severity.toml" : o.rules;
  AEGIS_ASSIGN_OR_RETURN(cfg.rules, analysis::SeverityRules::Load(rules));
  cfg.trend.baseline_periods = o.baseline;
  cfg.suppression_threshold = o.threshold;
  AEGIS_ASSIGN_OR_RETURN(analysis::Facts facts, analysis::LoadFacts(store, tax));
  AEGIS_ASSIGN_OR_RETURN(analysis::Window w, analysis::AnalysisWindow(o.period, facts));
  analysis::AnalysisRequest req;
  req.level = o.level;
  req.within = o.within;
  req.safe = o.safe;
  req.period = w.period;
  analysis::Cube cube =
      analysis::Cube::Build(facts, w.first_month, w.last_month,
                            o.safe ? analysis::RiskBits(facts, cfg.withheld_risks) : 0);
  AEGIS_ASSIGN_OR_RETURN(auto overrides, store.LoadSeverityOverrides());
  return analysis::Analyze(facts, cube, overrides, cfg, req);
}

namespace {

Status RunAnalyze(const GlobalOptions& g, const AnalyzeArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto store, OpenStore(g));
  AEGIS_ASSIGN_OR_RETURN(taxonomy::Taxonomy tax,
                         taxonomy::Taxonomy::Load(g.data_dir + "/taxonomy"));
  StoreAnalysis o;
  o.level = a.level;
  o.baseline = a.baseline;
  o.period = a.period;
  o.within = a.within;
  o.rules = a.rules;
  o.threshold = a.threshold;
  o.safe = a.safe;
  AEGIS_ASSIGN_OR_RETURN(analysis::AnalysisResult r, AnalyzeStore(g, *store, tax, o));
  if (!a.hxl.empty()) {
    std::ofstream f(a.hxl);
    f << r.ToHxlCsv();
    if (!f) return Status::IOError(a.hxl + ": cannot write; check the folder");
    std::fprintf(stderr, "wrote %s (HXL-tagged CSV)\n", a.hxl.c_str());
  }
  if (a.json)
    std::printf("%s\n", r.ToJson().c_str());
  else
    PrintTable(r, a.top);
  std::fflush(stdout);
  if (!a.html.empty() || !a.pdf.empty()) {
    AEGIS_ASSIGN_OR_RETURN(auto answers,
                           services::Answers::Load(g.data_dir + "/services/answers.toml", tax));
    AEGIS_RETURN_IF_ERROR(WriteReport(*store, r, answers, a));
  }
  return Status::Ok();
}

Status RunOverride(const GlobalOptions& g, const OverrideArgs& a) {
  AEGIS_ASSIGN_OR_RETURN(auto store, OpenStore(g));
  AEGIS_ASSIGN_OR_RETURN(taxonomy::Taxonomy tax,
                         taxonomy::Taxonomy::Load(g.data_dir + "/taxonomy"));
  std::string risk = a.risk;
  if (risk != "*") {
    const taxonomy::Risk* r = tax.FindRisk(a.risk);
    if (!r)
      return Status::InvalidArgument("risk '" + a.risk +
                                     "': not one of the 15 GPC risks "
                                     "(see aegis taxonomy), or * for the overall phase");
    risk = r->code;
  }
  AEGIS_ASSIGN_OR_RETURN(analysis::Period p, analysis::ParsePeriod(a.period));
  AEGIS_ASSIGN_OR_RETURN(auto areas, store->LoadAreas());
  bool found = false;
  for (const auto& ar : areas) found = found || ar.pcode == a.area;
  if (!found) return Status::NotFound("area " + a.area + ": no such P-code in the store");
  store::SeverityOverride o;
  o.area_pcode = a.area;
  o.risk = risk;
  o.period = p.label;
  o.phase = a.phase;
  o.rationale = a.rationale;
  o.author = a.by;
  AEGIS_ASSIGN_OR_RETURN(int64_t id, store->AddSeverityOverride(o));
  std::printf("override %lld: %s %s %s -> phase %d (by %s)\n", static_cast<long long>(id),
              a.area.c_str(), risk.c_str(), p.label.c_str(), a.phase, a.by.c_str());
  return Status::Ok();
}

}  // namespace

Status AnalyzeForDemo(const GlobalOptions& g, const std::string& html) {
  AnalyzeArgs a;
  a.html = html;
  a.operation = "South Sudan Protection Cluster (DEMO: synthetic data)";
  return RunAnalyze(g, a);
}

void AddAnalyzeCommand(CLI::App& app, GlobalOptions& g) {
  static AnalyzeArgs a;
  static OverrideArgs o;
  CLI::App* an = app.add_subcommand(
      "analyze", "Each area's situation across the 15 protection risks for a period");
  an->add_option(
        "--level", a.level,
        "Admin level of the rows: 0 country, 1 state, 2 county, 3 payam (default 2); records "
        "placed above it are shown in \"not further located\" lines")
      ->check(CLI::Range(0, 5));
  an->add_option("--period", a.period,
                 "2024-03 (month), 2024-Q1, 2024, or 2024-01..2024-06 (default: latest month)");
  an->add_option("--within", a.within, "Only areas under this P-code");
  an->add_option("--rules", a.rules,
                 "Severity rules file (default data/analysis/severity.toml; copy and edit it)");
  an->add_option("--baseline", a.baseline,
                 "Trend baseline: how many periods before this one (default 6)")
      ->check(CLI::Range(1, 60));
  an->add_flag("--safe", a.safe,
               "Safe aggregates for recipients without access to individual records: small "
               "counts shown as <5, complementary cells as x, GBV and grave violations withheld");
  an->add_option("--threshold", a.threshold,
                 "Suppression: counts below this are shown as <N (default 5)")
      ->check(CLI::Range(2, 100));
  an->add_option("--top", a.top, "Risks listed per area in the table (default 3)");
  an->add_flag("--json", a.json, "Print the full result as JSON");
  an->add_option("--html", a.html,
                 "Write the Protection Analysis Update (PAF pillars, map, trends, tables) as one "
                 "self-contained HTML file");
  an->add_option("--pdf", a.pdf, "Also print the report to PDF (headless Chromium)");
  an->add_option("--operation", a.operation,
                 "Operation name for the report title (default \"Protection Cluster\")");
  an->add_option("--hxl", a.hxl,
                 "Also write an HXL-tagged CSV (#adm2+code, #indicator, #affected...)");
  an->footer(
      "Examples:\n"
      "  aegis analyze                                  latest month, counties\n"
      "  aegis analyze --period 2024-Q1 --level 1       a quarter, states\n"
      "  aegis analyze --period 2024-03 --safe --hxl out.csv   for a donor or the UN mission\n"
      "  aegis analyze override --area SS0101 --risk GBV --period 2024-03 --phase 4 \\\n"
      "      --rationale \"KII in three payams\" --by \"IMO Juba\"\n"
      "Phases come from the rules file; trends from an exact test for small counts; see "
      "doc/analysis.md.");
  CLI::App* ov = an->add_subcommand(
      "override", "Set an area's phase for a risk and period by hand, with a written rationale");
  ov->add_option("--area", o.area, "P-code")->required();
  ov->add_option("--risk", o.risk, "Risk code or label, or * for the area's overall phase")
      ->required();
  ov->add_option("--period", o.period, "Period as in analyze --period")->required();
  ov->add_option("--phase", o.phase, "Phase 1-5")->required()->check(CLI::Range(1, 5));
  ov->add_option("--rationale", o.rationale, "Why (kept with the phase, shown in outputs)")
      ->required();
  ov->add_option("--by", o.by, "Who decides (name and role)")->required();
  ov->callback([&g] {
    Status st = RunOverride(g, o);
    if (!st.ok()) throw CLI::RuntimeError(Fail(st));
  });
  an->callback([&g, an, ov] {
    if (ov->parsed()) return;
    Status st = RunAnalyze(g, a);
    if (!st.ok()) throw CLI::RuntimeError(Fail(st));
  });
}

}  // namespace aegis::cli
