// Store: the interface through which Aegis reads and writes its records, made of one small
// interface per domain. Each domain's methods live in its own header; a module takes only the
// interfaces it uses (the analysis an IncidentStore& and an AreaStore&, the audit log an
// AuditStore&, the alert service an AlertStore&), and a Store& converts to any of them.
//
//   admin_store.h     AdminStore     schema, migrations, check, backup, cipher, leases, digest
//   area_store.h      AreaStore      areas, population, boundaries, risks
//   incident_store.h  IncidentStore  incidents, monitoring reports, analysis scans, overrides
//   import_store.h    ImportStore    data sources, import runs and batches, quarantine, indexes
//   access_store.h    AccessStore    organisations, users, sessions, tokens, break-glass, protocol
//   audit_store.h     AuditStore     the hash-chained audit trail
//   alert_store.h     AlertStore     early-warning alerts, their events and delivery outbox
//   tracing_store.h   TracingStore   family tracing records and match decisions
//   service_store.h   ServiceStore   the service directory (who provides which service where)
//   referral_store.h  ReferralStore  referrals with their consent, history and notices
//   messaging_store.h MessagingStore contacts who opted in, life-saving messages, their sends
//
// A new domain (MRM, field contacts, ...) adds its own `xxx_store.h` with its interface, implements
// it in SqlStore (sql_xxx.cc) and adds it to the bases of Store below: no other domain's header
// changes, and modules that do not use it do not see it.
//
// Backends: SQLite (embedded default; a file path or "sqlite:PATH") and PostgreSQL 15
// ("postgresql://user@host:port/database"). Callers never see SQL or a backend type. One
// implementation (sql_store.h) runs the same portable SQL on both engines (sql_conn.h); every
// domain interface of one Store object shares its one connection.
//
// Thread-safety: a Store object is one connection, used by one thread at a time (whichever of
// its interfaces is called). Open one Store per thread (the server keeps a pool of them); several
// connections and processes may share a store. Writes are serialised on both engines (SQLite's
// write lock; on PostgreSQL a transaction-scoped advisory lock), reads run alongside them.
//
// Durability: every mutating call is one transaction. ApplyImportBatch writes a batch of records
// and the import's resume checkpoint together, so a crash leaves either all of a batch or none.
#pragma once

#include <memory>
#include <string>

#include "store/access_store.h"
#include "store/admin_store.h"
#include "store/alert_store.h"
#include "store/area_store.h"
#include "store/audit_store.h"
#include "store/import_store.h"
#include "store/incident_store.h"
#include "store/messaging_store.h"
#include "store/referral_store.h"
#include "store/service_store.h"
#include "store/tracing_store.h"
#include "util/status.h"

namespace aegis::store {

struct StoreOptions {
  bool create_if_missing = true;
  // Apply pending migrations on open. `aegis db migrate` does it explicitly; the importer and the
  // demo open with this on. Off for `db check` so a check never changes the file.
  bool migrate = true;
  int busy_timeout_ms = 10000;
};

// Whether `url` names a PostgreSQL store ("postgresql://..." or "postgres://..."); anything else
// is a SQLite file ("sqlite:PATH" or a path).
bool IsPostgresUrl(const std::string& url);

class Store : public AdminStore,
              public AreaStore,
              public IncidentStore,
              public ImportStore,
              public AccessStore,
              public AuditStore,
              public AlertStore,
              public TracingStore,
              public ServiceStore,
              public ReferralStore,
              public MessagingStore {
 public:
  // Opens (and creates) the store at `url`: a file path, "sqlite:PATH" or "postgresql://...".
  // A PostgreSQL database that does not exist is created (when create_if_missing) with byte-order
  // collation, so that text sorts as on SQLite.
  static Result<std::unique_ptr<Store>> Open(const std::string& url, const StoreOptions& opts = {});
  // Deletes the store at `url`: a SQLite file with its WAL, or a PostgreSQL database (closing
  // other connections to it). Ok when there is none.
  static Status Destroy(const std::string& url);
  ~Store() override = default;
};

}  // namespace aegis::store
