#include "access/audit.h"

#include <chrono>
#include <cstdio>

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

Result<std::vector<store::AuditRow>> AuditLog::Chain(store::AuditStore& store,
                                                     std::vector<store::AuditRow> rows) const {
  return store.AppendAudit(std::move(rows),
                           [this](const std::string& prev, const store::AuditRow& r) {
                             return security::ChainHash(*keyring_, prev, ToEntry(r));
                           });
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
    Result<std::vector<store::AuditRow>> written = Chain(store, std::move(batch));
    l.lock();
    writing_ = false;
    committed_ = upto;
    if (!written.ok()) {
      failed_from_ = from;
      failed_to_ = upto;
      failed_ = written.status();
    } else if (!written->empty() && written->back().seq > committed_seq_) {
      committed_seq_ = written->back().seq;
      committed_hash_ = written->back().hash;
      if (!anchorer_.joinable()) anchorer_ = std::thread([this] { AnchorLoop(); });
      anchor_cv_.notify_one();
    }
    cv_.notify_all();
  }
  if (mine >= failed_from_ && mine <= failed_to_) return failed_;
  return Status::Ok();
}

void AuditLog::AnchorLoop() {
  std::unique_lock<std::mutex> l(mu_);
  for (;;) {
    anchor_cv_.wait(l, [this] { return stopping_ || committed_seq_ > anchored_seq_; });
    if (committed_seq_ <= anchored_seq_) return;  // stopping, and nothing left to anchor
    const security::AuditAnchor a{committed_seq_, committed_hash_, ""};
    l.unlock();
    Status st = security::SaveAuditAnchor(*keyring_, anchor_path_, a);
    l.lock();
    if (st.ok()) {
      anchored_seq_ = a.last_seq;
      anchor_failed_ = Status::Ok();
    } else {
      if (anchor_failed_.ok())
        std::fprintf(stderr, "aegis: the audit anchor cannot be written: %s\n",
                     st.ToString().c_str());
      anchor_failed_ = st;
    }
    cv_.notify_all();
    if (!st.ok()) {  // retried every second (a full disk, a permission changed)
      if (stopping_) return;
      anchor_cv_.wait_for(l, std::chrono::seconds(1), [this] { return stopping_; });
    }
  }
}

Status AuditLog::Flush() {
  std::unique_lock<std::mutex> l(mu_);
  cv_.wait(
      l, [this] { return !writing_ && (anchored_seq_ >= committed_seq_ || !anchor_failed_.ok()); });
  return anchored_seq_ >= committed_seq_ ? Status::Ok() : anchor_failed_;
}

AuditLog::~AuditLog() {
  (void)Flush();
  {
    std::lock_guard<std::mutex> l(mu_);
    stopping_ = true;
  }
  anchor_cv_.notify_all();
  if (anchorer_.joinable()) anchorer_.join();
}

namespace {

// Every entry of the log, in order; NotFound (saying so) when the store has no audit table.
Result<std::vector<security::AuditEntry>> Entries(store::AuditStore& store) {
  std::vector<security::AuditEntry> entries;
  Status st = store.ScanAudit([&](const store::AuditRow& r) { entries.push_back(ToEntry(r)); });
  if (!st.ok()) {
    if (!store.HasAuditTable())
      return Status::NotFound(
          "the store has no audit table (audit_log): it was dropped, or this is not an Aegis "
          "store; its audit log cannot be verified (restore the store from a backup)");
    return st;
  }
  return entries;
}

}  // namespace

Result<security::ChainReport> AuditLog::Verify(store::AuditStore& store) const {
  AEGIS_ASSIGN_OR_RETURN(std::vector<security::AuditEntry> entries, Entries(store));
  Result<security::AuditAnchor> anchor = security::LoadAuditAnchor(*keyring_, anchor_path_);
  if (!anchor.ok() && anchor.status().code() != Status::Code::kNotFound) return anchor.status();
  security::ChainReport r =
      security::VerifyChain(*keyring_, entries, anchor.ok() ? &*anchor : nullptr);
  if (r.ok && !anchor.ok() && !entries.empty()) {
    // Without its anchor, the end of the log cannot be checked: its last rows could have been
    // deleted, and so could the anchor.
    r.ok = false;
    r.what = "no_anchor";
    r.first_bad_seq = r.last_seq + 1;
    r.detail = "the audit anchor " + anchor_path_ +
               " is missing, so deleted entries at the end of the log cannot be detected. If "
               "the store was restored from a backup or the anchor was lost, check that the "
               "log is as you expect, then run `aegis audit reanchor`; otherwise restore the "
               "anchor from a backup";
  }
  return r;
}

Result<security::ChainReport> AuditLog::Reanchor(store::AuditStore& store,
                                                 const std::string& actor) {
  AEGIS_ASSIGN_OR_RETURN(std::vector<security::AuditEntry> entries, Entries(store));
  security::ChainReport r = security::VerifyChain(*keyring_, entries, nullptr);
  if (!r.ok)
    return Status::Corruption("audit log: " + r.what + " at seq " +
                              std::to_string(r.first_bad_seq) + ": " + r.detail +
                              "; a damaged log is not re-anchored");
  Result<security::AuditAnchor> old = security::LoadAuditAnchor(*keyring_, anchor_path_);
  store::AuditRow row;
  row.actor = actor;
  row.action = "audit.reanchor";
  row.object_type = "audit_log";
  row.object_id = std::to_string(r.last_seq);
  row.detail =
      old.ok() ? "anchor was at seq " + std::to_string(old->last_seq)
               : "no anchor before (" +
                     std::string(old.status().code() == Status::Code::kNotFound ? "missing"
                                                                                : "unreadable") +
                     ")";
  AEGIS_ASSIGN_OR_RETURN(std::vector<store::AuditRow> written, Chain(store, {row}));
  AEGIS_RETURN_IF_ERROR(security::SaveAuditAnchor(
      *keyring_, anchor_path_, {written.back().seq, written.back().hash, ""}, true));
  return r;
}

}  // namespace aegis::access
