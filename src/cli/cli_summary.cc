// aegis summary: the monthly picture per area and risk.
#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <tuple>

#include "cli/cli_internal.h"
#include "geo/country.h"

namespace aegis::cli {

namespace {

struct AreaMonth {
  std::string pcode, name, month;
  int64_t incidents = 0, killed = 0, victims = 0, sources = 0;
  std::map<std::string, int64_t> by_risk;
  bool not_further_located = false;
};

}  // namespace

Status PrintSummary(store::Store& store, const std::string& data_dir, int level,
                    const std::string& from, const std::string& to, bool json, int top) {
  AEGIS_ASSIGN_OR_RETURN(std::vector<store::SummaryRow> rows,
                         store.MonthlySummary(level, from, to));
  for (auto& r : rows) {  // a country's name (level 0, or a record with no area)
    if (r.name != r.pcode) continue;
    std::string name = geo::CountryName(r.pcode);
    if (!name.empty()) r.name = name;
  }
  if (json) {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& r : rows) {
      nlohmann::ordered_json o = {{"pcode", r.pcode},         {"area", r.name},
                                  {"month", r.month},         {"risk", r.risk},
                                  {"incidents", r.incidents}, {"killed", r.killed},
                                  {"victims", r.victims},     {"sources", r.sources}};
      // Placed on `pcode`, above the level: in no area of the level.
      if (r.not_further_located) o["not_further_located"] = true;
      j.push_back(o);
    }
    std::printf("%s\n", j.dump(2).c_str());
    return Status::Ok();
  }
  // (month, pcode), the lines after the areas.
  std::map<std::tuple<std::string, bool, std::string>, AreaMonth> cells;
  std::map<std::string, int64_t> risk_totals, above;  // above: month -> not further located
  for (const auto& r : rows) {
    AreaMonth& c = cells[{r.month, r.not_further_located, r.pcode}];
    c.pcode = r.pcode;
    c.name = r.not_further_located ? r.name + ", not further located" : r.name;
    c.month = r.month;
    c.not_further_located = r.not_further_located;
    if (r.not_further_located && r.risk == "*") above[r.month] += r.incidents;
    if (r.risk == "*") {
      c.incidents = r.incidents;
      c.killed = r.killed;
      c.victims = r.victims;
      c.sources = r.sources;
      continue;
    }
    c.by_risk[r.risk.empty() ? "no risk" : r.risk] += r.incidents;
    if (!r.risk.empty()) risk_totals[r.risk] += r.incidents;
  }
  std::vector<std::string> months;
  for (const auto& [k, v] : cells)
    if (months.empty() || months.back() != std::get<0>(k)) months.push_back(std::get<0>(k));
  const char* level_name[] = {"country", "admin1 (state)", "admin2 (county)", "admin3 (payam)"};
  std::string span =
      from <= "1900-01-01" && to >= "2999-12-31" ? std::string("all dates") : from + " to " + to;
  std::printf("Protection incidents by %s and month, %s (the last three months in detail)\n",
              level_name[std::clamp(level, 0, 3)], span.c_str());
  if (months.empty()) {
    std::printf("  (no incidents placed at this level in the period)\n");
    return Status::Ok();
  }
  size_t first = months.size() > 3 ? months.size() - 3 : 0;  // the last three months in detail
  for (size_t m = first; m < months.size(); ++m) {
    std::vector<AreaMonth> list;
    for (const auto& [k, v] : cells)
      if (std::get<0>(k) == months[m]) list.push_back(v);
    std::sort(list.begin(), list.end(), [](const AreaMonth& a, const AreaMonth& b) {
      return a.incidents != b.incidents ? a.incidents > b.incidents : a.pcode < b.pcode;
    });
    std::printf("\n%s  %-30s %9s %7s %8s %8s  %s\n", months[m].c_str(), "Area (P-code)",
                "Incidents", "Killed", "Victims", "Sources", "Risks (incidents)");
    for (size_t i = 0; i < list.size() && static_cast<int>(i) < top; ++i) {
      const AreaMonth& a = list[i];
      std::vector<std::pair<int64_t, std::string>> rs;
      for (const auto& [risk, n] : a.by_risk) rs.emplace_back(n, risk);
      std::sort(rs.rbegin(), rs.rend());
      std::string risks;
      for (size_t k = 0; k < rs.size() && k < 4; ++k)
        risks += (k ? ", " : "") + rs[k].second + " " + std::to_string(rs[k].first);
      std::string area = a.name + " (" + a.pcode + ")";
      std::printf("         %-30.30s %9lld %7lld %8lld %8lld  %s\n", area.c_str(),
                  (long long)a.incidents, (long long)a.killed, (long long)a.victims,
                  (long long)a.sources, risks.c_str());
    }
    if (static_cast<int>(list.size()) > top)
      std::printf("         ... and %zu more areas (--top to show more)\n", list.size() - top);
    if (above.count(months[m]))
      std::printf(
          "         %lld incidents placed above %s, on a larger area only (in the list as "
          "\"not further located\")\n",
          (long long)above[months[m]], level_name[std::clamp(level, 0, 3)]);
  }
  std::printf("\nIncidents per protection risk over the whole period:\n");
  std::vector<std::pair<int64_t, std::string>> totals;
  totals.reserve(risk_totals.size());
  for (const auto& [r, n] : risk_totals) totals.emplace_back(n, r);
  std::sort(totals.rbegin(), totals.rend());
  for (const auto& [n, r] : totals) std::printf("  %-5s %lld\n", r.c_str(), (long long)n);
  (void)data_dir;
  return Status::Ok();
}

void AddSummaryCommand(CLI::App& app, GlobalOptions& g) {
  static int level = 2, top = 10;
  static std::string from = "1900-01-01", to = "2999-12-31";
  static bool json = false;
  CLI::App* s = app.add_subcommand(
      "summary", "Monthly incidents per area and protection risk (rolled up the P-code tree)");
  s->add_option("--level", level,
                "Admin level: 0 country, 1 state, 2 county, 3 payam; records placed above it "
                "are listed as \"not further located\" on the area they are placed on")
      ->check(CLI::Range(0, 3));
  s->add_option("--from", from, "First date, YYYY-MM-DD");
  s->add_option("--to", to, "Last date, YYYY-MM-DD");
  s->add_option("--top", top, "Areas shown per month");
  s->add_flag("--json", json, "Rows as JSON");
  s->footer("Examples:\n  aegis summary --level 1\n  aegis summary --from 2026-01-01 --json");
  s->callback([&g] {
    auto st = OpenStore(g);
    if (!st.ok()) throw CLI::RuntimeError(Fail(st.status()));
    Status r = PrintSummary(**st, g.data_dir, level, from, to, json, top);
    if (!r.ok()) throw CLI::RuntimeError(Fail(r));
  });
}

}  // namespace aegis::cli
