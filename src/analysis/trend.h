// Trend flags from an exact test that is sound for small counts.
//
// The counts of a risk in an area are treated as Poisson. Given the current period's count x and
// the baseline's total b over k periods of the same length, under "no change" x is, conditional
// on n = x + b, Binomial(n, 1 / (k + 1)). The one-sided tail probabilities of that exact
// conditional test (Przyborowski and Wilenski 1940; the standard comparison of two Poisson
// rates) decide the flag; no normal approximation, so 0, 1 or 3 incidents are handled correctly.
#pragma once

#include <cstdint>
#include <string>

namespace aegis::analysis {

struct TrendOptions {
  int baseline_periods = 6;  // trailing periods of the same length as the current one
  double alpha = 0.05;       // one-sided significance level
  int64_t emerging_min = 3;  // an emerging risk needs at least this many incidents
};

struct Trend {
  enum class Flag { kNoData, kStable, kEmerging, kEscalating, kDeEscalating };
  Flag flag = Flag::kNoData;
  int64_t current = 0, previous = 0, baseline_total = 0;
  int baseline_periods = 0;
  double baseline_mean = 0;               // per period
  double p_up = 1, p_down = 1;            // P(X >= current), P(X <= current) under "no change"
  double p_prev_up = 1, p_prev_down = 1;  // the same test against the previous period alone
  const char* Name() const;               // "emerging", "escalating", ...
  std::string Explain() const;            // the figures behind the flag, in words
};

Trend TestTrend(int64_t current, int64_t previous, int64_t baseline_total, int baseline_periods,
                const TrendOptions& options);

// Binomial tails, exact (Boost.Math): P(X >= k) and P(X <= k) for X ~ Binomial(n, p).
double BinomialUpper(int64_t k, int64_t n, double p);
double BinomialLower(int64_t k, int64_t n, double p);

}  // namespace aegis::analysis
