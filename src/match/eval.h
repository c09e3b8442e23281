// Ground-truth evaluations of the matcher on public data sets (FEBRL, splink's historical
// figures, Google's ar2en names), shared by `aegis bench match` and the tests.
#pragma once

#include <string>
#include <vector>

#include "match/linkage.h"
#include "match/match.h"
#include "match/tracing.h"
#include "util/status.h"

namespace aegis::match {

// Reads a CSV file with a header row (RFC 4180 quoting; cells trimmed). Errors name the file and
// the line.
Result<Table> ReadCsvTable(const std::string& path);

struct LinkageFigures {
  std::string name;
  Quality quality;
  int64_t candidate_pairs = 0, full_pairs = 0;
  double blocking_recall = 0;  // share of true pairs among the candidates
  double seconds = 0;          // load to result
  long peak_rss_kb = 0;
  double threshold = 0;
  double match_share = 0;
  int em_iterations = 0;
};

// The configurations used on each data set (also a template for new data).
LinkConfig FebrlConfig(bool with_ssn);
LinkConfig HistoricalFiguresConfig();

// FEBRL 4a x 4b, soc_sec_id left out; `dir` holds dataset4a.csv and dataset4b.csv.
Result<LinkageFigures> RunFebrlLinkage(const std::string& dir, int threads);
// De-duplication of FEBRL dataset1/2/3 (`file`).
Result<LinkageFigures> RunFebrlDedup(const std::string& file, int threads);
// splink's historical_figures_with_errors_50k.csv; truth is the cluster column.
Result<LinkageFigures> RunHistoricalFigures(const std::string& file, int threads);

struct TranslitFigures {
  int queries = 0, pool = 0;
  double recall1 = 0, recall5 = 0;
  double seconds = 0;
};
struct Ar2enFigures {
  double train_seconds = 0;
  int train_pairs = 0;
  TranslitFigures test_pool, whole_pool;
};
// Trains on ar2en-train.txt, ranks every test Arabic name against the test Latin names and
// against every distinct Latin name of ar2en.txt. `dir` holds the ar2en files.
Result<Ar2enFigures> RunAr2en(const std::string& dir, int threads, bool whole_pool);

// The Primero-style baseline on the same data: FEBRL 4 (best answer per request; and its
// "likely" band), splink (likely pairs), ar2en (recall@1/@5 of the test pool).
struct BaselineFigures {
  Quality febrl_best, febrl_likely, splink_likely;
  double febrl_seconds = 0, splink_seconds = 0;
  TranslitFigures ar2en;
};
Result<BaselineFigures> RunPrimeroBaseline(const std::string& data_dir, int threads);

// Synthetic tracing at scale: `registered` people (10% without consent), `requests` sought
// people drawn from them with spelling noise, ages as ranges, places at a coarser level.
struct ScaleFigures {
  int64_t registered = 0, indexed = 0, requests = 0;
  double build_seconds = 0, match_seconds = 0, requests_per_second = 0;
  double found_at_1 = 0, found_in_top = 0, likely_share = 0;
  int64_t returned_without_consent = 0;
  long peak_rss_kb = 0;
};
Result<ScaleFigures> RunTracingScale(int64_t registered, int64_t requests, int threads);
// The synthetic people of the scale run (deterministic for a seed); exposed for tests.
std::vector<Person> SyntheticPeople(int64_t n, uint64_t seed);

long PeakRssKb();

}  // namespace aegis::match
