// ServiceStore: the service directory (who provides which service where: the cluster's 3W/4W).
// Part of the Store (store.h). Services come from imports (a profile with record = "service",
// e.g. an OCHA 3W operational-presence sheet) and from partners' own entries; the referral
// pathway and the gap map read them.
//
// A service is a directory entry, not a person: its only personal field is the contact point
// (a focal point's name and phone), sealed like an incident's narrative. Its record class is
// `service` (access/decision.h), so that who reads, writes, exports and imports it is decided
// by the sharing protocol; a GBV-specialised service is at least confidential, so roles the
// protocol does not allow that far never see it in the directory.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/records.h"
#include "util/status.h"

namespace aegis::store {

// One service: a provider offering one type of service over a set of areas.
struct Service {
  int64_t id = 0;
  std::string source_key;         // unique within the data source (3W: district|org|sector)
  uint64_t content_hash = 0;      // of the fields below; detects changes on re-import
  std::string organisation_code;  // the organisation that owns (and may edit) the entry
  std::string provider;           // provider's code or acronym, as the source writes it
  std::string provider_name, provider_type;
  std::string service_type;            // a service_type code (data/taxonomy/vocabularies.json)
  std::string name;                    // the service's own name ("" = provider and type)
  std::vector<std::string> pcodes;     // areas served (any level: everything below is covered)
  std::string modality = "static";     // static | mobile | remote
  std::vector<std::string> groups;     // groups served (service_group, vocabularies.json)
  std::vector<std::string> languages;  // ISO 639-1 codes
  std::string hours;                   // opening hours, as written
  bool accepts_referrals = true;
  bool gbv_specialised = false;
  std::string status = "active";  // active | inactive | defunct | temporarily_closed
  std::string assured_date;       // YYYY-MM-DD: when the entry was last confirmed ("" = never)
  std::string sensitivity = "internal";
  // Personal: a focal point's name and phone. Sealed at rest (FieldCipher "service.contact").
  std::string contact;
  int64_t source_row = 0;  // record number in the imported file (0: entered)
};

// A stored service with what the store adds.
struct ServiceRecord {
  Service s;
  int64_t data_source_id = 0;
  int64_t organisation_id = 0;  // 0 = cluster-wide
  int sensitivity_rank = 1;
  std::string created_at, updated_at;
  // With ServiceQuery::nearest_first: admin levels between the area asked for and the nearest
  // area the entry serves; -1 otherwise.
  int distance = -1;
};

// Filters of a directory read. The scope's class `service` decides what is visible: entries up
// to its sensitivity rank, of every organisation (the directory is shared: a role's
// own-organisation limit is on case records, not on services).
struct ServiceQuery {
  std::string area;          // P-code: services covering it (the area, its ancestors or below)
  std::string service_type;  // a service type code
  std::string organisation;  // the owning organisation's code
  bool active_only = false;  // status active and accepting referrals
  // With `area`: nearest first (ServiceRecord::distance), then by id (a single page: leave
  // `after_id` at 0).
  bool nearest_first = false;
  int64_t after_id = 0;
  int limit = 500;
};

// How many services of one type cover one area, for the gap map.
struct ServiceCoverage {
  std::string pcode;
  std::string service_type;
  int64_t services = 0;   // entries whose areas include the area or one of its ancestors
  int64_t providers = 0;  // distinct providers among them
};

class ServiceStore {
 public:
  virtual ~ServiceStore() = default;

  // Creates an entry of the data source; returns its id. The organisation must exist.
  virtual Result<int64_t> CreateService(const Service& s, int64_t data_source_id) = 0;
  // Replaces the fields of entry `id` (not its source, key or owner).
  virtual Status UpdateService(int64_t id, const Service& s) = 0;
  // One entry, contact opened, if `scope` may read it.
  virtual Result<std::optional<ServiceRecord>> GetService(const AccessScope& scope, int64_t id) = 0;
  // Entries `scope` may read that match `q`, by id, contact opened.
  virtual Result<std::vector<ServiceRecord>> ListServices(const AccessScope& scope,
                                                          const ServiceQuery& q) = 0;
  // For every area of `level` (of `country`, ISO3, when not empty) and every
  // service type with an active entry anywhere: the entries covering it. An area is covered by
  // an entry that serves it, one of its ancestors or one of its descendants. Areas with no entry
  // of a type are listed with 0, so the gap map sees them. Entries above `scope`'s rank for the
  // class `service` are not counted.
  virtual Result<std::vector<ServiceCoverage>> Coverage(const AccessScope& scope, int level,
                                                        const std::string& country) = 0;
};

}  // namespace aegis::store
