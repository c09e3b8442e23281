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

Status AuditLog::Append(store::AuditStore& store, store::AuditRow row) {
  std::unique_lock<std::mutex> l(mu_);
  queue_.push_back(std::move(row));
  uint64_t mine = ++enqueued_;
  while (committed_ < mine) {
    if (writing_) {
      cv_.wait(l);
      continue;
    }
    writing_ = true;
    std::vector<store::AuditRow> batch;
    batch.swap(queue_);
    uint64_t from = committed_ + 1, upto = enqueued_;
    l.unlock();
    Result<std::vector<store::AuditRow>> written = store.AppendAudit(
        std::move(batch), [this](const std::string& prev, const store::AuditRow& r) {
          return security::ChainHash(*keyring_, prev, ToEntry(r));
        });
    l.lock();
    writing_ = false;
    committed_ = upto;
    if (!written.ok()) {
      failed_from_ = from;
      failed_to_ = upto;
      failed_ = written.status();
    } else if (!written->empty()) {
      pending_.last_seq = written->back().seq;
      pending_.last_hash = written->back().hash;
      dirty_ = true;
      auto now = std::chrono::steady_clock::now();
      if (now - last_save_ >= std::chrono::milliseconds(anchor_interval_ms)) {
        last_save_ = now;
        dirty_ = false;
        Status st = security::SaveAuditAnchor(*keyring_, anchor_path_, pending_);
        if (!st.ok()) {
          failed_from_ = from;
          failed_to_ = upto;
          failed_ = st;
        }
      }
    }
    cv_.notify_all();
  }
  if (mine >= failed_from_ && mine <= failed_to_) return failed_;
  return Status::Ok();
}

Status AuditLog::Flush() {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(l, [this] { return !writing_; });
  if (!dirty_) return Status::Ok();
  dirty_ = false;
  last_save_ = std::chrono::steady_clock::now();
  return security::SaveAuditAnchor(*keyring_, anchor_path_, pending_);
}

AuditLog::~AuditLog() { (void)Flush(); }

Result<security::ChainReport> AuditLog::Verify(store::AuditStore& store) const {
  std::vector<security::AuditEntry> entries;
  AEGIS_RETURN_IF_ERROR(
      store.ScanAudit([&](const store::AuditRow& r) { entries.push_back(ToEntry(r)); }));
  Result<security::AuditAnchor> anchor = security::LoadAuditAnchor(*keyring_, anchor_path_);
  if (!anchor.ok() && anchor.status().code() != Status::Code::kNotFound) return anchor.status();
  return security::VerifyChain(*keyring_, entries, anchor.ok() ? &*anchor : nullptr);
}

}  // namespace aegis::access
