// Small-cell suppression with complementary suppression and a linear-programming audit.
//
// The attacker (Audit) knows every shown cell exactly, that a "<5" cell lies in [1, threshold-1],
// that an "x" cell lies in [0, +inf), and every constraint total = sum(parts). For each
// suppressed cell, two linear programs give the smallest and largest values it can take; the cell
// is exposed when that interval holds a single integer (its true count).
//
// Suppress:
//  1. Primary: counts from 1 to threshold-1 become "<5" (kPrimary). 0 is shown.
//  2. Greedy: a constraint with exactly one suppressed member (the total counts as a member) gives
//     it away by subtraction, so one more member becomes "x" (kComplementary): a shown member with
//     a positive count, parts before totals, the smallest count first, then the one that leaves
//     the fewest constraints with a single suppressed member. A worklist runs this to a fixpoint.
//  3. Propagation: interval bound tightening over the attacker's system, in integers (each
//     constraint narrows each member's bounds from the others' bounds; repeated until stable).
//     A cell pinned to one value is exposed, with no LP needed -- e.g. two "<5" cells whose
//     published total minus shown parts is 2 (both are 1).
//  4. Witnesses, only when propagation pins nothing: a cell is safe once some feasible point of
//     the attacker's LP moves it by one from its true value v. Per connected component of
//     suppressed cells (two are linked when a constraint holds both), one GLPK problem; a
//     constraint linking just two cells (x = y + k, x + y = k) is used to write one in terms of the
//     other, which often halves the LP. A few LPs (maximise, then minimise, the sum of the
//     undecided cells, each capped at v+1 or v-1) decide most cells at once, then one LP per
//     direction for the rest. Cells decided safe stay safe (see below), so each round re-checks
//     only new or undecided cells.
//  5. Repair, one change per exposed cell (cells sharing a constraint wait for the next round):
//     in a constraint that by itself pins a side of the cell (else in any of its constraints),
//     suppress the best shown positive member as in step 2; if there is none, publish the largest
//     "<5" member as "x" instead ("demoted", see below); if neither, do the same in any constraint
//     of the cell's component. Back to step 2 until nothing is exposed.
//
// Why it is safe: steps 3-4 use every published figure and every additive relation of the table
// (totals, roll-ups, residuals, quarter = months, year = quarters, hence every difference between
// periods or areas), so a cell with two possible integer values cannot be recovered by any chain of
// subtractions or any linear combination of them. Audit computes the same intervals exactly
// (propagation gives valid bounds, an LP point reaching one proves it exact, the rest get one LP
// each) and the tests check Audit on every Suppress result. Adding suppression, or turning "<5"
// into "x", only enlarges the attacker's feasible set, so a cell once safe stays safe. The loop
// ends: each round makes a change that is never undone, and only positive cells are suppressed,
// so at worst every positive cell linked to the exposure is "x" (x >= 0) and every constraint
// there reads "suppressed parts = suppressed total" (shown members are zeros): with the true counts
// v, 2v is feasible too, so no cell is determined.
//
// "<5" turned into "x": when "<5" bounds alone pin a cell -- a county of 4 published "<5" whose
// four payams are each "<5" (each at least 1, sum at most 4, so each is 1), or a year of 4 made of
// four months of 1 -- no complementary cell helps; one of the cells (the largest) is published as
// "x" so that it may be 0 (counted in SuppressionResult::demoted). With threshold 2, "<2" would
// mean exactly 1, so every such cell is "x" from the start.
//
// Limits: the audit is linear programming. An attacker who also uses that counts are integers
// can be sharper when the constraint matrix is not totally unimodular (deep hierarchies in both
// dimensions need not be; fractional vertices do occur); SuppressionOptions::integer_audit checks
// that attacker with integer programs (slow), and on every table tried, including the tests' and a
// payam x 17-period one, the integer intervals equalled the LP ones. Protection means "not
// exactly recoverable", not a minimum width: an "x" may be narrowed to, say, [6, 9], and a "<5"
// to [3, 4]. Only the given constraints are audited: figures in other tables, or in an earlier
// release of this one (revised counts), are not. GLPK is not thread-safe: call from one thread.
#include "analysis/suppression.h"

#include <glpk.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <span>
#include <tuple>
#include <vector>

namespace aegis::analysis {

void UseGlpkOnThisThread() {
  struct Env {
    Env() = default;
    Env(const Env&) = delete;
    Env& operator=(const Env&) = delete;
    ~Env() { glp_free_env(); }
  };
  thread_local Env env;
  (void)env;
}

namespace {

constexpr double kEps = 1e-6;
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr size_t kNone = std::numeric_limits<size_t>::max();

bool IsSuppressed(CellState s) { return s != CellState::kShown; }

// Whether [lo, hi] (an LP interval holding the true integer value) holds a single integer.
bool Determined(double lo, double hi) { return std::floor(hi + kEps) - std::ceil(lo - kEps) < 1.0; }

// The attacker's bounds on a suppressed cell.
struct Bounds {
  double lo = 0, hi = kInf;
};
Bounds AttackerBounds(CellState s, int64_t threshold) {
  if (s == CellState::kPrimary) return {1.0, std::max(1.0, static_cast<double>(threshold - 1))};
  return {0.0, kInf};
}

// The attacker's bounds on every suppressed cell before the constraints: its mark, narrowed by
// what else the release says of it (SuppressionProblem::known, when given).
struct Marks {
  int64_t threshold = 5;
  const std::vector<SuppressionProblem::Known>* known = nullptr;
  Bounds Of(size_t cell, CellState s) const {
    Bounds b = AttackerBounds(s, threshold);
    if (known != nullptr && cell < known->size()) {
      const auto& k = (*known)[cell];
      b.lo = std::max(b.lo, static_cast<double>(k.lo));
      if (k.hi != std::numeric_limits<int64_t>::max())
        b.hi = std::min(b.hi, static_cast<double>(k.hi));
    }
    return b;
  }
};

// One term of a normalised constraint: sum(coef * cell) = 0, coef > 0 for a part (k when the
// cell is listed k times), -1 for the total.
struct Term {
  size_t cell = 0;
  int64_t coef = 0;
};

// The constraints with each cell once per constraint (zero coefficients dropped; a constraint
// naming a cell outside the table is ignored, and so, when `drop_broken`, is one the counts do not
// satisfy) and, per cell, the constraints that hold it.
struct Model {
  std::vector<std::vector<Term>> rows;
  std::vector<size_t> start;  // cell c's rows are rows_of[start[c] .. start[c+1])
  std::vector<size_t> rows_of;

  std::span<const size_t> RowsOf(size_t cell) const {
    return {rows_of.data() + start[cell], rows_of.data() + start[cell + 1]};
  }
};

Model BuildModel(const SuppressionProblem& p, bool drop_broken) {
  const size_t n = p.values.size();
  Model m;
  std::vector<Term> terms;
  for (const auto& c : p.constraints) {
    terms.clear();
    bool ok = c.total < n;
    terms.push_back({c.total, -1});
    for (size_t part : c.parts) {
      ok = ok && part < n;
      terms.push_back({part, 1});
    }
    if (!ok) continue;
    std::sort(terms.begin(), terms.end(),
              [](const Term& a, const Term& b) { return a.cell < b.cell; });
    std::vector<Term> row;
    for (const Term& t : terms) {
      if (!row.empty() && row.back().cell == t.cell) {
        row.back().coef += t.coef;
      } else {
        row.push_back(t);
      }
    }
    std::erase_if(row, [](const Term& t) { return t.coef == 0; });
    int64_t sum = 0;
    for (const Term& t : row) sum += t.coef * p.values[t.cell];
    if (drop_broken && sum != 0) continue;
    if (!row.empty()) m.rows.push_back(std::move(row));
  }
  m.start.assign(n + 1, 0);
  for (const auto& row : m.rows)
    for (const Term& t : row) ++m.start[t.cell + 1];
  for (size_t c = 0; c < n; ++c) m.start[c + 1] += m.start[c];
  m.rows_of.resize(m.start[n]);
  std::vector<size_t> fill(m.start.begin(), m.start.end() - 1);
  for (size_t r = 0; r < m.rows.size(); ++r)
    for (const Term& t : m.rows[r]) m.rows_of[fill[t.cell]++] = r;
  return m;
}

// Connected components of the suppressed cells: two suppressed cells are linked when a
// constraint holds both. Each component lists its cells and the constraints touching them.
struct Components {
  std::vector<std::vector<size_t>> cells;
  std::vector<std::vector<size_t>> rows;
  std::vector<size_t> of_cell;  // component of a suppressed cell; kNone for a shown one
};

Components FindComponents(const Model& m, const std::vector<CellState>& states) {
  const size_t n = states.size();
  std::vector<size_t> parent(n);
  std::iota(parent.begin(), parent.end(), size_t{0});
  auto find = [&parent](size_t x) {
    while (parent[x] != x) {
      parent[x] = parent[parent[x]];
      x = parent[x];
    }
    return x;
  };
  for (const auto& row : m.rows) {
    size_t first = kNone;
    for (const Term& t : row) {
      if (!IsSuppressed(states[t.cell])) continue;
      if (first == kNone) {
        first = find(t.cell);
      } else {
        size_t b = find(t.cell);
        if (b != first) parent[b] = first;
      }
    }
  }
  Components out;
  out.of_cell.assign(n, kNone);
  std::vector<size_t> id_of_root(n, kNone);
  for (size_t c = 0; c < n; ++c) {
    if (!IsSuppressed(states[c])) continue;
    size_t root = find(c);
    if (id_of_root[root] == kNone) {
      id_of_root[root] = out.cells.size();
      out.cells.emplace_back();
    }
    out.of_cell[c] = id_of_root[root];
    out.cells[id_of_root[root]].push_back(c);
  }
  out.rows.resize(out.cells.size());
  for (size_t r = 0; r < m.rows.size(); ++r) {
    for (const Term& t : m.rows[r]) {
      if (IsSuppressed(states[t.cell])) {
        out.rows[out.of_cell[t.cell]].push_back(r);
        break;
      }
    }
  }
  return out;
}

// Interval propagation over the attacker's system: narrows each suppressed cell's bounds with each
// constraint, given the bounds of the other members, until nothing changes (or a work budget is
// spent). The bounds stay valid for every real solution, or, when `integer`, for every integer
// solution (they are then rounded inwards, which is stronger).
class Propagator {
 public:
  Propagator(const Model& m, const std::vector<int64_t>& values,
             const std::vector<CellState>& states, const Marks& marks, bool integer)
      : m_(m), states_(states), integer_(integer), bounds_(states.size()), rhs_(m.rows.size(), 0) {
    for (size_t c = 0; c < states.size(); ++c)
      if (IsSuppressed(states[c])) bounds_[c] = marks.Of(c, states[c]);
    for (size_t r = 0; r < m.rows.size(); ++r)
      for (const Term& t : m.rows[r])
        if (!IsSuppressed(states[t.cell]))
          rhs_[r] -= static_cast<double>(t.coef) * static_cast<double>(values[t.cell]);
    Run();
  }

  const Bounds& Of(size_t cell) const { return bounds_[cell]; }
  bool Crossed(size_t cell) const { return bounds_[cell].lo > bounds_[cell].hi + kEps; }

  // The bounds that row r alone implies on `cell`, given the other members' bounds.
  Bounds Implied(size_t r, size_t cell) const {
    double min_others = 0, max_others = 0, coef = 0;
    bool min_inf = false, max_inf = false;
    for (const Term& t : m_.rows[r]) {
      if (!IsSuppressed(states_[t.cell])) continue;
      if (t.cell == cell) {
        coef = static_cast<double>(t.coef);
        continue;
      }
      const double a = static_cast<double>(t.coef);
      const Bounds& b = bounds_[t.cell];  // lo is always finite (>= 0)
      if (a > 0) {
        min_others += a * b.lo;
        if (b.hi == kInf) {
          max_inf = true;
        } else {
          max_others += a * b.hi;
        }
      } else {
        max_others += a * b.lo;
        if (b.hi == kInf) {
          min_inf = true;
        } else {
          min_others += a * b.hi;
        }
      }
    }
    // coef * x = rhs - others
    const double lo = max_inf ? -kInf : rhs_[r] - max_others;
    const double hi = min_inf ? kInf : rhs_[r] - min_others;
    if (coef > 0) return {lo / coef, hi / coef};
    return {hi / coef, lo / coef};
  }

 private:
  void Run() {
    std::vector<size_t> work(m_.rows.size());
    std::iota(work.begin(), work.end(), size_t{0});
    std::vector<char> queued(m_.rows.size(), 1);
    size_t budget = 64 * m_.rows.size() + 1024;
    while (!work.empty() && budget-- > 0) {
      const size_t r = work.back();
      work.pop_back();
      queued[r] = 0;
      for (const Term& t : m_.rows[r]) {
        if (!IsSuppressed(states_[t.cell])) continue;
        Bounds b = Implied(r, t.cell);
        if (integer_) {
          b.lo = std::ceil(b.lo - kEps);
          b.hi = std::floor(b.hi + kEps);
        }
        Bounds& cur = bounds_[t.cell];
        bool changed = false;
        if (b.lo > cur.lo + kEps) {
          cur.lo = b.lo;
          changed = true;
        }
        if (b.hi < cur.hi - kEps) {
          cur.hi = b.hi;
          changed = true;
        }
        if (!changed || Crossed(t.cell)) continue;
        for (size_t r2 : m_.RowsOf(t.cell)) {
          if (queued[r2]) continue;
          queued[r2] = 1;
          work.push_back(r2);
        }
      }
    }
  }

  const Model& m_;
  const std::vector<CellState>& states_;
  bool integer_;
  std::vector<Bounds> bounds_;
  std::vector<double> rhs_;
};

// A component's attacker system with the constraints that link exactly two cells (x = y + k or
// x + y = k, common where the other members are shown or zero) used to write one cell in terms of
// the other: every cell is sign * column + offset, with one LP column per remaining cell. This is
// an exact reformulation that often halves the LP.
struct Reduced {
  struct Alias {
    int col = 0;
    double sign = 1, offset = 0;
  };
  std::vector<Alias> of;         // per cell of the component
  std::vector<size_t> col_cell;  // per column: the component cell it stands for
  std::vector<Bounds> bounds;    // per column: the attacker's bounds
  std::vector<std::vector<std::pair<int, double>>> rows;  // (column, coefficient)
  std::vector<double> rhs;
  bool infeasible = false;

  // A column interval as an interval of cell j, and the reverse.
  Bounds ToCell(size_t j, Bounds b) const {
    const Alias& a = of[j];
    if (a.sign > 0) return {b.lo + a.offset, b.hi + a.offset};
    return {a.offset - b.hi, a.offset - b.lo};
  }
  Bounds ToCol(size_t j, Bounds b) const {
    const Alias& a = of[j];
    if (a.sign > 0) return {b.lo - a.offset, b.hi - a.offset};
    return {a.offset - b.hi, a.offset - b.lo};
  }
};

Reduced Reduce(const Model& m, const std::vector<int64_t>& values,
               const std::vector<CellState>& states, const Marks& marks,
               const std::vector<size_t>& cells, const std::vector<size_t>& rows,
               std::vector<int>& local) {
  const size_t n = cells.size();
  for (size_t j = 0; j < n; ++j) local[cells[j]] = static_cast<int>(j);
  // Union-find with affine links: x[j] = sign[j] * x[parent[j]] + offset[j].
  std::vector<size_t> parent(n);
  std::iota(parent.begin(), parent.end(), size_t{0});
  std::vector<double> sign(n, 1.0), offset(n, 0.0);
  std::vector<size_t> path;
  auto find = [&](size_t j) {
    path.clear();
    while (parent[j] != j) {
      path.push_back(j);
      j = parent[j];
    }
    for (size_t i = path.size(); i-- > 0;) {  // nearest to the root first
      const size_t y = path[i], p = parent[y];
      if (p == j) continue;
      offset[y] = sign[y] * offset[p] + offset[y];
      sign[y] *= sign[p];
      parent[y] = j;
    }
    return j;
  };
  // Row r over the current roots: sum(coef * x[root]) = rhs.
  std::vector<std::pair<size_t, double>> terms;
  auto substitute = [&](size_t r) {
    terms.clear();
    double rhs = 0;
    for (const Term& t : m.rows[r]) {
      const double a = static_cast<double>(t.coef);
      if (!IsSuppressed(states[t.cell])) {
        rhs -= a * static_cast<double>(values[t.cell]);
        continue;
      }
      const size_t j = static_cast<size_t>(local[t.cell]);
      const size_t root = find(j);
      rhs -= a * offset[j];
      auto it = std::find_if(terms.begin(), terms.end(),
                             [root](const auto& p) { return p.first == root; });
      if (it == terms.end()) {
        terms.emplace_back(root, a * sign[j]);
      } else {
        it->second += a * sign[j];
      }
    }
    std::erase_if(terms, [](const auto& p) { return std::abs(p.second) < kEps; });
    return rhs;
  };
  Reduced out;
  std::vector<char> used(rows.size(), 0);
  for (bool again = true; again;) {
    again = false;
    for (size_t i = 0; i < rows.size(); ++i) {
      if (used[i]) continue;
      const double rhs = substitute(rows[i]);
      if (terms.empty()) {
        used[i] = 1;
        out.infeasible = out.infeasible || std::abs(rhs) > kEps;
      } else if (terms.size() == 2 && std::abs(terms[0].second) == 1 &&
                 std::abs(terms[1].second) == 1) {
        // c1 x1 + c2 x2 = rhs, so x2 = -(c1 / c2) x1 + rhs / c2.
        const auto [r1, c1] = terms[0];
        const auto [r2, c2] = terms[1];
        parent[r2] = r1;
        sign[r2] = -c1 / c2;
        offset[r2] = rhs / c2;
        used[i] = 1;
        again = true;
      }
    }
  }
  std::vector<int> col_of_root(n, -1);
  out.of.resize(n);
  for (size_t j = 0; j < n; ++j) {
    const size_t root = find(j);
    if (col_of_root[root] < 0) {
      col_of_root[root] = static_cast<int>(out.col_cell.size());
      out.col_cell.push_back(root);
      out.bounds.push_back({-kInf, kInf});
    }
    out.of[j] = {col_of_root[root], root == j ? 1.0 : sign[j], root == j ? 0.0 : offset[j]};
  }
  for (size_t j = 0; j < n; ++j) {
    const Bounds b = out.ToCol(j, marks.Of(cells[j], states[cells[j]]));
    Bounds& col = out.bounds[out.of[j].col];
    col.lo = std::max(col.lo, b.lo);
    col.hi = std::min(col.hi, b.hi);
    out.infeasible = out.infeasible || col.lo > col.hi + kEps;
  }
  for (size_t i = 0; i < rows.size(); ++i) {
    if (used[i]) continue;
    const double rhs = substitute(rows[i]);
    if (terms.empty()) {
      out.infeasible = out.infeasible || std::abs(rhs) > kEps;
      continue;
    }
    std::vector<std::pair<int, double>> row;
    row.reserve(terms.size());
    for (const auto& [root, coef] : terms) row.emplace_back(col_of_root[root], coef);
    out.rows.push_back(std::move(row));
    out.rhs.push_back(rhs);
  }
  return out;
}

// The attacker's LP over a reduced component: one column per remaining cell, one fixed row per
// remaining constraint.
class ComponentLp {
 public:
  explicit ComponentLp(const Reduced& red)
      : lp_((UseGlpkOnThisThread(), glp_create_prob())), bounds_(red.bounds) {
    glp_init_smcp(&parm_);
    parm_.msg_lev = GLP_MSG_OFF;
    parm_.presolve = GLP_OFF;
    const int ncols = static_cast<int>(bounds_.size());
    glp_add_cols(lp_, ncols);
    for (int j = 0; j < ncols; ++j) SetBounds(j, bounds_[j].lo, bounds_[j].hi);
    if (!red.rows.empty()) glp_add_rows(lp_, static_cast<int>(red.rows.size()));
    std::vector<int> ia{0}, ja{0};
    std::vector<double> ar{0.0};
    for (size_t i = 0; i < red.rows.size(); ++i) {
      for (const auto& [col, coef] : red.rows[i]) {
        ia.push_back(static_cast<int>(i) + 1);
        ja.push_back(col + 1);
        ar.push_back(coef);
      }
      glp_set_row_bnds(lp_, static_cast<int>(i) + 1, GLP_FX, red.rhs[i], red.rhs[i]);
    }
    glp_load_matrix(lp_, static_cast<int>(ia.size()) - 1, ia.data(), ja.data(), ar.data());
  }
  ~ComponentLp() { glp_delete_prob(lp_); }
  ComponentLp(const ComponentLp&) = delete;
  ComponentLp& operator=(const ComponentLp&) = delete;

  int cols() const { return static_cast<int>(bounds_.size()); }
  const Bounds& AttackerBoundsOf(int j) const { return bounds_[j]; }

  void SetBounds(int j, double lo, double hi) {
    int type = GLP_DB;
    if (lo == -kInf && hi == kInf) {
      type = GLP_FR;
    } else if (hi == kInf) {
      type = GLP_LO;
    } else if (lo == -kInf) {
      type = GLP_UP;
    } else if (hi <= lo) {
      type = GLP_FX;
      hi = lo;
    }
    glp_set_col_bnds(lp_, j + 1, type, lo == -kInf ? 0.0 : lo, hi == kInf ? 0.0 : hi);
  }
  void RestoreBounds(int j) { SetBounds(j, bounds_[j].lo, bounds_[j].hi); }
  void SetObjective(int j, double coef) { glp_set_obj_coef(lp_, j + 1, coef); }

  // GLP_OPT, GLP_UNBND or GLP_NOFEAS; -1 when the solver fails.
  int Solve(int direction) {
    glp_set_obj_dir(lp_, direction);
    glp_smcp first = parm_;
    if (!solved_) first.presolve = GLP_ON;  // no basis yet: let GLPK presolve
    solved_ = true;
    int rc = glp_simplex(lp_, &first);
    if (rc != 0) {  // e.g. a singular basis: start again from the standard basis
      glp_std_basis(lp_);
      rc = glp_simplex(lp_, &parm_);
      if (rc != 0) return -1;
    }
    int status = glp_get_status(lp_);
    if (status == GLP_OPT || status == GLP_UNBND || status == GLP_NOFEAS) return status;
    return -1;
  }
  double Value(int j) const { return glp_get_col_prim(lp_, j + 1); }
  // The same with every column an integer (branch and bound): GLP_OPT, or something else when
  // it finds no integer optimum.
  int SolveInteger(int direction) {
    glp_set_obj_dir(lp_, direction);
    for (int j = 0; j < cols(); ++j) glp_set_col_kind(lp_, j + 1, GLP_IV);
    glp_iocp parm;
    glp_init_iocp(&parm);
    parm.msg_lev = GLP_MSG_OFF;
    parm.presolve = GLP_ON;
    if (glp_intopt(lp_, &parm) != 0) return -1;
    return glp_mip_status(lp_);
  }
  double IntegerValue(int j) const { return glp_mip_col_val(lp_, j + 1); }

 private:
  glp_prob* lp_;
  glp_smcp parm_{};
  bool solved_ = false;
  std::vector<Bounds> bounds_;
};

// Witness search for one component (used by Suppress): finds, for as many columns as it can, a
// feasible point that moves the column (hence every cell written with it) by at least one from
// its true value.
class Certifier {
 public:
  // `truth`: each column's true value; `known`: valid bounds per column (from propagation).
  Certifier(ComponentLp& lp, std::vector<double> truth, std::vector<Bounds> known)
      : lp_(lp), truth_(std::move(truth)), known_(std::move(known)), open_(truth_.size(), 0) {}

  // `cols`: the undecided columns. Returns those no feasible point moves.
  std::vector<int> Run(const std::vector<int>& cols) {
    for (int j : cols) open_[j] = 1;
    open_count_ = cols.size();
    for (int dir : {GLP_MAX, GLP_MIN}) {
      while (open_count_ > 0) {
        std::vector<int> batch;
        for (int j : cols)
          if (open_[j] && CanMove(j, dir)) batch.push_back(j);
        if (batch.empty()) break;
        size_t before = open_count_;
        if (SolveCapped(batch, dir) != GLP_OPT || open_count_ == before) break;
      }
    }
    // One LP per direction for the columns the batches did not move.
    for (int j : cols)
      for (int dir : {GLP_MAX, GLP_MIN})
        if (open_[j] && CanMove(j, dir)) SolveCapped({j}, dir);
    std::vector<int> left;
    for (int j : cols)
      if (open_[j]) left.push_back(j);
    return left;
  }

 private:
  // Whether the known bounds let column j move by one in that direction at all.
  bool CanMove(int j, int dir) const {
    return dir == GLP_MAX ? known_[j].hi >= truth_[j] + 1 - kEps
                          : known_[j].lo <= truth_[j] - 1 + kEps;
  }

  // Maximises (minimises) the sum of the batch, each capped at v+1 (v-1) so that the LP is
  // bounded, then closes every open column the optimal point moves by one.
  int SolveCapped(const std::vector<int>& batch, int dir) {
    for (int j : batch) {
      const Bounds& b = lp_.AttackerBoundsOf(j);
      if (dir == GLP_MAX) {
        lp_.SetBounds(j, b.lo, std::min(b.hi, truth_[j] + 1));
      } else {
        lp_.SetBounds(j, std::max(b.lo, truth_[j] - 1), b.hi);
      }
      lp_.SetObjective(j, 1.0);
    }
    int status = lp_.Solve(dir);
    if (status == GLP_OPT) {
      for (size_t j = 0; j < open_.size(); ++j) {
        if (!open_[j]) continue;
        const double x = lp_.Value(static_cast<int>(j));
        if (x >= truth_[j] + 1 - kEps || x <= truth_[j] - 1 + kEps) {
          open_[j] = 0;
          --open_count_;
        }
      }
    }
    for (int j : batch) {
      lp_.RestoreBounds(j);
      lp_.SetObjective(j, 0.0);
    }
    return status;
  }

  ComponentLp& lp_;
  std::vector<double> truth_;
  std::vector<Bounds> known_;
  std::vector<char> open_;
  size_t open_count_ = 0;
};

AuditResult AuditModel(const Model& m, const std::vector<int64_t>& values,
                       const std::vector<CellState>& states, const SuppressionOptions& options,
                       const Marks& marks);

class Suppressor {
 public:
  Suppressor(const SuppressionProblem& p, const SuppressionOptions& o)
      : values_(p.values), options_(o), threshold_(o.threshold), m_(BuildModel(p, true)) {}

  SuppressionResult Run() {
    const size_t n = values_.size();
    states_.assign(n, CellState::kShown);
    for (size_t c = 0; c < n; ++c)
      if (values_[c] > 0 && values_[c] < threshold_) states_[c] = CellState::kPrimary;
    SuppressionResult result;
    if (threshold_ <= 2) {  // "<2" means exactly 1: publish such cells as "x"
      for (CellState& s : states_) {
        if (s != CellState::kPrimary) continue;
        s = CellState::kComplementary;
        ++result.demoted;
      }
    }
    count_.assign(m_.rows.size(), 0);
    for (size_t r = 0; r < m_.rows.size(); ++r)
      for (const Term& t : m_.rows[r]) count_[r] += IsSuppressed(states_[t.cell]) ? 1 : 0;
    certified_.assign(n, false);
    local_.assign(n, -1);
    std::vector<size_t> work(m_.rows.size());
    std::iota(work.begin(), work.end(), size_t{0});
    // Each round changes at least one cell's state for good, so n + 1 rounds always suffice.
    for (size_t round = 0; round <= n; ++round) {
      Greedy(work);
      work.clear();
      const Propagator prop(m_, values_, states_, Marks{threshold_}, /*integer=*/true);
      // Cells that propagation alone pins are repaired before any LP is solved.
      std::vector<size_t> exposed;
      for (size_t c = 0; c < n; ++c)
        if (IsSuppressed(states_[c]) && prop.Of(c).hi - prop.Of(c).lo < 0.5) exposed.push_back(c);
      const Components comps = FindComponents(m_, states_);
      if (exposed.empty()) exposed = Certify(comps, prop);
      if (exposed.empty() && options_.integer_audit)
        exposed = AuditModel(m_, values_, states_, options_, Marks{threshold_}).exposed;
      if (exposed.empty() || !Repair(exposed, prop, comps, work, result)) break;
    }
    result.states = states_;
    for (CellState s : states_) {
      result.primary += s == CellState::kPrimary ? 1 : 0;
      result.complementary += s == CellState::kComplementary ? 1 : 0;
    }
    return result;
  }

 private:
  // A candidate for complementary suppression, best first: a part before a total, then the
  // smallest count, then the fewest constraints left with a single suppressed member.
  struct Candidate {
    bool total = true;
    int64_t value = std::numeric_limits<int64_t>::max();
    int cascade = std::numeric_limits<int>::max();
    size_t cell = kNone;
    bool operator<(const Candidate& o) const {
      return std::tie(total, value, cascade, cell) < std::tie(o.total, o.value, o.cascade, o.cell);
    }
  };

  // Constraints of `cell` other than `row` that suppressing it would leave with a single
  // suppressed member, minus those it would complete.
  int Cascade(size_t cell, size_t row) const {
    int n = 0;
    for (size_t r : m_.RowsOf(cell)) {
      if (r == row) continue;
      if (count_[r] == 0) ++n;
      if (count_[r] == 1) --n;
    }
    return n;
  }

  // The best shown member with a positive count in row r, excluding `except`.
  Candidate BestInRow(size_t r, size_t except) const {
    Candidate best;
    for (const Term& t : m_.rows[r]) {
      if (t.cell == except || IsSuppressed(states_[t.cell]) || values_[t.cell] <= 0) continue;
      Candidate c{t.coef < 0, values_[t.cell], 0, t.cell};
      if (std::tie(c.total, c.value) > std::tie(best.total, best.value)) continue;
      c.cascade = Cascade(t.cell, r);
      best = std::min(best, c);
    }
    return best;
  }

  // The primary member of the given rows with the largest count (ties: the lowest index).
  size_t PrimaryToDemote(std::span<const size_t> rows) const {
    size_t best = kNone;
    for (size_t r : rows)
      for (const Term& t : m_.rows[r])
        if (states_[t.cell] == CellState::kPrimary &&
            (best == kNone || values_[t.cell] > values_[best] ||
             (values_[t.cell] == values_[best] && t.cell < best)))
          best = t.cell;
    return best;
  }

  void SuppressCell(size_t cell, std::vector<size_t>& work) {
    states_[cell] = CellState::kComplementary;
    for (size_t r : m_.RowsOf(cell)) {
      ++count_[r];
      work.push_back(r);
    }
  }

  // Step 2: until no constraint has exactly one suppressed member.
  void Greedy(std::vector<size_t>& work) {
    while (!work.empty()) {
      size_t r = work.back();
      work.pop_back();
      if (count_[r] != 1) continue;
      size_t alone = kNone;
      for (const Term& t : m_.rows[r])
        if (IsSuppressed(states_[t.cell])) alone = t.cell;
      Candidate c = BestInRow(r, alone);
      if (c.cell != kNone) SuppressCell(c.cell, work);
    }
  }

  // Step 3: the suppressed cells no feasible point moves by one.
  std::vector<size_t> Certify(const Components& comps, const Propagator& prop) {
    std::vector<size_t> exposed;
    for (size_t k = 0; k < comps.cells.size(); ++k) {
      const auto& cells = comps.cells[k];
      if (std::all_of(cells.begin(), cells.end(), [&](size_t c) { return certified_[c]; }))
        continue;
      const Reduced red =
          Reduce(m_, values_, states_, Marks{threshold_}, cells, comps.rows[k], local_);
      const size_t ncols = red.col_cell.size();
      std::vector<double> truth(ncols);
      std::vector<Bounds> known(ncols, Bounds{-kInf, kInf});
      for (size_t c = 0; c < ncols; ++c)
        truth[c] = static_cast<double>(values_[cells[red.col_cell[c]]]);
      std::vector<char> open_col(ncols, 0);
      for (size_t j = 0; j < cells.size(); ++j) {
        const int c = red.of[j].col;
        const Bounds b = red.ToCol(j, prop.Of(cells[j]));
        known[c] = {std::max(known[c].lo, b.lo), std::min(known[c].hi, b.hi)};
        if (!certified_[cells[j]]) open_col[c] = 1;
      }
      std::vector<int> open;
      for (size_t c = 0; c < ncols; ++c)
        if (open_col[c]) open.push_back(static_cast<int>(c));
      std::vector<char> left(ncols, 0);
      if (red.infeasible) {
        std::fill(left.begin(), left.end(), 1);
      } else {
        ComponentLp lp(red);
        for (int c : Certifier(lp, std::move(truth), std::move(known)).Run(open)) left[c] = 1;
      }
      for (size_t j = 0; j < cells.size(); ++j) {
        certified_[cells[j]] = !left[red.of[j].col];
        if (left[red.of[j].col]) exposed.push_back(cells[j]);
      }
    }
    std::sort(exposed.begin(), exposed.end());
    return exposed;
  }

  // Step 4: one change per exposed cell whose constraints no earlier change of this round
  // touched. Returns false when nothing could be changed.
  bool Repair(const std::vector<size_t>& exposed, const Propagator& prop, const Components& comps,
              std::vector<size_t>& work, SuppressionResult& result) {
    std::vector<char> touched(m_.rows.size(), 0);
    bool changed = false;
    auto apply = [&](size_t cell, bool demote) {
      for (size_t r : m_.RowsOf(cell)) touched[r] = 1;
      if (demote) {
        states_[cell] = CellState::kComplementary;
        ++result.demoted;
        for (size_t r : m_.RowsOf(cell)) work.push_back(r);
      } else {
        SuppressCell(cell, work);
      }
      certified_[cell] = false;
      changed = true;
    };
    for (size_t e : exposed) {
      const auto rows = m_.RowsOf(e);
      if (std::any_of(rows.begin(), rows.end(), [&](size_t r) { return touched[r]; })) continue;
      for (size_t r : rows) touched[r] = 1;
      // The constraints that by themselves pin one side of e: loosening one of them is what
      // helps, by suppressing a shown member or, failing that, turning a "<5" member into "x".
      const double v = static_cast<double>(values_[e]);
      std::vector<size_t> tight;
      for (size_t r : rows) {
        Bounds b = prop.Implied(r, e);
        if (b.lo > v - 1 + kEps || b.hi < v + 1 - kEps) tight.push_back(r);
      }
      bool done = false;
      for (std::span<const size_t> group : {std::span<const size_t>(tight), rows}) {
        Candidate best;
        for (size_t r : group) best = std::min(best, BestInRow(r, e));
        size_t demote = best.cell == kNone ? PrimaryToDemote(group) : kNone;
        if (best.cell != kNone || demote != kNone) {
          apply(best.cell != kNone ? best.cell : demote, best.cell == kNone);
          done = true;
          break;
        }
      }
      if (done) continue;
      // Every member of e's constraints is suppressed or zero: loosen the component elsewhere.
      const auto& comp_rows = comps.rows[comps.of_cell[e]];
      Candidate best;
      for (size_t r : comp_rows) best = std::min(best, BestInRow(r, kNone));
      size_t demote = best.cell == kNone ? PrimaryToDemote(comp_rows) : kNone;
      if (best.cell != kNone || demote != kNone)
        apply(best.cell != kNone ? best.cell : demote, best.cell == kNone);
    }
    return changed;
  }

  const std::vector<int64_t>& values_;
  SuppressionOptions options_;
  int64_t threshold_;
  Model m_;
  std::vector<CellState> states_;
  std::vector<int> count_;  // suppressed members per row
  std::vector<bool> certified_;
  std::vector<int> local_;  // scratch: a cell's index in its component
};

}  // namespace

SuppressionResult Suppress(const SuppressionProblem& problem, const SuppressionOptions& options) {
  return Suppressor(problem, options).Run();
}

namespace {

AuditResult AuditModel(const Model& m, const std::vector<int64_t>& values,
                       const std::vector<CellState>& states, const SuppressionOptions& options,
                       const Marks& marks) {
  const size_t n = values.size();
  const Components comps = FindComponents(m, states);
  // Valid (real) bounds from propagation: an LP point that reaches one proves it exact, so most
  // bounds need no LP of their own.
  const Propagator prop(m, values, states, marks, /*integer=*/false);
  std::vector<int> local(n, -1);
  AuditResult out;
  for (size_t k = 0; k < comps.cells.size(); ++k) {
    const auto& cells = comps.cells[k];
    const Reduced red = Reduce(m, values, states, marks, cells, comps.rows[k], local);
    const size_t ncols = red.col_cell.size();
    std::vector<Bounds> found = red.bounds;  // per column: valid bounds, exact once known
    bool failed = red.infeasible;
    for (size_t j = 0; j < cells.size(); ++j) {
      const Bounds b = red.ToCol(j, prop.Of(cells[j]));
      Bounds& f = found[red.of[j].col];
      f = {std::max(f.lo, b.lo), std::min(f.hi, b.hi)};
      failed = failed || prop.Crossed(cells[j]) || f.lo > f.hi + kEps;
    }
    std::vector<char> min_known(ncols, 0), max_known(ncols, 0);
    ComponentLp lp(red);
    // Marks the bounds the current LP point reaches.
    auto harvest = [&]() {
      for (size_t c = 0; c < ncols; ++c) {
        const double x = lp.Value(static_cast<int>(c));
        if (!min_known[c] && found[c].lo != -kInf && x <= found[c].lo + kEps) min_known[c] = 1;
        if (!max_known[c] && found[c].hi != kInf && x >= found[c].hi - kEps) max_known[c] = 1;
      }
    };
    // Optimises the sum of the columns with an unknown but finite bound in that direction, while
    // that decides new bounds.
    auto batch = [&](int dir, std::vector<char>& known) {
      while (!failed) {
        std::vector<int> cols;
        for (size_t c = 0; c < ncols; ++c) {
          const double bound = dir == GLP_MIN ? found[c].lo : found[c].hi;
          if (!known[c] && std::isfinite(bound)) cols.push_back(static_cast<int>(c));
        }
        if (cols.empty()) return;
        for (int c : cols) lp.SetObjective(c, 1.0);
        const int status = lp.Solve(dir);
        for (int c : cols) lp.SetObjective(c, 0.0);
        failed = status != GLP_OPT;
        if (failed) return;
        const auto before = std::count(known.begin(), known.end(), 1);
        harvest();
        if (std::count(known.begin(), known.end(), 1) == before) return;
      }
    };
    batch(GLP_MIN, min_known);
    batch(GLP_MAX, max_known);
    // One LP per bound still unknown.
    for (size_t c = 0; c < ncols && !failed; ++c) {
      for (int dir : {GLP_MIN, GLP_MAX}) {
        auto& known = dir == GLP_MIN ? min_known : max_known;
        if (known[c] || failed) continue;
        lp.SetObjective(static_cast<int>(c), 1.0);
        const int status = lp.Solve(dir);
        lp.SetObjective(static_cast<int>(c), 0.0);
        if (status == GLP_UNBND) {
          (dir == GLP_MIN ? found[c].lo : found[c].hi) = dir == GLP_MIN ? -kInf : kInf;
        } else if (status == GLP_OPT) {
          (dir == GLP_MIN ? found[c].lo : found[c].hi) = lp.Value(static_cast<int>(c));
          harvest();
        } else {
          failed = true;
        }
        known[c] = 1;
      }
    }
    if (options.integer_audit) {
      // The attacker also knows that counts are whole numbers: for every cell the LP leaves
      // undetermined, the integer optimum (branch and bound) in each finite direction.
      for (size_t c = 0; c < ncols && !failed; ++c) {
        if (Determined(found[c].lo, found[c].hi)) continue;
        for (int dir : {GLP_MIN, GLP_MAX}) {
          double& bound = dir == GLP_MIN ? found[c].lo : found[c].hi;
          if (!std::isfinite(bound) || failed) continue;
          lp.SetObjective(static_cast<int>(c), 1.0);
          failed = lp.SolveInteger(dir) != GLP_OPT;
          lp.SetObjective(static_cast<int>(c), 0.0);
          if (!failed) bound = lp.IntegerValue(static_cast<int>(c));
        }
      }
    }
    for (size_t j = 0; j < cells.size(); ++j) {
      const Bounds b = red.ToCell(j, found[red.of[j].col]);
      CellInterval iv{cells[j], b.lo, b.hi};
      if (failed) {
        // Infeasible (the published figures contradict each other) or a solver failure: nothing
        // is known to be safe, so every cell of the component counts as exposed at its count.
        iv.min = iv.max = static_cast<double>(values[cells[j]]);
      }
      out.intervals.push_back(iv);
      if (failed || Determined(iv.min, iv.max)) out.exposed.push_back(cells[j]);
    }
  }
  std::sort(out.intervals.begin(), out.intervals.end(),
            [](const CellInterval& a, const CellInterval& b) { return a.cell < b.cell; });
  std::sort(out.exposed.begin(), out.exposed.end());
  return out;
}

}  // namespace

AuditResult Audit(const SuppressionProblem& problem, const std::vector<CellState>& states,
                  const SuppressionOptions& options) {
  std::vector<CellState> all = states;
  all.resize(problem.values.size(), CellState::kShown);
  return AuditModel(BuildModel(problem, false), problem.values, all, options,
                    Marks{options.threshold, &problem.known});
}

}  // namespace aegis::analysis
