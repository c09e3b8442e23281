// The service directory's rules: which services to offer for a person in an area, and whether an
// entry still counts as confirmed. The entries themselves are in the store (ServiceStore); the
// server's recipient route and `aegis services recipients` ask here.
#pragma once

#include <string>
#include <vector>

#include "store/service_store.h"
#include "util/status.h"

namespace aegis::services {

// An entry not confirmed for this many days is shown as unconfirmed.
inline constexpr int kConfirmedDays = 90;

// Whether an entry last confirmed on `assured_date` (YYYY-MM-DD; "" = never) is confirmed on
// `today` (YYYY-MM-DD): at most kConfirmedDays before it.
bool Confirmed(const std::string& assured_date, const std::string& today);

// A service offered for a referral, with how far it is from the person's area.
struct Recipient {
  store::ServiceRecord service;
  int distance = 0;        // admin levels between the area and the nearest area served
  bool confirmed = false;  // see Confirmed
};

// The recipients for a person in `area` needing `service_type`: the active services that accept
// referrals and cover the area (serving it, an area above it, or a place below it), among those
// `scope` may read; nearest level first (the area itself, then one level away, ...), then by id.
Result<std::vector<Recipient>> Recipients(store::ServiceStore& store,
                                          const store::AccessScope& scope, const std::string& area,
                                          const std::string& service_type,
                                          const std::string& today);

}  // namespace aegis::services
