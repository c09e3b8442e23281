#include "services/directory.h"

#include "util/date.h"

namespace aegis::services {

bool Confirmed(const std::string& assured_date, const std::string& today) {
  DateParse a = ParseDate(assured_date, DateOrder::kYMD), t = ParseDate(today, DateOrder::kYMD);
  if (!a.date || !t.date) return false;
  const int age = t.date->DaysSinceEpoch() - a.date->DaysSinceEpoch();
  return age <= kConfirmedDays;
}

Result<std::vector<Recipient>> Recipients(store::ServiceStore& store,
                                          const store::AccessScope& scope, const std::string& area,
                                          const std::string& service_type,
                                          const std::string& today) {
  store::ServiceQuery q;
  q.area = area;
  q.service_type = service_type;
  q.active_only = true;
  q.nearest_first = true;
  q.limit = 1000;
  AEGIS_ASSIGN_OR_RETURN(std::vector<store::ServiceRecord> rows, store.ListServices(scope, q));
  std::vector<Recipient> out;
  out.reserve(rows.size());
  for (auto& r : rows) {
    Recipient x;
    x.distance = r.distance;
    x.confirmed = Confirmed(r.s.assured_date, today);
    x.service = std::move(r);
    out.push_back(std::move(x));
  }
  return out;
}

}  // namespace aegis::services
