// The information-sharing protocol (ISP) as data: which roles may read which record classes as
// individual records (up to which sensitivity), which only in aggregates, and which they may
// write. Loaded from data/isp/protocol.toml (each operation adapts it); AccessScope is what the
// store enforces on every read.
#pragma once

#include <array>
#include <map>
#include <string>
#include <vector>

#include "store/records.h"
#include "util/status.h"

namespace aegis::access {

// One role of the protocol. Every action of the authorization kernel (access/decision.h) reads
// its rule from here; the file's keys are documented in data/isp/protocol.toml.
struct RoleRule {
  std::string role, label;
  std::array<int, store::kRecordClasses> max_rank = store::PerClass(-1);  // individual, per class
  std::array<bool, store::kRecordClasses> aggregate = store::PerClass(false);
  // Per class: the highest sensitivity it may create or change (its own organisation's
  // records only); -1 = none.
  std::array<int, store::kRecordClasses> write_rank = store::PerClass(-1);
  bool own_org_only = false;
  bool import_files = false;    // upload files whose rows become its organisation's records
  bool export_records = false;  // individual records (those it may read) in files
  bool alert_submit = false, alert_triage = false, alert_acknowledge = false;
  std::vector<std::string> manage;       // users, organisations, isp, audit, tracing, duplicates
  std::vector<std::string> grant_roles;  // roles it may give, change or take (manage users)
  bool users_all_organisations = false;  // manages users of every organisation, not only its own
  // Life-saving messages (the file's `messages` key): draft, approve, send, contacts (read and
  // change contacts with their phone numbers), gateway (the SMS gateway's receipts and inbound
  // messages: a machine's role).
  std::vector<std::string> messages;
  // The areas (P-codes: each with everything below) it may send messages to; empty = every area.
  std::vector<std::string> message_areas;
};

class Protocol {
 public:
  // Parses the TOML text; `origin` names it in error messages (a file path).
  static Result<Protocol> Parse(const std::string& toml_text, const std::string& origin);
  static Result<Protocol> Load(const std::string& path);

  bool HasRole(const std::string& role) const { return roles_.count(role) > 0; }
  // The file format: 1 (before the authorization kernel: write as a list of classes, no import,
  // export, alert or grant keys) or 2. A version-1 text is read with the defaults that version
  // had; UpgradedText() gives the same protocol as version-2 text.
  int version() const { return version_; }
  std::string UpgradedText() const;
  const RoleRule* Role(const std::string& role) const;
  std::vector<std::string> RoleNames() const;
  // Whether the role's `manage` list holds `what` (the kernel's input; callers ask Decide).
  bool Manages(const std::string& role, const std::string& what) const;
  // Break the glass: who may ask, for at most how long, up to which sensitivity rank.
  bool BreakGlassRole(const std::string& role) const;
  int break_glass_minutes() const { return break_glass_minutes_; }
  int break_glass_rank() const { return break_glass_rank_; }
  const std::string& text() const { return text_; }

 private:
  std::map<std::string, RoleRule> roles_;
  std::vector<std::string> break_glass_roles_;
  int break_glass_minutes_ = 60;
  int break_glass_rank_ = 2;
  std::string text_;
  int version_ = 1;
};

// Record class names as in the protocol file: incident, gbv, child, monitoring.
const char* ClassName(store::RecordClass c);
// Sensitivity names by rank: public, internal, confidential, strictly_confidential.
const char* SensitivityName(int rank);

}  // namespace aegis::access
