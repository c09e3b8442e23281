#include "access/protocol.h"

#include <toml++/toml.h>

#include <algorithm>
#include <fstream>
#include <sstream>

namespace aegis::access {

namespace {

constexpr const char* kClasses[store::kRecordClasses] = {"incident",   "gbv",     "child",
                                                         "monitoring", "service", "referral"};

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
                                     "' is not a record class; use incident, gbv, child, "
                                     "monitoring, service or referral");
    out[c] = true;
  }
  return Status::Ok();
}

Status ClassLevels(const toml::node_view<const toml::node>& node, int* out,
                   const std::string& where) {
  if (!node) return Status::Ok();
  const toml::table* t = node.as_table();
  if (!t)
    return Status::InvalidArgument(where +
                                   ": expected a table of class = level, e.g. { incident = "
                                   "\"internal\" }");
  for (const auto& [cls, lvl] : *t) {
    int c = ClassIndex(cls.str());
    if (c < 0)
      return Status::InvalidArgument(
          where + ": '" + std::string(cls.str()) +
          "' is not a record class (incident, gbv, child, monitoring, service, referral)");
    std::optional<int> rank = store::SensitivityRank(lvl.value_or(std::string()));
    if (!rank)
      return Status::InvalidArgument(where + "." + std::string(cls.str()) +
                                     ": give a sensitivity level: public, internal, "
                                     "confidential or strictly_confidential");
    out[c] = *rank;
  }
  return Status::Ok();
}

bool Has(const std::vector<std::string>& v, std::string_view x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// What version 1 of the file allowed without saying so.
Status V1Defaults(RoleRule* r) {
  bool writes = false, reads = false;
  for (int c = 0; c < store::kRecordClasses; ++c) {
    writes = writes || r->write_rank[c] >= 0;
    reads = reads || r->max_rank[c] >= 0;
  }
  r->import_files = writes;
  r->export_records = reads;
  r->alert_submit = r->write_rank[static_cast<int>(store::RecordClass::kIncident)] >= 0;
  r->alert_triage = Has(r->manage, "users");
  r->alert_acknowledge = true;
  r->users_all_organisations = Has(r->manage, "users");
  return Status::Ok();  // grant_roles are filled once every role is read (Parse)
}

Status V2Keys(const toml::table& t, const std::string& where, RoleRule* r) {
  r->import_files = t["import"].value_or(false);
  r->export_records = t["export"].value_or(false);
  if (const toml::array* a = t["alerts"].as_array())
    for (const auto& el : *a) {
      std::string what = el.value_or(std::string());
      if (what == "submit")
        r->alert_submit = true;
      else if (what == "triage")
        r->alert_triage = true;
      else if (what == "acknowledge")
        r->alert_acknowledge = true;
      else
        return Status::InvalidArgument(where + " alerts: '" + what +
                                       "' is not known; use submit, triage or acknowledge");
    }
  if (const toml::array* g = t["grant_roles"].as_array())
    for (const auto& el : *g) r->grant_roles.push_back(el.value_or(std::string()));
  if (const toml::array* m = t["messages"].as_array())
    for (const auto& el : *m) {
      std::string what = el.value_or(std::string());
      static const char* kKnown[] = {"draft", "approve", "send", "contacts", "gateway"};
      if (std::find(std::begin(kKnown), std::end(kKnown), what) == std::end(kKnown))
        return Status::InvalidArgument(where + " messages: '" + what +
                                       "' is not known; use draft, approve, send, contacts or "
                                       "gateway");
      r->messages.push_back(what);
    }
  if (const toml::array* m = t["message_areas"].as_array())
    for (const auto& el : *m) {
      std::string pcode = el.value_or(std::string());
      if (pcode.empty())
        return Status::InvalidArgument(where + " message_areas: P-codes as strings");
      r->message_areas.push_back(pcode);
    }
  std::string users_of = t["users_of"].value_or(std::string("own_organisation"));
  if (users_of != "own_organisation" && users_of != "all_organisations")
    return Status::InvalidArgument(where + " users_of: own_organisation or all_organisations");
  r->users_all_organisations = users_of == "all_organisations";
  return Status::Ok();
}

// Whether every right of `b` is also a right of `a`: a role may only give roles it dominates.
// `with_grants`: the roles each may give count as rights too.
bool Dominates(const RoleRule& a, const RoleRule& b, bool with_grants = true) {
  for (int c = 0; c < store::kRecordClasses; ++c) {
    if (b.max_rank[c] > a.max_rank[c] || b.write_rank[c] > a.write_rank[c]) return false;
    if (b.aggregate[c] && !a.aggregate[c] && a.max_rank[c] < 0) return false;
  }
  if (a.own_org_only && !b.own_org_only) return false;
  if ((b.import_files && !a.import_files) || (b.export_records && !a.export_records) ||
      (b.alert_triage && !a.alert_triage) ||
      (b.users_all_organisations && !a.users_all_organisations))
    return false;
  for (const auto& m : b.manage)
    if (!Has(a.manage, m)) return false;
  for (const auto& m : b.messages)
    if (!Has(a.messages, m)) return false;
  // Areas: an empty list is every area; otherwise each of b's must be within one of a's.
  if (!a.message_areas.empty()) {
    if (b.message_areas.empty() && !b.messages.empty()) return false;
    for (const auto& area : b.message_areas)
      if (std::none_of(a.message_areas.begin(), a.message_areas.end(),
                       [&](const std::string& mine) { return area.rfind(mine, 0) == 0; }))
        return false;
  }
  if (with_grants)
    for (const auto& g : b.grant_roles)
      if (!Has(a.grant_roles, g)) return false;
  return true;
}

}  // namespace

const char* SensitivityName(int rank) {
  static const char* kNames[] = {"public", "internal", "confidential", "strictly_confidential"};
  return rank >= 0 && rank <= 3 ? kNames[rank] : "none";
}

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
  p.version_ = static_cast<int>(doc["version"].value_or(int64_t{1}));
  if (p.version_ != 1 && p.version_ != 2)
    return Status::InvalidArgument(origin + ": version " + std::to_string(p.version_) +
                                   " is not known; this Aegis reads versions 1 and 2");
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
    AEGIS_RETURN_IF_ERROR(
        ClassLevels((*t)["individual"], r.max_rank.data(), where + " individual"));
    AEGIS_RETURN_IF_ERROR(ClassList((*t)["aggregate"], r.aggregate.data(), where + " aggregate"));
    if (p.version_ == 1) {
      // Version 1: `write` lists classes, written up to the level the role reads them (at
      // least internal).
      std::array<bool, store::kRecordClasses> write = store::PerClass(false);
      AEGIS_RETURN_IF_ERROR(ClassList((*t)["write"], write.data(), where + " write"));
      for (int c = 0; c < store::kRecordClasses; ++c)
        r.write_rank[c] = write[c] ? std::max(r.max_rank[c], 1) : -1;
    } else {
      AEGIS_RETURN_IF_ERROR(ClassLevels((*t)["write"], r.write_rank.data(), where + " write"));
    }
    r.own_org_only = (*t)["own_org_only"].value_or(false);
    if (const toml::array* m = (*t)["manage"].as_array())
      for (const auto& el : *m) {
        std::string what = el.value_or(std::string());
        static const char* kKnown[] = {"users",   "organisations", "isp",     "audit",
                                       "tracing", "duplicates",    "metrics", "consent_override"};
        if (std::find(std::begin(kKnown), std::end(kKnown), what) == std::end(kKnown))
          return Status::InvalidArgument(where + " manage: '" + what +
                                         "' is not known; use users, organisations, isp, "
                                         "audit, tracing, duplicates, metrics or "
                                         "consent_override");
        r.manage.push_back(what);
      }
    if (p.version_ == 1) {
      AEGIS_RETURN_IF_ERROR(V1Defaults(&r));
    } else {
      AEGIS_RETURN_IF_ERROR(V2Keys(*t, where, &r));
    }
    p.roles_[r.role] = r;
  }
  // Who gives which role. Version 1 had no such key and let those who managed users give any
  // role; upgraded, they give their own role and the roles whose rights are all theirs.
  if (p.version_ == 1)
    for (auto& [name, r] : p.roles_)
      if (Has(r.manage, "users"))
        for (const auto& [other, o] : p.roles_)
          if (other == name || Dominates(r, o, false)) r.grant_roles.push_back(other);
  for (auto& [name, r] : p.roles_) {
    for (const auto& g : r.grant_roles) {
      const RoleRule* o = p.Role(g);
      if (!o)
        return Status::InvalidArgument(origin + " [roles." + name + "] grant_roles: '" + g +
                                       "' is not a role of this protocol");
      if (p.version_ == 2 && g != name && !Dominates(r, *o))
        return Status::InvalidArgument(origin + " [roles." + name + "] grant_roles: '" + g +
                                       "' has rights that " + name +
                                       " has not; a role gives only roles below or equal to "
                                       "its own");
    }
  }
  for (const char* aggregate_only : {"outside_recipient", "viewer"}) {
    const RoleRule* r = p.Role(aggregate_only);
    if (!r) continue;
    for (int m : r->max_rank)
      if (m >= 0)
        return Status::InvalidArgument(origin + " [roles." + aggregate_only +
                                       "]: this role sees aggregates only; remove its "
                                       "'individual' entries");
    if (p.Manages(aggregate_only, "tracing") || p.Manages(aggregate_only, "duplicates") ||
        r->export_records)
      return Status::InvalidArgument(origin + " [roles." + aggregate_only +
                                     "]: this role sees aggregates only; it cannot manage "
                                     "tracing or duplicates or export records, which show "
                                     "individual records");
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
  // Break the glass stops at confidential: strictly confidential records (a survivor's
  // identity, a source) never open without the owner. A version-1 file that went further is
  // read as confidential (and upgraded so).
  if (*bg_rank > 2 && p.version_ >= 2)
    return Status::InvalidArgument(origin +
                                   " [break_glass] max_sensitivity: at most confidential; "
                                   "strictly confidential records never open by breaking the "
                                   "glass");
  p.break_glass_rank_ = std::min(*bg_rank, 2);
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

namespace {

std::string Quoted(const std::string& v) {
  std::string out = "\"";
  for (char ch : v) {
    if (ch == '"' || ch == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(ch) >= 0x20) out.push_back(ch);
  }
  return out + "\"";
}

std::string QuotedList(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? ", " : "") + Quoted(v[i]);
  return out + "]";
}

std::string Levels(const int* ranks) {
  std::string out = "{";
  bool first = true;
  for (int c = 0; c < store::kRecordClasses; ++c) {
    if (ranks[c] < 0) continue;
    out +=
        std::string(first ? " " : ", ") + kClasses[c] + " = " + Quoted(SensitivityName(ranks[c]));
    first = false;
  }
  return out + (first ? "}" : " }");
}

}  // namespace

std::string Protocol::UpgradedText() const {
  if (version_ == 2) return text_;
  std::string out =
      "# The information-sharing protocol, upgraded by Aegis from a version-1 file: the keys that\n"
      "# version 1 left implicit (write levels, import, export, alerts, grant_roles, users_of)\n"
      "# are written out with the values version 1 gave them. See data/isp/protocol.toml.\n"
      "version = 2\n";
  for (const auto& [name, r] : roles_) {
    std::vector<std::string> aggregate, alerts;
    for (int c = 0; c < store::kRecordClasses; ++c)
      if (r.aggregate[c]) aggregate.emplace_back(kClasses[c]);
    if (r.alert_submit) alerts.emplace_back("submit");
    if (r.alert_triage) alerts.emplace_back("triage");
    if (r.alert_acknowledge) alerts.emplace_back("acknowledge");
    out += "\n[roles." + name + "]\nlabel = " + Quoted(r.label) +
           "\nindividual = " + Levels(r.max_rank.data()) +
           "\nown_org_only = " + (r.own_org_only ? "true" : "false") +
           "\naggregate = " + QuotedList(aggregate) + "\nwrite = " + Levels(r.write_rank.data()) +
           "\nimport = " + (r.import_files ? "true" : "false") +
           "\nexport = " + (r.export_records ? "true" : "false") +
           "\nalerts = " + QuotedList(alerts) + "\nmanage = " + QuotedList(r.manage) +
           "\ngrant_roles = " + QuotedList(r.grant_roles) + "\nusers_of = " +
           Quoted(r.users_all_organisations ? "all_organisations" : "own_organisation") + "\n";
  }
  out += "\n[break_glass]\nroles = " + QuotedList(break_glass_roles_) +
         "\nminutes = " + std::to_string(break_glass_minutes_) +
         "\nmax_sensitivity = " + Quoted(SensitivityName(break_glass_rank_)) + "\n";
  return out;
}

bool Protocol::Manages(const std::string& role, const std::string& what) const {
  const RoleRule* r = Role(role);
  if (!r) return false;
  for (const auto& m : r->manage)
    if (m == what) return true;
  return false;
}

bool Protocol::BreakGlassRole(const std::string& role) const {
  return std::find(break_glass_roles_.begin(), break_glass_roles_.end(), role) !=
         break_glass_roles_.end();
}

}  // namespace aegis::access
