#include "analysis/trend.h"

#include <boost/math/distributions/binomial.hpp>
#include <cstdio>

namespace aegis::analysis {

double BinomialUpper(int64_t k, int64_t n, double p) {
  if (k <= 0) return 1.0;
  if (k > n) return 0.0;
  boost::math::binomial_distribution<double> d(static_cast<double>(n), p);
  return boost::math::cdf(boost::math::complement(d, static_cast<double>(k - 1)));
}

double BinomialLower(int64_t k, int64_t n, double p) {
  if (k >= n) return 1.0;
  if (k < 0) return 0.0;
  boost::math::binomial_distribution<double> d(static_cast<double>(n), p);
  return boost::math::cdf(d, static_cast<double>(k));
}

Trend TestTrend(int64_t current, int64_t previous, int64_t baseline_total, int baseline_periods,
                const TrendOptions& o) {
  Trend t;
  t.current = current;
  t.previous = previous;
  t.baseline_total = baseline_total;
  t.baseline_periods = baseline_periods;
  t.baseline_mean =
      baseline_periods > 0 ? static_cast<double>(baseline_total) / baseline_periods : 0;
  if (current + previous + baseline_total == 0) return t;  // no data
  t.flag = Trend::Flag::kStable;
  if (current + previous > 0) {
    t.p_prev_up = BinomialUpper(current, current + previous, 0.5);
    t.p_prev_down = BinomialLower(current, current + previous, 0.5);
  }
  if (baseline_periods <= 0) return t;
  int64_t n = current + baseline_total;
  double p0 = 1.0 / (baseline_periods + 1);
  t.p_up = BinomialUpper(current, n, p0);
  t.p_down = BinomialLower(current, n, p0);
  if (baseline_total == 0) {
    if (current >= o.emerging_min && t.p_up < o.alpha) t.flag = Trend::Flag::kEmerging;
  } else if (t.p_up < o.alpha && current > t.baseline_mean) {
    t.flag = Trend::Flag::kEscalating;
  } else if (t.p_down < o.alpha && current < t.baseline_mean) {
    t.flag = Trend::Flag::kDeEscalating;
  }
  return t;
}

const char* Trend::Name() const {
  switch (flag) {
    case Flag::kNoData:
      return "no data";
    case Flag::kStable:
      return "stable";
    case Flag::kEmerging:
      return "emerging";
    case Flag::kEscalating:
      return "escalating";
    case Flag::kDeEscalating:
      return "de-escalating";
  }
  return "";
}

std::string Trend::Explain() const {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "%lld now vs %.1f per period over the %d before (exact conditional binomial "
                "test: P(>=)=%.3g, P(<=)=%.3g); previous period %lld",
                static_cast<long long>(current), baseline_mean, baseline_periods, p_up, p_down,
                static_cast<long long>(previous));
  return buf;
}

}  // namespace aegis::analysis
