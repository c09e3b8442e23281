#include "alert/from_analysis.h"

#include <algorithm>

#include "analysis/analysis.h"

namespace aegis::alert {

namespace {

Result<analysis::AnalysisResult> RunAnalysis(store::Store& store,
                                             const taxonomy::Taxonomy& taxonomy,
                                             const FromAnalysisOptions& o) {
  analysis::AnalysisConfig cfg;
  AEGIS_ASSIGN_OR_RETURN(cfg.rules, analysis::SeverityRules::Load(o.severity_rules));
  AEGIS_ASSIGN_OR_RETURN(analysis::Facts facts, analysis::LoadFacts(store, taxonomy));
  AEGIS_ASSIGN_OR_RETURN(analysis::Window w, analysis::AnalysisWindow(o.period, facts));
  analysis::AnalysisRequest req;
  req.level = o.level;
  req.period = w.period;
  analysis::Cube cube = analysis::Cube::Build(facts, w.first_month, w.last_month);
  AEGIS_ASSIGN_OR_RETURN(auto overrides, store.LoadSeverityOverrides());
  return analysis::Analyze(facts, cube, overrides, cfg, req);
}

}  // namespace

Result<FromAnalysisResult> AlertsFromAnalysis(store::Store& store, const AlertService& service,
                                              const taxonomy::Taxonomy& taxonomy,
                                              const FromAnalysisOptions& o) {
  AEGIS_ASSIGN_OR_RETURN(analysis::AnalysisResult r, RunAnalysis(store, taxonomy, o));
  FromAnalysisResult out;
  out.period = r.period.label;
  for (const analysis::AreaResult& area : r.areas) {
    for (const analysis::RiskFigures& f : area.risks) {
      if (f.risk == "*" || f.trend.flag != analysis::Trend::Flag::kEscalating) continue;
      Submission s;
      s.channel = "analysis";
      s.actor = "system";
      s.area_pcode = area.pcode;
      s.risks = {f.risk};
      s.urgency = o.urgency;
      s.free_text = "The analysis of " + r.period.label + " flags " + f.label +
                    " as escalating in " + area.name + ": " + f.trend.Explain();
      s.source_key = "analysis:" + r.period.label + ":" + area.pcode + ":" + f.risk;
      auto res = service.Submit(store, s);
      if (res.ok()) {
        ++out.created;
      } else if (res.status().code() == Status::Code::kAlreadyExists) {
        ++out.already;
      } else {
        return res.status();
      }
    }
  }
  return out;
}

}  // namespace aegis::alert
