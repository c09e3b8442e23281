// Family tracing (requests against registered people), incident de-duplication candidates, and
// a Primero-style baseline matcher for comparison. Plain structs in, ranked candidates out; no
// store access: a store supplies decisions through DecisionSource.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "match/linkage.h"
#include "match/match.h"
#include "util/status.h"

namespace aegis::match {

// A person sought (in a tracing request) or registered (a child or adult on record).
struct Person {
  std::string id;
  std::string name;                  // full name, any script, any order of parts
  std::string sex;                   // "m", "f", "male", "female", or empty
  int age_min = -1, age_max = -1;    // estimated age in years (a range), -1 when unknown
  std::string date_of_birth;         // optional, YYYY-MM-DD or YYYY
  std::string place;                 // P-code of the last known place, e.g. SS0101
  std::string relative_names;        // mother, father or caregiver, any script
  bool consent_for_tracing = false;  // registered records only: false => never returned
};

enum class Band { kLikely, kPossible };
const char* BandName(Band b);

struct Candidate {
  std::string request_id, record_id;
  double probability = 0;  // calibrated: see doc/match.md
  double weight = 0;       // log2 likelihood ratio, the sum of the fields' weights
  Band band = Band::kPossible;
  std::vector<FieldExplanation> fields;  // why, field by field
};

// Decisions taken on proposed pairs. A store implements this to persist and audit them.
class DecisionSource {
 public:
  virtual ~DecisionSource() = default;
  // True when this pair was rejected: it is never proposed again.
  virtual bool IsRejected(const std::string& request_id, const std::string& record_id) const = 0;
};

class InMemoryDecisions : public DecisionSource {
 public:
  void Reject(const std::string& request_id, const std::string& record_id);
  void Confirm(const std::string& request_id, const std::string& record_id);
  bool IsRejected(const std::string& request_id, const std::string& record_id) const override;
  bool IsConfirmed(const std::string& request_id, const std::string& record_id) const;

 private:
  static std::string Key(const std::string& a, const std::string& b);
  std::unordered_set<std::string> rejected_, confirmed_;
};

struct TracingOptions {
  int top = 20;            // candidates per request at most
  double likely = 0.90;    // probability at or above: "likely"
  double possible = 0.30;  // at or above: "possible"; below: not shown
  int max_block = 1000;    // a one-part name key shared by more people is not used (pairs: x10)
  // Prior probability that the person a request seeks is registered (and found by blocking);
  // a candidate's probability is the posterior among the request's candidates (tracing.cc).
  double prior = 0.5;
  int threads = 2;
  const TranslitModel* model = nullptr;  // Arabic-Latin name pairs; rules alone when null
};

// Prepared registered records with their blocking index; build once, query many times.
class TracingIndex {
 public:
  TracingIndex();
  ~TracingIndex();
  TracingIndex(TracingIndex&&) noexcept;
  TracingIndex& operator=(TracingIndex&&) noexcept;

  // Records without consent for tracing are left out here, so no query can return them.
  static Result<TracingIndex> Build(std::vector<Person> registered, const TracingOptions& options);
  size_t size() const;  // records indexed (with consent)

  // Ranked candidates for each request (in request order, best first within a request).
  std::vector<std::vector<Candidate>> Match(const std::vector<Person>& requests,
                                            const DecisionSource* decisions) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// --- Incident de-duplication -----------------------------------------------------------------

struct IncidentRecord {
  std::string id, source;  // pairs are proposed only across different sources
  std::string date;        // YYYY-MM-DD
  std::string pcode;       // area P-code at any level; hierarchy by prefix
  uint32_t risk_mask = 0;  // protection risks, bit = 2^(risk id - 1)
  int victims = -1, killed = -1;
  std::string narrative;
};

struct IncidentPair {
  int32_t a = 0, b = 0;  // indexes into the input
  double score = 0;      // 0..1
  std::vector<std::string> reasons;
};

struct IncidentDedupOptions {
  int date_window_days = 3;
  double min_score = 0.6;
};

// Candidate duplicate pairs for an analyst to confirm, best first.
std::vector<IncidentPair> IncidentDuplicateCandidates(const std::vector<IncidentRecord>& incidents,
                                                      const IncidentDedupOptions& options);

// --- Primero-style baseline ------------------------------------------------------------------

// Behaves as Primero's matcher is documented to (../shared/reference/peers.md): an OR query of
// weighted field groups over tokens (names also as Double Metaphone codes, non-Latin words not
// encoded), tf-idf-like scores, top 20, normalised by the best, hits <= 0.1 dropped, "likely"
// when a single hit survives or score - mean > 0.7. Consent is filtered.
struct BaselineField {
  std::string column;
  double boost = 1;
  bool phonetic = false;
};
struct BaselineHit {
  int32_t row = 0;
  double score = 0;  // normalised by the best
  Band band = Band::kPossible;
};
// For each row of `queries`, hits among `records` (skip_self: the same row index when both are
// the same table).
std::vector<std::vector<BaselineHit>> PrimeroBaseline(const Table& queries, const Table& records,
                                                      const std::vector<BaselineField>& fields,
                                                      bool skip_self, int threads);

}  // namespace aegis::match
