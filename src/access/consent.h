// Consent to be referred, as the information-sharing protocol applies it: whether a referral may
// be sent to its receiving organisation, and which of the person's fields each reader sees.
// Part of the authorization kernel (decision.h decides whether a subject reads the referral at
// all; this file decides which of the person's fields it then sees). Pure functions of the
// referral, its consent, the reader's side and the time: no store, no clock.
//
// The rules (GBV guiding principles; the inter-agency referral form's consent-to-release block):
// - no referral is sent without consent that was given (by the person, or for a child by a
//   caregiver whose relation is recorded), for the referral's purpose, to its receiving
//   organisation, and that has neither expired nor been withdrawn; an override (decision.h
//   kOverrideConsent, with a written reason) sends it anyway;
// - the referring organisation sees the person's fields as the kernel allows it;
// - the receiving organisation sees only the fields the consent lists, only while the consent
//   is valid (a withdrawal hides them at the next read), and never a GBV survivor's name;
// - anyone else allowed to read the referral (coordination, an emergency grant) sees none of
//   them: the referral's service, area, priority, status and times, never the person.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "access/decision.h"
#include "store/referral_store.h"

namespace aegis::access {

// The person's fields a consent can list (data/taxonomy/vocabularies.json referral_field).
inline constexpr const char* kReferralFields[] = {"name", "phone", "location",
                                                  "sex",  "age",   "reason"};
bool IsReferralField(const std::string& f);

// Why `c` does not allow sending `r` at `now_ms`, naming every missing part and what to give
// ("" when it allows it).
std::string ConsentProblem(const store::Consent& c, const store::Referral& r, int64_t now_ms);

// Whether the consent is in force at `now_ms`: given, not expired, not withdrawn.
bool ConsentInForce(const store::Consent& c, int64_t now_ms);

enum class ReferralSide { kReferring, kReceiving, kOther };
ReferralSide SideOf(const Subject& s, const store::ReferralRecord& rec);

// The person's fields `s` sees of `rec` at `now_ms`, `decision` being the kernel's decision to
// read it (its personal_fields).
std::vector<std::string> DisclosedFields(const Subject& s, const Decision& decision,
                                         const store::ReferralRecord& rec, int64_t now_ms);

// `rec` with every person field that is not in `fields` emptied (age -1): what leaves the store
// for that reader, in an answer, an export or a notice.
store::ReferralRecord Redacted(store::ReferralRecord rec, const std::vector<std::string>& fields);

// The sensitivity rank a referral is stored at: at least confidential for a GBV survivor or a
// child (`given`: the rank asked for).
int ReferralRank(bool gbv, int age, int given);

}  // namespace aegis::access
