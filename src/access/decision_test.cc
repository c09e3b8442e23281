// The authorization kernel over the shipped protocol, exhaustively: every role x action x class
// x sensitivity x own/other organisation x session or token of each scope, checked against the
// rules the cluster relies on (aggregate-only roles never see a record, GBV and child records
// never reach partners, writes stay in one's own organisation, break the glass stops at
// confidential), the store's read filter checked equal to Decide record by record, and a
// version-1 protocol upgraded to version 2 deciding exactly as before.
#include "access/decision.h"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

namespace aegis::access {
namespace {

const std::string kData = std::string(AEGIS_SOURCE_DIR) + "/data";

Protocol Shipped() {
  auto p = Protocol::Load(kData + "/isp/protocol.toml");
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return std::move(*p);
}

constexpr int64_t kOwn = 7, kOther = 9;

// Every subject the matrix uses: each role as a session, and as tokens of each scope set.
std::vector<Subject> Subjects(const Protocol& p) {
  std::vector<Subject> out;
  for (const std::string& role : p.RoleNames()) {
    for (int org : {0, 1}) {
      Subject s;
      s.user_id = 1;
      s.role = role;
      s.organisation_id = org ? kOwn : 0;
      out.push_back(s);
      for (int scopes = 1; scopes < 16; ++scopes) {
        Subject t = s;
        t.token = true;
        t.scope_read = scopes & 1;
        t.scope_write = scopes & 2;
        t.scope_export = scopes & 4;
        t.scope_metrics = scopes & 8;
        out.push_back(t);
      }
      if (p.BreakGlassRole(role)) {
        Subject g = s;
        g.break_glass_rank = p.break_glass_rank();
        out.push_back(g);
      }
    }
  }
  return out;
}

std::vector<Resource> Resources() {
  std::vector<Resource> out;
  for (int c = 0; c < store::kRecordClasses; ++c)
    for (int rank = 0; rank <= 3; ++rank)
      for (int64_t org : {int64_t{0}, kOwn, kOther}) {
        Resource r;
        r.record_class = static_cast<store::RecordClass>(c);
        r.sensitivity = rank;
        r.organisation_id = org;
        out.push_back(r);
      }
  return out;
}

bool AggregateOnlyRole(const std::string& role) {
  return role == "outside_recipient" || role == "viewer";
}

TEST(AuthorizationKernel, TheShippedProtocolKeepsTheClusterRulesInEveryCell) {
  Protocol p = Shipped();
  EXPECT_EQ(p.version(), 2);
  int64_t cells = 0;
  for (const Subject& s : Subjects(p)) {
    for (const Resource& r : Resources()) {
      for (int ai = 0; ai < kActions; ++ai) {
        const Action a = static_cast<Action>(ai);
        Decision d = Decide(p, s, a, r);
        ++cells;
        const std::string where = s.role + (s.token ? " token" : "") + " " + ActionName(a) + " " +
                                  ClassName(r.record_class) + "/" + SensitivityName(r.sensitivity) +
                                  " org " + std::to_string(r.organisation_id);
        const bool individual = a == Action::kReadIndividual || a == Action::kExport ||
                                a == Action::kCreate || a == Action::kUpdate ||
                                a == Action::kDelete;
        if (AggregateOnlyRole(s.role) && individual) {
          EXPECT_FALSE(d.allowed()) << where;
        }
        // GBV and child records as individual records: coordination only (or an emergency
        // grant, which partners may open up to confidential).
        const bool sensitive_class = r.record_class == store::RecordClass::kGbv ||
                                     r.record_class == store::RecordClass::kChild;
        if (sensitive_class && individual && s.role != "coordinator" && s.role != "imo") {
          EXPECT_TRUE(!d.allowed() || (d.via_break_glass && a != Action::kCreate &&
                                       a != Action::kUpdate && a != Action::kDelete))
              << where;
        }
        if ((a == Action::kCreate || a == Action::kUpdate || a == Action::kDelete ||
             a == Action::kImport) &&
            r.organisation_id != s.organisation_id) {
          EXPECT_FALSE(d.allowed()) << where;
        }
        if (a == Action::kCreate && sensitive_class && r.sensitivity == 0) {
          EXPECT_FALSE(d.allowed()) << where;
        }
        if (individual && r.sensitivity == 3 && s.role != "coordinator" && s.role != "imo") {
          EXPECT_FALSE(d.allowed()) << where;
        }
        if (d.via_break_glass) {
          EXPECT_LE(r.sensitivity, 2) << where;
        }
        if (s.token && !s.scope_write && a == Action::kCreate) {
          EXPECT_FALSE(d.allowed()) << where;
        }
        if (s.token && !s.scope_read && a == Action::kReadIndividual) {
          EXPECT_FALSE(d.allowed()) << where;
        }
        if (s.token && (a == Action::kManageUsers || a == Action::kManageProtocol ||
                        a == Action::kBreakGlass || a == Action::kManageTokens ||
                        a == Action::kOverrideConsent)) {
          EXPECT_FALSE(d.allowed()) << where;
        }
        if (a == Action::kExport) {
          EXPECT_FALSE(d.personal_fields) << where;
        }
        if (!d.allowed()) {
          EXPECT_FALSE(d.reason.empty()) << where;
        }
      }
    }
  }
  std::printf("[figure] authorization kernel: %lld decisions checked over the shipped protocol\n",
              static_cast<long long>(cells));
  EXPECT_GT(cells, 100000);
}

// The store filters with ReadScope; handlers ask Decide. They must agree on every record.
TEST(AuthorizationKernel, TheStoreFilterAndTheDecisionAgreeOnEveryRecord) {
  Protocol p = Shipped();
  for (const Subject& s : Subjects(p)) {
    for (Action a : {Action::kReadIndividual, Action::kExport}) {
      store::AccessScope scope = ReadScope(p, s, a);
      for (const Resource& r : Resources()) {
        const int c = static_cast<int>(r.record_class);
        // The store limits case records and referrals to the organisation; the service
        // directory is shared (sql_services.cc reads the rank only).
        const bool in_scope =
            scope.max_rank[c] >= r.sensitivity &&
            (scope.only_organisation_id == 0 || !store::OrganisationScoped(r.record_class) ||
             scope.only_organisation_id == r.organisation_id);
        EXPECT_EQ(in_scope, Decide(p, s, a, r).allowed())
            << s.role << (s.token ? " token" : "") << " " << ActionName(a) << " "
            << ClassName(r.record_class) << "/" << r.sensitivity << " org " << r.organisation_id;
      }
    }
  }
}

TEST(AuthorizationKernel, NobodyGivesARoleAboveTheirOwnAndOnlyACoordinatorMakesACoordinator) {
  Protocol p = Shipped();
  for (const std::string& role : p.RoleNames()) {
    Subject s;
    s.role = role;
    s.organisation_id = kOwn;
    for (const std::string& target : p.RoleNames()) {
      Resource r;
      r.target_role = target;
      r.target_organisation_id = r.current_organisation_id = kOwn;
      bool allowed = Decide(p, s, Action::kManageUsers, r).allowed();
      if (target == "coordinator") {
        EXPECT_EQ(allowed, role == "coordinator") << role;
      }
      // The roles of contacts' numbers and of the SMS gateway are given by the operator only
      // (aegis user add): no role holds their rights.
      if (target == "messaging_officer" || target == "sms_gateway") {
        EXPECT_FALSE(allowed) << role << " gives " << target;
      }
      if (role == "imo") {
        EXPECT_EQ(allowed, target != "coordinator" && target != "imo" &&
                               target != "service_provider" && target != "messaging_officer" &&
                               target != "sms_gateway")
            << target;
      }
      // Demoting a coordinator is changing a coordinator.
      r.current_role = "coordinator";
      if (role != "coordinator") {
        EXPECT_FALSE(Decide(p, s, Action::kManageUsers, r).allowed());
      }
    }
  }
  // A protocol that lets a role give a role with more rights is refused when loaded.
  std::string text = Shipped().text();
  std::string bad = text;
  bad.replace(bad.find("grant_roles = [\"partner_focal_point\""), 15,
              "grant_roles = [\"coordinator\", ");
  auto parsed = Protocol::Parse(bad, "bad.toml");
  ASSERT_FALSE(parsed.ok());
  EXPECT_NE(parsed.status().message().find("gives only roles below or equal"), std::string::npos)
      << parsed.status().message();
}

// A protocol may let a partner focal point manage the accounts of its own organisation (users_of
// defaults to own_organisation): never another organisation's, neither by creating a user there
// nor by changing one from there.
TEST(AuthorizationKernel, AnOwnOrganisationUserManagerNeverReachesAnotherOrganisation) {
  std::string text = Shipped().text();
  const std::string at = "[roles.partner_focal_point]";
  const std::string own = "manage = [\"consent_override\"]\n";
  const size_t block = text.find(at), line = text.find(own, block);
  ASSERT_LT(line, text.find("[roles.", block + 1)) << "the partner's manage line moved";
  text.erase(line, own.size());
  text.insert(text.find('\n', block) + 1,
              "manage = [\"users\", \"consent_override\"]\ngrant_roles = [\"field_monitor\"]\n");
  auto p = Protocol::Parse(text, "own-org-managers.toml");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  Subject s;
  s.role = "partner_focal_point";
  s.organisation_id = kOwn;
  Resource r;
  r.target_role = "field_monitor";
  r.target_organisation_id = r.current_organisation_id = kOwn;
  EXPECT_TRUE(Decide(*p, s, Action::kManageUsers, r).allowed());
  for (auto [target, current] : {std::pair{kOther, kOther}, std::pair{kOther, kOwn},
                                 std::pair{kOwn, kOther}, std::pair{int64_t{0}, kOwn}}) {
    r.target_organisation_id = target;
    r.current_organisation_id = current;
    Decision d = Decide(*p, s, Action::kManageUsers, r);
    EXPECT_FALSE(d.allowed()) << target << " " << current;
    EXPECT_NE(d.reason.find("its own organisation only"), std::string::npos) << d.reason;
  }
}

// Exporting individual records is all or nothing: a role that may not export gets a denial, never
// "aggregate only" (which a caller could take as leave to export something).
// Who gets safe aggregates is the kernel's answer, not a route's: an aggregate-only role (an
// outside recipient, a viewer) always gets safe figures of every case class; a role reading GBV
// and child records as individual records (the coordinator) gets exact ones; and for every
// subject the view agrees with Decide class by class.
// What GET /me reports per class is the widest decision over that class's records, and agrees
// with MayEver (a route's gate) for every subject and record action.
TEST(AuthorizationKernel, MayEverOnIsTheWidestDecisionOverAClass) {
  Protocol p = Shipped();
  for (const Subject& s : Subjects(p)) {
    for (int i = 0; i <= static_cast<int>(Action::kImport); ++i) {
      const auto a = static_cast<Action>(i);
      bool any = false;
      for (int c = 0; c < store::kRecordClasses; ++c) {
        const auto cls = static_cast<store::RecordClass>(c);
        Effect widest = Effect::kDeny;
        for (const Resource& r : Resources())
          if (r.record_class == cls &&
              (r.organisation_id == s.organisation_id || r.organisation_id == kOther))
            widest = std::max(widest, Decide(p, s, a, r).effect);
        EXPECT_EQ(MayEverOn(p, s, a, cls), widest) << s.role << " " << ActionName(a) << " " << c;
        any = any || widest != Effect::kDeny;
      }
      if (a != Action::kManageUsers) {
        EXPECT_EQ(MayEver(p, s, a), any) << s.role << " " << ActionName(a);
      }
    }
  }
}

TEST(AuthorizationKernel, SafeAggregatesAreDecidedByTheKernelForEverySubject) {
  Protocol p = Shipped();
  for (const Subject& s : Subjects(p)) {
    AggregateView v = AggregateViewOf(p, s);
    bool any_aggregate_only = false;
    for (int k = 0; k < store::kCaseClasses; ++k) {
      Resource r;
      r.record_class = static_cast<store::RecordClass>(k);
      const Effect e = Decide(p, s, Action::kReadAggregate, r).effect;
      EXPECT_EQ((v.classes >> k) & 1U, e != Effect::kDeny ? 1U : 0U) << s.role << " class " << k;
      any_aggregate_only = any_aggregate_only || e == Effect::kAggregateOnly;
    }
    EXPECT_EQ(v.safe, any_aggregate_only) << s.role;
    if (AggregateOnlyRole(s.role) && v.classes != 0) {
      EXPECT_TRUE(v.safe) << s.role;
    }
  }
  Subject coordinator;
  coordinator.user_id = 1;
  coordinator.role = "coordinator";
  EXPECT_FALSE(AggregateViewOf(p, coordinator).safe);
  EXPECT_EQ(AggregateViewOf(p, coordinator).classes, (1U << store::kCaseClasses) - 1);
  Subject outside = coordinator;
  outside.role = "outside_recipient";
  EXPECT_TRUE(AggregateViewOf(p, outside).safe);
}

TEST(AuthorizationKernel, AnExportIsAllowedOrDeniedNeverAggregateOnly) {
  Protocol p = Shipped();
  int64_t denied = 0;
  for (const Subject& s : Subjects(p)) {
    for (const Resource& r : Resources()) {
      Decision d = Decide(p, s, Action::kExport, r);
      EXPECT_NE(d.effect, Effect::kAggregateOnly) << s.role << " " << d.reason;
      denied += d.effect == Effect::kDeny;
    }
  }
  EXPECT_GT(denied, 0);
}

// A route's gate: whatever the route's action, a token without the write scope changes nothing,
// and one without the read scope reads no records (only aggregates and exports, with the export
// scope); a session passes exactly where MayEver says.
TEST(AuthorizationKernel, ARoutesGateHoldsTokensToTheirScopesWhateverTheAction) {
  Protocol p = Shipped();
  int64_t cells = 0;
  for (const Subject& s : Subjects(p)) {
    for (int i = 0; i < kActions; ++i) {
      const auto a = static_cast<Action>(i);
      for (bool changes : {false, true}) {
        Decision d = RouteGate(p, s, a, changes);
        ++cells;
        if (!s.token) {
          EXPECT_EQ(d.allowed(), MayEver(p, s, a)) << s.role << " " << ActionName(a);
          continue;
        }
        if (changes && !s.scope_write) {
          EXPECT_TRUE(!d.allowed() && d.by_token_scope);
        }
        const bool opens =
            a == Action::kExport || a == Action::kReadAggregate || a == Action::kSignedIn;
        const bool metrics = a == Action::kReadMetrics && s.scope_metrics;
        if (!changes && !s.scope_read && !(opens && s.scope_export) && !metrics) {
          EXPECT_TRUE(!d.allowed() && d.by_token_scope) << ActionName(a);
        }
        if (d.allowed()) {
          EXPECT_TRUE(MayEver(p, s, a)) << s.role << " " << ActionName(a);
        }
      }
    }
  }
  EXPECT_GT(cells, 1000);
}

// GET /metrics: the host itself (a loopback caller not forwarded by a proxy), with or without
// credentials; otherwise only roles whose `manage` holds "metrics" (coordinator and IMO as
// shipped), a token of them only with its metrics scope; and a metrics-only token opens nothing
// else.
TEST(AuthorizationKernel, MetricsAreReadFromTheHostOrByRolesThatManageThem) {
  Protocol p = Shipped();
  Subject anonymous;  // no credentials: role ""
  EXPECT_FALSE(Decide(p, anonymous, Action::kReadMetrics, {}).allowed());
  EXPECT_FALSE(RouteGate(p, anonymous, Action::kReadMetrics, false).allowed());
  anonymous.local = true;
  EXPECT_TRUE(RouteGate(p, anonymous, Action::kReadMetrics, false).allowed());
  for (int i = 0; i < kActions; ++i) {
    const auto a = static_cast<Action>(i);
    if (a != Action::kReadMetrics) {
      EXPECT_FALSE(RouteGate(p, anonymous, a, false).allowed()) << ActionName(a);
    }
  }
  int64_t cells = 0;
  for (Subject s : Subjects(p)) {
    const bool manages = s.role == "coordinator" || s.role == "imo";
    const bool expected = manages && (!s.token || s.scope_metrics);
    Decision d = RouteGate(p, s, Action::kReadMetrics, false);
    EXPECT_EQ(d.allowed(), expected) << s.role << (s.token ? " token" : "") << " " << d.reason;
    if (!d.allowed()) {
      EXPECT_FALSE(d.reason.empty());
    }
    s.local = true;
    EXPECT_TRUE(RouteGate(p, s, Action::kReadMetrics, false).allowed()) << s.role;
    ++cells;
    if (s.token && s.scope_metrics && !s.scope_read && !s.scope_write && !s.scope_export) {
      for (int i = 0; i < kActions; ++i) {
        const auto a = static_cast<Action>(i);
        if (a == Action::kReadMetrics) continue;
        for (bool changes : {false, true}) {
          EXPECT_FALSE(RouteGate(p, s, a, changes).allowed()) << s.role << " " << ActionName(a);
        }
      }
    }
  }
  EXPECT_GT(cells, 100);
}

TEST(AuthorizationKernel, BreakTheGlassStopsAtConfidential) {
  Protocol p = Shipped();
  EXPECT_EQ(p.break_glass_rank(), 2);
  std::string text = p.text();
  text.replace(text.find("max_sensitivity = \"confidential\""), 32,
               "max_sensitivity = \"strictly_confidential\"");
  EXPECT_FALSE(Protocol::Parse(text, "p.toml").ok());
  Subject s;
  s.role = "partner_focal_point";
  s.organisation_id = kOwn;
  s.break_glass_rank = 3;  // even a grant stored wider opens no strictly confidential record
  Resource r;
  r.sensitivity = 3;
  r.organisation_id = kOther;
  EXPECT_FALSE(Decide(p, s, Action::kReadIndividual, r).allowed());
}

// A store that holds the version-1 protocol (the file before the kernel) keeps its rules: the
// upgraded version-2 text decides every action exactly as the version-1 text does (the kernel
// reads version 1 with the defaults that version implied, except that nobody gives a role above
// their own).
TEST(AuthorizationKernel, AVersionOneProtocolIsUpgradedWithTheSameReadRules) {
  std::ifstream f(std::string(AEGIS_SOURCE_DIR) + "/tests/data/protocol_v1.toml");
  std::stringstream ss;
  ss << f.rdbuf();
  auto v1 = Protocol::Parse(ss.str(), "protocol_v1.toml");
  ASSERT_TRUE(v1.ok()) << v1.status().ToString();
  EXPECT_EQ(v1->version(), 1);
  EXPECT_EQ(v1->break_glass_rank(), 2);  // v1 said strictly_confidential: capped
  auto v2 = Protocol::Parse(v1->UpgradedText(), "upgraded");
  ASSERT_TRUE(v2.ok()) << v2.status().ToString() << "\n" << v1->UpgradedText();
  EXPECT_EQ(v2->version(), 2);
  for (const Subject& s : Subjects(*v1))
    for (const Resource& r : Resources())
      for (int ai = 0; ai < kActions; ++ai) {
        Action a = static_cast<Action>(ai);
        EXPECT_EQ(Decide(*v1, s, a, r).effect, Decide(*v2, s, a, r).effect)
            << s.role << " " << ActionName(a);
      }
  // Version 1's implicit rules: an IMO managed users but could not make a coordinator.
  Subject imo;
  imo.role = "imo";
  Resource coordinator;
  coordinator.target_role = "coordinator";
  EXPECT_FALSE(Decide(*v2, imo, Action::kManageUsers, coordinator).allowed());
}

// A referral belongs to the organisation that sends it and the one that receives it: both read
// and change it, nobody else of an own-organisation role; an account of no organisation sends
// none; only the roles whose `manage` holds consent_override send one without consent, never
// through an API token.
TEST(AuthorizationKernel, AReferralIsItsTwoOrganisationsAndOnlyNamedRolesOverrideConsent) {
  Protocol p = Shipped();
  for (const char* role : {"partner_focal_point", "field_monitor", "service_provider"}) {
    Subject s;
    s.role = role;
    s.organisation_id = kOwn;
    Resource r;
    r.record_class = store::RecordClass::kReferral;
    r.sensitivity = 2;
    r.organisation_id = kOther;
    r.receiving_organisation_id = kOwn;
    EXPECT_TRUE(Decide(p, s, Action::kReadIndividual, r).allowed()) << role;
    EXPECT_TRUE(Decide(p, s, Action::kUpdate, r).allowed()) << role;
    r.receiving_organisation_id = kOther + 1;
    EXPECT_FALSE(Decide(p, s, Action::kReadIndividual, r).allowed()) << role;
    EXPECT_FALSE(Decide(p, s, Action::kUpdate, r).allowed()) << role;
    r.organisation_id = kOwn;
    r.receiving_organisation_id = 0;
    EXPECT_TRUE(Decide(p, s, Action::kCreate, r).allowed()) << role;
  }
  Subject cluster;
  cluster.role = "coordinator";
  Resource none;
  none.record_class = store::RecordClass::kReferral;
  none.sensitivity = 2;
  EXPECT_FALSE(Decide(p, cluster, Action::kCreate, none).allowed());
  const std::set<std::string> overriders = {"coordinator", "imo", "partner_focal_point"};
  for (const Subject& s : Subjects(p)) {
    const bool may = overriders.count(s.role) > 0 && !s.token;
    EXPECT_EQ(Decide(p, s, Action::kOverrideConsent, {}).allowed(), may)
        << s.role << (s.token ? " token" : "");
  }
}

// Life-saving messages: only the messaging role manages contacts (and sees their numbers), the
// author's approval is a person's act (never a token's), a role's message_areas bound where it
// sends, and a role limited to its organisation manages its organisation's contacts only.
TEST(AuthorizationKernel, MessagesFollowTheRolesListsAndAreas) {
  const Protocol p = Shipped();
  auto may = [&](const std::string& role, Action a, const Resource& r = {}, bool token = false) {
    Subject s;
    s.user_id = 1;
    s.role = role;
    s.organisation_id = kOwn;
    s.token = token;
    return Decide(p, s, a, r).allowed();
  };
  for (const std::string& role : p.RoleNames())
    EXPECT_EQ(may(role, Action::kManageContacts), role == "messaging_officer") << role;
  EXPECT_TRUE(may("coordinator", Action::kApproveMessage));
  EXPECT_FALSE(may("coordinator", Action::kApproveMessage, {}, /*token=*/true));
  EXPECT_FALSE(may("partner_focal_point", Action::kApproveMessage));
  EXPECT_TRUE(may("partner_focal_point", Action::kDraftMessage));
  EXPECT_FALSE(may("partner_focal_point", Action::kSendMessage));
  for (const char* role : {"viewer", "outside_recipient", "field_monitor", "sms_gateway"})
    EXPECT_FALSE(may(role, Action::kReadMessages)) << role;
  EXPECT_TRUE(may("sms_gateway", Action::kMessageGateway, {}, /*token=*/true));
  EXPECT_FALSE(may("coordinator", Action::kMessageGateway));

  std::string text = p.text();
  const std::string at = "[roles.messaging_officer]";
  const size_t block = text.find(at);
  ASSERT_NE(block, std::string::npos);
  text.insert(text.find('\n', block) + 1, "message_areas = [\"SS01\"]\nown_org_only = true\n");
  auto limited = Protocol::Parse(text, "areas.toml");
  ASSERT_TRUE(limited.ok()) << limited.status().ToString();
  Subject s;
  s.role = "messaging_officer";
  s.organisation_id = kOwn;
  Resource r;
  for (auto [area, allowed] :
       {std::pair{"SS01", true}, std::pair{"SS0101", true}, std::pair{"SS010101", true},
        std::pair{"SS02", false}, std::pair{"SS0", false}, std::pair{"", true}}) {
    r.area = area;
    Decision d = Decide(*limited, s, Action::kSendMessage, r);
    EXPECT_EQ(d.allowed(), allowed) << area << ": " << d.reason;
  }
  Resource theirs;
  theirs.organisation_id = kOther;
  EXPECT_FALSE(Decide(*limited, s, Action::kManageContacts, theirs).allowed());
  theirs.organisation_id = kOwn;
  EXPECT_TRUE(Decide(*limited, s, Action::kManageContacts, theirs).allowed());
  // An unknown word in the list is refused when the protocol is read.
  std::string bad = p.text();
  bad.insert(bad.find('\n', bad.find(at)) + 1, "messages = [\"broadcast\"]\n");
  EXPECT_FALSE(Protocol::Parse(bad, "bad.toml").ok());
}

TEST(AuthorizationKernel, ActionNamesRoundTrip) {
  for (int ai = 0; ai < kActions; ++ai) {
    Action a;
    ASSERT_TRUE(ParseAction(ActionName(static_cast<Action>(ai)), &a));
    EXPECT_EQ(static_cast<int>(a), ai);
  }
  Action a;
  EXPECT_FALSE(ParseAction("read_everything", &a));
}

}  // namespace
}  // namespace aegis::access
