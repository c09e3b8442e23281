#include "access/protocol.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace aegis::access {

namespace {

constexpr const char* kClasses[store::kRecordClasses] = {"incident", "gbv", "child", "monitoring"};

int ClassIndex(std::string_view name) {
  for (int i = 0; i < store::kRecordClasses; ++i)
    if (name == kClasses[i]) return i;
  return -1;
}

Status ClassList(const toml::node_view<const toml::node>& node, bool* out,
                 const std::string& where) {
  const toml::array* arr = node.as_array();
  if (!node) return Status::Ok();
  if (!arr) return Status::InvalidArgument(where + ": expected a list of record classes");
  for (const auto& el : *arr) {
    std::optional<std::string> v = el.value<std::string>();
    int c = v ? ClassIndex(*v) : -1;
    if (c < 0)
      return Status::InvalidArgument(where + ": '" + v.value_or("?") +
                                     "' is not a record class; use incident, gbv, child or "
                                     "monitoring");
    out[c] = true;
  }
  return Status::Ok();
}

}  // namespace

const char* ClassName(store::RecordClass c) { return kClasses[static_cast<int>(c)]; }

Result<Protocol> Protocol::Parse(const std::string& text, const std::string& origin) {
  toml::table doc;
  try {
    doc = toml::parse(text, origin);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(origin + ":" + std::to_string(e.source().begin.line) + ": " +
                                   std::string(e.description()));
  }
  Protocol p;
  p.text_ = text;
  const toml::table* roles = doc["roles"].as_table();
  if (!roles || roles->empty())
    return Status::InvalidArgument(origin + ": no [roles.NAME] tables; every role needs one");
  for (const auto& [name, node] : *roles) {
    std::string where = origin + " [roles." + std::string(name.str()) + "]";
    const toml::table* t = node.as_table();
    if (!t) return Status::InvalidArgument(where + ": expected a table");
    RoleRule r;
    r.role = std::string(name.str());
    r.label = (*t)["label"].value_or(r.role);
    if (const toml::table* ind = (*t)["individual"].as_table()) {
      for (const auto& [cls, lvl] : *ind) {
        int c = ClassIndex(cls.str());
        if (c < 0)
          return Status::InvalidArgument(where + " individual: '" + std::string(cls.str()) +
                                         "' is not a record class (incident, gbv, child, "
                                         "monitoring)");
        std::optional<int> rank = store::SensitivityRank(lvl.value_or(std::string()));
        if (!rank)
          return Status::InvalidArgument(where + " individual." + std::string(cls.str()) +
                                         ": give a sensitivity level: public, internal, "
                                         "confidential or strictly_confidential");
        r.max_rank[c] = *rank;
      }
    }
    AEGIS_RETURN_IF_ERROR(ClassList((*t)["aggregate"], r.aggregate, where + " aggregate"));
    AEGIS_RETURN_IF_ERROR(ClassList((*t)["write"], r.write, where + " write"));
    r.own_org_only = (*t)["own_org_only"].value_or(false);
    if (const toml::array* m = (*t)["manage"].as_array())
      for (const auto& el : *m) {
        std::string what = el.value_or(std::string());
        static const char* kKnown[] = {"users", "organisations", "isp",
                                       "audit", "tracing",       "duplicates"};
        if (std::find(std::begin(kKnown), std::end(kKnown), what) == std::end(kKnown))
          return Status::InvalidArgument(where + " manage: '" + what +
                                         "' is not known; use users, organisations, isp, "
                                         "audit, tracing or duplicates");
        r.manage.push_back(what);
      }
    p.roles_[r.role] = r;
  }
  for (const char* aggregate_only : {"outside_recipient", "viewer"}) {
    const RoleRule* r = p.Role(aggregate_only);
    if (!r) continue;
    for (int m : r->max_rank)
      if (m >= 0)
        return Status::InvalidArgument(origin + " [roles." + aggregate_only +
                                       "]: this role sees aggregates only; remove its "
                                       "'individual' entries");
    if (p.CanManage(aggregate_only, "tracing") || p.CanManage(aggregate_only, "duplicates"))
      return Status::InvalidArgument(origin + " [roles." + aggregate_only +
                                     "]: this role sees aggregates only; it cannot manage "
                                     "tracing or duplicates, which show individual records");
  }
  p.break_glass_minutes_ = doc["break_glass"]["minutes"].value_or(60);
  if (p.break_glass_minutes_ < 1 || p.break_glass_minutes_ > 24 * 60)
    return Status::InvalidArgument(origin + " [break_glass] minutes: from 1 to 1440");
  std::string bg_level =
      doc["break_glass"]["max_sensitivity"].value_or(std::string("confidential"));
  std::optional<int> bg_rank = store::SensitivityRank(bg_level);
  if (!bg_rank)
    return Status::InvalidArgument(origin +
                                   " [break_glass] max_sensitivity: public, internal, "
                                   "confidential or strictly_confidential");
  p.break_glass_rank_ = *bg_rank;
  if (const toml::array* bg = doc["break_glass"]["roles"].as_array())
    for (const auto& el : *bg) {
      std::string role = el.value_or(std::string());
      if (!p.HasRole(role))
        return Status::InvalidArgument(origin + " [break_glass] roles: '" + role +
                                       "' is not a role of this protocol");
      if (role == "outside_recipient" || role == "viewer")
        return Status::InvalidArgument(origin + " [break_glass] roles: '" + role +
                                       "' sees aggregates only and cannot break the glass");
      p.break_glass_roles_.push_back(role);
    }
  return p;
}

Result<Protocol> Protocol::Load(const std::string& path) {
  std::ifstream f(path);
  if (!f) return Status::NotFound(path + ": cannot read the sharing protocol; check the path");
  std::stringstream ss;
  ss << f.rdbuf();
  return Parse(ss.str(), path);
}

const RoleRule* Protocol::Role(const std::string& role) const {
  auto it = roles_.find(role);
  return it == roles_.end() ? nullptr : &it->second;
}

std::vector<std::string> Protocol::RoleNames() const {
  std::vector<std::string> out;
  for (const auto& [k, v] : roles_) out.push_back(k);
  return out;
}

store::AccessScope Protocol::ScopeFor(const std::string& role, int64_t organisation_id) const {
  store::AccessScope s;
  const RoleRule* r = Role(role);
  if (!r) return s;  // an unknown role sees nothing
  for (int c = 0; c < store::kRecordClasses; ++c) {
    s.max_rank[c] = r->max_rank[c];
    s.aggregate[c] = r->aggregate[c] || r->max_rank[c] >= 0;
  }
  if (r->own_org_only) {
    // Without an organisation, an own-organisation role reads no individual record.
    s.only_organisation_id = organisation_id > 0 ? organisation_id : -1;
    if (organisation_id <= 0)
      for (int& m : s.max_rank) m = -1;
  }
  return s;
}

bool Protocol::CanManage(const std::string& role, const std::string& what) const {
  const RoleRule* r = Role(role);
  if (!r) return false;
  for (const auto& m : r->manage)
    if (m == what) return true;
  return false;
}

bool Protocol::CanBreakGlass(const std::string& role) const {
  return std::find(break_glass_roles_.begin(), break_glass_roles_.end(), role) !=
         break_glass_roles_.end();
}

store::AccessScope Protocol::WithBreakGlass(store::AccessScope s, int max_rank) {
  for (int& m : s.max_rank) m = std::max(m, max_rank);
  for (bool& a : s.aggregate) a = true;
  s.only_organisation_id = 0;
  return s;
}

bool Protocol::CanWrite(const std::string& role, store::RecordClass c) const {
  const RoleRule* r = Role(role);
  return r && r->write[static_cast<int>(c)];
}

}  // namespace aegis::access
