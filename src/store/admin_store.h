// AdminStore: the store as a whole — its schema and migrations, checks, backups, the key that
// seals personal fields, counts and digests over every record, and the leases that let work run
// once across server processes. Part of the Store (store.h); the commands `aegis db ...`,
// `aegis keys ...` and the server's background work use it.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace aegis::store {

struct CheckReport {
  bool ok = true;
  std::vector<std::string> problems;  // each says what is wrong and how to repair it
  std::vector<std::string> notes;     // not errors (e.g. an interrupted import that can resume)
};

struct RecordCounts {
  int64_t organisations = 0, data_sources = 0, areas = 0, population = 0, incidents = 0,
          reports = 0, quarantined = 0, import_runs = 0, services = 0, referrals = 0;
};

// Encrypts and decrypts personal fields (incident narrative, contact, exact location; the raw
// text of quarantined rows). Implemented over the key file (access/cipher.h); the store only
// sees this seam. `column` names the column ("incident.narrative"), bound into the ciphertext.
class FieldCipher {
 public:
  virtual ~FieldCipher() = default;
  virtual Result<std::string> Seal(std::string_view plain, std::string_view column) const = 0;
  // Decrypts a value written by Seal; a value that is not encrypted comes back as it is.
  virtual Result<std::string> Open(std::string_view value, std::string_view column) const = 0;
  // Every value sealed with the current key starts with this ("enc:v1:k2:").
  virtual std::string ActivePrefix() const = 0;
};

class AdminStore {
 public:
  virtual ~AdminStore() = default;

  // Personal fields are sealed with `cipher` on write and opened on read. Without a cipher they
  // are kept in clear (tests of other modules; every command and the server set one).
  virtual void SetCipher(std::shared_ptr<const FieldCipher> cipher) = 0;
  // Re-seals, in batches of `batch` rows per transaction, every personal field not sealed with
  // the cipher's current key (after `aegis keys rotate`, or values stored in clear before a key
  // file existed), while other connections keep reading and writing. Returns how many values
  // changed; `progress(done)` after each batch.
  virtual Result<int64_t> ResealFields(int batch,
                                       const std::function<void(int64_t)>& progress = {}) = 0;

  // --- schema -------------------------------------------------------------------------------
  virtual Result<int> SchemaVersion() = 0;
  virtual int LatestSchemaVersion() const = 0;
  // Applies pending migrations in order, each in its own transaction. Returns how many ran.
  virtual Result<int> Migrate() = 0;
  // Integrity, foreign keys, schema version, counters of import runs, orphan child rows.
  virtual Result<CheckReport> Check() = 0;
  // A consistent online copy to `path` (which must not exist).
  virtual Status Backup(const std::string& path) = 0;

  // --- reading -------------------------------------------------------------------------------
  virtual Result<RecordCounts> Counts() = 0;

  // --- background work across processes ------------------------------------------------------
  // Takes (or renews) the lease `name` for `holder` until now_ms + ttl_ms when it is free,
  // expired, or already `holder`'s; false while another holder has it. Work that must run once
  // across all server processes (the scheduled analysis) runs only under its lease.
  virtual Result<bool> AcquireLease(const std::string& name, const std::string& holder,
                                    int64_t now_ms, int64_t ttl_ms) = 0;

  // A digest of every record in canonical order (ids and timestamps excluded), to compare stores.
  virtual Result<std::string> ContentDigest() = 0;

  // False once the connection to the database is lost for good (a PostgreSQL server that went
  // away or restarted): open a new Store. Every call on an unusable store fails Unavailable.
  virtual bool Usable() const = 0;
};

}  // namespace aegis::store
