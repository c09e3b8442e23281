// Referrals: sending a person to a service with their consent, and following it to closure.
//
// The rules of the referral pathway live here, not in the HTTP handlers or the CLI:
// - which transitions exist (sent → accepted → closed; sent → rejected; sent or accepted →
//   withdrawn) and which side makes each (the receiver accepts, rejects and closes; the referrer
//   withdraws);
// - the deadline of each priority (emergency 24 h, urgent 72 h, normal 14 days) and the
//   escalation, once, of a referral not accepted by its deadline;
// - what a referral needs to be sent: a receiving organisation, a service type, and consent
//   (access/consent.h) or an override that the protocol allows with a written reason.
// Who may read or change a referral is the authorization kernel's decision (access/decision.h,
// record class `referral`), asked here for every action; which of the person's fields a reader
// sees is the consent's (access/consent.h). Notices (store::ReferralNotice) carry ids and codes
// only, never a person's field.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "access/consent.h"
#include "access/decision.h"
#include "access/protocol.h"
#include "store/referral_store.h"
#include "store/service_store.h"
#include "util/status.h"

namespace aegis::referral {

// Priorities and outcomes (data/taxonomy/vocabularies.json referral_priority, referral_outcome,
// referral_purpose, referral_origin).
inline constexpr const char* kPriorities[] = {"emergency", "urgent", "normal"};
inline constexpr const char* kOutcomes[] = {"service_provided", "already_received", "declined",
                                            "service_unavailable", "not_applicable"};
inline constexpr const char* kPurposes[] = {"service_provision", "case_management", "follow_up"};
inline constexpr const char* kOrigins[] = {"incident", "alert", "tracing", "field", "direct"};

// Milliseconds a referral of `priority` has to be accepted; nullopt for an unknown priority.
std::optional<int64_t> AcceptWithinMs(const std::string& priority);

// Whether a referral may move from `from` to `to`.
bool TransitionAllowed(store::ReferralStatus from, store::ReferralStatus to);
// The side that makes the transition to `to`: the receiver accepts, rejects and closes; the
// referrer withdraws.
access::ReferralSide SideFor(store::ReferralStatus to);

// Where a referral's notices go beyond the in-app inbox: for an in-app recipient ("org:CODE",
// "role:NAME"), the outside recipients ("recipient:ID") and channels ("webhook", "email") that
// also get them, through the durable outbox (the server reads them from the routing file's
// [referrals] table through alert::RoutingConfig::ReferralTargets), as (recipient, channel)
// pairs. Empty: in-app only.
using NoticeRoutes =
    std::function<std::vector<std::pair<std::string, std::string>>(const std::string& recipient)>;

// Who acts, and when.
struct Actor {
  const access::Protocol* protocol = nullptr;
  access::Subject subject;
  std::string organisation_code;  // the subject's organisation ("" = cluster-wide)
  store::AccessScope scope;       // access::ReadScope of the subject
  int64_t now_ms = 0;
  NoticeRoutes routes;  // where notices also go (empty: in-app only)
};

// What a new referral is made of.
struct Draft {
  store::Referral referral;  // referring organisation, status and times are set by Create
  store::Consent consent;
  std::string override_reason;  // send without valid consent (kOverrideConsent), why
};

// What Create did.
struct Created {
  int64_t id = 0;
  bool overridden = false;  // sent without valid consent, on an override
  int64_t due_ms = 0;
};

// Sends a referral from the actor's organisation: checks the fields (InvalidArgument, naming
// the field), the kernel (PermissionDenied), the service entry when one is named (it must be the
// receiving organisation's, active and accepting referrals), and consent: without valid consent
// for that recipient and purpose FailedPrecondition names what is missing, unless an override
// with a reason of at least 10 characters is given and the kernel allows it.
Result<Created> Create(store::ReferralStore& referrals, store::ServiceStore& services,
                       const Actor& a, Draft d);

// A referral as the actor sees it: nullopt when the kernel hides it; the person's fields the
// actor may not see emptied (`fields`: those it sees).
Result<std::optional<store::ReferralRecord>> Read(store::ReferralStore& referrals, const Actor& a,
                                                  int64_t id, std::vector<std::string>* fields);
// A referral redacted for its reader, with the person's fields that reader sees.
struct Visible {
  store::ReferralRecord rec;
  std::vector<std::string> fields;
};
// The referrals the actor may read matching `q`, each redacted for it.
Result<std::vector<Visible>> List(store::ReferralStore& referrals, const Actor& a,
                                  const store::ReferralQuery& q);

// Moves referral `id` to `to`: FailedPrecondition for a transition that does not exist (naming
// the allowed ones), PermissionDenied for the wrong side or a kernel refusal, InvalidArgument
// for a missing outcome (closed) or reason (rejected, withdrawn). Notifies the other side.
Status Change(store::ReferralStore& referrals, const Actor& a, int64_t id, store::ReferralStatus to,
              const std::string& outcome, const std::string& reason);

// Records that the person withdrew consent (either side may record it): from now on the
// receiver sees none of the person's fields.
Status WithdrawConsent(store::ReferralStore& referrals, const Actor& a, int64_t id);

// Escalates, once each, the referrals not accepted by their deadline at `now_ms`: an event and
// notices to the cluster's coordinators and both organisations. Returns how many.
Result<int> EscalateOverdue(store::ReferralStore& referrals, int64_t now_ms,
                            const NoticeRoutes& routes = {});

// Whether `r` is overdue at `now_ms`: still sent, its deadline passed.
bool Overdue(const store::Referral& r, int64_t now_ms);

}  // namespace aegis::referral
