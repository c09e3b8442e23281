#include "access/consent.h"

#include <algorithm>

namespace aegis::access {

namespace {

bool Has(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

}  // namespace

bool IsReferralField(const std::string& f) {
  return std::any_of(std::begin(kReferralFields), std::end(kReferralFields),
                     [&](const char* k) { return f == k; });
}

bool ConsentInForce(const store::Consent& c, int64_t now_ms) {
  return c.valid() && c.withdrawn_ms == 0 && (c.expires_ms == 0 || now_ms < c.expires_ms);
}

std::string ConsentProblem(const store::Consent& c, const store::Referral& r, int64_t now_ms) {
  std::vector<std::string> missing;
  if (c.given_by.empty())
    missing.emplace_back(
        "consent.given_by: who gave consent (person, or caregiver for a child); a referral is "
        "sent only with the person's informed consent");
  else if (c.given_by != "person" && c.given_by != "caregiver")
    missing.emplace_back("consent.given_by: person or caregiver");
  if (c.given_by == "caregiver" && c.caregiver_relation.empty())
    missing.emplace_back("consent.caregiver_relation: the caregiver's relation to the person");
  if (c.given_by == "person" && r.person.age >= 0 && r.person.age < 18)
    missing.emplace_back("consent.given_by: for a child (age " + std::to_string(r.person.age) +
                         ") consent is given by a caregiver, with the caregiver's relation");
  if (c.given_ms <= 0) missing.emplace_back("consent.given_at: when consent was given");
  if (c.purpose != r.purpose)
    missing.emplace_back("consent.purpose: consent for " +
                         (c.purpose.empty() ? std::string("no purpose") : c.purpose) +
                         " does not cover the referral's purpose " + r.purpose);
  if (c.receiving_organisation != r.receiving_organisation)
    missing.emplace_back("consent.receiving_organisation: consent was given for " +
                         (c.receiving_organisation.empty() ? std::string("no organisation")
                                                           : c.receiving_organisation) +
                         ", not " + r.receiving_organisation +
                         "; record consent for that organisation");
  for (const std::string& f : c.fields)
    if (!IsReferralField(f))
      missing.emplace_back("consent.fields: '" + f +
                           "' is not a field; use name, phone, location, sex, age, reason");
  if (c.withdrawn_ms > 0) missing.emplace_back("consent was withdrawn");
  if (c.expires_ms > 0 && now_ms >= c.expires_ms) missing.emplace_back("consent has expired");
  std::string out;
  for (const std::string& m : missing) out += (out.empty() ? "" : "; ") + m;
  return out;
}

ReferralSide SideOf(const Subject& s, const store::ReferralRecord& rec) {
  if (s.organisation_id > 0 && s.organisation_id == rec.organisation_id)
    return ReferralSide::kReferring;
  if (s.organisation_id > 0 && s.organisation_id == rec.receiving_organisation_id)
    return ReferralSide::kReceiving;
  return ReferralSide::kOther;
}

std::vector<std::string> DisclosedFields(const Subject& s, const Decision& decision,
                                         const store::ReferralRecord& rec, int64_t now_ms) {
  std::vector<std::string> out;
  if (!decision.allowed() || !decision.personal_fields || decision.via_break_glass) return out;
  switch (SideOf(s, rec)) {
    case ReferralSide::kReferring:
      out.assign(std::begin(kReferralFields), std::end(kReferralFields));
      return out;
    case ReferralSide::kReceiving: {
      // Sent on an override: what the referrer chose to disclose, until withdrawn.
      const bool in_force = ConsentInForce(rec.consent, now_ms) ||
                            (!rec.r.override_reason.empty() && rec.consent.withdrawn_ms == 0);
      if (!in_force) return out;
      for (const std::string& f : rec.consent.fields)
        if (IsReferralField(f) && !(f == "name" && rec.r.gbv) && !Has(out, f)) out.push_back(f);
      return out;
    }
    case ReferralSide::kOther:
      return out;
  }
  return out;
}

store::ReferralRecord Redacted(store::ReferralRecord rec, const std::vector<std::string>& fields) {
  store::ReferredPerson& p = rec.r.person;
  if (!Has(fields, "name")) p.name.clear();
  if (!Has(fields, "phone")) p.phone.clear();
  if (!Has(fields, "location")) p.location.clear();
  if (!Has(fields, "sex")) p.sex.clear();
  if (!Has(fields, "age")) p.age = -1;
  if (!Has(fields, "reason")) rec.r.reason.clear();
  // Never to anyone but the referring organisation: why it was rejected or withdrawn, or why it
  // went without consent, may name the person.
  if (fields.size() != std::size(kReferralFields)) {
    rec.r.status_reason.clear();
    rec.r.override_reason.clear();
  }
  return rec;
}

int ReferralRank(bool gbv, int age, int given) {
  return gbv || (age >= 0 && age < 18) ? std::max(given, 2) : std::max(given, 1);
}

}  // namespace aegis::access
