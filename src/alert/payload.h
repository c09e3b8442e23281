// What a recipient receives, filtered through the information-sharing protocol: an outside
// recipient (UN mission unit, a named contact, a reader whose role has no individual records)
// gets place, threat and time only; a member also gets the free text. Nobody outside the store
// ever gets the reporter (the source) or the raw message.
#pragma once

#include <string>

#include "geo/gazetteer.h"
#include "store/alert_records.h"
#include "store/referral_store.h"
#include "taxonomy/taxonomy.h"

namespace aegis::alert {

enum class Audience { kOutside, kMember };

struct PayloadContext {
  const geo::Gazetteer* gazetteer = nullptr;     // area names; may be null
  const taxonomy::Taxonomy* taxonomy = nullptr;  // risk labels; may be null
};

// The alert as JSON for a webhook body or an inbox item (compact, UTF-8).
std::string AlertPayload(const store::AlertRecord& a, Audience audience,
                         const std::string& idempotency_key, int level, const PayloadContext& ctx);

// An e-mail: subject and plain-text body, from the same filtered fields.
struct Mail {
  std::string subject, body;
};
Mail AlertMail(const store::AlertRecord& a, Audience audience, const PayloadContext& ctx);

// A referral notice for an outside recipient (webhook body, e-mail): the referral's id, what
// happened to it (received, accepted, rejected, closed, withdrawn, overdue) and when; never a
// person's field, the reason or the service requested. The receiver opens the referral in Aegis.
std::string ReferralNoticePayload(const store::ReferralNotice& n);
Mail ReferralNoticeMail(const store::ReferralNotice& n);

// Epoch milliseconds as "YYYY-MM-DDTHH:MM:SSZ".
std::string IsoUtc(int64_t ms);

}  // namespace aegis::alert
