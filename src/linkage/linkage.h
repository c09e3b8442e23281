// Record linkage over the store: family tracing against the store's registered people, with the
// analysts' stored decisions, and duplicate-incident candidates among the incidents a reader may
// see. The matching itself is src/match (plain structs, no store); this module only feeds it and
// keeps what the store says (consent, rejected pairs, confirmed duplicates) in force.
#pragma once

#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "match/tracing.h"
#include "store/store.h"
#include "util/status.h"

namespace aegis::linkage {

// The matcher's view of a tracing record (its id is the store id, in decimal).
match::Person ToPerson(const store::TracingRecord& r);

// The store's decisions of one kind ("tracing" or "incident"), as the matcher asks for them.
class StoredDecisions : public match::DecisionSource {
 public:
  static Result<StoredDecisions> Load(store::TracingStore& s, const std::string& kind);
  bool IsRejected(const std::string& left, const std::string& right) const override;
  // Either decision, in either order (incident pairs are unordered).
  bool IsDecided(int64_t a, int64_t b) const;

 private:
  std::set<std::pair<int64_t, int64_t>> rejected_, decided_;
};

// The Arabic-Latin transliteration model, learned from the shipped name pairs
// (data/match/ar2en-train.tsv, "arabic<TAB>latin"; about 0.3 s).
Result<std::shared_ptr<const match::TranslitModel>> LoadTranslitModel(const std::string& data_dir);

// Open registered cases with consent for tracing, indexed (records without consent are never
// read into it), with the model the index compares Arabic and Latin names with (may be null:
// rules alone).
struct TracingSet {
  std::shared_ptr<const match::TranslitModel> model;  // declared first: outlives the index
  match::TracingIndex index;
  size_t with_consent = 0;  // registered records with consent, open or not
};
Result<TracingSet> BuildTracingSet(store::TracingStore& s, match::TracingOptions o,
                                   std::shared_ptr<const match::TranslitModel> model);

// Ranked candidates for each request, rejected pairs left out.
Result<std::vector<std::vector<match::Candidate>>> MatchRequests(
    store::TracingStore& s, const TracingSet& set,
    const std::vector<store::TracingRecord>& requests);

// A proposed duplicate: `kept` is the earlier-entered incident, `duplicate` the other.
struct DuplicateCandidate {
  store::IncidentRecord kept, duplicate;
  double score = 0;
  std::vector<std::string> reasons;
};

// Candidate duplicate incidents among those `scope` may read as individual records and `q`
// selects (area, dates, risk; paged through internally, at most `max_incidents`), across
// different sources, leaving out pairs already decided and incidents already confirmed as
// duplicates. Best first. The records come back without personal fields.
Result<std::vector<DuplicateCandidate>> DuplicateCandidates(store::Store& s,
                                                            const store::AccessScope& scope,
                                                            store::IncidentQuery q,
                                                            const match::IncidentDedupOptions& o,
                                                            size_t max_incidents = 20000);

}  // namespace aegis::linkage
