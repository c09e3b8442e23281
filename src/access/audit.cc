#include "access/audit.h"

namespace aegis::access {

security::AuditEntry ToEntry(const store::AuditRow& r) {
  security::AuditEntry e;
  e.seq = r.seq;
  e.at = r.at;
  e.actor = r.actor;
  e.action = r.action;
  e.object_type = r.object_type;
  e.object_id = r.object_id;
  e.organisation = r.organisation;
  e.detail = r.detail;
  e.hash = r.hash;
  return e;
}

Status AuditLog::Append(store::Store& store, store::AuditRow row) {
  std::lock_guard<std::mutex> l(mu_);
  AEGIS_ASSIGN_OR_RETURN(
      store::AuditRow written,
      store.AppendAudit(std::move(row), [this](const std::string& prev, const store::AuditRow& r) {
        return security::ChainHash(*keyring_, prev, ToEntry(r));
      }));
  security::AuditAnchor a;
  a.last_seq = written.seq;
  a.last_hash = written.hash;
  return security::SaveAuditAnchor(*keyring_, anchor_path_, a);
}

Result<security::ChainReport> AuditLog::Verify(store::Store& store) const {
  std::vector<security::AuditEntry> entries;
  AEGIS_RETURN_IF_ERROR(
      store.ScanAudit([&](const store::AuditRow& r) { entries.push_back(ToEntry(r)); }));
  Result<security::AuditAnchor> anchor = security::LoadAuditAnchor(*keyring_, anchor_path_);
  if (!anchor.ok() && anchor.status().code() != Status::Code::kNotFound) return anchor.status();
  return security::VerifyChain(*keyring_, entries, anchor.ok() ? &*anchor : nullptr);
}

}  // namespace aegis::access
