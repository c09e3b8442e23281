// The authorization kernel: the one place that decides who may do what with which record.
//
// Every read, write, export, import, alert, aggregate and administrative action of Aegis asks
// Decide(): the HTTP routes (each route declares its action when it is registered, and the
// server asks before the handler runs), the handlers for the record they hold (its class,
// sensitivity and owning organisation come from the record's content, never from the route),
// and the store's scoped reads, whose WHERE clause is ReadScope(), itself computed by asking
// Decide() for every class, sensitivity and organisation. No route or module has a rule of its
// own: a new route, record class or action is added here and in the protocol file
// (data/isp/protocol.toml), and the authorization matrix test (tests/authz_matrix_test.cc),
// generated from the OpenAPI document, covers it.
//
// Decide() is a pure function of the protocol in force, the subject and the resource: no store
// access, no clock, so it is cheap (called per record of a list) and testable exhaustively.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "access/protocol.h"
#include "store/records.h"

namespace aegis::access {

// What the subject wants to do. Names (ActionName) are those of the protocol file and of the
// OpenAPI document's x-aegis-action.
enum class Action : int {
  kReadIndividual,  // a record as an individual record (list, detail, search, inbox)
  kReadAggregate,   // counts, phases, trends over records of a class
  kCreate,          // a new record (entry form, API, field app)
  kUpdate,          // change a record
  kDelete,          // remove a record
  kExport,          // individual records in a file (CSV, XLSX, JSON, HXL)
  kImport,          // upload a file whose rows become records of the caller's organisation
  kManageUsers,     // create, change, disable users; the resource names the role given
  kManageOrganisations,
  kManageProtocol,     // read the protocol's history, load a new version
  kReadAudit,          // the whole audit log (everyone reads their own actions)
  kManageTracing,      // family tracing cases: register, search, match, decide
  kManageDuplicates,   // confirm or reject duplicate incidents
  kBreakGlass,         // open an emergency grant
  kApproveBreakGlass,  // be the second person of a grant above the immediate limit
  kSubmitAlert,        // a flash alert
  kTriageAlert,        // verify, dismiss, merge, escalate an alert
  kAcknowledgeAlert,   // acknowledge an alert delivered to one's inbox
  kManageTokens,       // one's own API tokens
  // The server's operational metrics (GET /metrics): counts and timings by route pattern, no
  // record and no personal value, but they reveal activity. Open to the host itself (a
  // loopback caller not forwarded by a proxy: Subject::local), to roles whose `manage` list holds
  // "metrics", and to API tokens of such roles with the `metrics` scope.
  kReadMetrics,
  // Send a referral without the person's valid consent for that recipient and purpose (a child
  // at immediate risk with no caregiver reachable): roles whose `manage` list holds
  // "consent_override", in person (never an API token), with a written reason, audited.
  kOverrideConsent,
  // Life-saving messages to communities (the protocol's `messages` key): read the messages and
  // the counts of contacts they reach (any of draft, approve, send); draft and change a draft;
  // approve another person's draft (in person, never an API token); send an approved message to
  // its areas (each within the role's message_areas); read and change contacts with their phone
  // numbers (own organisation's when own_org_only); the SMS gateway's receipts and inbound
  // messages (a machine's role, through its API token).
  kReadMessages,
  kDraftMessage,
  kApproveMessage,
  kSendMessage,
  kManageContacts,
  kMessageGateway,
  kSignedIn,  // anything any signed-in subject may do (me, areas, sign out)
};
inline constexpr int kActions = static_cast<int>(Action::kSignedIn) + 1;
const char* ActionName(Action a);
bool ParseAction(std::string_view name, Action* out);

// Who asks: a signed-in user (cookie session) or a machine client (API token of a user).
struct Subject {
  int64_t user_id = 0;
  std::string role;
  int64_t organisation_id = 0;  // 0: a cluster-wide account (no organisation)
  bool token = false;           // an API token: its scopes bound what it may do
  bool scope_read = true, scope_write = true, scope_export = true;  // a token's scopes
  bool scope_metrics = true;  // a token's `metrics` scope (read /metrics, nothing else)
  // The request comes from this host: a loopback connection that no proxy forwarded for another
  // address (server.cc, ClientAddress). The host's operator holds the store and the key file
  // anyway. Only kReadMetrics reads it; a caller without credentials is a Subject with role "".
  bool local = false;
  // An open break-the-glass grant: individual records of every class and organisation up to
  // this sensitivity rank; -1 = none.
  int break_glass_rank = -1;
};

// What it is done to. Fields a given action does not use are ignored.
struct Resource {
  store::RecordClass record_class = store::RecordClass::kIncident;
  int sensitivity = 1;          // rank: public 0, internal 1, confidential 2, strictly 3
  int64_t organisation_id = 0;  // the owning organisation; 0 = none (cluster-wide)
  // A referral's receiving organisation (0: none, or not a referral): it reads and changes the
  // referral as its owner does. Which fields of the person it sees is the consent's decision
  // (access/consent.h), which side makes which transition the referral module's.
  int64_t receiving_organisation_id = 0;
  // Administration of users: the role the user will hold, the one held now ("" for a new
  // user), and the organisations (target and current).
  std::string target_role, current_role;
  int64_t target_organisation_id = 0, current_organisation_id = 0;
  // Sending a message: one area it goes to ("" at a route's gate, before the message is known).
  std::string area;
};

enum class Effect : int { kDeny = 0, kAggregateOnly = 1, kAllow = 2 };

struct Decision {
  Effect effect = Effect::kDeny;
  // Personal fields (narrative, contact, exact location, names) may be shown.
  bool personal_fields = false;
  // Allowed only through the subject's open emergency grant: audit it as such.
  bool via_break_glass = false;
  // Why not (for the 403's message): names the role, action and class, never a value.
  std::string reason;
  // Denied because an API token lacks the scope, not because of the role.
  bool by_token_scope = false;

  bool allowed() const { return effect == Effect::kAllow; }
};

// The decision for `s` doing `a` to `r` under protocol `p`.
Decision Decide(const Protocol& p, const Subject& s, Action a, const Resource& r);

// Whether `s` may do `a` to at least one resource (a route's gate, before the handler knows the
// record): Decide over every class, sensitivity and organisation.
bool MayEver(const Protocol& p, const Subject& s, Action a);

// The widest effect of `a` for `s` on records of class `c` (over every sensitivity and owning
// organisation): kAllow when some record of the class is allowed, kAggregateOnly when the class
// is seen in aggregates only, else kDeny. What `GET /me` tells a client it may do per class.
Effect MayEverOn(const Protocol& p, const Subject& s, Action a, store::RecordClass c);

// The gate of an API route, before its handler runs: may `s` use a route of action `a` that
// changes state (`changes`, every method but GET) or reads? A token needs its write scope to
// change anything and its read scope to read anything but aggregates and exports (which its
// export scope opens too), whatever the route's action; then the kernel must allow `a` on at
// least one resource (MayEver). The handler asks Decide again for the record it holds.
Decision RouteGate(const Protocol& p, const Subject& s, Action a, bool changes);

// The store's read filter for `s`: for each class the highest sensitivity Decide allows as an
// individual record, whether other organisations' records are allowed, and the classes visible in
// aggregates. Derived from Decide, so the SQL filter and the per-record decision cannot differ.
// With `a` = kExport: the records it may export.
store::AccessScope ReadScope(const Protocol& p, const Subject& s,
                             Action a = Action::kReadIndividual);

// The highest sensitivity of `c` records counted in aggregates shown to `s`: what it reads as
// individual records, or internal when it sees the class in aggregates only; -1 when neither.
// (Counts of directory entries, not of people: no small-number suppression, but an entry above
// this rank is not counted, so an aggregate never reveals a service the reader may not see.)
int AggregateRank(const Protocol& p, const Subject& s, store::RecordClass c);

// What `s` sees of the case records in aggregates (the analysis, its exports, the gap map):
// the case classes counted (bit k: RecordClass k), and whether the figures must be safe (small
// numbers suppressed, and nothing beside them that reveals them) because at least one of those
// classes is aggregate-only for `s`. Exact figures only where every class counted is readable.
struct AggregateView {
  uint32_t classes = 0;
  bool safe = false;
};
AggregateView AggregateViewOf(const Protocol& p, const Subject& s);

// The scope of the operator of the machine (the command line, which holds the key file and the
// store's files, so no protocol can bound it): every record of every class and organisation.
store::AccessScope OperatorScope();

// The record class of a quarantined row that could not be read: the strictest (GBV).
inline constexpr store::RecordClass kStrictestClass = store::RecordClass::kGbv;
inline constexpr int kStrictestRank = 3;

// The lowest sensitivity a record of class `c` may carry: GBV and child records are never
// public (and are raised to confidential when entered lower).
int MinimumRank(store::RecordClass c);

// The sensitivity rank a service directory entry is stored at: a GBV-specialised service is at
// least confidential, so that only roles the protocol lets that far see it in the directory
// (`given`: the rank asked for).
int ServiceRank(bool gbv_specialised, int given);

}  // namespace aegis::access
