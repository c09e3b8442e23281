// The audit log: every read of an individual record, change, export, sign-in and permission
// change, as a hash chain in the store (security/audit_chain.h) with its anchor beside the key
// file. Rows hold ids and actions only, never personal data.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

#include "security/audit_chain.h"
#include "security/keyring.h"
#include "store/store.h"

namespace aegis::access {

class AuditLog {
 public:
  AuditLog(const security::Keyring* keyring, std::string anchor_path)
      : keyring_(keyring), anchor_path_(std::move(anchor_path)) {}
  // Appends, and advances the anchor at most every `anchor_interval_ms` (an anchor write is an
  // fsync'd file replace: once per request would cap the server near 700 requests/s). Rows
  // appended since the last anchor could be cut off unseen; Flush() (and the destructor) closes
  // that window. Thread-safe (one store per thread).
  Status Append(store::AuditStore& store, store::AuditRow row);
  Status Flush();
  ~AuditLog();
  int anchor_interval_ms = 1000;
  // Checks the whole chain against the anchor.
  Result<security::ChainReport> Verify(store::AuditStore& store) const;

 private:
  const security::Keyring* keyring_;
  std::string anchor_path_;
  std::mutex mu_;
  std::condition_variable cv_;
  // Group commit: callers queue their row; one of them (the leader) writes everything queued in
  // one transaction while the others wait for it, so each request still returns only after its
  // row is committed, but a commit serves many requests.
  std::vector<store::AuditRow> queue_;
  uint64_t enqueued_ = 0, committed_ = 0, failed_from_ = 0, failed_to_ = 0;
  Status failed_;
  bool writing_ = false;
  security::AuditAnchor pending_;  // the last row appended, not yet anchored
  bool dirty_ = false;
  std::chrono::steady_clock::time_point last_save_{};
};

security::AuditEntry ToEntry(const store::AuditRow& r);

}  // namespace aegis::access
