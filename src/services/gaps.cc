#include "services/gaps.h"

#include <toml++/toml.h>

#include <algorithm>
#include <ctime>
#include <set>

namespace aegis::services {

Result<Answers> Answers::Load(const std::string& path, const taxonomy::Taxonomy& taxonomy) {
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(path + ": " + std::string(e.description()) + " (line " +
                                   std::to_string(e.source().begin.line) + ")");
  }
  const toml::table* answers = doc["answers"].as_table();
  if (answers == nullptr)
    return Status::InvalidArgument(path +
                                   ": no [answers] table; write [answers] then lines such "
                                   "as gbv = [\"GBV\"]");
  Answers out;
  for (const auto& [key, value] : *answers) {
    const std::string type(key.str());
    const std::string where = path + ": answers." + type;
    if (!taxonomy.NormalizeTerm("service_type", type) ||
        *taxonomy.NormalizeTerm("service_type", type) != type)
      return Status::InvalidArgument(where +
                                     ": not a service type id of data/taxonomy/vocabularies.json");
    const toml::array* list = value.as_array();
    if (list == nullptr) return Status::InvalidArgument(where + ": a list of risk codes");
    for (const auto& el : *list) {
      const std::string code = el.value_or(std::string());
      const auto& risks = taxonomy.risks();
      if (std::none_of(risks.begin(), risks.end(),
                       [&](const taxonomy::Risk& r) { return r.code == code; }))
        return Status::InvalidArgument(where + ": '" + code +
                                       "' is not a risk code of data/taxonomy/risks.json");
      out.risks[type].push_back(code);
    }
  }
  return out;
}

std::vector<GapCell> GapMap(
    const analysis::AnalysisResult& analysis, const std::vector<store::ServiceCoverage>& coverage,
    const std::map<std::pair<std::string, std::string>, int64_t>& unavailable,
    const Answers& answers) {
  std::map<std::string, const analysis::AreaResult*> areas;
  for (const analysis::AreaResult& a : analysis.areas) areas[a.pcode] = &a;
  std::vector<GapCell> out;
  for (const store::ServiceCoverage& c : coverage) {
    auto area = areas.find(c.pcode);
    if (area == areas.end()) continue;  // not an area of the analysis (another country)
    GapCell g;
    g.pcode = c.pcode;
    g.name = area->second->name;
    g.service_type = c.service_type;
    g.services = c.services;
    g.providers = c.providers;
    if (auto u = unavailable.find({c.pcode, c.service_type}); u != unavailable.end())
      g.unavailable = u->second;
    if (auto ans = answers.risks.find(c.service_type); ans != answers.risks.end()) {
      for (const analysis::RiskFigures& rf : area->second->risks) {
        if (std::find(ans->second.begin(), ans->second.end(), rf.risk) == ans->second.end())
          continue;
        if (!rf.phase_withheld.empty()) {
          g.phase_withheld = rf.phase_withheld;
          continue;
        }
        if (rf.phase.final > g.phase) {
          g.phase = rf.phase.final;
          g.phase_risk = rf.risk;
        }
      }
      // A withheld phase may be the worst: publish none rather than a lower one.
      if (!g.phase_withheld.empty()) {
        g.phase = 0;
        g.phase_risk.clear();
      }
    }
    g.gap = g.phase >= 3 && (g.services == 0 || g.unavailable > 0);
    out.push_back(std::move(g));
  }
  std::sort(out.begin(), out.end(), [](const GapCell& x, const GapCell& y) {
    if (x.gap != y.gap) return x.gap;
    if (x.phase != y.phase) return x.phase > y.phase;
    if (x.pcode != y.pcode) return x.pcode < y.pcode;
    return x.service_type < y.service_type;
  });
  return out;
}

namespace {

// Epoch milliseconds of the first day of month index `m` (analysis::MonthIndex), UTC.
int64_t MonthStartMs(int m) {
  std::tm tm{};
  tm.tm_year = m / 12 - 1900;
  tm.tm_mon = m % 12;
  tm.tm_mday = 1;
  return static_cast<int64_t>(timegm(&tm)) * 1000;
}

}  // namespace

Result<std::vector<GapCell>> BuildGapMap(store::ServiceStore& services,
                                         store::ReferralStore& referrals, store::AreaStore& areas,
                                         const analysis::AnalysisResult& analysis,
                                         const store::AccessScope& service_scope,
                                         ReferralCounts referral_counts, const Answers& answers) {
  AEGIS_ASSIGN_OR_RETURN(auto coverage, services.Coverage(service_scope, analysis.level, ""));
  std::map<std::pair<std::string, std::string>, int64_t> unavailable;
  std::set<std::pair<std::string, std::string>> small;
  if (referral_counts != ReferralCounts::kHidden) {
    AEGIS_ASSIGN_OR_RETURN(auto outcomes,
                           referrals.ReferralOutcomes(MonthStartMs(analysis.period.first),
                                                      MonthStartMs(analysis.period.last + 1)));
    AEGIS_ASSIGN_OR_RETURN(auto rows, areas.LoadAreas());
    std::map<std::string, const store::AreaRow*, std::less<>> by_code;
    for (const auto& a : rows) by_code[a.pcode] = &a;
    auto find = [&](const std::string& code) -> const store::AreaRow* {
      auto it = by_code.find(code);
      return it == by_code.end() ? nullptr : it->second;
    };
    for (const auto& o : outcomes) {
      if (o.outcome != "service_unavailable") continue;
      const store::AreaRow* a = find(o.area_pcode);
      while (a != nullptr && a->level > analysis.level) a = find(a->parent_pcode);
      if (a != nullptr && a->level == analysis.level)
        unavailable[{a->pcode, o.service_type}] += o.referrals;
    }
    if (referral_counts == ReferralCounts::kSafe)
      std::erase_if(unavailable, [&](const auto& kv) {
        if (kv.second >= analysis.threshold) return false;
        small.insert(kv.first);
        return true;
      });
  }
  std::vector<GapCell> cells = GapMap(analysis, coverage, unavailable, answers);
  for (auto& g : cells) g.unavailable_small = small.count({g.pcode, g.service_type}) > 0;
  return cells;
}

std::string GapMapHxl(const std::vector<GapCell>& cells, int64_t threshold) {
  auto field = [](const std::string& v) {
    if (v.find_first_of(",\"\n\r") == std::string::npos) return v;
    std::string q = "\"";
    for (char ch : v) q += ch == '"' ? std::string("\"\"") : std::string(1, ch);
    return q + "\"";
  };
  std::string out =
      "area_pcode,area_name,service_type,phase,phase_risk,providers,services,"
      "referrals_unavailable,gap\n#adm+code,#adm+name,#service+type,#severity+phase,"
      "#severity+risk,#org+count,#service+count,#indicator+referrals+unavailable,#status+gap\n";
  for (const GapCell& g : cells) {
    out += field(g.pcode) + "," + field(g.name) + "," + field(g.service_type) + "," +
           (g.phase_withheld.empty() ? (g.phase ? std::to_string(g.phase) : "") : "withheld") +
           "," + g.phase_risk + "," + std::to_string(g.providers) + "," +
           std::to_string(g.services) + "," +
           (g.unavailable_small ? "<" + std::to_string(threshold) : std::to_string(g.unavailable)) +
           "," + (g.gap ? "yes" : "no") + "\n";
  }
  return out;
}

}  // namespace aegis::services
