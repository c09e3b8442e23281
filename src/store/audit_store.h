// AuditStore: the append-only, hash-chained audit trail. Part of the Store (store.h); the audit
// log (access/audit.h) is its one user.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "store/records.h"
#include "util/status.h"

namespace aegis::store {

class AuditStore {
 public:
  virtual ~AuditStore() = default;

  // Appends rows at the end of the chain in one transaction: `chain(prev_hash, row)` gives each
  // row's hash from the previous row's ("" for the first). Returns the rows as written (seq,
  // hash).
  virtual Result<std::vector<AuditRow>> AppendAudit(
      std::vector<AuditRow> rows,
      const std::function<std::string(const std::string&, const AuditRow&)>& chain) = 0;
  virtual Status ScanAudit(const std::function<void(const AuditRow&)>& fn) = 0;
  // Whether the store has its audit table (a store whose table was dropped has not).
  virtual bool HasAuditTable() = 0;
};

}  // namespace aegis::store
