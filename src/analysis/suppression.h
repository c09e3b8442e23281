// Small-cell suppression for safe aggregates: the contract between the aggregation engine and the
// suppression algorithm.
//
// A table is a set of non-negative integer cells linked by additive constraints
// (total = sum of parts): an area's figure is the sum of its sub-areas' figures plus its
// "not further located" residual; a quarter's figure is the sum of its months'. The engine
// builds one problem per published table (for example one risk's area x month grid with its
// roll-ups) and publishes each cell as its state says.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace aegis::analysis {

struct SuppressionProblem {
  struct Constraint {
    size_t total = 0;           // index of the total cell
    std::vector<size_t> parts;  // indices of the part cells; total = sum(parts)
  };
  std::vector<int64_t> values;  // every cell's true count (>= 0)
  std::vector<Constraint> constraints;
  // What else the release tells an attacker about a cell (the interval a published phase's
  // thresholds put it in, for example): empty, or one interval per cell. Audit narrows each
  // suppressed cell's mark with it; Suppress ignores it.
  struct Known {
    int64_t lo = 0;
    int64_t hi = std::numeric_limits<int64_t>::max();
  };
  std::vector<Known> known;
};

struct SuppressionOptions {
  // Counts from 1 to threshold-1 are primary-suppressed (shown as "<threshold"); 0 is shown.
  int64_t threshold = 5;
  // The attacker also uses the fact that counts are whole numbers: for every cell the linear
  // programs leave undetermined, Audit then solves the integer programs (branch and bound) and
  // reports integer intervals, and Suppress repairs what that audit finds. Exact against such an
  // attacker but far slower (about a minute for a payam x 17-period table); meant for tests and
  // spot checks. In every table tried, the integer intervals equalled the LP ones.
  bool integer_audit = false;
};

enum class CellState : uint8_t {
  kShown,          // the exact count is published
  kPrimary,        // 1..threshold-1: published as "<5"
  kComplementary,  // suppressed so that a primary cell cannot be recovered: published as "x"
                   // (also a 1..threshold-1 count that "<5" would give away: see `demoted`)
};

struct SuppressionResult {
  std::vector<CellState> states;  // one per cell
  int64_t primary = 0, complementary = 0;
  // Cells from 1 to threshold-1 published as "x" (kComplementary, included in `complementary`)
  // rather than "<5", because "<5" alone would give them away: e.g. a "<5" county whose four
  // payams are each "<5" (each is then exactly 1), or any "<2" cell.
  int64_t demoted = 0;
};

// Primary suppression, then complementary suppression until no suppressed cell can be recovered
// exactly from the published cells and the constraints (see Audit). Only cells with a positive
// count are suppressed. The counts must satisfy the constraints; a constraint they break is
// ignored here (Audit then reports the cells of a component whose published figures contradict
// each other as exposed). The algorithm, why it is safe and its limits are described at the top
// of suppression.cc.
SuppressionResult Suppress(const SuppressionProblem& problem, const SuppressionOptions& options);

// The attacker's view: published cells are known, a "<5" cell lies in [1, threshold-1], an "x"
// cell in [0, +inf), and every constraint holds. For each suppressed cell, the smallest and
// largest values it can take (linear programming; max is +infinity when unbounded). A cell is
// exposed when they are equal, or more generally when [min, max] holds a single integer (the
// true count).
struct CellInterval {
  size_t cell = 0;
  double min = 0, max = 0;
};
struct AuditResult {
  std::vector<CellInterval> intervals;  // one per suppressed cell, by cell index
  std::vector<size_t> exposed;          // suppressed cells whose value is determined (sorted);
                                        // and every cell of a component whose published
                                        // figures contradict each other (counts that break a
                                        // constraint), with the interval [count, count]
  bool safe() const { return exposed.empty(); }
};
AuditResult Audit(const SuppressionProblem& problem, const std::vector<CellState>& states,
                  const SuppressionOptions& options);

// GLPK keeps an environment per thread (glp_init_env on first use), which it frees only when told:
// a server's worker thread that solves a suppression audit and then exits would leak it. Every
// code that calls GLPK calls this first: the thread frees its environment when it exits.
void UseGlpkOnThisThread();

}  // namespace aegis::analysis
