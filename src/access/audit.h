// The audit log: every read of an individual record, change, export, sign-in and permission
// change, as a hash chain in the store (security/audit_chain.h) with its anchor beside the key
// file. Rows hold ids and actions only, never personal data.
#pragma once

#include <mutex>
#include <string>

#include "security/audit_chain.h"
#include "security/keyring.h"
#include "store/store.h"

namespace aegis::access {

class AuditLog {
 public:
  AuditLog(const security::Keyring* keyring, std::string anchor_path)
      : keyring_(keyring), anchor_path_(std::move(anchor_path)) {}
  // Appends and then advances the anchor. Thread-safe (one store per thread).
  Status Append(store::Store& store, store::AuditRow row);
  // Checks the whole chain against the anchor.
  Result<security::ChainReport> Verify(store::Store& store) const;

 private:
  const security::Keyring* keyring_;
  std::string anchor_path_;
  std::mutex mu_;
};

security::AuditEntry ToEntry(const store::AuditRow& r);

}  // namespace aegis::access
