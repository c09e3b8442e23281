// IncidentStore: incidents and monitoring reports — read one by one through a reader's scope,
// entered by hand, scanned as compact facts for the analysis — with their duplicate marks and
// severity overrides. Part of the Store (store.h).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "store/records.h"
#include "util/status.h"

namespace aegis::store {

// One line of the monthly summary: incidents per area (at a level) and month and risk.
struct SummaryRow {
  // risk: a risk code; "" = incidents with no protection risk (context events); "*" = all
  // incidents of the area and month, each counted once whatever its number of risks.
  std::string pcode, name, month, risk;
  int64_t incidents = 0, killed = 0, victims = 0, sources = 0;
  // The records placed above the level on `pcode` (an area of a lower level, or a country's
  // ISO3 code when the record has no area), in no area of the level: "not further located".
  bool not_further_located = false;
};

class IncidentStore {
 public:
  virtual ~IncidentStore() = default;

  // --- reading -------------------------------------------------------------------------------
  // Incidents per area at `level` (rolled up the P-code hierarchy; level 0: per country), month
  // and risk, then the records placed above the level, per place they are placed on.
  virtual Result<std::vector<SummaryRow>> MonthlySummary(int level, const std::string& from,
                                                         const std::string& to) = 0;
  // --- analysis ----------------------------------------------------------------------------
  // Placed incidents (area_pcode set, or only a country for records located at country level),
  // in id order.
  virtual Status ScanIncidentFacts(const std::function<void(const IncidentFact&)>& fn) = 0;
  // Victim groups, in incident id order.
  virtual Status ScanVictimFacts(const std::function<void(const VictimFact&)>& fn) = 0;
  // Monitoring answers of placed reports.
  virtual Status ScanAnswerFacts(const std::function<void(const AnswerFact&)>& fn) = 0;
  // Marks `id` as a confirmed duplicate of `of` (it then counts once, as `of`), or clears it (0).
  virtual Status SetDuplicateOf(int64_t id, int64_t of) = 0;
  virtual Result<int64_t> AddSeverityOverride(const SeverityOverride& o) = 0;
  virtual Result<std::vector<SeverityOverride>> LoadSeverityOverrides() = 0;
  // A number that changes after every change of what the analysis reads (incidents, reports,
  // duplicates, overrides, areas, population), whichever process made it: one primary-key read,
  // for caches of the analysis to know they are stale.
  virtual Result<int64_t> DataVersion() = 0;

  // --- individual records, always through a reader's scope ----------------------------------
  virtual Result<std::vector<IncidentRecord>> ListIncidents(const AccessScope& scope,
                                                            const IncidentQuery& q) = 0;
  virtual Result<std::optional<IncidentRecord>> GetIncident(const AccessScope& scope,
                                                            int64_t id) = 0;
  // One incident entered by hand (web form, API), in its own transaction. AlreadyExists if the
  // source already holds its key.
  virtual Result<int64_t> CreateIncident(const Incident& inc, int64_t data_source_id) = 0;
  // Monitoring reports, through the reader's scope (class monitoring).
  virtual Result<std::vector<ReportRecord>> ListReports(const AccessScope& scope,
                                                        const ReportQuery& q) = 0;
  virtual Result<std::optional<ReportRecord>> GetReport(const AccessScope& scope, int64_t id) = 0;
  virtual Result<int64_t> CreateReport(const MonitoringReport& r, int64_t data_source_id) = 0;
};

}  // namespace aegis::store
