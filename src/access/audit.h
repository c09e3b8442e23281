// The audit log: every read of an individual record, change, export, sign-in and permission
// change, as a hash chain in the store (security/audit_chain.h) with its anchor beside the key
// file. Rows hold ids and actions only, never personal data.
//
// The anchor follows every committed batch of rows: a thread of the log writes it as soon as a
// batch is committed (an anchor write is an fsync'd file replace, so it is kept off the
// requests' path; one write covers every batch committed while the previous one was written).
// The anchor trails the log by the write in progress, a few milliseconds, and catches up
// whether or not more rows come, so deleting the last rows of the log is seen by Verify.
// Flush() (and the destructor) waits until the anchor covers every committed row. A log without
// its anchor fails Verify; after a deliberate restore of the store (the anchor is then ahead of
// the log) an operator checks the log and re-anchors it (Reanchor, `aegis audit reanchor`),
// which is itself audited.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "security/audit_chain.h"
#include "security/keyring.h"
#include "store/store.h"

namespace aegis::access {

class AuditLog {
 public:
  AuditLog(const security::Keyring* keyring, std::string anchor_path)
      : keyring_(keyring), anchor_path_(std::move(anchor_path)) {}
  // Appends and returns once the row is committed; the anchor follows within milliseconds.
  // Rows are group-committed: one transaction serves every row queued meanwhile. Thread-safe
  // (one store per thread).
  Status Append(store::AuditStore& store, store::AuditRow row);
  // Waits until the anchor covers every row committed through this log; the anchor's error if
  // it cannot be written.
  Status Flush();
  ~AuditLog();
  // Checks the whole chain against the anchor. A log with entries and no anchor file fails
  // ("no_anchor"); a store without the audit table is an error (NotFound), not a report.
  Result<security::ChainReport> Verify(store::AuditStore& store) const;
  // After a deliberate restore of the store, or a lost anchor: checks the chain without the
  // anchor (refusing a damaged log), appends an "audit.reanchor" row saying from which anchor,
  // and anchors the log at that row, backwards if need be. Returns the report of the check.
  Result<security::ChainReport> Reanchor(store::AuditStore& store, const std::string& actor);

 private:
  // Appends `rows` to the store, each chained to the one before it with this log's key.
  Result<std::vector<store::AuditRow>> Chain(store::AuditStore& store,
                                             std::vector<store::AuditRow> rows) const;
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
  // The anchor: the last row committed through this log, and how far the anchor file covers it.
  // Written by `anchorer_` (started at the first append), which waits on `anchor_cv_`.
  void AnchorLoop();
  int64_t committed_seq_ = 0, anchored_seq_ = 0;
  std::string committed_hash_;
  Status anchor_failed_;
  bool stopping_ = false;
  std::condition_variable anchor_cv_;
  std::thread anchorer_;
};

security::AuditEntry ToEntry(const store::AuditRow& r);

}  // namespace aegis::access
