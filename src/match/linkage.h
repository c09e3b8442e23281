// Probabilistic record linkage (Fellegi-Sunter) with EM-estimated weights, blocking on several
// keys, one-to-one assignment for linking two files and clustering for de-duplication.
//
// Usage: describe the fields and the blocking rules in a LinkConfig, give one Table (find
// duplicates within it) or two (link them), call Run(). Every candidate pair is compared field by
// field into agreement levels; m and u probabilities of each level are estimated by EM over the
// candidate pairs; a pair's weight is the sum of log2(m/u) of its levels (plus a term-frequency
// adjustment for exact agreement on rare values) and its probability follows from the estimated
// share of matches. Explain() gives the field-by-field account of any pair.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "match/match.h"
#include "util/status.h"

namespace aegis::match {

struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;  // each row has columns.size() cells
  int Column(const std::string& name) const;   // -1 when absent
};

enum class FieldKind {
  kName,   // one-part name: exact, Jaro-Winkler levels, phonetic code, consonant key
  kText,   // several parts (full name, address): token similarity levels
  kExact,  // categories (sex, state): equal or not
  kCode,   // identifiers and numbers written by hand (postcode, street number): 0/1/2 edits
  kDate,   // exact, typo or day-month swap, within tolerance, different
};

struct FieldSpec {
  std::string column;
  FieldKind kind = FieldKind::kName;
  bool term_frequency = false;  // weight exact agreement on a rare value more than a common one
  int date_tolerance_days = 366;
  // Names and addresses written in each other's place ("Luke Gazzola" as given name Gazzola,
  // surname Luke): when the values differ, agreement with this column of the other record is
  // its own level.
  std::string swap_with{};
};

enum class KeyOf {
  kValue,            // the normalised value
  kPrefix,           // its first `n` characters
  kMetaphone,        // Double Metaphone primary code of the whole value
  kConsonant,        // the consonant key (script independent)
  kTokens,           // each token: one key per token
  kTokenPhones,      // each token's Double Metaphone code: one key per token
  kTokenConsonants,  // each token's consonant key: one key per token
  kYear,             // year of a date
  kSortedTokens,     // tokens sorted and joined (order-insensitive full name)
};

struct KeyPart {
  std::string column;
  KeyOf of = KeyOf::kValue;
  int n = 0;
};

// Records sharing every part of a rule are compared. Rules are OR-ed.
struct BlockingRule {
  std::vector<KeyPart> parts;
};

struct LinkConfig {
  std::vector<FieldSpec> fields;
  std::vector<BlockingRule> blocking;
  int max_block = 400;     // a key shared by more records than this on one side is skipped
  double threshold = 0.5;  // posterior match probability for a link
  int em_iterations = 40;
  int threads = 2;
  bool one_to_one = false;       // linking two files each free of duplicates
  double prior_match_share = 0;  // 0: estimated by EM
};

struct Link {
  int32_t a = 0, b = 0;  // row in the first table, row in the second (or the same) table
  float weight = 0;      // log2 likelihood ratio
  float probability = 0;
};

struct FieldExplanation {
  std::string column;
  std::string value_a, value_b;
  std::string level;  // "exact", "jaro-winkler >= 0.92", "missing", ...
  double weight = 0;  // log2(m/u) contributed
  double m = 0, u = 0;
};

struct Explanation {
  double weight = 0, probability = 0;
  std::vector<FieldExplanation> fields;
};

struct LinkStats {
  int64_t candidate_pairs = 0;  // pairs compared
  int64_t full_pairs = 0;       // the full cross product (or n(n-1)/2)
  int em_iterations_run = 0;
  double match_share = 0;  // estimated share of matches among candidates
  double seconds_blocking = 0, seconds_comparing = 0, seconds_em = 0;
};

class Linker {
 public:
  ~Linker();
  Linker(Linker&&) noexcept;
  Linker& operator=(Linker&&) noexcept;

  // `right` null: de-duplicate `left`. Tables must outlive the Linker.
  static Result<Linker> Create(LinkConfig config, const Table& left, const Table* right);
  // Blocks, compares, estimates weights, scores. Idempotent.
  Status Run();

  // Pairs at or above the threshold (one-to-one applied when configured), best first.
  const std::vector<Link>& links() const;
  // Every candidate pair with its weight (for other thresholds); a and b as in links().
  const std::vector<Link>& candidates() const;
  // De-duplication: cluster id per row of `left` (connected components of links()).
  std::vector<int32_t> Clusters() const;
  // The same with another probability threshold.
  std::vector<int32_t> Clusters(double min_probability) const;
  Explanation Explain(int32_t a, int32_t b) const;
  const LinkStats& stats() const;
  // Probability for a weight under the estimated share of matches.
  double Probability(double weight) const;

  struct Impl;

 private:
  explicit Linker(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Precision, recall and F1 of predicted pairs against true pairs (pairs as a < b row indexes
// for de-duplication, (left, right) for linking).
struct Quality {
  int64_t true_pairs = 0, predicted = 0, correct = 0;
  double precision = 0, recall = 0, f1 = 0;
};
Quality Evaluate(std::vector<std::pair<int32_t, int32_t>> predicted,
                 std::vector<std::pair<int32_t, int32_t>> truth);
// Pairwise quality of a clustering against true cluster labels, without listing pairs.
Quality EvaluateClusters(const std::vector<int32_t>& predicted,
                         const std::vector<std::string>& truth);

}  // namespace aegis::match
