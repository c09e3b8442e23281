// ReferralStore: referrals of a person to a service, each with its consent record, its history
// and the notices it sent. Part of the Store (store.h); src/referral (the rules: who may make
// which transition, deadlines, escalation) and the server's referral routes use it.
//
// A referral belongs to two organisations, the one that refers and the one that receives; the
// record class `referral` (access/decision.h) decides who reads and changes it, and the consent
// (access/consent.h) which of the person's fields the receiver sees. The person's fields, the
// reasons and the override's rationale are personal: sealed at rest (FieldCipher columns
// "referral.*"). Times are milliseconds since the Unix epoch (UTC), 0 = not set.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/alert_records.h"
#include "store/records.h"
#include "util/status.h"

namespace aegis::store {

// The statuses of a referral. The only transitions (referral::Allowed): sent → accepted →
// closed; sent → rejected; sent or accepted → withdrawn. Stored as their names.
enum class ReferralStatus : int { kSent, kAccepted, kRejected, kClosed, kWithdrawn };
inline constexpr int kReferralStatuses = 5;
const char* ReferralStatusName(ReferralStatus s);
std::optional<ReferralStatus> ParseReferralStatus(std::string_view name);

// The person's consent to be referred: given by whom, for what purpose, to which receiving
// organisation, which of the person's fields may be disclosed to it, from when until when, and
// its withdrawal.
struct Consent {
  std::string given_by;                  // person | caregiver
  std::string caregiver_relation;        // with a caregiver: mother, father, aunt, guardian, ...
  std::string purpose;                   // data/taxonomy/vocabularies.json referral_purpose
  std::string receiving_organisation;    // the organisation's code
  std::vector<std::string> fields;       // the person's fields it may see (referral_field)
  int64_t given_ms = 0, expires_ms = 0;  // expires 0: until withdrawn
  int64_t withdrawn_ms = 0;
  bool valid() const { return given_ms > 0 && !given_by.empty(); }  // recorded at all
};

// The person referred. Every text here is sealed at rest.
struct ReferredPerson {
  std::string name, phone, location;  // location: where to find the person, as written
  std::string sex;                    // f | m | "" (unknown)
  int age = -1;                       // years; -1 = unknown
};

// One referral.
struct Referral {
  int64_t id = 0;
  std::string case_code;          // the referring organisation's anonymous case code (not personal)
  std::string origin = "direct";  // incident | alert | tracing | field | direct
  int64_t origin_id = 0;          // the incident's, alert's or tracing record's id (0: none)
  std::string referring_organisation, receiving_organisation;  // codes
  int64_t service_id = 0;  // the directory entry referred to (0: the organisation, no entry)
  std::string service_type;
  std::vector<std::string> services_provided;  // service types already given
  std::string area_pcode;                      // where the person is
  std::string priority = "normal";             // emergency | urgent | normal
  std::string purpose = "service_provision";
  bool gbv = false;  // a GBV survivor: the name never leaves the referring organisation
  std::string sensitivity = "confidential";
  ReferredPerson person;
  std::string reason;  // sealed: why the person is referred
  ReferralStatus status = ReferralStatus::kSent;
  std::string outcome;          // on closure (referral_outcome)
  std::string status_reason;    // sealed: a rejection's or withdrawal's reason
  std::string override_reason;  // sealed: sent without valid consent, why ("" = with consent)
  int64_t created_ms = 0, due_ms = 0, accepted_ms = 0, closed_ms = 0, updated_ms = 0;
  int64_t escalated_ms = 0;  // when the cluster was told it is overdue (0 = not yet)
  int64_t created_by = 0;    // user id
  std::string client_id;     // the sender's id for the submission: a resend creates nothing
};

// A referral as read, with its consent and what the store adds.
struct ReferralRecord {
  Referral r;
  Consent consent;
  int64_t organisation_id = 0, receiving_organisation_id = 0;
  int sensitivity_rank = 2;
};

// One step of a referral's history. Never personal: the reason is sealed in the referral.
struct ReferralEvent {
  int64_t id = 0, referral_id = 0, at_ms = 0;
  std::string actor;   // user id, "system"
  std::string action;  // created, accepted, rejected, closed, withdrawn, consent_withdrawn,
                       // escalated, overridden
  std::string from_status, to_status;
};

// A notice of a referral to a recipient. It carries ids, codes and times only, never a person's
// field. In-app notices ("org:CODE", "role:NAME", channel inbox) are delivered when written;
// webhook and e-mail notices to an outside recipient ("recipient:ID") wait in the durable outbox
// until the delivery worker sends them (at least once; the idempotency key lets the receiver
// drop repeats), like an alert's deliveries.
struct ReferralNotice {
  int64_t id = 0, referral_id = 0, created_ms = 0;
  std::string recipient, kind;    // kind: received, accepted, rejected, closed, withdrawn, overdue
  std::string channel = "inbox";  // inbox | webhook | email
  // Set by the store for webhook and e-mail notices:
  // "referral-<referral_id>-<kind>-<channel>-<recipient>".
  std::string idempotency_key;
  int attempts = 0;  // of delivery, counted when claimed
};

struct ReferralQuery {
  std::string side;             // "sent" (referring org), "received" (receiving org), "" both
  int64_t organisation_id = 0;  // with side: whose
  std::optional<ReferralStatus> status;
  bool overdue_only = false;  // sent, past the deadline at `now_ms`
  int64_t now_ms = 0;
  int64_t after_id = 0;  // keyset: ids below this when > 0 (newest first)
  int limit = 100;
};

// A change of status: the new status and the fields it sets.
struct ReferralChange {
  ReferralStatus from = ReferralStatus::kSent, to = ReferralStatus::kSent;
  std::string outcome, reason;  // reason sealed
  int64_t at_ms = 0;
};

// Referrals per area, service type and outcome, for the gap map: closed with each outcome.
struct ReferralOutcomeCount {
  std::string area_pcode, service_type, outcome;
  int64_t referrals = 0;
};

class ReferralStore {
 public:
  virtual ~ReferralStore() = default;

  // A referral with its consent, first event and notices in one transaction; returns its id.
  // With a client id already used by the same referring organisation: that referral's id (a
  // resend creates nothing twice). Both organisations must exist.
  virtual Result<int64_t> CreateReferral(const Referral& r, const Consent& c,
                                         const ReferralEvent& created,
                                         const std::vector<ReferralNotice>& notices) = 0;
  // One referral, person fields opened, if `scope` may read it (its rank, and with an
  // organisation limit: the referring or the receiving organisation).
  virtual Result<std::optional<ReferralRecord>> GetReferral(const AccessScope& scope,
                                                            int64_t id) = 0;
  // Referrals `scope` may read that match `q`, newest first.
  virtual Result<std::vector<ReferralRecord>> ListReferrals(const AccessScope& scope,
                                                            const ReferralQuery& q) = 0;
  // The change, its event and notices at once, only if the status is still `ch.from`
  // (FailedPrecondition otherwise: someone else moved it first).
  virtual Status ChangeReferralStatus(int64_t id, const ReferralChange& ch, const ReferralEvent& e,
                                      const std::vector<ReferralNotice>& notices) = 0;
  // Records the withdrawal of the referral's consent (at once: the receiver's next read sees no
  // person field). FailedPrecondition when already withdrawn.
  virtual Status WithdrawReferralConsent(int64_t id, int64_t at_ms, const ReferralEvent& e) = 0;
  // Sent referrals past their deadline at `now_ms` that the cluster was not yet told of.
  virtual Result<std::vector<ReferralRecord>> DueReferralEscalations(int64_t now_ms, int limit) = 0;
  // Marks the referral escalated with its event and notices; false when it already was (or is no
  // longer sent): each overdue referral is escalated once, whoever runs the check.
  virtual Result<bool> EscalateReferral(int64_t id, int64_t at_ms, const ReferralEvent& e,
                                        const std::vector<ReferralNotice>& notices) = 0;
  virtual Result<std::vector<ReferralEvent>> ListReferralEvents(int64_t referral_id) = 0;
  // Claims up to `limit` undelivered webhook and e-mail notices due at `now_ms` for `lease_ms`
  // (one transaction; attempts counted), oldest due first.
  virtual Result<std::vector<ReferralNotice>> ClaimReferralDeliveries(int64_t now_ms,
                                                                      int64_t lease_ms,
                                                                      int limit) = 0;
  // Records the outcomes of claimed notices: delivered, or the next attempt and the error.
  virtual Status FinishReferralDeliveries(const std::vector<DeliveryOutcome>& outcomes) = 0;
  // In-app notices to any of `recipients`, newest first.
  virtual Result<std::vector<ReferralNotice>> ListReferralNotices(
      const std::vector<std::string>& recipients, int limit) = 0;
  // Closed referrals by area, service type and outcome, closed in [from_ms, to_ms).
  virtual Result<std::vector<ReferralOutcomeCount>> ReferralOutcomes(int64_t from_ms,
                                                                     int64_t to_ms) = 0;
};

}  // namespace aegis::store
