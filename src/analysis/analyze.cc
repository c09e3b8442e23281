// One period's analysis at one admin level: figures, trends, phases, and safe aggregates.
#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "analysis/analysis.h"
#include "analysis/inference.h"
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

  // The published figure of an area (0 when it holds no record: not in the table).
  Figure Get(int area, int t) const { return GetNode(table_.node[static_cast<size_t>(area)], t); }
  // The published figure of an area's "not further located" part.
  Figure GetNotFurtherLocated(int area, int t) const {
    return GetNode(table_.not_further_located[static_cast<size_t>(area)], t);
  }
  // The published figure of everything (the root).
  Figure GetRoot(int t) const { return GetNode(table_.root, t); }
  const SafeTable& table() const { return table_; }
  const std::vector<CellState>& states() const { return states_; }

 private:
  Figure GetNode(int node, int t) const {
    if (node < 0) return Figure{0, Figure::State::kExact};
    size_t i = table_.Cell(node, t);
    Figure f;
    f.value = table_.problem.values[i];
    if (states_[i] == CellState::kPrimary) f.state = Figure::State::kSmall;
    if (states_[i] == CellState::kComplementary) f.state = Figure::State::kSuppressed;
    return f;
  }

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

// The measures the phase rules read, for one area, risk slot and months [m0, m1].
std::map<std::string, double> PhaseMeasures(const Cube& cube, int area, int m0, int m1, int s,
                                            int64_t population) {
  const int len = m1 - m0 + 1;
  std::map<std::string, double> m;
  const int64_t inc = cube.Sum(area, m0, m1, s, Cube::kIncidents);
  const int64_t reports = cube.Sum(area, m0, m1, s, Cube::kReports);
  if (inc > 0 || reports > 0) {
    m["incidents"] = static_cast<double>(inc) / len;
    m["killed"] = static_cast<double>(cube.Sum(area, m0, m1, s, Cube::kKilled)) / len;
    m["victims"] = static_cast<double>(cube.Sum(area, m0, m1, s, Cube::kVictims)) / len;
    if (population > 0) m["incidents_per_10k"] = inc * 1e4 / population / len;
  }
  if (reports > 0) {
    m["reports_present_share"] =
        static_cast<double>(cube.Sum(area, m0, m1, s, Cube::kReportsPresent)) / reports;
    if (int64_t sev_max = cube.Sum(area, m0, m1, s, Cube::kSeverityMax); sev_max > 0) {
      m["severity_max"] = static_cast<double>(sev_max);
      m["severity_mean"] =
          static_cast<double>(cube.Sum(area, m0, m1, s, Cube::kSeveritySum)) / reports;
    }
  }
  return m;
}

// The months of a safe table's time cell (see SafeTable) in `year`.
std::pair<int, int> TimeCellMonths(int year, int t) {
  if (t < 12) return {year * 12 + t, year * 12 + t};
  if (t < 16) return {year * 12 + (t - 12) * 3, year * 12 + (t - 12) * 3 + 2};
  return {year * 12, year * 12 + 11};
}

// Audit of a suppressed table with something known beyond some cells' marks (`pb.known`),
// restricted to the suppressed cells linked (through constraints with other suppressed cells) to
// such a cell: the rest is as Suppress left it, safe. Exposed cells are indices of `pb`.
AuditResult AuditNarrowed(const SuppressionProblem& pb, const std::vector<CellState>& states,
                          const SuppressionOptions& o) {
  const size_t n = pb.values.size();
  std::vector<size_t> parent(n);
  for (size_t i = 0; i < n; ++i) parent[i] = i;
  auto find = [&](size_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  auto suppressed = [&](size_t c) { return states[c] != CellState::kShown; };
  for (const auto& c : pb.constraints) {
    size_t first = suppressed(c.total) ? c.total : n;
    for (size_t part : c.parts)
      if (suppressed(part)) {
        if (first == n)
          first = part;
        else
          parent[find(part)] = find(first);
      }
  }
  std::vector<char> hot(n, 0);
  for (size_t c = 0; c < n; ++c)
    if (suppressed(c) &&
        (pb.known[c].lo > 0 || pb.known[c].hi != std::numeric_limits<int64_t>::max()))
      hot[find(c)] = 1;
  // The sub-problem: every constraint holding a suppressed cell of a hot component.
  std::vector<size_t> local(n, SIZE_MAX), global;
  auto map = [&](size_t c) {
    if (local[c] == SIZE_MAX) {
      local[c] = global.size();
      global.push_back(c);
    }
    return local[c];
  };
  SuppressionProblem sub;
  for (const auto& c : pb.constraints) {
    bool touches = suppressed(c.total) && hot[find(c.total)];
    for (size_t part : c.parts) touches = touches || (suppressed(part) && hot[find(part)]);
    if (!touches) continue;
    SuppressionProblem::Constraint k{map(c.total), {}};
    for (size_t part : c.parts) k.parts.push_back(map(part));
    sub.constraints.push_back(std::move(k));
  }
  for (size_t c = 0; c < n; ++c)
    if (suppressed(c) && hot[find(c)]) map(c);
  std::vector<CellState> sub_states;
  for (size_t c : global) {
    sub.values.push_back(pb.values[c]);
    sub.known.push_back(pb.known[c]);
    sub_states.push_back(states[c]);
  }
  AuditResult r = Audit(sub, sub_states, o);
  for (size_t& c : r.exposed) c = global[c];
  for (auto& iv : r.intervals) iv.cell = global[iv.cell];
  return r;
}

constexpr const char* kRevealsSmallCount = "withheld: would reveal a small count";
constexpr const char* kRiskWithheld = "withheld: risk not published in safe outputs";

// An area's (or its "not further located" part's) exact figures for one risk slot over the
// period: counts, monitoring answers, organisations and source types, and the breakdowns when
// `breakdowns`. Safe outputs then replace or withhold what they may not show (Withhold,
// HideSources).
RiskFigures CountFigures(const Facts& f, const Cube& cube, int area, const Period& p, int slot,
                         Cube::Part part, bool breakdowns) {
  RiskFigures rf;
  rf.risk = slot == 0 ? "*" : f.risk_codes[slot - 1];
  rf.label = slot == 0 ? "All protection risks" : f.risk_labels[slot - 1];
  auto sum = [&](int measure) { return cube.Sum(area, p.first, p.last, slot, measure, part); };
  rf.incidents = Exact(sum(Cube::kIncidents));
  rf.killed = Exact(sum(Cube::kKilled));
  rf.injured = Exact(sum(Cube::kInjured));
  rf.victims = Exact(sum(Cube::kVictims));
  const std::vector<std::string>* dims[4] = {&f.dims.sex, &f.dims.age_band, &f.dims.disability,
                                             &f.dims.displacement};
  std::map<std::string, int64_t>* dst[4] = {&rf.by_sex, &rf.by_age_band, &rf.by_disability,
                                            &rf.by_displacement};
  for (int d = 0; d < 4 && breakdowns; ++d)
    for (size_t i = 0; i < dims[d]->size(); ++i)
      if (int64_t v = sum(cube.DimOffset(d) + static_cast<int>(i))) (*dst[d])[(*dims[d])[i]] = v;
  rf.organisations = cube.DistinctOrgs(area, p.first, p.last, slot, part);
  rf.source_types = Names(f.source_types, cube.SourceTypes(area, p.first, p.last, slot, part));
  rf.reports = sum(Cube::kReports);
  rf.reports_present = sum(Cube::kReportsPresent);
  rf.severity_max = static_cast<int>(sum(Cube::kSeverityMax));
  rf.severity_mean = rf.reports > 0 ? static_cast<double>(sum(Cube::kSeveritySum)) / rf.reports : 0;
  return rf;
}

// A risk withheld from safe outputs: no count, no monitoring answer, no trend flag, no phase.
void Withhold(RiskFigures* rf) {
  for (Figure* x : {&rf->incidents, &rf->killed, &rf->injured, &rf->victims})
    *x = Figure{0, Figure::State::kWithheld};
  rf->incidents_per_10k.reset();
  rf->organisations = 0;
  rf->source_types.clear();
  rf->reports = rf->reports_present = 0;
  rf->severity_max = 0;
  rf->severity_mean = 0;
  rf->trend = Trend{};
  rf->phase = PhaseDecision{};
  rf->phase_withheld = rf->trend_withheld = kRiskWithheld;
}

// Beside a count that is not published exactly, a rate, or as many organisations or source
// types as incidents, would give the count away.
void HideSources(RiskFigures* rf) {
  rf->incidents_per_10k.reset();
  rf->organisations = 0;
  rf->source_types.clear();
  rf->sources_withheld = true;
}

// Everything a safe release publishes, decided for whole calendar years so that every release
// (any level, month, quarter or year) is cut from the same tables: the suppressed counts (one
// SafeGrid per risk slot, measure and year), which phases may be published (PhaseWithheld) and
// which trend flags (TrendPublished).
class SafeRelease {
 public:
  SafeRelease(const Facts& f, const Cube& cube, const AnalysisConfig& cfg)
      : f_(f), cube_(cube), cfg_(cfg) {}

  const SafeGrid& Grid(int slot, int measure, int year) {
    auto key = std::tuple{slot, measure, year};
    auto it = grids_.find(key);
    if (it == grids_.end())
      it = grids_.emplace(key, SafeGrid(f_, cube_, slot, measure, year, cfg_.suppression_threshold))
               .first;
    return it->second;
  }

  // Whether the phase of (area, time cell of `year`, risk slot) is withheld: published with its
  // evidence, it would let an attacker recover a suppressed count of that year's tables.
  bool PhaseWithheld(int slot, int area, int year, int t) {
    auto key = std::pair{slot, year};
    if (!audited_.count(key)) AuditPhases(slot, year);
    return withheld_phases_.count({slot, year, area, t}) > 0;
  }

  // A trend flag is a function of the period's count and its baseline's: published only where
  // all of them are published exactly, so that it reveals nothing more.
  bool TrendPublished(int slot, int area, const Period& p, int baseline_periods) {
    for (int i = 0; i <= baseline_periods; ++i) {
      Period q = p.Shifted(-i);
      if (Grid(slot, Cube::kIncidents, q.first / 12).Get(area, TimeCell(q)).state !=
          Figure::State::kExact)
        return false;
    }
    return true;
  }

 private:
  static int TimeCell(const Period& p) {
    if (p.kind == Period::Kind::kYear) return 16;
    if (p.kind == Period::Kind::kQuarter) return 12 + p.first % 12 / 3;
    return p.first % 12;
  }

  // One phase that narrows suppressed cells: the cells (measure index, cell) and their bounds.
  struct Candidate {
    int area, t;
    std::vector<std::tuple<int, size_t, SuppressionProblem::Known>> bounds;
    bool withheld = false;
  };

  void AuditPhases(int slot, int year) {
    audited_.insert({slot, year});
    static constexpr int kMeasures[3] = {Cube::kIncidents, Cube::kKilled, Cube::kVictims};
    static const char* kNames[3] = {"incidents", "killed", "victims"};
    const SafeGrid* grids[3];
    for (int g = 0; g < 3; ++g) grids[g] = &Grid(slot, kMeasures[g], year);
    const std::string& risk = f_.risk_codes[static_cast<size_t>(slot - 1)];
    const int64_t threshold = cfg_.suppression_threshold;
    std::vector<Candidate> cands;
    for (size_t a = 0; a < f_.areas.size(); ++a) {
      const int ai = static_cast<int>(a);
      if (grids[0]->table().node[a] < 0) continue;  // no record: every cell exactly 0
      for (int t = 0; t < SafeTable::kTimeCells; ++t) {
        bool suppressed = false;
        for (const SafeGrid* g : grids)
          suppressed = suppressed || g->Get(ai, t).state != Figure::State::kExact;
        if (!suppressed) continue;
        auto [m0, m1] = TimeCellMonths(year, t);
        const int64_t pop = f_.areas[a].population;
        PhaseDecision d = DecidePhase(cfg_.rules, risk, PhaseMeasures(cube_, ai, m0, m1, slot, pop),
                                      cube_.DistinctOrgs(ai, m0, m1, slot));
        std::vector<std::pair<std::string, int>> ev;
        for (const auto& e : d.evidence) ev.emplace_back(e.measure, e.phase);
        Candidate c{ai, t, {}, false};
        for (const auto& [measure, iv] :
             CountsBehindPhase(cfg_.rules, risk, ev, m1 - m0 + 1, pop)) {
          for (int g = 0; g < 3; ++g) {
            if (measure != kNames[g]) continue;
            const Figure fig = grids[g]->Get(ai, t);
            if (fig.state == Figure::State::kExact) continue;
            const int64_t lo = fig.state == Figure::State::kSmall ? 1 : 0;
            const int64_t hi = fig.state == Figure::State::kSmall
                                   ? threshold - 1
                                   : std::numeric_limits<int64_t>::max();
            if (iv.first <= lo && iv.second >= hi) continue;  // says nothing new
            const size_t cell = grids[g]->table().Cell(grids[g]->table().node[a], t);
            c.bounds.emplace_back(g, cell, SuppressionProblem::Known{iv.first, iv.second});
            // Alone it pins the cell: withheld without asking the solver.
            if (std::max(lo, iv.first) >= std::min(hi, iv.second)) c.withheld = true;
          }
        }
        if (!c.bounds.empty()) cands.push_back(std::move(c));
      }
    }
    // Attack each table with every phase still published; withhold the phases that narrow an
    // exposed cell (else every phase narrowing that table), until nothing is exposed. Withholding
    // only widens what the attacker may believe, so this ends, at worst with the tables as
    // Suppress left them (safe).
    for (bool again = true; again;) {
      again = false;
      for (int g = 0; g < 3; ++g) {
        SuppressionProblem pb = grids[g]->table().problem;
        pb.known.assign(pb.values.size(), {});
        bool any = false;
        for (const Candidate& c : cands) {
          if (c.withheld) continue;
          for (const auto& [gi, cell, k] : c.bounds) {
            if (gi != g) continue;
            pb.known[cell].lo = std::max(pb.known[cell].lo, k.lo);
            pb.known[cell].hi = std::min(pb.known[cell].hi, k.hi);
            any = true;
          }
        }
        if (!any) continue;
        SuppressionOptions o;
        o.threshold = threshold;
        AuditResult audit = AuditNarrowed(pb, grids[g]->states(), o);
        if (audit.safe()) continue;
        std::set<size_t> exposed(audit.exposed.begin(), audit.exposed.end());
        bool hit = false;
        for (Candidate& c : cands)
          for (const auto& [gi, cell, k] : c.bounds)
            if (!c.withheld && gi == g && exposed.count(cell)) c.withheld = hit = true;
        if (!hit)
          for (Candidate& c : cands)
            for (const auto& [gi, cell, k] : c.bounds)
              if (gi == g) c.withheld = true;
        again = true;
      }
    }
    for (const Candidate& c : cands)
      if (c.withheld) withheld_phases_.insert({slot, year, c.area, c.t});
  }

  const Facts& f_;
  const Cube& cube_;
  const AnalysisConfig& cfg_;
  std::map<std::tuple<int, int, int>, SafeGrid> grids_;
  std::set<std::pair<int, int>> audited_;
  std::set<std::tuple<int, int, int, int>> withheld_phases_;
};

}  // namespace

uint32_t RiskBits(const Facts& facts, const std::vector<std::string>& codes) {
  uint32_t bits = 0;
  for (size_t s = 0; s < facts.risk_codes.size() && s < 32; ++s)
    if (std::find(codes.begin(), codes.end(), facts.risk_codes[s]) != codes.end()) bits |= 1u << s;
  return bits;
}

SafeTable BuildSafeTable(const Facts& f, const Cube& cube, int slot, int measure, int year) {
  constexpr int kT = SafeTable::kTimeCells;
  SafeTable t;
  const size_t a_count = f.areas.size();
  // Nodes: the areas that hold a record (the others are 0 everywhere), the root, then the
  // residual of each node that has children.
  t.node.assign(a_count, -1);
  std::vector<int> area_of;
  for (size_t a = 0; a < a_count; ++a)
    if (cube.HasRow(static_cast<int>(a))) {
      t.node[a] = static_cast<int>(area_of.size());
      area_of.push_back(static_cast<int>(a));
    }
  t.root = static_cast<int>(area_of.size());
  std::vector<std::vector<int>> children(area_of.size() + 1);
  for (size_t n = 0; n < area_of.size(); ++n) {
    const int p = f.areas[static_cast<size_t>(area_of[n])].parent;
    children[p >= 0 ? t.node[static_cast<size_t>(p)] : t.root].push_back(static_cast<int>(n));
  }
  std::vector<int> residual(area_of.size() + 1, -1);
  int nodes = t.root + 1;
  for (size_t n = 0; n <= area_of.size(); ++n)
    if (!children[n].empty()) residual[n] = nodes++;
  t.not_further_located.assign(a_count, -1);
  for (size_t a = 0; a < a_count; ++a) {
    const int n = t.node[a];
    if (n >= 0)
      t.not_further_located[a] =
          residual[static_cast<size_t>(n)] >= 0 ? residual[static_cast<size_t>(n)] : n;
  }
  SuppressionProblem& pb = t.problem;
  pb.values.assign(static_cast<size_t>(nodes) * kT, 0);
  for (size_t n = 0; n < area_of.size(); ++n)
    for (int m = 0; m < 12; ++m)
      pb.values[t.Cell(static_cast<int>(n), m)] =
          cube.Sum(area_of[n], year * 12 + m, year * 12 + m, slot, measure);
  for (int a : children[static_cast<size_t>(t.root)])
    for (int m = 0; m < 12; ++m) pb.values[t.Cell(t.root, m)] += pb.values[t.Cell(a, m)];
  for (int a = 0; a <= t.root; ++a) {
    if (residual[static_cast<size_t>(a)] < 0) continue;
    for (int m = 0; m < 12; ++m) {
      int64_t r = pb.values[t.Cell(a, m)];
      for (int c : children[static_cast<size_t>(a)]) r -= pb.values[t.Cell(c, m)];
      pb.values[t.Cell(residual[static_cast<size_t>(a)], m)] = std::max<int64_t>(0, r);
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
  if (req.safe && cube.withheld_risks() != RiskBits(f, cfg.withheld_risks))
    return Status::InvalidArgument(
        "a safe analysis needs a cube without its withheld risks: build it with "
        "Cube::Build(facts, first, last, RiskBits(facts, config.withheld_risks))");
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
  // Safe tables, built lazily per (slot, measure, year).
  SafeRelease release(f, cube, cfg);
  auto grid = [&](int slot, int measure) -> const SafeGrid& {
    return release.Grid(slot, measure, year);
  };
  // Rows: the areas of the level in the countries that hold a record (a store with OCHA's global
  // list holds 156 countries; the others would be rows of zeros).
  std::vector<uint8_t> country_active(f.areas.size(), 0);
  for (size_t a = 0; a < f.areas.size(); ++a) {
    int top = static_cast<int>(a);
    while (f.areas[static_cast<size_t>(top)].parent >= 0)
      top = f.areas[static_cast<size_t>(top)].parent;
    country_active[a] = f.Active(top) ? 1 : 0;
  }
  for (size_t a = 0; a < f.areas.size(); ++a) {
    const AreaNode& node = f.areas[a];
    if (node.level != req.level || !country_active[a] ||
        (within >= 0 && !Under(f, static_cast<int>(a), within)))
      continue;
    AreaResult ar;
    ar.pcode = node.pcode;
    ar.name = node.name;
    ar.level = node.level;
    ar.population = node.population;
    if (node.parent >= 0) ar.parent_pcode = f.areas[node.parent].pcode;
    std::vector<int> phases, withheld_phases;
    for (int s = 0; s < cube.slots(); ++s) {
      const int ai = static_cast<int>(a);
      RiskFigures rf = CountFigures(f, cube, ai, p, s, Cube::Part::kTotal, !req.safe);
      const int64_t inc = rf.incidents.value;
      if (node.population > 0) rf.incidents_per_10k = inc * 1e4 / node.population;
      rf.trend = TestTrend(inc, cube.Sum(ai, p.first - len, p.first - 1, s, Cube::kIncidents),
                           cube.Sum(ai, p.first - k * len, p.first - 1, s, Cube::kIncidents), k,
                           cfg.trend);
      if (s > 0) {
        rf.phase = DecidePhase(cfg.rules, rf.risk,
                               PhaseMeasures(cube, ai, p.first, p.last, s, node.population),
                               rf.organisations);
        if (auto o = find_override(node.pcode, rf.risk)) {
          rf.phase.override = o;
          rf.phase.final = o->phase;
        }
        // A phase that would reveal a suppressed count is withheld (an analyst's override, a
        // judgement rather than a function of the counts, is still published).
        if (req.safe && !withheld[s] && release.PhaseWithheld(s, ai, year, TimeCell(p))) {
          rf.phase_withheld = kRevealsSmallCount;
          rf.phase.computed = 0;
          rf.phase.evidence.clear();
          rf.phase.cap.clear();
          if (!rf.phase.override) rf.phase.final = 0;
        }
        // A risk withheld from safe outputs does not show through the area's overall phase.
        if (!(req.safe && withheld[s])) {
          if (!rf.phase_withheld.empty() && !rf.phase.override)
            withheld_phases.push_back(static_cast<int>(phases.size()));
          phases.push_back(rf.phase.final);
        }
      }
      if (req.safe && !withheld[s] && !release.TrendPublished(s, ai, p, k))
        rf.trend_withheld = kRevealsSmallCount;
      if (req.safe) {
        rf.trend.current = rf.trend.previous = rf.trend.baseline_total = 0;
        rf.trend.baseline_mean = rf.trend.p_up = rf.trend.p_down = 0;
        rf.trend.p_prev_up = rf.trend.p_prev_down = 0;
        for (auto& e : rf.phase.evidence) e.value = 0;
        if (withheld[s]) {
          Withhold(&rf);
        } else {
          Figure* figs[4] = {&rf.incidents, &rf.killed, &rf.injured, &rf.victims};
          for (int g = 0; g < 4; ++g) *figs[g] = grid(s, grid_measures[g]).Get(ai, TimeCell(p));
          if (rf.incidents.state != Figure::State::kExact) HideSources(&rf);
        }
        if (!rf.trend_withheld.empty()) rf.trend = Trend{};
      }
      ar.risks.push_back(std::move(rf));
    }
    ar.overall_phase = OverallPhase(cfg.rules, phases, &ar.overall_rule);
    if (!withheld_phases.empty()) {
      // Published only when the published risk phases decide it whatever the withheld ones are.
      std::vector<int> low = phases, high = phases;
      for (int i : withheld_phases) {
        low[static_cast<size_t>(i)] = 0;
        high[static_cast<size_t>(i)] = 5;
      }
      int lo = OverallPhase(cfg.rules, low, nullptr), hi = OverallPhase(cfg.rules, high, nullptr);
      if (lo != hi) {
        ar.overall_phase = 0;
        ar.overall_withheld = kRevealsSmallCount;
      } else {
        ar.overall_phase = lo;
      }
    }
    if (auto o = find_override(node.pcode, "*")) {
      ar.overall_override = o;
      ar.overall_phase = o->phase;
      ar.overall_withheld.clear();
    }
    out.areas.push_back(std::move(ar));
  }
  // "Not further located" lines: the records placed on an area above the level and on none of
  // its sub-areas, one line per such area under the selection. The same figures as the areas'
  // (the same safe tables in safe outputs, where they are the residual cells), without phase,
  // trend or rate.
  std::vector<int> nfl_areas;
  for (size_t a = 0; a < f.areas.size(); ++a)
    if (f.areas[a].level < req.level && cube.HasRow(static_cast<int>(a)) &&
        (within < 0 || Under(f, static_cast<int>(a), within)))
      nfl_areas.push_back(static_cast<int>(a));
  std::stable_sort(nfl_areas.begin(), nfl_areas.end(), [&](int x, int y) {
    if (f.areas[x].level != f.areas[y].level) return f.areas[x].level < f.areas[y].level;
    return f.areas[x].pcode < f.areas[y].pcode;
  });
  constexpr Cube::Part kNfl = Cube::Part::kNotFurtherLocated;
  out.above_level = Exact(0);
  for (int ai : nfl_areas) {
    const AreaNode& node = f.areas[ai];
    AreaResult ar;
    ar.pcode = node.pcode;
    ar.name = node.name;
    ar.level = node.level;
    if (node.parent >= 0) ar.parent_pcode = f.areas[node.parent].pcode;
    bool anything = false;
    for (int s = 0; s < cube.slots(); ++s) {
      RiskFigures rf = CountFigures(f, cube, ai, p, s, kNfl, !req.safe);
      if (req.safe && withheld[s]) {
        Withhold(&rf);
      } else if (req.safe) {
        Figure* figs[4] = {&rf.incidents, &rf.killed, &rf.injured, &rf.victims};
        for (int g = 0; g < 4; ++g)
          *figs[g] = grid(s, grid_measures[g]).GetNotFurtherLocated(ai, TimeCell(p));
        if (rf.incidents.state != Figure::State::kExact) HideSources(&rf);
      }
      for (const Figure* x : {&rf.incidents, &rf.killed, &rf.injured, &rf.victims})
        anything = anything || (x->state != Figure::State::kWithheld &&
                                (x->state != Figure::State::kExact || x->value != 0));
      anything = anything || rf.reports > 0;
      ar.risks.push_back(std::move(rf));
    }
    if (!anything) continue;
    // The total above the level: exact where every line's is (their sum then reveals nothing
    // more), else suppressed.
    const Figure& all = ar.risks[0].incidents;
    if (all.state == Figure::State::kExact && out.above_level.state == Figure::State::kExact)
      out.above_level.value += all.value;
    else
      out.above_level = Figure{0, Figure::State::kSuppressed};
    out.not_further_located.push_back(std::move(ar));
  }
  if (!out.not_further_located.empty()) {
    std::string n = out.above_level.state == Figure::State::kExact
                        ? std::to_string(out.above_level.value) + " incidents"
                        : "Incidents (a suppressed number)";
    out.notes.push_back(
        n + " of " + p.label + " are placed above admin level " + std::to_string(req.level) +
        " (on a country" +
        (req.level == 2  ? std::string(" or an admin level 1 area")
         : req.level > 2 ? " or an area of admin level 1 to " + std::to_string(req.level - 1)
                         : std::string()) +
        ": the source locates them no further). They count in their area's total and in its "
        "\"not further located\" line, in no admin level " +
        std::to_string(req.level) + " row.");
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
        const SafeGrid& g = grid(s, Cube::kIncidents);
        Figure x = within >= 0 ? g.Get(within, m % 12) : g.GetRoot(m % 12);
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

Period SamePeriodLastYear(const Period& p) {
  switch (p.kind) {
    case Period::Kind::kMonth:
      return p.Shifted(-12);
    case Period::Kind::kQuarter:
      return p.Shifted(-4);
    case Period::Kind::kYear:
      return p.Shifted(-1);
    case Period::Kind::kRange:
      break;
  }
  Period q = p;
  q.first -= 12;
  q.last -= 12;
  q.label = MonthLabel(q.first) + ".." + MonthLabel(q.last);
  return q;
}

std::string AreaResult::Direction() const {
  if (!previous_period) return "";
  if (!previous_period->phase_change) return "unknown";
  const int d = *previous_period->phase_change;
  return d > 0 ? "worse" : d < 0 ? "better" : "same";
}

void Compare(AnalysisResult* current, const AnalysisResult& previous,
             const AnalysisResult& last_year) {
  auto fill = [](const AreaResult& a, const AnalysisResult& other) {
    PeriodFigures pf;
    pf.period = other.period.label;
    pf.incidents = Figure{0, Figure::State::kExact};
    for (const auto& o : other.areas) {
      if (o.pcode != a.pcode) continue;
      pf.overall_phase = o.overall_phase;
      pf.phase_withheld = !o.overall_withheld.empty();
      if (!o.risks.empty()) pf.incidents = o.risks[0].incidents;
      break;
    }
    // Published values only: a withheld phase or a count that is not exact in either period
    // makes no difference (it could bound or recover a suppressed number).
    if (a.overall_withheld.empty() && !pf.phase_withheld)
      pf.phase_change = a.overall_phase - pf.overall_phase;
    if (!a.risks.empty() && a.risks[0].incidents.state == Figure::State::kExact &&
        pf.incidents.state == Figure::State::kExact)
      pf.incidents_change = a.risks[0].incidents.value - pf.incidents.value;
    return pf;
  };
  for (auto& a : current->areas) {
    a.previous_period = fill(a, previous);
    a.last_year = fill(a, last_year);
  }
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

// Another period's figures of an area and the change to the current one (null where a value
// of either period is not published).
nlohmann::ordered_json PeriodFiguresJson(const PeriodFigures& p, int64_t threshold) {
  nlohmann::ordered_json j;
  j["period"] = p.period;
  if (p.phase_withheld)
    j["overall_phase"] = "withheld";
  else
    j["overall_phase"] = p.overall_phase;
  j["incidents"] = FigureJson(p.incidents, threshold);
  j["phase_change"] = p.phase_change ? nlohmann::ordered_json(*p.phase_change) : nullptr;
  j["incidents_change"] =
      p.incidents_change ? nlohmann::ordered_json(*p.incidents_change) : nullptr;
  return j;
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
  // One risk's figures; a "not further located" line has counts only (no rate, trend or phase).
  auto risk_json = [&](const RiskFigures& r, bool line) {
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
    if (r.sources_withheld) {
      jr["organisations"] = "withheld";
    } else {
      jr["organisations"] = r.organisations;
      jr["source_types"] = r.source_types;
    }
    jr["monitoring_answers"] = r.reports;
    jr["monitoring_present"] = r.reports_present;
    jr["monitoring_severity_max"] = r.severity_max;
    if (line) return jr;
    if (r.incidents_per_10k) jr["incidents_per_10k"] = *r.incidents_per_10k;
    if (!r.trend_withheld.empty()) {
      jr["trend"]["flag"] = "withheld";
      jr["trend"]["withheld"] = r.trend_withheld;
    } else {
      jr["trend"]["flag"] = r.trend.Name();
    }
    if (!safe) {
      jr["trend"]["current"] = r.trend.current;
      jr["trend"]["previous"] = r.trend.previous;
      jr["trend"]["baseline_mean"] = r.trend.baseline_mean;
      jr["trend"]["p_increase"] = r.trend.p_up;
      jr["trend"]["p_decrease"] = r.trend.p_down;
      jr["trend"]["test"] = "exact conditional binomial (Poisson rates)";
    }
    if (r.risk != "*" && !r.phase_withheld.empty()) {
      if (r.phase.override) {
        jr["phase"] = r.phase.final;
        jr["phase_override"] = OverrideJson(*r.phase.override);
      } else {
        jr["phase"] = "withheld";
      }
      jr["phase_withheld"] = r.phase_withheld;
    } else if (r.risk != "*") {
      jr["phase"] = r.phase.final;
      jr["phase_computed"] = r.phase.computed;
      nlohmann::ordered_json ev = nlohmann::ordered_json::array();
      for (const auto& e : r.phase.evidence) {
        nlohmann::ordered_json je{{"measure", e.measure}, {"phase", e.phase}};
        if (!safe) je["value_per_month"] = e.value;
        je["thresholds"] = e.thresholds;  // the rules' (data/analysis/severity.toml), not data
        ev.push_back(je);
      }
      jr["phase_evidence"] = ev;
      if (!r.phase.cap.empty()) jr["phase_cap"] = r.phase.cap;
      if (r.phase.override) jr["phase_override"] = OverrideJson(*r.phase.override);
    }
    return jr;
  };
  j["areas"] = nlohmann::ordered_json::array();
  for (const auto& a : areas) {
    nlohmann::ordered_json ja;
    ja["pcode"] = a.pcode;
    ja["name"] = a.name;
    ja["parent_pcode"] = a.parent_pcode;
    ja["population"] = a.population;
    if (a.overall_withheld.empty()) {
      ja["overall_phase"] = a.overall_phase;
      ja["overall_rule"] = a.overall_rule;
    } else {
      ja["overall_phase"] = "withheld";
      ja["overall_withheld"] = a.overall_withheld;
    }
    if (a.overall_override) ja["overall_override"] = OverrideJson(*a.overall_override);
    if (a.previous_period) {
      ja["previous"] = PeriodFiguresJson(*a.previous_period, threshold);
      ja["last_year"] = PeriodFiguresJson(*a.last_year, threshold);
      ja["direction"] = a.Direction();
    }
    for (const auto& r : a.risks) ja["risks"].push_back(risk_json(r, false));
    j["areas"].push_back(ja);
  }
  // Records placed above the level: how many, and one line per area they are placed on.
  j["not_further_located_incidents"] = FigureJson(above_level, threshold);
  j["not_further_located"] = nlohmann::ordered_json::array();
  for (const auto& a : not_further_located) {
    nlohmann::ordered_json ja;
    ja["pcode"] = a.pcode;
    ja["name"] = a.name;
    ja["level"] = a.level;
    ja["parent_pcode"] = a.parent_pcode;
    for (const auto& r : a.risks) ja["risks"].push_back(risk_json(r, true));
    j["not_further_located"].push_back(ja);
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

// The published phase of a risk row ("*": the area's overall phase), or "withheld".
std::string PhaseText(const AreaResult& a, const RiskFigures& r) {
  if (r.risk == "*")
    return a.overall_withheld.empty() ? std::to_string(a.overall_phase) : "withheld";
  if (!r.phase_withheld.empty() && !r.phase.override) return "withheld";
  return std::to_string(r.phase.final);
}

}  // namespace

std::string AnalysisResult::ToHxlCsv() const {
  std::string out =
      "P-code,Area,Parent P-code,Period start,Period end,Risk,Risk label,Incidents,Killed,"
      "Injured,Victims,Victims female,Victims male,Victims children,Organisations,Phase,"
      "Trend,Not further located\n";
  // Level 0 rows are countries (#country); a level 1 row's parent is its country.
  auto tag = [](int l) { return l <= 0 ? std::string("#country") : "#adm" + std::to_string(l); };
  out += tag(level) + "+code," + tag(level) + "+name," +
         (level == 0 ? std::string("#meta+parent") : tag(level - 1)) +
         "+code,#date+start,#date+end,#indicator+risk+code,#indicator+risk+name,"
         "#affected+incidents,#affected+killed,#affected+injured,#affected+victims,"
         "#affected+victims+f,#affected+victims+m,#affected+victims+children,#org+count,"
         "#severity+phase,#status+trend,#meta+not_further_located\n";
  std::string start = MonthLabel(period.first) + "-01", end = MonthLabel(period.last);
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int y = period.last / 12, m = period.last % 12;
  int days = kDays[m] - (m == 1 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)));
  end += "-" + std::to_string(days);
  // Areas, then the "not further located" lines: no P-code of the level, the area they are
  // placed on as the parent, no phase or trend, "yes" in the last column.
  auto rows = [&](const AreaResult& a, bool line) {
    for (const auto& r : a.risks) {
      if (r.incidents.state == Figure::State::kExact && r.incidents.value == 0 &&
          r.phase.final == 0)
        continue;
      if (line && r.incidents.state == Figure::State::kWithheld) continue;
      int64_t children = 0;
      for (const auto& [band, n] : r.by_age_band)
        if (band != "unknown" && band != "18_59" && band != "60_plus" && band.rfind("18", 0) != 0)
          children += n;
      auto cell = [&](const std::map<std::string, int64_t>& mp, const char* key) {
        if (safe) return std::string();
        auto it = mp.find(key);
        return std::to_string(it == mp.end() ? 0 : it->second);
      };
      out += (line ? std::string() : Csv(a.pcode)) + "," +
             Csv(line ? a.name + " (not further located)" : a.name) + "," +
             Csv(line ? a.pcode : a.parent_pcode) + "," + start + "," + end + "," + Csv(r.risk) +
             "," + Csv(r.label) + "," + r.incidents.Text(threshold) + "," +
             r.killed.Text(threshold) + "," + r.injured.Text(threshold) + "," +
             r.victims.Text(threshold) + "," + cell(r.by_sex, "female") + "," +
             cell(r.by_sex, "male") + "," + (safe ? "" : std::to_string(children)) + "," +
             (r.sources_withheld ? std::string() : std::to_string(r.organisations)) + "," +
             (line ? std::string() : PhaseText(a, r)) + "," +
             (line                       ? std::string()
              : r.trend_withheld.empty() ? std::string(r.trend.Name())
                                         : std::string("withheld")) +
             "," + (line ? "yes" : "") + "\n";
    }
  };
  for (const auto& a : areas) rows(a, false);
  for (const auto& a : not_further_located) rows(a, true);
  return out;
}

std::string ChangesJson(const std::vector<AnalysisResult>& levels, const std::string& direction) {
  nlohmann::ordered_json j;
  std::vector<const AreaResult*> rows;
  std::map<std::string, int> counts{{"worse", 0}, {"better", 0}, {"same", 0}, {"unknown", 0}};
  int64_t threshold = 5;
  for (const auto& r : levels) {
    if (j.empty()) {
      j["period"] = r.period.label;
      j["previous_period"] = r.period.Shifted(-1).label;
      j["last_year_period"] = SamePeriodLastYear(r.period).label;
      j["safe"] = r.safe;
      if (r.safe) j["suppression_threshold"] = r.threshold;
      j["levels"] = nlohmann::ordered_json::array();
    }
    threshold = r.threshold;
    j["levels"].push_back(r.level);
    for (const auto& a : r.areas) {
      const std::string d = a.Direction();
      ++counts[d];
      if (direction == "all" || d == direction) rows.push_back(&a);
    }
  }
  auto change = [](const AreaResult* a) {
    return a->previous_period && a->previous_period->phase_change
               ? *a->previous_period->phase_change
               : 0;
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const AreaResult* x, const AreaResult* y) {
    if (x->level != y->level) return x->level < y->level;
    if (change(x) != change(y)) return change(x) > change(y);
    if (x->overall_phase != y->overall_phase) return x->overall_phase > y->overall_phase;
    return x->pcode < y->pcode;
  });
  j["direction"] = direction;
  j["counts"] = counts;
  j["areas"] = nlohmann::ordered_json::array();
  for (const AreaResult* a : rows) {
    nlohmann::ordered_json ja;
    ja["pcode"] = a->pcode;
    ja["name"] = a->name;
    ja["level"] = a->level;
    ja["parent_pcode"] = a->parent_pcode;
    if (a->overall_withheld.empty())
      ja["overall_phase"] = a->overall_phase;
    else
      ja["overall_phase"] = "withheld";
    ja["incidents"] =
        a->risks.empty() ? nlohmann::ordered_json(0) : FigureJson(a->risks[0].incidents, threshold);
    if (a->previous_period) {
      ja["previous"] = PeriodFiguresJson(*a->previous_period, threshold);
      ja["last_year"] = PeriodFiguresJson(*a->last_year, threshold);
    }
    ja["direction"] = a->Direction();
    j["areas"].push_back(ja);
  }
  return j.dump();
}

}  // namespace aegis::analysis
