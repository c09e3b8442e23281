// TracingStore: family tracing records (missing persons and registered people) and the match
// decisions taken on pairs of them. Part of the Store (store.h); src/linkage and the server's
// tracing routes use it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/records.h"
#include "util/status.h"

namespace aegis::store {

class TracingStore {
 public:
  virtual ~TracingStore() = default;

  // --- family tracing and duplicates --------------------------------------------------------
  // Inserts or updates by (organisation, kind, external_id); the organisation must exist.
  // Returns the records' ids, in order.
  virtual Result<std::vector<int64_t>> PutTracingRecords(const std::vector<TracingRecord>& r) = 0;
  // Records of `kind` ("" = both), personal fields opened; `consent_only` leaves out registered
  // records without consent for tracing.
  virtual Result<std::vector<TracingRecord>> LoadTracingRecords(const std::string& kind,
                                                                bool consent_only) = 0;
  virtual Result<std::optional<TracingRecord>> GetTracingRecord(int64_t id) = 0;
  // Stores a decision (replacing the pair's earlier one); see MatchDecision.
  virtual Status PutMatchDecision(const MatchDecision& d) = 0;
  virtual Result<std::vector<MatchDecision>> ListMatchDecisions(const std::string& kind) = 0;
  // A number that changes in the transaction that changes the family tracing records, whichever
  // process made it, for the server's tracing index to know it is stale.
  virtual Result<int64_t> TracingVersion() = 0;
};

}  // namespace aegis::store
