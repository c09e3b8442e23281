// The information-sharing protocol (ISP) as data: which roles may read which record classes as
// individual records (up to which sensitivity), which only in aggregates, and which they may
// write. Loaded from data/isp/protocol.toml (each operation adapts it); AccessScope is what the
// store enforces on every read.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "store/records.h"
#include "util/status.h"

namespace aegis::access {

struct RoleRule {
  std::string role, label;
  int max_rank[store::kRecordClasses] = {-1, -1, -1, -1};  // individual records, per class
  bool aggregate[store::kRecordClasses] = {false, false, false, false};
  bool write[store::kRecordClasses] = {false, false, false, false};
  bool own_org_only = false;
  std::vector<std::string> manage;  // "users", "organisations", "isp", "audit"
};

class Protocol {
 public:
  // Parses the TOML text; `origin` names it in error messages (a file path).
  static Result<Protocol> Parse(const std::string& toml_text, const std::string& origin);
  static Result<Protocol> Load(const std::string& path);

  bool HasRole(const std::string& role) const { return roles_.count(role) > 0; }
  const RoleRule* Role(const std::string& role) const;
  std::vector<std::string> RoleNames() const;
  // The scope of a user of `role` in organisation `organisation_id` (0 = none).
  store::AccessScope ScopeFor(const std::string& role, int64_t organisation_id) const;
  bool CanManage(const std::string& role, const std::string& what) const;
  bool CanWrite(const std::string& role, store::RecordClass c) const;
  // Break the glass: who may ask, for at most how long, up to which sensitivity rank.
  bool CanBreakGlass(const std::string& role) const;
  int break_glass_minutes() const { return break_glass_minutes_; }
  int break_glass_rank() const { return break_glass_rank_; }
  // A scope widened by an emergency grant: individual records of every class up to `max_rank`,
  // of every organisation.
  static store::AccessScope WithBreakGlass(store::AccessScope s, int max_rank);
  const std::string& text() const { return text_; }

 private:
  std::map<std::string, RoleRule> roles_;
  std::vector<std::string> break_glass_roles_;
  int break_glass_minutes_ = 60;
  int break_glass_rank_ = 2;
  std::string text_;
};

// Record class names as in the protocol file: incident, gbv, child, monitoring.
const char* ClassName(store::RecordClass c);

}  // namespace aegis::access
