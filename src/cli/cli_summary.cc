// aegis summary: the monthly picture per area and risk.
#include <algorithm>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/cli_internal.h"

namespace aegis::cli {

namespace {

struct AreaMonth {
  std::string pcode, name, month;
  int64_t incidents = 0, killed = 0, victims = 0, sources = 0;
  std::map<std::string, int64_t> by_risk;
};

}  // namespace

Status PrintSummary(store::Store& store, const std::string& data_dir, int level,
                    const std::string& from, const std::string& to, bool json, int top) {
  AEGIS_ASSIGN_OR_RETURN(std::vector<store::SummaryRow> rows,
                         store.MonthlySummary(level, from, to));
  if (json) {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& r : rows)
      j.push_back({{"pcode", r.pcode},
                   {"area", r.name},
                   {"month", r.month},
                   {"risk", r.risk},
                   {"incidents", r.incidents},
                   {"killed", r.killed},
                   {"victims", r.victims},
                   {"sources", r.sources}});
    std::printf("%s\n", j.dump(2).c_str());
    return Status::Ok();
  }
  std::map<std::pair<std::string, std::string>, AreaMonth> cells;  // (month, pcode)
  std::map<std::string, int64_t> risk_totals;
  for (const auto& r : rows) {
    AreaMonth& c = cells[{r.month, r.pcode}];
    c.pcode = r.pcode;
    c.name = r.name;
    c.month = r.month;
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
    if (months.empty() || months.back() != k.first) months.push_back(k.first);
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
      if (k.first == months[m]) list.push_back(v);
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
  s->add_option("--level", level, "Admin level: 1 state, 2 county, 3 payam")
      ->check(CLI::Range(1, 3));
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
