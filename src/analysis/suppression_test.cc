#include "analysis/suppression.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <vector>

namespace aegis::analysis {
namespace {

using S = CellState;
constexpr double kInf = std::numeric_limits<double>::infinity();

// A table written by hand: cells with their counts, then constraints total = sum(parts).
struct Table {
  SuppressionProblem p;
  size_t Cell(int64_t value) {
    p.values.push_back(value);
    return p.values.size() - 1;
  }
  void Sum(size_t total, std::vector<size_t> parts) {
    p.constraints.push_back({total, std::move(parts)});
  }
};

// What publishing the "<5" cells alone (no complementary suppression) would look like.
std::vector<CellState> PrimaryOnly(const SuppressionProblem& p, int64_t threshold = 5) {
  std::vector<CellState> s(p.values.size(), S::kShown);
  for (size_t i = 0; i < s.size(); ++i)
    if (p.values[i] > 0 && p.values[i] < threshold) s[i] = S::kPrimary;
  return s;
}

const CellInterval* IntervalOf(const AuditResult& a, size_t cell) {
  for (const auto& iv : a.intervals)
    if (iv.cell == cell) return &iv;
  return nullptr;
}

void ExpectInterval(const AuditResult& a, size_t cell, double min, double max) {
  const CellInterval* iv = IntervalOf(a, cell);
  ASSERT_NE(iv, nullptr) << "cell " << cell << " has no interval";
  EXPECT_NEAR(iv->min, min, 1e-9) << "cell " << cell;
  if (max == kInf) {
    EXPECT_EQ(iv->max, kInf) << "cell " << cell;
  } else {
    EXPECT_NEAR(iv->max, max, 1e-9) << "cell " << cell;
  }
}

// A row with one "<5" cell, a zero and a shown total: publishing the others would give the small
// cell by subtraction (20 - 0 - 7 - 10 = 3), so the smallest positive part (7, not the zero) is
// suppressed too.
TEST(SuppressionTest, OneSmallCellInARowWithTotal) {
  Table t;
  size_t a = t.Cell(3), z = t.Cell(0), b = t.Cell(7), c = t.Cell(10), total = t.Cell(20);
  t.Sum(total, {a, z, b, c});

  AuditResult naive = Audit(t.p, PrimaryOnly(t.p), {});
  EXPECT_EQ(naive.exposed, std::vector<size_t>{a});
  ExpectInterval(naive, a, 3, 3);

  SuppressionResult r = Suppress(t.p, {});
  EXPECT_EQ(r.states, (std::vector<CellState>{S::kPrimary, S::kShown, S::kComplementary, S::kShown,
                                              S::kShown}));
  EXPECT_EQ(r.primary, 1);
  EXPECT_EQ(r.complementary, 1);
  AuditResult audit = Audit(t.p, r.states, {});
  EXPECT_TRUE(audit.safe());
  ExpectInterval(audit, a, 1, 4);  // a + b = 10, a in [1, 4]
  ExpectInterval(audit, b, 6, 9);
}

// Two "<5" cells of 1 with a visible total: 10 - 8 = 2 = a + b, and both are at least 1, so both
// are exactly 1 although neither is alone in its constraint. The greedy pass sees nothing to do;
// bound propagation (part of the audit) finds it, and the 8 is suppressed.
TEST(SuppressionTest, TwoSmallCellsSummingToTwo) {
  Table t;
  size_t a = t.Cell(1), b = t.Cell(1), c = t.Cell(8), total = t.Cell(10);
  t.Sum(total, {a, b, c});

  AuditResult naive = Audit(t.p, PrimaryOnly(t.p), {});
  EXPECT_EQ(naive.exposed, (std::vector<size_t>{a, b}));
  ExpectInterval(naive, a, 1, 1);
  ExpectInterval(naive, b, 1, 1);

  SuppressionResult r = Suppress(t.p, {});
  EXPECT_EQ(r.states,
            (std::vector<CellState>{S::kPrimary, S::kPrimary, S::kComplementary, S::kShown}));
  AuditResult audit = Audit(t.p, r.states, {});
  EXPECT_TRUE(audit.safe());
  ExpectInterval(audit, a, 1, 4);
  ExpectInterval(audit, b, 1, 4);
  ExpectInterval(audit, c, 2, 8);
}

// Areas A and B of region R (R = A + B) by month m1..m3 and quarter Q (Q = m1 + m2 + m3):
//
//          m1  m2  m3   Q
//     A     2   6   7  15
//     B     5   8   9  22
//     R     7  14  16  37
//
// A-m1 is "<5". Its row and its column each need a second suppression, which in turn need
// partners: the greedy pass closes the rectangle A-m1, A-m2, B-m1, B-m2.
TEST(SuppressionTest, AreaByMonthGridWithRollUps) {
  Table t;
  const int64_t v[3][4] = {{2, 6, 7, 15}, {5, 8, 9, 22}, {7, 14, 16, 37}};
  size_t c[3][4];
  for (int g = 0; g < 3; ++g)
    for (int m = 0; m < 4; ++m) c[g][m] = t.Cell(v[g][m]);
  for (int m = 0; m < 4; ++m) t.Sum(c[2][m], {c[0][m], c[1][m]});
  for (int g = 0; g < 3; ++g) t.Sum(c[g][3], {c[g][0], c[g][1], c[g][2]});

  AuditResult naive = Audit(t.p, PrimaryOnly(t.p), {});
  EXPECT_EQ(naive.exposed, std::vector<size_t>{c[0][0]});
  ExpectInterval(naive, c[0][0], 2, 2);

  SuppressionResult r = Suppress(t.p, {});
  std::vector<CellState> want(12, S::kShown);
  want[c[0][0]] = S::kPrimary;
  want[c[0][1]] = want[c[1][0]] = want[c[1][1]] = S::kComplementary;
  EXPECT_EQ(r.states, want);
  AuditResult audit = Audit(t.p, r.states, {});
  EXPECT_TRUE(audit.safe());
  // A-m1 = x, A-m2 = 8 - x, B-m1 = 7 - x, B-m2 = 6 + x with x in [1, 4].
  ExpectInterval(audit, c[0][0], 1, 4);
  ExpectInterval(audit, c[0][1], 4, 7);
  ExpectInterval(audit, c[1][0], 3, 6);
  ExpectInterval(audit, c[1][1], 7, 10);

  // The attacker who also uses integrality gets the same intervals here, and Suppress with that
  // audit makes the same choice.
  SuppressionOptions integer{.integer_audit = true};
  AuditResult integer_audit = Audit(t.p, r.states, integer);
  EXPECT_TRUE(integer_audit.safe());
  ExpectInterval(integer_audit, c[0][0], 1, 4);
  ExpectInterval(integer_audit, c[1][1], 7, 10);
  EXPECT_EQ(Suppress(t.p, integer).states, want);

  // Leaving out one corner of the rectangle reopens it: with B-m2 shown, B-m1 = 22 - 8 - 9 = 5,
  // then A-m1 = 7 - 5 = 2 and A-m2 = 14 - 8 = 6.
  std::vector<CellState> holed = want;
  holed[c[1][1]] = S::kShown;
  EXPECT_EQ(Audit(t.p, holed, {}).exposed, (std::vector<size_t>{c[0][0], c[0][1], c[1][0]}));
}

// County C1 = payam P1 (0) + its "not further located" residual R1 (2): the county and the
// residual are both "<5", and the shown zero tells that they are equal. The state total then gives
// the county by difference (S - C2 - Rs = 17 - 10 - 5 = 2), hence the residual: the state's own
// residual (5, the smallest positive part) is suppressed.
TEST(SuppressionTest, ResidualOfASmallCounty) {
  Table t;
  size_t p1 = t.Cell(0), r1 = t.Cell(2), c1 = t.Cell(2);
  size_t p3 = t.Cell(10), r2 = t.Cell(0), c2 = t.Cell(10);
  size_t rs = t.Cell(5), s = t.Cell(17);
  t.Sum(c1, {p1, r1});
  t.Sum(c2, {p3, r2});
  t.Sum(s, {c1, c2, rs});

  AuditResult naive = Audit(t.p, PrimaryOnly(t.p), {});
  EXPECT_EQ(naive.exposed, (std::vector<size_t>{r1, c1}));

  SuppressionResult r = Suppress(t.p, {});
  std::vector<CellState> want(8, S::kShown);
  want[r1] = want[c1] = S::kPrimary;
  want[rs] = S::kComplementary;
  EXPECT_EQ(r.states, want);
  AuditResult audit = Audit(t.p, r.states, {});
  EXPECT_TRUE(audit.safe());
  ExpectInterval(audit, r1, 1, 4);
  ExpectInterval(audit, c1, 1, 4);
  ExpectInterval(audit, rs, 3, 6);  // C1 + Rs = 7
}

// A state's residual Rs = 3 is "<5": the state total minus its counties gives it (24 - 12 - 9).
// The smaller county (9) is suppressed, which leaves C2 = P3 + R2 (R2 = 0) with one suppressed
// member, so its payam is suppressed as well: the complementary suppression runs down the tree.
TEST(SuppressionTest, ResidualOfAStateCascadesDown) {
  Table t;
  size_t p1 = t.Cell(5), p2 = t.Cell(7), r1 = t.Cell(0), c1 = t.Cell(12);
  size_t p3 = t.Cell(9), r2 = t.Cell(0), c2 = t.Cell(9);
  size_t rs = t.Cell(3), s = t.Cell(24);
  t.Sum(c1, {p1, p2, r1});
  t.Sum(c2, {p3, r2});
  t.Sum(s, {c1, c2, rs});

  AuditResult naive = Audit(t.p, PrimaryOnly(t.p), {});
  EXPECT_EQ(naive.exposed, std::vector<size_t>{rs});
  ExpectInterval(naive, rs, 3, 3);

  SuppressionResult r = Suppress(t.p, {});
  std::vector<CellState> want(9, S::kShown);
  want[rs] = S::kPrimary;
  want[c2] = want[p3] = S::kComplementary;
  EXPECT_EQ(r.states, want);
  AuditResult audit = Audit(t.p, r.states, {});
  EXPECT_TRUE(audit.safe());
  ExpectInterval(audit, rs, 1, 4);
  ExpectInterval(audit, c2, 8, 11);
  ExpectInterval(audit, p3, 8, 11);

  // Suppressing the county but not its payam is not enough: C2 = P3 + 0.
  std::vector<CellState> half = want;
  half[p3] = S::kShown;
  EXPECT_EQ(Audit(t.p, half, {}).exposed, (std::vector<size_t>{c2, rs}));
}

// One payam over two quarters and the year:
//
//     m1 m2 m3 Q1 | m4 m5 m6 Q2 | Y
//      1  3  0  4 |  6  7  7 20 | 24
//
// Q1, m1 and m2 are "<5". Within Q1 nothing is given away (m1 + m2 = Q1, all three small), but
// the difference between periods, Y - Q2 = 4, gives Q1. Q2 is suppressed, and then one of its
// months (the smallest, m4), or Q2 would be m4 + m5 + m6.
TEST(SuppressionTest, QuarterRecoveredAsYearMinusOtherQuarter) {
  Table t;
  size_t m1 = t.Cell(1), m2 = t.Cell(3), m3 = t.Cell(0), q1 = t.Cell(4);
  size_t m4 = t.Cell(6), m5 = t.Cell(7), m6 = t.Cell(7), q2 = t.Cell(20);
  size_t y = t.Cell(24);
  t.Sum(q1, {m1, m2, m3});
  t.Sum(q2, {m4, m5, m6});
  t.Sum(y, {q1, q2});

  AuditResult naive = Audit(t.p, PrimaryOnly(t.p), {});
  EXPECT_EQ(naive.exposed, std::vector<size_t>{q1});
  ExpectInterval(naive, q1, 4, 4);
  ExpectInterval(naive, m1, 1, 3);  // m1 + m2 = 4 with both >= 1: not determined

  SuppressionResult r = Suppress(t.p, {});
  std::vector<CellState> want(9, S::kShown);
  want[m1] = want[m2] = want[q1] = S::kPrimary;
  want[m4] = want[q2] = S::kComplementary;
  EXPECT_EQ(r.states, want);
  AuditResult audit = Audit(t.p, r.states, {});
  EXPECT_TRUE(audit.safe());
  ExpectInterval(audit, q1, 2, 4);  // Q1 + m4 = 10, Q1 = m1 + m2 >= 2
  ExpectInterval(audit, m4, 6, 8);
  ExpectInterval(audit, q2, 20, 22);
  ExpectInterval(audit, m1, 1, 3);
}

// A "<5" county of 4 whose four payams are each "<5": each payam is at least 1 and they sum to at
// most 4, so each is exactly 1 and the county is 4, whatever else is suppressed. Publishing one of
// them (the county, the largest) as "x" instead of "<5" breaks this.
TEST(SuppressionTest, SmallTotalOfSmallPartsIsPublishedAsX) {
  Table t;
  size_t p[4];
  for (size_t& c : p) c = t.Cell(1);
  size_t county = t.Cell(4);
  t.Sum(county, {p[0], p[1], p[2], p[3]});

  AuditResult naive = Audit(t.p, PrimaryOnly(t.p), {});
  EXPECT_EQ(naive.exposed, (std::vector<size_t>{p[0], p[1], p[2], p[3], county}));

  SuppressionResult r = Suppress(t.p, {});
  EXPECT_EQ(r.states, (std::vector<CellState>{S::kPrimary, S::kPrimary, S::kPrimary, S::kPrimary,
                                              S::kComplementary}));
  EXPECT_EQ(r.demoted, 1);
  EXPECT_EQ(r.primary, 4);
  EXPECT_EQ(r.complementary, 1);
  AuditResult audit = Audit(t.p, r.states, {});
  EXPECT_TRUE(audit.safe());
  ExpectInterval(audit, p[0], 1, 4);
  ExpectInterval(audit, county, 4, 16);
}

// The threshold is an option. With 3, a 3 is shown and 1-2 are "<3"; with 2, "<2" would mean
// exactly 1, so such cells are published as "x" from the start.
TEST(SuppressionTest, ThresholdIsConfigurable) {
  Table t;
  size_t a = t.Cell(1), b = t.Cell(3), c = t.Cell(6), total = t.Cell(10);
  t.Sum(total, {a, b, c});

  SuppressionOptions three{.threshold = 3};
  EXPECT_EQ(Audit(t.p, PrimaryOnly(t.p, 3), three).exposed, std::vector<size_t>{a});
  SuppressionResult r3 = Suppress(t.p, three);
  EXPECT_EQ(r3.states,
            (std::vector<CellState>{S::kPrimary, S::kComplementary, S::kShown, S::kShown}));
  EXPECT_TRUE(Audit(t.p, r3.states, three).safe());

  SuppressionOptions two{.threshold = 2};
  AuditResult naive2 = Audit(t.p, PrimaryOnly(t.p, 2), two);
  EXPECT_EQ(naive2.exposed, std::vector<size_t>{a});  // "<2" is 1
  ExpectInterval(naive2, a, 1, 1);
  SuppressionResult r2 = Suppress(t.p, two);
  EXPECT_EQ(r2.states,
            (std::vector<CellState>{S::kComplementary, S::kComplementary, S::kShown, S::kShown}));
  EXPECT_EQ(r2.demoted, 1);
  EXPECT_EQ(r2.primary, 0);
  AuditResult audit2 = Audit(t.p, r2.states, two);
  EXPECT_TRUE(audit2.safe());
  ExpectInterval(audit2, a, 0, 4);  // a + b = 4, both "x"
}

// What the audit reports: unbounded "x" cells, and a table whose counts break a constraint.
TEST(SuppressionTest, AuditIntervalsAndBrokenConstraints) {
  Table t;
  size_t a = t.Cell(3), b = t.Cell(7), total = t.Cell(10);
  t.Sum(total, {a, b});
  AuditResult audit = Audit(t.p, {S::kPrimary, S::kComplementary, S::kComplementary}, {});
  EXPECT_TRUE(audit.safe());
  ASSERT_EQ(audit.intervals.size(), 3u);
  ExpectInterval(audit, a, 1, 4);
  ExpectInterval(audit, b, 0, kInf);
  ExpectInterval(audit, total, 1, kInf);

  // Counts that break their constraint (3 + 7 != 20): the attacker's system is contradictory
  // (a = 20 - 7 = 13 is not "<5"), which the audit reports as exposed at the true count.
  t.p.values[total] = 20;
  AuditResult broken = Audit(t.p, {S::kPrimary, S::kShown, S::kShown}, {});
  EXPECT_EQ(broken.exposed, std::vector<size_t>{a});
  ExpectInterval(broken, a, 3, 3);
  // Suppress ignores the broken constraint: only the "<5" cell is left.
  EXPECT_EQ(Suppress(t.p, {}).states, (std::vector<CellState>{S::kPrimary, S::kShown, S::kShown}));

  // A cell in no constraint: "<5" tells [1, 4].
  Table lone;
  size_t only = lone.Cell(2);
  SuppressionResult r = Suppress(lone.p, {});
  EXPECT_EQ(r.states, std::vector<CellState>{S::kPrimary});
  AuditResult alone = Audit(lone.p, r.states, {});
  EXPECT_TRUE(alone.safe());
  ExpectInterval(alone, only, 1, 4);
}

// Odd input: an empty table, a constraint given twice, one naming a cell that does not exist
// (ignored), a part listed twice (it counts twice).
TEST(SuppressionTest, OddInput) {
  EXPECT_TRUE(Suppress({}, {}).states.empty());
  EXPECT_TRUE(Audit({}, {}, {}).safe());

  Table t;
  size_t a = t.Cell(3), b = t.Cell(7), total = t.Cell(10), twice = t.Cell(14);
  t.Sum(total, {a, b});
  t.Sum(total, {a, b});
  t.Sum(99, {a});
  t.Sum(twice, {b, b});
  SuppressionResult r = Suppress(t.p, {});
  EXPECT_EQ(r.states,
            (std::vector<CellState>{S::kPrimary, S::kComplementary, S::kShown, S::kComplementary}));
  AuditResult audit = Audit(t.p, r.states, {});
  EXPECT_TRUE(audit.safe());
  ExpectInterval(audit, a, 1, 4);
  ExpectInterval(audit, b, 6, 9);
  ExpectInterval(audit, twice, 12, 18);
}

// A geography tree (every internal area = its children + a "not further located" residual) x a
// time tree (year = quarters, quarter = its three months); counts drawn for the leaf areas and
// months, rolled up both ways.
struct Hierarchy {
  SuppressionProblem p;
  size_t areas = 0, periods = 0;
};

// fanout[k] = {min, max} children of an area at depth k (depth 0: the country).
Hierarchy MakeHierarchy(std::mt19937& rng, const std::vector<std::pair<int, int>>& fanout,
                        int quarters, double mean) {
  struct Area {
    int parent = -1;
    std::vector<int> children;  // the residual last
  };
  std::vector<Area> areas(1);
  std::vector<int> level{0};
  for (const auto& [lo, hi] : fanout) {
    std::vector<int> next;
    for (int a : level) {
      int k = std::uniform_int_distribution<int>(lo, hi)(rng);
      for (int i = 0; i <= k; ++i) {  // k sub-areas and the residual
        areas.push_back({a, {}});
        areas[a].children.push_back(static_cast<int>(areas.size()) - 1);
        if (i < k) next.push_back(static_cast<int>(areas.size()) - 1);
      }
    }
    level = std::move(next);
  }
  const int months = 3 * quarters;
  const int periods = months + quarters + 1;  // months, quarters, year
  Hierarchy h;
  h.areas = areas.size();
  h.periods = periods;
  auto cell = [periods](size_t a, int t) { return a * periods + t; };
  h.p.values.assign(areas.size() * periods, 0);
  // Leaf counts: mostly small, with a few busy areas.
  std::gamma_distribution<double> busy(0.6, mean / 0.6);
  for (size_t a = areas.size(); a-- > 0;) {
    if (areas[a].children.empty()) {
      double rate = busy(rng);
      for (int m = 0; m < months; ++m)
        h.p.values[cell(a, m)] = std::poisson_distribution<int64_t>(rate)(rng);
    } else {
      for (int m = 0; m < months; ++m)
        for (int c : areas[a].children) h.p.values[cell(a, m)] += h.p.values[cell(c, m)];
    }
    for (int q = 0; q < quarters; ++q) {
      int64_t sum = 0;
      for (int m = 3 * q; m < 3 * q + 3; ++m) sum += h.p.values[cell(a, m)];
      h.p.values[cell(a, months + q)] = sum;
      h.p.values[cell(a, periods - 1)] += sum;
    }
  }
  for (size_t a = 0; a < areas.size(); ++a) {
    for (int t = 0; t < periods && !areas[a].children.empty(); ++t) {
      std::vector<size_t> parts;
      for (int c : areas[a].children) parts.push_back(cell(c, t));
      h.p.constraints.push_back({cell(a, t), parts});
    }
    for (int q = 0; q < quarters; ++q)
      h.p.constraints.push_back(
          {cell(a, months + q), {cell(a, 3 * q), cell(a, 3 * q + 1), cell(a, 3 * q + 2)}});
    std::vector<size_t> qs(quarters);
    for (int q = 0; q < quarters; ++q) qs[q] = cell(a, months + q);
    h.p.constraints.push_back({cell(a, periods - 1), qs});
  }
  return h;
}

// Checks what must hold after Suppress, whatever the table, given the audit of its result.
void ExpectProtected(const SuppressionProblem& p, const SuppressionResult& r,
                     const SuppressionOptions& o, const AuditResult& audit) {
  ASSERT_EQ(r.states.size(), p.values.size());
  int64_t primary = 0, complementary = 0;
  for (size_t i = 0; i < p.values.size(); ++i) {
    const int64_t v = p.values[i];
    if (v > 0 && v < o.threshold) {
      EXPECT_NE(r.states[i], S::kShown) << "small cell " << i;
    }
    if (r.states[i] == S::kPrimary) {
      EXPECT_TRUE(v > 0 && v < o.threshold) << "cell " << i << " = " << v;
      ++primary;
    }
    if (r.states[i] == S::kComplementary) {
      EXPECT_GT(v, 0) << "a zero is never suppressed";
      ++complementary;
    }
  }
  EXPECT_EQ(r.primary, primary);
  EXPECT_EQ(r.complementary, complementary);
  EXPECT_TRUE(audit.safe()) << audit.exposed.size() << " exposed, first " << audit.exposed[0];
  EXPECT_EQ(audit.intervals.size(), static_cast<size_t>(primary + complementary));
  for (const auto& iv : audit.intervals) {
    const double v = static_cast<double>(p.values[iv.cell]);
    EXPECT_LE(iv.min, v + 1e-6);
    EXPECT_GE(iv.max, v - 1e-6);
    EXPECT_GE(iv.max - iv.min, 1 - 1e-6) << "cell " << iv.cell;
  }
}

// Random hierarchical tables (fixed seeds): after Suppress, no small cell is shown and no
// suppressed cell can be recovered, neither by the LP attacker nor by one who also uses that
// counts are whole numbers (integer programs); without complementary suppression the audit
// nearly always finds one (checked over the whole run, so that the test can fail).
TEST(SuppressionTest, RandomHierarchicalTablesAreProtected) {
  int naive_exposed = 0, tables = 0;
  for (unsigned seed = 1; seed <= 60; ++seed) {
    std::mt19937 rng(seed);
    std::vector<std::pair<int, int>> fanout(1 + seed % 3);
    for (size_t d = 0; d < fanout.size(); ++d) fanout[d] = {1, 4 - static_cast<int>(d)};
    int quarters = 1 + static_cast<int>(seed % 4);
    double mean = std::vector<double>{0.4, 1.0, 2.5, 6.0}[seed % 4];
    SuppressionOptions o;
    o.threshold = std::vector<int64_t>{5, 5, 3, 10, 2}[seed % 5];
    Hierarchy h = MakeHierarchy(rng, fanout, quarters, mean);
    SCOPED_TRACE(testing::Message() << "seed " << seed << ", " << h.areas << " areas x "
                                    << h.periods << " periods, threshold " << o.threshold);
    SuppressionResult r = Suppress(h.p, o);
    ExpectProtected(h.p, r, o, Audit(h.p, r.states, o));
    SuppressionOptions integer = o;
    integer.integer_audit = true;
    EXPECT_TRUE(Audit(h.p, r.states, integer).safe());
    ++tables;
    if (!Audit(h.p, PrimaryOnly(h.p, o.threshold), o).safe()) ++naive_exposed;
  }
  EXPECT_GE(naive_exposed, tables * 3 / 4);
}

// A payam-level table the size of South Sudan's (10 states, 80 counties, 512 payams, a residual
// under each state and county) x 17 periods (12 months, 4 quarters, the year), for a rare risk and
// a common one. Prints the time taken.
TEST(SuppressionTest, SouthSudanSizedPayamTable) {
  for (double mean : {0.3, 3.0}) {
    std::mt19937 rng(7);
    // Country -> 10 states -> 8 counties each -> 6 or 7 payams each (about 512).
    Hierarchy h = MakeHierarchy(rng, {{10, 10}, {8, 8}, {6, 7}}, 4, mean);
    auto t0 = std::chrono::steady_clock::now();
    SuppressionResult r = Suppress(h.p, {});
    auto t1 = std::chrono::steady_clock::now();
    AuditResult audit = Audit(h.p, r.states, {});
    auto t2 = std::chrono::steady_clock::now();
    auto ms = [](auto d) { return std::chrono::duration<double, std::milli>(d).count(); };
    std::printf(
        "[ timing   ] %zu areas x %zu periods = %zu cells, %zu constraints, mean %.1f: "
        "%lld primary, %lld complementary (%lld demoted); Suppress %.0f ms, Audit %.0f ms\n",
        h.areas, h.periods, h.p.values.size(), h.p.constraints.size(), mean,
        static_cast<long long>(r.primary), static_cast<long long>(r.complementary),
        static_cast<long long>(r.demoted), ms(t1 - t0), ms(t2 - t1));
    ExpectProtected(h.p, r, {}, audit);
  }
}

}  // namespace
}  // namespace aegis::analysis
