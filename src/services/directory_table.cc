#include "services/directory_table.h"

#include <array>

#include "services/directory.h"
#include "util/text.h"

namespace aegis::services {

namespace {

constexpr int kPage = 1000;
constexpr int kChainLevels = 3;  // #adm1 to #adm3

std::string YesNo(bool v) { return v ? "yes" : "no"; }

}  // namespace

const std::vector<exports::Column>& DirectoryColumns() {
  using K = exports::Column::Kind;
  static const std::vector<exports::Column> kCols = {
      {"id", "#meta+id", K::kInteger},
      {"area", "#loc+code", K::kText},
      {"adm1_code", "#adm1+code", K::kText},
      {"adm1_name", "#adm1+name", K::kText},
      {"adm2_code", "#adm2+code", K::kText},
      {"adm2_name", "#adm2+name", K::kText},
      {"adm3_code", "#adm3+code", K::kText},
      {"adm3_name", "#adm3+name", K::kText},
      {"organisation", "#org+code+owner", K::kText},
      {"provider", "#org+acronym", K::kText},
      {"provider_name", "#org+name", K::kText},
      {"provider_type", "#org+type+name", K::kText},
      {"service_type", "#sector+code", K::kText},
      {"service_name", "#service+name", K::kText},
      {"modality", "#activity+modality", K::kText},
      {"groups_served", "#group+served", K::kText},
      {"languages", "#meta+languages", K::kText},
      {"hours", "#meta+hours", K::kText},
      {"accepts_referrals", "#meta+referrals", K::kText},
      {"gbv_specialised", "#meta+gbv", K::kText},
      {"status", "#status", K::kText},
      {"last_confirmed", "#date+updated", K::kDate},
      {"confirmed", "#meta+confirmed", K::kText},
      {"sensitivity", "#meta+sensitivity", K::kText},
  };
  return kCols;
}

AreaIndex IndexAreas(std::vector<store::AreaRow> areas) {
  AreaIndex out;
  for (auto& a : areas) {
    std::string code = a.pcode;
    out.emplace(std::move(code), std::move(a));
  }
  return out;
}

Status WriteDirectory(store::ServiceStore& services, const AreaIndex& areas,
                      const store::AccessScope& scope, store::ServiceQuery q,
                      const std::string& today, exports::TableWriter& writer,
                      const std::function<void(const std::vector<store::ServiceRecord>&)>& on_page,
                      DirectoryCounts* counts) {
  q.limit = kPage;
  q.after_id = 0;
  q.nearest_first = false;
  DirectoryCounts n;
  for (;;) {
    AEGIS_ASSIGN_OR_RETURN(auto page, services.ListServices(scope, q));
    if (on_page && !page.empty()) on_page(page);
    for (const store::ServiceRecord& r : page) {
      const store::Service& s = r.s;
      ++n.entries;
      for (const std::string& pcode : s.pcodes) {
        // The admin chain of the area served, from the top: level 1 to 3 (codes and names).
        std::array<const store::AreaRow*, kChainLevels> chain{};
        int guard = 0;
        for (auto it = areas.find(pcode); it != areas.end() && guard++ < 16;
             it = areas.find(it->second.parent_pcode)) {
          const int level = it->second.level;
          if (level >= 1 && level <= kChainLevels)
            chain[static_cast<size_t>(level - 1)] = &it->second;
          if (it->second.parent_pcode.empty()) break;
        }
        auto code = [&](int i) {
          return chain[static_cast<size_t>(i)] ? exports::Cell(chain[static_cast<size_t>(i)]->pcode)
                                               : exports::NullCell();
        };
        auto name = [&](int i) {
          return chain[static_cast<size_t>(i)] ? exports::Cell(chain[static_cast<size_t>(i)]->name)
                                               : exports::NullCell();
        };
        AEGIS_RETURN_IF_ERROR(writer.Row(
            {s.id,
             pcode,
             code(0),
             name(0),
             code(1),
             name(1),
             code(2),
             name(2),
             s.organisation_code,
             s.provider,
             s.provider_name,
             s.provider_type,
             s.service_type,
             s.name,
             s.modality,
             text::Join(s.groups, " "),
             text::Join(s.languages, " "),
             s.hours,
             YesNo(s.accepts_referrals),
             YesNo(s.gbv_specialised),
             s.status,
             s.assured_date.empty() ? exports::NullCell() : exports::Cell(s.assured_date),
             YesNo(Confirmed(s.assured_date, today)),
             s.sensitivity}));
        ++n.rows;
      }
    }
    if (page.size() < static_cast<size_t>(kPage)) break;
    q.after_id = page.back().s.id;
  }
  if (counts) *counts = n;
  return Status::Ok();
}

}  // namespace aegis::services
