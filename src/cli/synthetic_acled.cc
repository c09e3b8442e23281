#include "cli/synthetic_acled.h"

#include <cstdio>
#include <map>
#include <random>

namespace aegis::cli {

Status WriteSyntheticAcled(const std::string& path, int64_t rows,
                           const std::vector<store::AreaRow>& areas, unsigned seed) {
  std::map<std::string, const store::AreaRow*> by_code;
  std::vector<const store::AreaRow*> payams;
  for (const auto& a : areas) {
    by_code[a.pcode] = &a;
    if (a.level == 3) payams.push_back(&a);
  }
  if (payams.empty()) return Status::InvalidArgument("no payams loaded to place synthetic events");
  struct Type {
    const char* event;
    const char* sub;
    const char* civ;
  };
  static const Type kTypes[] = {
      {"Battles", "Armed clash", ""},
      {"Violence against civilians", "Attack", "Civilian targeting"},
      {"Violence against civilians", "Abduction/forced disappearance", "Civilian targeting"},
      {"Violence against civilians", "Sexual violence", "Civilian targeting"},
      {"Explosions/Remote violence", "Remote explosive/landmine/IED", ""},
      {"Strategic developments", "Looting/property destruction", ""},
      {"Protests", "Peaceful protest", ""},
      {"Riots", "Mob violence", ""},
  };
  static const char* kMonths[] = {"January",   "February", "March",    "April",
                                  "May",       "June",     "July",     "August",
                                  "September", "October",  "November", "December"};
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) return Status::IOError(path + ": cannot write");
  std::fputs(
      "event_id_cnty,event_date,year,time_precision,disorder_type,event_type,"
      "sub_event_type,actor1,assoc_actor_1,inter1,actor2,assoc_actor_2,inter2,interaction,"
      "civilian_targeting,iso,region,country,admin1,admin2,admin3,location,latitude,"
      "longitude,geo_precision,source,source_scale,notes,fatalities,tags,timestamp\n",
      f);
  std::mt19937 g(seed);
  for (int64_t i = 0; i < rows; ++i) {
    const store::AreaRow* p = payams[g() % payams.size()];
    const store::AreaRow* county = by_code[p->parent_pcode];
    const store::AreaRow* state = by_code[county->parent_pcode];
    const Type& t = kTypes[g() % (sizeof kTypes / sizeof kTypes[0])];
    int year = 2015 + static_cast<int>(g() % 10), month = static_cast<int>(g() % 12),
        day = 1 + static_cast<int>(g() % 28);
    int fatalities = g() % 4 == 0 ? static_cast<int>(g() % 12) : 0;
    std::fprintf(f,
                 "SYN%lld,%02d %s %d,%d,1,Political violence,%s,%s,Synthetic Armed Group,,3,"
                 "Civilians (South Sudan),,7,37,%s,728,Eastern Africa,South Sudan,%s,%s,%s,%s,"
                 "%.4f,%.4f,1,Synthetic,Local,\"SYNTHETIC benchmark event %lld: no real "
                 "place, actor or person is described here.\",%d,,1700000000\n",
                 static_cast<long long>(i) + 1, day, kMonths[month], year, year, t.event, t.sub,
                 t.civ, state->name.c_str(), county->name.c_str(), p->name.c_str(), p->name.c_str(),
                 p->lat.value_or(7.0), p->lon.value_or(30.0), static_cast<long long>(i) + 1,
                 fatalities);
  }
  bool ok = std::fclose(f) == 0;
  return ok ? Status::Ok() : Status::IOError(path + ": write failed");
}

}  // namespace aegis::cli
