#include "access/decision.h"

#include <algorithm>
#include <array>

namespace aegis::access {

namespace {

constexpr std::array<const char*, kActions> kNames = {"read_individual",
                                                      "read_aggregate",
                                                      "create",
                                                      "update",
                                                      "delete",
                                                      "export",
                                                      "import",
                                                      "manage_users",
                                                      "manage_organisations",
                                                      "manage_protocol",
                                                      "read_audit",
                                                      "manage_tracing",
                                                      "manage_duplicates",
                                                      "break_glass",
                                                      "approve_break_glass",
                                                      "submit_alert",
                                                      "triage_alert",
                                                      "acknowledge_alert",
                                                      "manage_tokens",
                                                      "read_metrics",
                                                      "override_consent",
                                                      "read_messages",
                                                      "draft_message",
                                                      "approve_message",
                                                      "send_message",
                                                      "manage_contacts",
                                                      "message_gateway",
                                                      "signed_in"};

Decision Deny(std::string reason) {
  Decision d;
  d.reason = std::move(reason);
  return d;
}

Decision Allow(bool personal = false) {
  Decision d;
  d.effect = Effect::kAllow;
  d.personal_fields = personal;
  return d;
}

bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

bool IsWriteAction(Action a) {
  switch (a) {
    case Action::kReadIndividual:
    case Action::kReadAggregate:
    case Action::kExport:
    case Action::kReadAudit:
    case Action::kReadMetrics:
    case Action::kReadMessages:
    case Action::kSignedIn:
      return false;
    default:
      return true;
  }
}

// Actions no API token may take, whatever its scopes: they change who may see what, or need a
// person (a second person, a reason) behind them.
bool PersonOnly(Action a) {
  return a == Action::kManageUsers || a == Action::kManageOrganisations ||
         a == Action::kManageProtocol || a == Action::kBreakGlass ||
         a == Action::kApproveBreakGlass || a == Action::kManageTokens ||
         a == Action::kOverrideConsent || a == Action::kApproveMessage;
}

std::string Who(const Subject& s) { return "the role " + s.role; }

std::string What(const Resource& r) {
  return std::string(ClassName(r.record_class)) + " records (" + SensitivityName(r.sensitivity) +
         ")";
}

bool OwnOrganisation(const Subject& s, int64_t org) {
  return org == s.organisation_id;  // cluster-wide accounts (0) own cluster-wide records (0)
}

// The subject's organisation owns the record, or receives it (a referral).
bool OwnsOrReceives(const Subject& s, const Resource& r) {
  return OwnOrganisation(s, r.organisation_id) ||
         (r.receiving_organisation_id > 0 && r.receiving_organisation_id == s.organisation_id);
}

// A role's own-organisation limit is on records that belong to organisations (case records,
// referrals: store::OrganisationScoped), not on the shared service directory.
bool OwnOrgOnly(const RoleRule& rule, int c) {
  return rule.own_org_only && store::OrganisationScoped(static_cast<store::RecordClass>(c));
}

Decision ReadIndividual(const Protocol& p, const RoleRule& rule, const Subject& s,
                        const Resource& r) {
  const int c = static_cast<int>(r.record_class);
  const bool own = s.organisation_id > 0 && OwnsOrReceives(s, r);
  if (rule.max_rank[c] >= r.sensitivity && (!OwnOrgOnly(rule, c) || own)) return Allow(true);
  // A grant never reaches past the protocol's limit, whatever the grant row says.
  if (std::min(s.break_glass_rank, p.break_glass_rank()) >= r.sensitivity) {
    Decision d = Allow(true);
    d.via_break_glass = true;
    return d;
  }
  Decision d = Deny(Who(s) + " cannot read individual " + What(r) +
                    (OwnOrgOnly(rule, c) && !own ? " of another organisation" : ""));
  if (rule.aggregate[c] || rule.max_rank[c] >= 0) d.effect = Effect::kAggregateOnly;
  return d;
}

Decision Write(const RoleRule& rule, const Subject& s, Action a, const Resource& r) {
  const int c = static_cast<int>(r.record_class);
  if (!OwnsOrReceives(s, r)) return Deny(Who(s) + " writes only its own organisation's records");
  if (r.record_class == store::RecordClass::kReferral && r.organisation_id == 0)
    return Deny(
        "a referral is sent and received by organisations; an account of no "
        "organisation does neither");
  if (r.sensitivity < MinimumRank(r.record_class))
    return Deny(std::string(ClassName(r.record_class)) + " records are never " +
                SensitivityName(r.sensitivity) + "; mark them " +
                SensitivityName(MinimumRank(r.record_class)) + " or higher");
  if (rule.write_rank[c] < r.sensitivity)
    return Deny(Who(s) + " cannot " + ActionName(a) + " " + What(r));
  return Allow(true);
}

Decision ManageUsers(const Protocol& p, const RoleRule& rule, const Subject& s, const Resource& r) {
  if (!Has(rule.manage, "users")) return Deny(Who(s) + " does not manage users");
  if (!r.target_role.empty() && !Has(rule.grant_roles, r.target_role))
    return Deny(Who(s) + " cannot give the role " + r.target_role);
  if (!r.current_role.empty() && !Has(rule.grant_roles, r.current_role))
    return Deny(Who(s) + " cannot change a user who holds the role " + r.current_role);
  if (!rule.users_all_organisations && (r.target_organisation_id != s.organisation_id ||
                                        r.current_organisation_id != s.organisation_id))
    return Deny(Who(s) + " manages users of its own organisation only");
  (void)p;
  return Allow();
}

Decision Manage(const RoleRule& rule, const Subject& s, const char* what) {
  if (Has(rule.manage, what)) return Allow(true);
  return Deny(Who(s) + " does not manage " + what);
}

// Metrics: the host itself (loopback, not forwarded for another address), or a role that manages
// "metrics" (a token of it only with the metrics scope). Asked before the role is looked up, so
// that a caller without credentials (role "") from the host is allowed.
Decision ReadMetrics(const Protocol& p, const Subject& s) {
  if (s.local) return Allow();
  const RoleRule* rule = p.Role(s.role);
  if (rule == nullptr) return Deny("the metrics are read from this host or by a signed-in role");
  if (s.token && !s.scope_metrics) {
    Decision d = Deny("this API token has no metrics scope");
    d.by_token_scope = true;
    return d;
  }
  return Manage(*rule, s, "metrics");
}

// Life-saving messages: the role's `messages` list holds `what`.
Decision Messages(const RoleRule& rule, const Subject& s, const char* what) {
  if (Has(rule.messages, what)) return Allow();
  return Deny(Who(s) + " cannot " +
              (std::string(what) == "contacts"  ? "manage contacts"
               : std::string(what) == "gateway" ? "report for the SMS gateway"
                                                : std::string(what) + " messages"));
}

Decision SendMessage(const RoleRule& rule, const Subject& s, const Resource& r) {
  Decision d = Messages(rule, s, "send");
  if (!d.allowed() || r.area.empty() || rule.message_areas.empty()) return d;
  for (const std::string& mine : rule.message_areas)
    if (r.area.rfind(mine, 0) == 0) return d;
  std::string list;
  for (const std::string& a : rule.message_areas) list += (list.empty() ? "" : ", ") + a;
  return Deny(Who(s) + " sends messages to " + list + " and the areas within them only");
}

Decision ManageContacts(const RoleRule& rule, const Subject& s, const Resource& r) {
  Decision d = Messages(rule, s, "contacts");
  if (!d.allowed()) return d;
  if (rule.own_org_only && r.organisation_id != 0 && !OwnOrganisation(s, r.organisation_id))
    return Deny(Who(s) + " manages its own organisation's contacts only");
  d.personal_fields = true;
  return d;
}

}  // namespace

const char* ActionName(Action a) { return kNames[static_cast<int>(a)]; }

bool ParseAction(std::string_view name, Action* out) {
  for (int i = 0; i < kActions; ++i)
    if (name == kNames[i]) {
      *out = static_cast<Action>(i);
      return true;
    }
  return false;
}

int MinimumRank(store::RecordClass c) {
  return c == store::RecordClass::kGbv || c == store::RecordClass::kChild ||
                 c == store::RecordClass::kReferral
             ? 1
             : 0;
}

int ServiceRank(bool gbv_specialised, int given) {
  return gbv_specialised ? std::max(given, 2) : given;
}

Decision Decide(const Protocol& p, const Subject& s, Action a, const Resource& r) {
  if (a == Action::kReadMetrics) return ReadMetrics(p, s);
  const RoleRule* rule = p.Role(s.role);
  if (rule == nullptr) return Deny("the role '" + s.role + "' is not in the protocol in force");
  if (s.token) {
    if (PersonOnly(a)) return Deny("an API token cannot " + std::string(ActionName(a)));
    if (IsWriteAction(a) && !s.scope_write) return Deny("this API token is read-only");
    if (a == Action::kExport && !s.scope_export) return Deny("this API token has no export scope");
    if (!IsWriteAction(a) && a != Action::kExport && a != Action::kSignedIn && !s.scope_read) {
      // An export-scope token reads aggregates and exports, never individual records.
      if (a == Action::kReadAggregate && s.scope_export) {
      } else {
        return Deny("this API token has no read scope");
      }
    }
  }
  switch (a) {
    case Action::kSignedIn:
      return Allow();
    case Action::kReadIndividual:
      return ReadIndividual(p, *rule, s, r);
    case Action::kReadAggregate: {
      const int c = static_cast<int>(r.record_class);
      if (rule->max_rank[c] >= 0 && !OwnOrgOnly(*rule, c)) return Allow();
      if (rule->aggregate[c] || rule->max_rank[c] >= 0) {
        Decision d = Deny(Who(s) + " sees " + ClassName(r.record_class) +
                          " records in safe aggregates only");
        d.effect = Effect::kAggregateOnly;
        return d;
      }
      return Deny(Who(s) + " sees no " + ClassName(r.record_class) + " records");
    }
    case Action::kExport: {
      if (!rule->export_records) return Deny(Who(s) + " cannot export individual records");
      Decision d = ReadIndividual(p, *rule, s, r);
      if (d.effect == Effect::kAggregateOnly) d.effect = Effect::kDeny;
      // A file leaves the system: pseudonymous ids, no personal fields, whoever asks.
      d.personal_fields = false;
      return d;
    }
    case Action::kCreate:
    case Action::kUpdate:
    case Action::kDelete:
      return Write(*rule, s, a, r);
    case Action::kImport:
      if (!rule->import_files) return Deny(Who(s) + " cannot import files");
      if (!OwnOrganisation(s, r.organisation_id))
        return Deny(Who(s) + " imports into its own organisation only");
      return Allow();
    case Action::kManageUsers:
      return ManageUsers(p, *rule, s, r);
    case Action::kManageOrganisations:
      return Manage(*rule, s, "organisations");
    case Action::kManageProtocol:
      return Manage(*rule, s, "isp");
    case Action::kReadAudit:
      return Manage(*rule, s, "audit");
    case Action::kManageTracing: {
      Decision d = Manage(*rule, s, "tracing");
      // A case is changed by its own organisation only (read and match across organisations).
      if (d.allowed() && r.organisation_id != 0 && !OwnOrganisation(s, r.organisation_id))
        return Deny(Who(s) + " changes only its own organisation's tracing cases");
      return d;
    }
    case Action::kManageDuplicates:
      return Manage(*rule, s, "duplicates");
    case Action::kBreakGlass:
    case Action::kApproveBreakGlass:
      if (!p.BreakGlassRole(s.role)) return Deny(Who(s) + " cannot break the glass");
      return Allow();
    case Action::kSubmitAlert:
      return rule->alert_submit ? Allow() : Deny(Who(s) + " cannot send alerts");
    case Action::kTriageAlert:
      return rule->alert_triage ? Allow() : Deny(Who(s) + " cannot triage alerts");
    case Action::kAcknowledgeAlert:
      return rule->alert_acknowledge ? Allow() : Deny(Who(s) + " cannot acknowledge alerts");
    case Action::kManageTokens:
      return Allow();
    case Action::kOverrideConsent:
      return Manage(*rule, s, "consent_override");
    case Action::kReadMetrics:
      return ReadMetrics(p, s);
    case Action::kReadMessages:
      if (Has(rule->messages, "draft") || Has(rule->messages, "approve") ||
          Has(rule->messages, "send") || Has(rule->messages, "contacts"))
        return Allow();
      return Deny(Who(s) + " takes no part in life-saving messages");
    case Action::kDraftMessage:
      return Messages(*rule, s, "draft");
    case Action::kApproveMessage:
      return Messages(*rule, s, "approve");
    case Action::kSendMessage:
      return SendMessage(*rule, s, r);
    case Action::kManageContacts:
      return ManageContacts(*rule, s, r);
    case Action::kMessageGateway:
      return Messages(*rule, s, "gateway");
  }
  return Deny("unknown action");
}

Decision RouteGate(const Protocol& p, const Subject& s, Action a, bool changes) {
  auto scope = [](std::string why) {
    Decision d = Deny(std::move(why));
    d.by_token_scope = true;
    return d;
  };
  if (s.token) {
    if (changes && !s.scope_write) return scope("this API token is read-only (scope: read)");
    // A GET of any action but these answers records (tracing cases, duplicate pairs, imports,
    // alerts): the read scope, not export or write.
    const bool aggregate_or_export =
        a == Action::kExport || a == Action::kReadAggregate || a == Action::kSignedIn;
    // The metrics: the token's metrics scope, or the server's own host whatever the token.
    const bool metrics = a == Action::kReadMetrics && (s.scope_metrics || s.local);
    if (!changes && !s.scope_read && !(aggregate_or_export && s.scope_export) && !metrics)
      return scope("this API token has no read scope");
  }
  if (MayEver(p, s, a)) return Allow();
  Decision d = Decide(p, s, a, {});
  d.by_token_scope = s.token && d.reason.find("token") != std::string::npos;
  if (!d.by_token_scope) d.reason += " under the sharing protocol in force";
  return d;
}

bool MayEver(const Protocol& p, const Subject& s, Action a) {
  if (a == Action::kManageUsers) {
    const RoleRule* rule = p.Role(s.role);
    if (rule == nullptr || rule->grant_roles.empty()) return false;
    Resource r;
    r.target_role = rule->grant_roles.front();
    r.target_organisation_id = r.current_organisation_id = s.organisation_id;
    return Decide(p, s, a, r).allowed();
  }
  for (int c = 0; c < store::kRecordClasses; ++c)
    for (int rank = 0; rank <= 3; ++rank)
      for (int64_t org : {s.organisation_id, int64_t{-1}}) {
        Resource r;
        r.record_class = static_cast<store::RecordClass>(c);
        r.sensitivity = rank;
        r.organisation_id = org;
        Decision d = Decide(p, s, a, r);
        if (d.effect != Effect::kDeny) return true;
      }
  return false;
}

Effect MayEverOn(const Protocol& p, const Subject& s, Action a, store::RecordClass c) {
  Effect best = Effect::kDeny;
  for (int rank = 0; rank <= 3; ++rank)
    for (int64_t org : {s.organisation_id, int64_t{-1}}) {
      Resource r;
      r.record_class = c;
      r.sensitivity = rank;
      r.organisation_id = org;
      best = std::max(best, Decide(p, s, a, r).effect);
    }
  return best;
}

store::AccessScope ReadScope(const Protocol& p, const Subject& s, Action a) {
  store::AccessScope scope;
  bool other_orgs = true;
  // Organisation -1 stands for "any other organisation" (no real organisation has that id).
  const int64_t own = s.organisation_id > 0 ? s.organisation_id : -2;
  for (int c = 0; c < store::kRecordClasses; ++c) {
    Resource r;
    r.record_class = static_cast<store::RecordClass>(c);
    for (int rank = 3; rank >= 0 && scope.max_rank[c] < 0; --rank) {
      r.sensitivity = rank;
      r.organisation_id = own;
      if (Decide(p, s, a, r).allowed()) scope.max_rank[c] = rank;
    }
    if (scope.max_rank[c] >= 0) {
      r.sensitivity = scope.max_rank[c];
      r.organisation_id = -1;
      other_orgs = other_orgs && Decide(p, s, a, r).allowed();
    }
    r.sensitivity = 0;
    scope.aggregate[c] = Decide(p, s, Action::kReadAggregate, r).effect != Effect::kDeny;
  }
  if (!other_orgs) scope.only_organisation_id = s.organisation_id > 0 ? s.organisation_id : -1;
  scope.who = std::to_string(s.user_id);
  return scope;
}

int AggregateRank(const Protocol& p, const Subject& s, store::RecordClass c) {
  const int read = ReadScope(p, s).max_rank[static_cast<int>(c)];
  if (read >= 0) return read;
  Resource r;
  r.record_class = c;
  return Decide(p, s, Action::kReadAggregate, r).effect != Effect::kDeny ? 1 : -1;
}

store::AccessScope OperatorScope() {
  store::AccessScope scope;
  for (int c = 0; c < store::kRecordClasses; ++c) {
    scope.max_rank[c] = 3;
    scope.aggregate[c] = true;
  }
  scope.who = "operator";
  return scope;
}

AggregateView AggregateViewOf(const Protocol& p, const Subject& s) {
  AggregateView v;
  for (int k = 0; k < store::kCaseClasses; ++k) {
    Resource r;
    r.record_class = static_cast<store::RecordClass>(k);
    const Effect e = Decide(p, s, Action::kReadAggregate, r).effect;
    if (e != Effect::kDeny) v.classes |= 1U << k;
    if (e == Effect::kAggregateOnly) v.safe = true;
  }
  return v;
}

}  // namespace aegis::access
