// The release attacker (see inference.h).
//
// Model, per table (one risk and one count measure): a variable per published area and "time
// atom" (the coarsest split of the months such that every published period is a union of atoms:
// a month, its quarter and its year give three atoms, not twelve), and a residual per area that
// has published sub-areas (its "not further located" part plus every sub-area not published), all
// whole and >= 0. A published "not further located" line of an area is one more node under it;
// where every sub-area of the hierarchy is published too, the area has no residual left (it is
// exactly its sub-areas and its line). An area = its nearest published sub-areas + its residual,
// atom by atom; the whole selection ("" = the monthly series of everything) = its top areas (+ a
// residual unless every top area is published). Each published fact bounds the sum of an area's
// atoms over a period: a count ("12": [12, 12]; "<5": [1, 4]; "x": [0, inf)), a rate beside the
// population (the count it implies), a phase (per indicator, the interval of values that reach that
// phase; without evidence, the upper bounds every indicator obeys and the lower bound when only one
// cell can have reached it; "not assessed": 0). For every suppressed figure, GLPK minimises and
// maximises its sum; the optimum is rounded inwards (counts are whole). A trend flag then
// removes the counts in that interval that give another flag for every possible baseline.
//
// What this attacker does not use (so a zero here is a lower bound on what a cleverer attacker
// gets): integer programming beyond rounding each optimum, disjunctions (a phase that two
// different counts could each have reached), and the overall phase.
#include "analysis/inference.h"

#include <glpk.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <tuple>

#include "analysis/analysis.h"
#include "analysis/suppression.h"

namespace aegis::analysis {
namespace {

constexpr int64_t kUnbounded = std::numeric_limits<int64_t>::max();

struct Interval {
  int64_t lo = 0, hi = kUnbounded;
  void Meet(const Interval& o) {
    lo = std::max(lo, o.lo);
    hi = std::min(hi, o.hi);
  }
};

// A fact's place: table (risk, measure), area and months.
struct Key {
  std::string risk, measure, pcode;
  int first = 0, last = 0;
  // Spelled out: clang-tidy's modernize-use-nullptr misreads a defaulted <=>.
  bool operator<(const Key& o) const {
    return std::tie(risk, measure, pcode, first, last) <
           std::tie(o.risk, o.measure, o.pcode, o.first, o.last);
  }
  bool operator==(const Key& o) const {
    return std::tie(risk, measure, pcode, first, last) ==
           std::tie(o.risk, o.measure, o.pcode, o.first, o.last);
  }
};

// The smallest n >= 0 with value(n) >= bound, and the largest with value(n) < bound, for a value
// increasing in n (computed exactly as the engine computes it).
template <typename F>
int64_t SmallestReaching(F value, double bound) {
  if (bound <= value(0)) return 0;
  int64_t n = std::max<int64_t>(0, static_cast<int64_t>(std::floor(bound / value(1))) - 2);
  if (value(1) <= 0) return kUnbounded;
  while (value(n) < bound) ++n;
  while (n > 0 && value(n - 1) >= bound) --n;
  return n;
}

struct IndicatorCell {
  std::string measure;  // the count measure the indicator reads
  bool rate = false;    // per 10,000 people
};
std::optional<IndicatorCell> CellOf(const std::string& indicator) {
  if (indicator == "incidents") return IndicatorCell{"incidents", false};
  if (indicator == "incidents_per_10k") return IndicatorCell{"incidents", true};
  if (indicator == "killed") return IndicatorCell{"killed", false};
  if (indicator == "victims") return IndicatorCell{"victims", false};
  return std::nullopt;  // monitoring measures: not counts
}

// The counts an indicator's value lies in when it reaches phase q (1..5): [t[q-2], t[q-1]).
std::optional<Interval> CountsForPhase(const Indicator& ind, int q, int months, int64_t pop,
                                       bool lower, bool upper) {
  auto cell = CellOf(ind.measure);
  if (!cell || (cell->rate && pop <= 0)) return std::nullopt;
  auto value = [&](int64_t n) {
    if (cell->rate) return n * 1e4 / static_cast<double>(pop) / months;
    return static_cast<double>(n) / months;
  };
  Interval iv;
  if (lower && q >= 2) iv.lo = SmallestReaching(value, ind.thresholds[static_cast<size_t>(q - 2)]);
  if (upper && q <= 4) {
    int64_t reach = SmallestReaching(value, ind.thresholds[static_cast<size_t>(q - 1)]);
    iv.hi = reach == kUnbounded ? kUnbounded : reach - 1;
  }
  return iv;
}

Result<Period> PeriodOf(const std::string& label) {
  auto p = ParsePeriod(label);
  if (!p.ok())
    return Status::InvalidArgument("release: period '" + label + "': " + p.status().message());
  return p;
}

class Attacker {
 public:
  Attacker(const Release& r, const InferenceOptions& o) : r_(r), o_(o) {}

  Result<InferenceReport> Run() {
    AEGIS_RETURN_IF_ERROR(CollectFigures());
    AEGIS_RETURN_IF_ERROR(CollectPhases());
    AEGIS_RETURN_IF_ERROR(CollectRates());
    InferenceReport rep;
    std::map<std::pair<std::string, std::string>, std::vector<size_t>> attacked_by_table;
    for (size_t i = 0; i < r_.figures.size(); ++i)
      if (IsSuppressed(r_.figures[i].text))
        attacked_by_table[{r_.figures[i].risk, r_.figures[i].measure}].push_back(i);
    std::vector<AttackedCell> cells(r_.figures.size());
    for (const auto& [table, idx] : attacked_by_table)
      AEGIS_RETURN_IF_ERROR(AttackTable(table.first, table.second, idx, &cells));
    for (size_t i = 0; i < r_.figures.size(); ++i) {
      if (!IsSuppressed(r_.figures[i].text)) continue;
      AttackedCell c = cells[i];
      c.figure = r_.figures[i];
      ApplyTrend(&c);
      c.recovered = c.max && *c.max == c.min;
      c.narrowed = !c.recovered && c.figure.text == "x" && c.max && *c.max < r_.threshold;
      ++rep.attacked;
      rep.recovered += c.recovered;
      rep.narrowed += c.narrowed;
      rep.cells.push_back(std::move(c));
    }
    return rep;
  }

 private:
  static bool IsSuppressed(const std::string& t) { return t == "x" || (!t.empty() && t[0] == '<'); }

  void AddFact(const Key& k, Interval iv) {
    auto [it, fresh] = facts_.emplace(k, iv);
    if (!fresh) it->second.Meet(iv);
  }

  // The node of a published figure: the area, or its "not further located" line (the area
  // itself when the hierarchy gives it no sub-area).
  std::string NodeOf(const PublishedFigure& f) const {
    if (!f.not_further_located || !has_children_.count(f.pcode)) return f.pcode;
    return LineNode(f.pcode);
  }
  static std::string LineNode(const std::string& pcode) { return pcode + std::string(kLineSuffix); }
  static bool IsLine(const std::string& node) {
    return node.size() > kLineSuffix.size() &&
           node.compare(node.size() - kLineSuffix.size(), kLineSuffix.size(), kLineSuffix) == 0;
  }
  static constexpr std::string_view kLineSuffix = "\x1fnot further located";

  Status CollectFigures() {
    for (const auto& [pc, par] : r_.parent)
      if (!par.empty()) has_children_.insert(par);
    for (const auto& f : r_.figures) {
      AEGIS_ASSIGN_OR_RETURN(Period p, PeriodOf(f.period));
      Key k{f.risk, f.measure, NodeOf(f), p.first, p.last};
      if (f.text == "x") {
        AddFact(k, {o_.x_positive ? 1 : 0, kUnbounded});
      } else if (!f.text.empty() && f.text[0] == '<') {
        AddFact(k, {1, std::max<int64_t>(1, r_.threshold - 1)});
      } else if (!f.text.empty() && f.text != "withheld") {
        char* end = nullptr;
        long long v = std::strtoll(f.text.c_str(), &end, 10);
        if (end == f.text.c_str() || *end != '\0')
          return Status::InvalidArgument("release: figure '" + f.text + "' of " + f.pcode + " " +
                                         f.period + " " + f.risk + " " + f.measure +
                                         " is not a count, \"<k\", \"x\" or \"withheld\"");
        AddFact(k, {v, v});
      }
    }
    return Status::Ok();
  }

  int64_t Population(const std::string& pcode) const {
    auto it = r_.population.find(pcode);
    return it == r_.population.end() ? 0 : it->second;
  }

  Status CollectPhases() {
    for (const auto& ph : r_.phases) {
      if (!ph.phase || ph.risk == "*") continue;
      AEGIS_ASSIGN_OR_RETURN(Period p, PeriodOf(ph.period));
      auto key = [&](const std::string& measure) {
        return Key{ph.risk, measure, ph.pcode, p.first, p.last};
      };
      if (*ph.phase == 0) {  // not assessed: no incident in the period
        for (const char* m : {"incidents", "killed", "injured", "victims"}) AddFact(key(m), {0, 0});
        continue;
      }
      auto pr = o_.rules.per_risk.find(ph.risk);
      const std::vector<Indicator>& inds =
          pr != o_.rules.per_risk.end() ? pr->second : o_.rules.indicators;
      int64_t pop = Population(ph.pcode);
      const int months = p.months();
      if (!ph.evidence.empty()) {
        for (const auto& [measure, iv] :
             CountsBehindPhase(o_.rules, ph.risk, ph.evidence, months, pop))
          AddFact(key(measure), {iv.first, iv.second});
        continue;
      }
      // The phase alone: the highest phase any indicator reaches (before the cap).
      int reach = ph.uncapped.value_or(*ph.phase);
      bool maybe_capped =
          !ph.uncapped && reach == 3 &&
          !(ph.organisations && *ph.organisations >= o_.rules.min_sources_for_phase4);
      if (!maybe_capped)
        for (const Indicator& ind : inds)
          if (auto iv = CountsForPhase(ind, reach, months, pop, false, true))
            AddFact(key(CellOf(ind.measure)->measure), *iv);
      // Which indicators could have reached it: when they all read one count, that count did.
      std::set<std::string> cells;
      bool other = false;
      std::optional<Interval> lowest;
      for (const Indicator& ind : inds) {
        auto cell = CellOf(ind.measure);
        if (!cell) {
          other = other || !(ph.monitoring && *ph.monitoring == 0);
          continue;
        }
        auto iv = CountsForPhase(ind, reach, months, pop, true, false);
        if (!iv) continue;  // a rate without population is skipped by the rules
        cells.insert(cell->measure);
        if (!lowest || iv->lo < lowest->lo) lowest = Interval{iv->lo, kUnbounded};
      }
      if (!other && cells.size() == 1 && lowest) AddFact(key(*cells.begin()), *lowest);
    }
    return Status::Ok();
  }

  Status CollectRates() {
    for (const auto& rt : r_.rates) {
      AEGIS_ASSIGN_OR_RETURN(Period p, PeriodOf(rt.period));
      int64_t pop = Population(rt.pcode);
      if (pop <= 0) continue;
      auto n =
          static_cast<int64_t>(std::llround(rt.incidents_per_10k * static_cast<double>(pop) / 1e4));
      AddFact({rt.risk, "incidents", rt.pcode, p.first, p.last}, {n, n});
    }
    return Status::Ok();
  }

  // The nearest published ancestor of `pcode` among `nodes` ("" when none); a line's is its
  // area.
  std::string NearestAncestor(const std::string& pcode, const std::set<std::string>& nodes) const {
    if (IsLine(pcode)) {
      std::string area = pcode.substr(0, pcode.size() - kLineSuffix.size());
      return nodes.count(area) ? area : NearestAncestor(area, nodes);
    }
    std::string p = pcode;
    for (int guard = 0; guard < 64; ++guard) {
      auto it = r_.parent.find(p);
      if (it == r_.parent.end() || it->second.empty()) return "";
      p = it->second;
      if (nodes.count(p)) return p;
    }
    return "";
  }

  Status AttackTable(const std::string& risk, const std::string& measure,
                     const std::vector<size_t>& attacked, std::vector<AttackedCell>* out) {
    // The table's facts.
    std::vector<std::pair<Key, Interval>> facts;
    for (const auto& [k, iv] : facts_)
      if (k.risk == risk && k.measure == measure) facts.emplace_back(k, iv);
    // Time atoms.
    std::set<int> cuts;
    for (const auto& [k, iv] : facts) {
      cuts.insert(k.first);
      cuts.insert(k.last + 1);
    }
    std::vector<int> bounds(cuts.begin(), cuts.end());  // atom a = [bounds[a], bounds[a+1])
    const size_t atoms = bounds.empty() ? 0 : bounds.size() - 1;
    auto atom_range = [&](int first, int last) {
      size_t a0 = static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), first) -
                                      bounds.begin());
      size_t a1 = static_cast<size_t>(std::lower_bound(bounds.begin(), bounds.end(), last + 1) -
                                      bounds.begin());
      return std::pair{a0, a1};
    };
    // Nodes and their published children.
    std::set<std::string> nodes;
    for (const auto& [k, iv] : facts) nodes.insert(k.pcode);
    std::map<std::string, std::vector<std::string>> children;
    for (const auto& n : nodes) {
      if (n.empty()) continue;
      std::string a = NearestAncestor(n, nodes);
      if (!a.empty() || nodes.count("")) children[a].push_back(n);
    }
    bool root_exact = false;
    if (nodes.count("")) {
      root_exact = true;
      for (const auto& [pc, par] : r_.parent)
        if (par.empty() && !nodes.count(pc)) root_exact = false;
      for (const auto& c : children[""])
        if (r_.parent.count(c) && !r_.parent.at(c).empty()) root_exact = false;
    }
    // Columns: x[node][atom], then residuals.
    UseGlpkOnThisThread();
    glp_prob* lp = glp_create_prob();
    glp_set_obj_dir(lp, GLP_MIN);
    std::map<std::string, int> first_col;
    int cols = 0;
    for (const auto& n : nodes) {
      first_col[n] = cols + 1;
      cols += static_cast<int>(atoms);
    }
    // An area whose line and every sub-area of the hierarchy are published has no residual.
    std::map<std::string, size_t> sub_areas;
    for (const auto& [pc, par] : r_.parent)
      if (!par.empty()) ++sub_areas[par];
    auto whole = [&](const std::string& n, const std::vector<std::string>& ch) {
      if (n.empty() || !nodes.count(LineNode(n))) return false;
      size_t direct = 0;
      for (const auto& c : ch) direct += !IsLine(c) && r_.parent.count(c) && r_.parent.at(c) == n;
      return direct == sub_areas[n];
    };
    std::map<std::string, int> residual_col;
    for (const auto& [n, ch] : children) {
      if (n.empty() && root_exact) continue;
      if (whole(n, ch)) continue;
      residual_col[n] = cols + 1;
      cols += static_cast<int>(atoms);
    }
    if (cols == 0) {
      glp_delete_prob(lp);
      return Status::Ok();
    }
    glp_add_cols(lp, cols);
    for (int j = 1; j <= cols; ++j) glp_set_col_bnds(lp, j, GLP_LO, 0.0, 0.0);
    std::vector<int> ia{0}, ja{0};
    std::vector<double> ar{0};
    int rows = 0;
    auto add_row = [&](const std::vector<std::pair<int, double>>& terms, Interval iv) {
      ++rows;
      glp_add_rows(lp, 1);
      for (const auto& [c, v] : terms) {
        ia.push_back(rows);
        ja.push_back(c);
        ar.push_back(v);
      }
      double lo = static_cast<double>(iv.lo);
      if (iv.hi == kUnbounded) {
        glp_set_row_bnds(lp, rows, GLP_LO, lo, 0.0);
      } else if (iv.hi == iv.lo) {
        glp_set_row_bnds(lp, rows, GLP_FX, lo, lo);
      } else {
        glp_set_row_bnds(lp, rows, GLP_DB, lo, static_cast<double>(iv.hi));
      }
    };
    for (const auto& [n, ch] : children)
      for (size_t a = 0; a < atoms; ++a) {
        std::vector<std::pair<int, double>> t{{first_col[n] + static_cast<int>(a), 1.0}};
        for (const auto& c : ch) t.emplace_back(first_col[c] + static_cast<int>(a), -1.0);
        if (residual_col.count(n)) t.emplace_back(residual_col[n] + static_cast<int>(a), -1.0);
        add_row(t, {0, 0});
      }
    for (const auto& [k, iv] : facts) {
      if (iv.lo > iv.hi)
        return Status::InvalidArgument("release: the facts on " + k.pcode + " " + k.risk + " " +
                                       k.measure + " contradict each other");
      auto [a0, a1] = atom_range(k.first, k.last);
      std::vector<std::pair<int, double>> t;
      for (size_t a = a0; a < a1; ++a)
        t.emplace_back(first_col[k.pcode] + static_cast<int>(a), 1.0);
      add_row(t, iv);
    }
    glp_load_matrix(lp, static_cast<int>(ia.size()) - 1, ia.data(), ja.data(), ar.data());
    glp_smcp parm;
    glp_init_smcp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = GLP_OFF;
    std::vector<std::pair<int, double>> obj;
    for (size_t i : attacked) {
      const PublishedFigure& f = r_.figures[i];
      AEGIS_ASSIGN_OR_RETURN(Period p, PeriodOf(f.period));
      auto [a0, a1] = atom_range(p.first, p.last);
      for (const auto& [c, v] : obj) glp_set_obj_coef(lp, c, 0.0);
      obj.clear();
      for (size_t a = a0; a < a1; ++a)
        obj.emplace_back(first_col[NodeOf(f)] + static_cast<int>(a), 1.0);
      for (const auto& [c, v] : obj) glp_set_obj_coef(lp, c, v);
      AttackedCell& cell = (*out)[i];
      for (int dir : {GLP_MIN, GLP_MAX}) {
        glp_set_obj_dir(lp, dir);
        int rc = glp_simplex(lp, &parm);
        if (rc != 0) {
          glp_adv_basis(lp, 0);
          rc = glp_simplex(lp, &parm);
        }
        int st = glp_get_status(lp);
        if (rc != 0 || (st != GLP_OPT && st != GLP_UNBND)) {
          glp_delete_prob(lp);
          return Status::InvalidArgument("release: the published figures of " + risk + " " +
                                         measure + " have no solution (" + f.pcode + " " +
                                         f.period + ")");
        }
        if (dir == GLP_MIN) {
          cell.min = static_cast<int64_t>(std::ceil(glp_get_obj_val(lp) - 1e-6));
        } else if (st == GLP_UNBND) {
          cell.max.reset();
        } else {
          cell.max = static_cast<int64_t>(std::floor(glp_get_obj_val(lp) + 1e-6));
        }
      }
    }
    glp_delete_prob(lp);
    return Status::Ok();
  }

  // A trend flag beside the attacked count: the counts in its interval that give that flag for
  // some baseline.
  void ApplyTrend(AttackedCell* c) const {
    // (A line has no trend: the flag beside it is its area's.)
    if (c->figure.not_further_located || c->figure.measure != "incidents" || !c->max ||
        *c->max - c->min > 60)
      return;
    for (const auto& t : r_.trends) {
      if (t.pcode != c->figure.pcode || t.period != c->figure.period || t.risk != c->figure.risk ||
          t.flag == "withheld" || t.flag.empty())
        continue;
      int64_t lo = kUnbounded, hi = -1;
      for (int64_t x = c->min; x <= *c->max; ++x) {
        bool possible = false;
        for (int64_t b = 0; b <= 400 && !possible; ++b)
          possible = TestTrend(x, 0, b, o_.trend.baseline_periods, o_.trend).Name() == t.flag;
        if (possible) {
          lo = std::min(lo, x);
          hi = std::max(hi, x);
        }
      }
      if (hi >= 0) {
        c->min = lo;
        c->max = hi;
      }
    }
  }

  const Release& r_;
  const InferenceOptions& o_;
  std::map<Key, Interval> facts_;
  std::set<std::string> has_children_;  // areas with a sub-area in the hierarchy
};

}  // namespace

std::map<std::string, std::pair<int64_t, int64_t>> CountsBehindPhase(
    const SeverityRules& rules, const std::string& risk,
    const std::vector<std::pair<std::string, int>>& evidence, int months, int64_t population) {
  std::map<std::string, std::pair<int64_t, int64_t>> out;
  auto pr = rules.per_risk.find(risk);
  const std::vector<Indicator>& inds = pr != rules.per_risk.end() ? pr->second : rules.indicators;
  for (const auto& [measure, q] : evidence)
    for (const Indicator& ind : inds) {
      if (ind.measure != measure) continue;
      auto iv = CountsForPhase(ind, q, months, population, true, true);
      if (!iv) continue;
      auto [it, fresh] = out.emplace(CellOf(measure)->measure, std::pair{iv->lo, iv->hi});
      if (!fresh) {
        it->second.first = std::max(it->second.first, iv->lo);
        it->second.second = std::min(it->second.second, iv->hi);
      }
    }
  return out;
}

std::string InferenceReport::Summary(size_t examples) const {
  std::string s = "attacked " + std::to_string(attacked) + ", recovered exactly " +
                  std::to_string(recovered) + ", narrowed below the threshold " +
                  std::to_string(narrowed);
  size_t shown = 0;
  for (const auto& c : cells) {
    if (!c.recovered || shown++ >= examples) continue;
    s += "\n  " + c.figure.pcode + " " + c.figure.period + " " + c.figure.risk + " " +
         c.figure.measure + " \"" + c.figure.text + "\" = " + std::to_string(c.min);
  }
  return s;
}

Result<InferenceReport> AttackRelease(const Release& release, const InferenceOptions& options) {
  return Attacker(release, options).Run();
}

}  // namespace aegis::analysis
