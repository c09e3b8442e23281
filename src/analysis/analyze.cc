// One period's analysis at one admin level: figures, trends, phases, and safe aggregates.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "analysis/analysis.h"
#include "analysis/suppression.h"
#include "util/text.h"

namespace aegis::analysis {

std::string Figure::Text(int64_t threshold) const {
  switch (state) {
    case State::kExact:
      return std::to_string(value);
    case State::kSmall:
      return "<" + std::to_string(threshold);
    case State::kSuppressed:
      return "x";
    case State::kWithheld:
      return "withheld";
  }
  return "";
}

namespace {

int TimeCell(const Period& p) {
  if (p.kind == Period::Kind::kYear) return 16;
  if (p.kind == Period::Kind::kQuarter) return 12 + p.first % 12 / 3;
  return p.first % 12;
}

// A suppressed safe table (see BuildSafeTable), read cell by cell.
class SafeGrid {
 public:
  SafeGrid(const Facts& f, const Cube& cube, int slot, int measure, int year, int64_t threshold)
      : table_(BuildSafeTable(f, cube, slot, measure, year)) {
    SuppressionOptions o;
    o.threshold = threshold;
    states_ = Suppress(table_.problem, o).states;
  }

  Figure Get(int node, int t) const {
    size_t i = table_.Cell(node, t);
    Figure f;
    f.value = table_.problem.values[i];
    if (states_[i] == CellState::kPrimary) f.state = Figure::State::kSmall;
    if (states_[i] == CellState::kComplementary) f.state = Figure::State::kSuppressed;
    return f;
  }
  int root() const { return table_.root; }

 private:
  SafeTable table_;
  std::vector<CellState> states_;
};

bool Under(const Facts& f, int area, int ancestor) {
  for (int a = area; a >= 0; a = f.areas[a].parent)
    if (a == ancestor) return true;
  return false;
}

std::vector<std::string> Names(const std::vector<std::string>& vocab, uint32_t bits) {
  std::vector<std::string> out;
  for (size_t i = 0; i < vocab.size() && i < 32; ++i)
    if (bits >> i & 1u) out.push_back(vocab[i]);
  return out;
}

Figure Exact(int64_t v) { return Figure{v, Figure::State::kExact}; }

}  // namespace

SafeTable BuildSafeTable(const Facts& f, const Cube& cube, int slot, int measure, int year) {
  constexpr int kT = SafeTable::kTimeCells;
  SafeTable t;
  size_t a_count = f.areas.size();
  t.root = static_cast<int>(a_count);
  std::vector<std::vector<int>> children(a_count + 1);
  for (size_t a = 0; a < a_count; ++a)
    children[f.areas[a].parent >= 0 ? f.areas[a].parent : t.root].push_back(static_cast<int>(a));
  // Nodes: areas, the root, then the residual of each node that has children.
  std::vector<int> residual(a_count + 1, -1);
  int nodes = t.root + 1;
  for (size_t a = 0; a <= a_count; ++a)
    if (!children[a].empty()) residual[a] = nodes++;
  SuppressionProblem& pb = t.problem;
  pb.values.assign(static_cast<size_t>(nodes) * kT, 0);
  for (size_t a = 0; a < a_count; ++a)
    for (int m = 0; m < 12; ++m)
      pb.values[t.Cell(static_cast<int>(a), m)] =
          cube.Sum(static_cast<int>(a), year * 12 + m, year * 12 + m, slot, measure);
  for (int a : children[t.root])
    for (int m = 0; m < 12; ++m) pb.values[t.Cell(t.root, m)] += pb.values[t.Cell(a, m)];
  for (int a = 0; a <= t.root; ++a) {
    if (residual[a] < 0) continue;
    for (int m = 0; m < 12; ++m) {
      int64_t r = pb.values[t.Cell(a, m)];
      for (int c : children[a]) r -= pb.values[t.Cell(c, m)];
      pb.values[t.Cell(residual[a], m)] = std::max<int64_t>(0, r);
    }
  }
  for (int node = 0; node < nodes; ++node) {
    for (int q = 0; q < 4; ++q) {
      SuppressionProblem::Constraint c{t.Cell(node, 12 + q), {}};
      for (int m = q * 3; m < q * 3 + 3; ++m) {
        pb.values[c.total] += pb.values[t.Cell(node, m)];
        c.parts.push_back(t.Cell(node, m));
      }
      pb.constraints.push_back(c);
    }
    SuppressionProblem::Constraint y{t.Cell(node, 16), {}};
    for (int q = 0; q < 4; ++q) {
      pb.values[y.total] += pb.values[t.Cell(node, 12 + q)];
      y.parts.push_back(t.Cell(node, 12 + q));
    }
    pb.constraints.push_back(y);
  }
  for (int a = 0; a <= t.root; ++a) {
    if (residual[a] < 0) continue;
    for (int tc = 0; tc < kT; ++tc) {
      SuppressionProblem::Constraint c{t.Cell(a, tc), {t.Cell(residual[a], tc)}};
      for (int ch : children[a]) c.parts.push_back(t.Cell(ch, tc));
      pb.constraints.push_back(c);
    }
  }
  return t;
}

Result<AnalysisResult> Analyze(const Facts& f, const Cube& cube,
                               const std::vector<store::SeverityOverride>& overrides,
                               const AnalysisConfig& cfg, const AnalysisRequest& req) {
  AnalysisResult out;
  const Period& p = req.period;
  out.period = p;
  out.previous = p.Shifted(-1);
  out.baseline_periods = cfg.trend.baseline_periods;
  out.level = req.level;
  out.safe = req.safe;
  out.threshold = cfg.suppression_threshold;
  int within = -1;
  if (!req.within.empty()) {
    auto it = f.area_index.find(req.within);
    if (it == f.area_index.end())
      return Status::NotFound("area " + req.within + ": no such P-code in the store");
    within = it->second;
  }
  if (req.safe && p.kind == Period::Kind::kRange)
    return Status::InvalidArgument(
        "safe outputs are published by month, quarter or year only (a custom range could be "
        "subtracted from another to recover a suppressed cell): use e.g. 2024-03 or 2024-Q1");
  // Newest override per (area, risk, period).
  std::map<std::tuple<std::string, std::string, std::string>, const store::SeverityOverride*> ov;
  for (const auto& o : overrides) ov[{o.area_pcode, o.risk, o.period}] = &o;
  auto find_override = [&](const std::string& pcode, const std::string& risk) {
    auto it = ov.find({pcode, risk, p.label});
    return it == ov.end() ? std::optional<store::SeverityOverride>() : *it->second;
  };
  std::vector<bool> withheld(f.risk_codes.size() + 1, false);
  if (req.safe) {
    for (size_t s = 1; s <= f.risk_codes.size(); ++s)
      withheld[s] = std::find(cfg.withheld_risks.begin(), cfg.withheld_risks.end(),
                              f.risk_codes[s - 1]) != cfg.withheld_risks.end();
    out.notes.push_back("Safe aggregates: counts from 1 to " +
                        std::to_string(cfg.suppression_threshold - 1) + " are shown as \"<" +
                        std::to_string(cfg.suppression_threshold) +
                        "\", and other cells as \"x\" where they would let a small count be "
                        "recovered from totals, roll-ups or other periods.");
    out.notes.push_back("Withheld from safe outputs: " + text::Join(cfg.withheld_risks, ", ") +
                        " (gender-based violence, conflict-related sexual violence and grave "
                        "violations against children). Disaggregation by sex, age, disability "
                        "and displacement and the trend test's counts are not published either.");
  }
  if (f.duplicates > 0)
    out.notes.push_back(std::to_string(f.duplicates) +
                        " confirmed duplicate incidents count once; their organisations count "
                        "as sources of the incident they duplicate.");
  if (f.unplaced > 0)
    out.notes.push_back(std::to_string(f.unplaced) + " incidents without an area are not counted.");
  int len = p.months(), k = cfg.trend.baseline_periods;
  int year = p.first / 12;
  const int grid_measures[4] = {Cube::kIncidents, Cube::kKilled, Cube::kInjured, Cube::kVictims};
  // Safe grids, built lazily per (slot, measure).
  std::map<std::pair<int, int>, SafeGrid> grids;
  auto grid = [&](int slot, int measure) -> const SafeGrid& {
    auto it = grids.find({slot, measure});
    if (it == grids.end())
      it = grids
               .emplace(std::pair{slot, measure},
                        SafeGrid(f, cube, slot, measure, year, cfg.suppression_threshold))
               .first;
    return it->second;
  };
  for (size_t a = 0; a < f.areas.size(); ++a) {
    const AreaNode& node = f.areas[a];
    if (node.level != req.level || (within >= 0 && !Under(f, static_cast<int>(a), within)))
      continue;
    AreaResult ar;
    ar.pcode = node.pcode;
    ar.name = node.name;
    ar.level = node.level;
    ar.population = node.population;
    if (node.parent >= 0) ar.parent_pcode = f.areas[node.parent].pcode;
    std::vector<int> phases;
    for (int s = 0; s < cube.slots(); ++s) {
      RiskFigures rf;
      rf.risk = s == 0 ? "*" : f.risk_codes[s - 1];
      rf.label = s == 0 ? "All protection risks" : f.risk_labels[s - 1];
      int ai = static_cast<int>(a);
      int64_t inc = cube.Sum(ai, p.first, p.last, s, Cube::kIncidents);
      rf.incidents = Exact(inc);
      rf.killed = Exact(cube.Sum(ai, p.first, p.last, s, Cube::kKilled));
      rf.injured = Exact(cube.Sum(ai, p.first, p.last, s, Cube::kInjured));
      rf.victims = Exact(cube.Sum(ai, p.first, p.last, s, Cube::kVictims));
      const std::vector<std::string>* dims[4] = {&f.dims.sex, &f.dims.age_band, &f.dims.disability,
                                                 &f.dims.displacement};
      std::map<std::string, int64_t>* dst[4] = {&rf.by_sex, &rf.by_age_band, &rf.by_disability,
                                                &rf.by_displacement};
      for (int d = 0; d < 4 && !req.safe; ++d)
        for (size_t i = 0; i < dims[d]->size(); ++i)
          if (int64_t v = cube.Sum(ai, p.first, p.last, s, cube.DimOffset(d) + static_cast<int>(i)))
            (*dst[d])[(*dims[d])[i]] = v;
      rf.organisations = cube.DistinctOrgs(ai, p.first, p.last, s);
      rf.source_types = Names(f.source_types, cube.SourceTypes(ai, p.first, p.last, s));
      rf.reports = cube.Sum(ai, p.first, p.last, s, Cube::kReports);
      rf.reports_present = cube.Sum(ai, p.first, p.last, s, Cube::kReportsPresent);
      rf.severity_max = static_cast<int>(cube.Sum(ai, p.first, p.last, s, Cube::kSeverityMax));
      int64_t sev_sum = cube.Sum(ai, p.first, p.last, s, Cube::kSeveritySum);
      rf.severity_mean = rf.reports > 0 ? static_cast<double>(sev_sum) / rf.reports : 0;
      if (node.population > 0) rf.incidents_per_10k = inc * 1e4 / node.population;
      rf.trend = TestTrend(inc, cube.Sum(ai, p.first - len, p.first - 1, s, Cube::kIncidents),
                           cube.Sum(ai, p.first - k * len, p.first - 1, s, Cube::kIncidents), k,
                           cfg.trend);
      if (s > 0) {
        std::map<std::string, double> m;
        if (inc > 0 || rf.reports > 0) {
          m["incidents"] = static_cast<double>(inc) / len;
          m["killed"] = static_cast<double>(rf.killed.value) / len;
          m["victims"] = static_cast<double>(rf.victims.value) / len;
          if (rf.incidents_per_10k) m["incidents_per_10k"] = *rf.incidents_per_10k / len;
        }
        if (rf.reports > 0) {
          m["reports_present_share"] = static_cast<double>(rf.reports_present) / rf.reports;
          if (rf.severity_max > 0) {
            m["severity_max"] = rf.severity_max;
            m["severity_mean"] = rf.severity_mean;
          }
        }
        rf.phase = DecidePhase(cfg.rules, rf.risk, m, rf.organisations);
        if (auto o = find_override(node.pcode, rf.risk)) {
          rf.phase.override = o;
          rf.phase.final = o->phase;
        }
        // A risk withheld from safe outputs does not show through the area's overall phase.
        if (!(req.safe && withheld[s])) phases.push_back(rf.phase.final);
      }
      if (req.safe) {
        rf.trend.current = rf.trend.previous = rf.trend.baseline_total = 0;
        rf.trend.baseline_mean = rf.trend.p_up = rf.trend.p_down = 0;
        rf.trend.p_prev_up = rf.trend.p_prev_down = 0;
        for (auto& e : rf.phase.evidence) e.value = 0;
        if (withheld[s]) {
          // Withheld entirely: no count, no monitoring answer, no trend flag, no phase.
          for (Figure* x : {&rf.incidents, &rf.killed, &rf.injured, &rf.victims})
            *x = Figure{0, Figure::State::kWithheld};
          rf.incidents_per_10k.reset();
          rf.organisations = 0;
          rf.source_types.clear();
          rf.reports = rf.reports_present = 0;
          rf.severity_max = 0;
          rf.severity_mean = 0;
          rf.trend = Trend{};
          rf.phase = PhaseDecision{};
        } else {
          Figure* figs[4] = {&rf.incidents, &rf.killed, &rf.injured, &rf.victims};
          for (int g = 0; g < 4; ++g) *figs[g] = grid(s, grid_measures[g]).Get(ai, TimeCell(p));
          if (rf.incidents.state != Figure::State::kExact) rf.incidents_per_10k.reset();
        }
      }
      ar.risks.push_back(std::move(rf));
    }
    ar.overall_phase = OverallPhase(cfg.rules, phases, &ar.overall_rule);
    if (auto o = find_override(node.pcode, "*")) {
      ar.overall_override = o;
      ar.overall_phase = o->phase;
    }
    out.areas.push_back(std::move(ar));
  }
  // Ordered by phase, then incidents; in safe outputs by published figures only (a suppressed
  // count sorts as 0), so that the order cannot bound a suppressed cell.
  auto shown = [&](const AreaResult& x) {
    const Figure& f = x.risks[0].incidents;
    return f.state == Figure::State::kExact ? f.value : 0;
  };
  std::stable_sort(out.areas.begin(), out.areas.end(),
                   [&](const AreaResult& x, const AreaResult& y) {
                     if (x.overall_phase != y.overall_phase)
                       return x.overall_phase > y.overall_phase;
                     return shown(x) > shown(y);
                   });
  // Monthly series for charts: the selection (an area, or everything), last 12 months; in safe
  // mode the calendar year of the period, from the same suppressed grid as every table.
  int m_last = req.safe ? year * 12 + 11 : p.last;
  for (int m = m_last - 11; m <= m_last; ++m) out.months.push_back(MonthLabel(m));
  for (int s = 0; s < cube.slots(); ++s) {
    std::string code = s == 0 ? "*" : f.risk_codes[s - 1];
    if (req.safe && withheld[s]) continue;
    std::vector<int64_t> v;
    for (int m = m_last - 11; m <= m_last; ++m) {
      if (req.safe) {
        Figure x = grid(s, Cube::kIncidents).Get(within >= 0 ? within : grid(s, 0).root(), m % 12);
        v.push_back(x.state == Figure::State::kSmall        ? -1
                    : x.state == Figure::State::kSuppressed ? -2
                                                            : x.value);
        continue;
      }
      int64_t sum = 0;
      if (within >= 0) {
        sum = cube.Sum(within, m, m, s, Cube::kIncidents);
      } else {
        for (size_t a = 0; a < f.areas.size(); ++a)
          if (f.areas[a].parent < 0)
            sum += cube.Sum(static_cast<int>(a), m, m, s, Cube::kIncidents);
      }
      v.push_back(sum);
    }
    out.monthly[code] = std::move(v);
  }
  return out;
}

namespace {

nlohmann::ordered_json OverrideJson(const store::SeverityOverride& o) {
  return {
      {"phase", o.phase}, {"rationale", o.rationale}, {"author", o.author}, {"at", o.created_at}};
}

nlohmann::ordered_json FigureJson(const Figure& x, int64_t threshold) {
  if (x.state == Figure::State::kExact) return x.value;
  return x.Text(threshold);
}

}  // namespace

std::string AnalysisResult::ToJson() const {
  nlohmann::ordered_json j;
  j["period"] = period.label;
  j["from"] = MonthLabel(period.first);
  j["to"] = MonthLabel(period.last);
  j["previous_period"] = previous.label;
  j["baseline_periods"] = baseline_periods;
  j["admin_level"] = level;
  j["safe"] = safe;
  if (safe) j["suppression_threshold"] = threshold;
  j["notes"] = notes;
  j["areas"] = nlohmann::ordered_json::array();
  for (const auto& a : areas) {
    nlohmann::ordered_json ja;
    ja["pcode"] = a.pcode;
    ja["name"] = a.name;
    ja["parent_pcode"] = a.parent_pcode;
    ja["population"] = a.population;
    ja["overall_phase"] = a.overall_phase;
    ja["overall_rule"] = a.overall_rule;
    if (a.overall_override) ja["overall_override"] = OverrideJson(*a.overall_override);
    for (const auto& r : a.risks) {
      nlohmann::ordered_json jr;
      jr["risk"] = r.risk;
      jr["label"] = r.label;
      jr["incidents"] = FigureJson(r.incidents, threshold);
      jr["killed"] = FigureJson(r.killed, threshold);
      jr["injured"] = FigureJson(r.injured, threshold);
      jr["victims"] = FigureJson(r.victims, threshold);
      if (!safe) {
        jr["victims_by_sex"] = r.by_sex;
        jr["victims_by_age_band"] = r.by_age_band;
        jr["victims_by_disability"] = r.by_disability;
        jr["victims_by_displacement"] = r.by_displacement;
      }
      jr["organisations"] = r.organisations;
      jr["source_types"] = r.source_types;
      jr["monitoring_answers"] = r.reports;
      jr["monitoring_present"] = r.reports_present;
      jr["monitoring_severity_max"] = r.severity_max;
      if (r.incidents_per_10k) jr["incidents_per_10k"] = *r.incidents_per_10k;
      jr["trend"]["flag"] = r.trend.Name();
      if (!safe) {
        jr["trend"]["current"] = r.trend.current;
        jr["trend"]["previous"] = r.trend.previous;
        jr["trend"]["baseline_mean"] = r.trend.baseline_mean;
        jr["trend"]["p_increase"] = r.trend.p_up;
        jr["trend"]["p_decrease"] = r.trend.p_down;
        jr["trend"]["test"] = "exact conditional binomial (Poisson rates)";
      }
      if (r.risk != "*") {
        jr["phase"] = r.phase.final;
        jr["phase_computed"] = r.phase.computed;
        nlohmann::ordered_json ev = nlohmann::ordered_json::array();
        for (const auto& e : r.phase.evidence) {
          nlohmann::ordered_json je{{"measure", e.measure}, {"phase", e.phase}};
          if (!safe) je["value_per_month"] = e.value;
          ev.push_back(je);
        }
        jr["phase_evidence"] = ev;
        if (!r.phase.cap.empty()) jr["phase_cap"] = r.phase.cap;
        if (r.phase.override) jr["phase_override"] = OverrideJson(*r.phase.override);
      }
      ja["risks"].push_back(jr);
    }
    j["areas"].push_back(ja);
  }
  j["months"] = months;
  nlohmann::ordered_json series;
  for (const auto& [code, v] : monthly) {
    nlohmann::ordered_json arr = nlohmann::ordered_json::array();
    for (int64_t x : v) {
      if (x == -1)
        arr.push_back("<" + std::to_string(threshold));
      else if (x == -2)
        arr.push_back("x");
      else
        arr.push_back(x);
    }
    series[code] = arr;
  }
  j["monthly_incidents"] = series;
  return j.dump(2);
}

namespace {

std::string Csv(const std::string& v) {
  std::string s = v;
  if (!s.empty() && std::string("=+-@").find(s[0]) != std::string::npos) s = "'" + s;
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string o = "\"";
  for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

}  // namespace

std::string AnalysisResult::ToHxlCsv() const {
  std::string lvl = std::to_string(level);
  std::string out =
      "P-code,Area,Parent P-code,Period start,Period end,Risk,Risk label,Incidents,Killed,"
      "Injured,Victims,Victims female,Victims male,Victims children,Organisations,Phase,"
      "Trend\n";
  out += "#adm" + lvl + "+code,#adm" + lvl + "+name,#adm" + std::to_string(level - 1) +
         "+code,#date+start,#date+end,#indicator+risk+code,#indicator+risk+name,"
         "#affected+incidents,#affected+killed,#affected+injured,#affected+victims,"
         "#affected+victims+f,#affected+victims+m,#affected+victims+children,#org+count,"
         "#severity+phase,#status+trend\n";
  std::string start = MonthLabel(period.first) + "-01", end = MonthLabel(period.last);
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y = period.last / 12, m = period.last % 12;
  int days = kDays[m] - (m == 1 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
  end += "-" + std::to_string(days);
  for (const auto& a : areas) {
    for (const auto& r : a.risks) {
      if (r.incidents.state == Figure::State::kExact && r.incidents.value == 0 &&
          r.phase.final == 0)
        continue;
      int64_t children = 0;
      for (const auto& [band, n] : r.by_age_band)
        if (band != "unknown" && band != "18_59" && band != "60_plus" && band.rfind("18", 0) != 0)
          children += n;
      auto cell = [&](const std::map<std::string, int64_t>& mp, const char* key) {
        if (safe) return std::string();
        auto it = mp.find(key);
        return std::to_string(it == mp.end() ? 0 : it->second);
      };
      out += Csv(a.pcode) + "," + Csv(a.name) + "," + Csv(a.parent_pcode) + "," + start + "," +
             end + "," + Csv(r.risk) + "," + Csv(r.label) + "," + r.incidents.Text(threshold) +
             "," + r.killed.Text(threshold) + "," + r.injured.Text(threshold) + "," +
             r.victims.Text(threshold) + "," + cell(r.by_sex, "female") + "," +
             cell(r.by_sex, "male") + "," + (safe ? "" : std::to_string(children)) + "," +
             std::to_string(r.organisations) + "," +
             (r.risk == "*" ? std::to_string(a.overall_phase) : std::to_string(r.phase.final)) +
             "," + r.trend.Name() + "\n";
    }
  }
  return out;
}

}  // namespace aegis::analysis
