// What a recipient receives, filtered through the information-sharing protocol: an outside
// recipient (UN mission unit, a named contact, a reader whose role has no individual records)
// gets place, threat and time only; a member also gets the free text. Nobody outside the store
// ever gets the reporter (the source) or the raw message.
#pragma once

#include <string>

#include "geo/gazetteer.h"
#include "store/alert_records.h"
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

// Epoch milliseconds as "YYYY-MM-DDTHH:MM:SSZ".
std::string IsoUtc(int64_t ms);

}  // namespace aegis::alert
