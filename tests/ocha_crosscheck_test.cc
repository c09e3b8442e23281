// Cross-check against OCHA's published figures: the HDX HAPI "conflict events" table (monthly
// ACLED events and fatalities per admin2 P-code), built by OCHA's hdx-scraper-acled from ACLED's
// HDX workbooks. The workbooks (OCHA's raw input) and OCHA's expected output are read in place
// from ../shared/data/acled-hapi-aggregates (ACLED's terms: never copied into the project).
//
// What OCHA does (hdx-scraper-acled src/hdx/scraper/acled/pipeline.py, and complete_admins in
// hdx-python-pipelineutils, called with fuzzy_match=False):
//  - ACLED publishes its counts already aggregated per admin2 and month, with ACLED's own admin1
//    and admin2 P-codes, one workbook per event-type group: political_violence,
//    civilian_targeting (a subset of political violence) and demonstration (no fatalities).
//    OCHA copies events and fatalities through unchanged: it aggregates nothing itself.
//  - OCHA checks the P-codes against its global P-code list, starting at admin2: a code of the
//    wrong length is converted ("PCode length NER001001->NE001001"); an unknown code is replaced
//    by the code its admin2 name matches exactly ("PCode unknown X->Y (provider_adm2_name)"),
//    else left empty; a known code whose name points elsewhere is kept ("PCode mismatch X !=
//    name"); the admin1 code is taken from the admin2 code's parent; names come from the list.
//    A cell "NA" is read as missing (pandas). Duplicate rows get an error and are not published.
//
// Aegis's side: the workbooks' admin2 sheets are read with Aegis's XLSX reader, unrolled into one
// CSV row per event (Aegis stores events, not counts; a row's fatalities go on its first event)
// and imported through the real importer and place resolver, one store per group because the
// groups overlap. MonthlySummary(level 2) gives events and fatalities per admin2 and month. A
// second import per group, one row per ACLED row whatever its count (the placement probe),
// shows where Aegis puts the admin2 areas that had no event this month, which OCHA publishes
// as zeros. A (country, admin2 P-code, month, group) cell matches when events, fatalities and
// the ACLED rows placed there are the same; any other cell must be explained, row by row, by one
// of the named rules below, each checked on the data. Admin2 names are compared the same way.
#include <array>
#include <functional>
#include <map>
#include <set>
#include <tuple>

#include "ingest/csv_reader.h"
#include "ingest/xlsx_reader.h"
#include "test_util.h"
#include "util/text.h"

namespace aegis::testing {
namespace {

const std::string kHapi = kShared + "/data/acled-hapi-aggregates/tests/fixtures";
// OCHA's global admin1-2 P-code list (COD-AB), as the hdx-python-country tests hold it.
const std::string kGlobalPcodes = kShared +
                                  "/data/hdx-python-country-pcodes/tests/fixtures/"
                                  "fixtures-download-global-pcodes-adm-1-2.csv";

struct Group {
  const char* name;  // OCHA's event_type
  const char* workbook;
};
constexpr std::array<Group, 3> kGroups = {{
    {"civilian_targeting",
     "download-civilian-targeting-events-and-fatalities-as-of-2025-01-10.xlsx"},
    {"demonstration", "download-demonstration-events-as-of-2025-01-10.xlsx"},
    {"political_violence",
     "download-political-violence-events-and-fatalities-as-of-2025-01-10.xlsx"},
}};
constexpr int kPoliticalViolence = 2;

// The profile of the unrolled rows: ACLED's column names, the place as ACLED wrote it (admin2
// P-code, then the names), keyless (identical events are distinct records).
const char* const kProfile = R"toml(name = "acled-hdx-unrolled"
description = "ACLED HDX aggregate rows unrolled to one row per event (test only)"
record = "incident"
date_order = "ymd"

[source]
code = "acled-hdx"
name = "ACLED aggregated data on HDX"
kind = "acled"
organisation = "ACLED"
source_type = "secondary"

[defaults]
sensitivity = "public"
verification = "unverified"

[key]
identical_rows = "distinct"

[fields]
date = { columns = ["event_date"], required = true }
country = "ISO3"
pcode = "Admin2 Pcode"
admin1 = "Admin1"
admin2 = "Admin2"
event_type = "event_type"
killed = "Fatalities"
)toml";

// One row of ACLED's admin2 sheets (HRP_1, HRP_2), as written, and what became of it.
struct AcledRow {
  int group = 0;
  std::string iso3, admin1, admin2, admin2_pcode, month;  // month "2025-01"
  int64_t events = 0, fatalities = 0;
  bool has_fatalities = false;
  // OCHA's output row for it.
  bool paired = false;
  std::string ocha_code, ocha_name, ocha_warning;
  // Aegis: events quarantined (unrolled import); the placement probe's quarantine, if any.
  int64_t events_quarantined = 0;
  bool probe_quarantined = false;
  std::string q_reason, q_hint;
};

using RowKey = std::tuple<std::string, std::string, std::string, int, std::string>;
RowKey KeyOf(const AcledRow& r) { return {r.iso3, r.admin1, r.admin2, r.group, r.month}; }

std::string MonthOf(const std::string& name, const std::string& year) {
  static const char* const kMonths[] = {"January",   "February", "March",    "April",
                                        "May",       "June",     "July",     "August",
                                        "September", "October",  "November", "December"};
  for (int m = 0; m < 12; ++m) {
    if (name == kMonths[m]) {
      char buf[16];
      std::snprintf(buf, sizeof buf, "%s-%02d", year.c_str(), m + 1);
      return buf;
    }
  }
  return "";
}

int64_t ToInt(const std::string& s) { return s.empty() ? 0 : std::stoll(s); }

std::string CsvCell(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// A table's rows as column-name -> value maps.
using Record = std::map<std::string, std::string>;
std::vector<Record> ReadTable(Result<std::unique_ptr<ingest::TableReader>> r) {
  std::vector<Record> out;
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  if (!r.ok()) return out;
  ingest::Row header, row;
  if (!(*r)->Next(&header)) return out;
  while ((*r)->Next(&row)) {
    Record m;
    for (size_t i = 0; i < header.size(); ++i) m[header[i]] = i < row.size() ? row[i] : "";
    out.push_back(std::move(m));
  }
  EXPECT_TRUE((*r)->status().ok()) << (*r)->status().ToString();
  return out;
}

// OCHA's raw input: ACLED's admin2 sheets of the three workbooks.
std::vector<AcledRow> ReadAcledRows() {
  std::vector<AcledRow> rows;
  for (int g = 0; g < static_cast<int>(kGroups.size()); ++g) {
    for (const char* sheet : {"HRP_1", "HRP_2"}) {
      for (Record& m :
           ReadTable(ingest::OpenXlsx(kHapi + "/input/" + kGroups[g].workbook, sheet))) {
        AcledRow r;
        r.group = g;
        r.iso3 = m["ISO3"];
        r.admin1 = m["Admin1"];
        r.admin2 = m["Admin2"];
        r.admin2_pcode = m["Admin2 Pcode"];
        r.month = MonthOf(m["Month"], m["Year"]);
        r.events = ToInt(m["Events"]);
        r.has_fatalities = m.count("Fatalities") > 0;
        r.fatalities = ToInt(m["Fatalities"]);
        EXPECT_FALSE(r.month.empty()) << m["Month"] << " " << m["Year"];
        rows.push_back(std::move(r));
      }
    }
  }
  return rows;
}

// OCHA's output rows at admin2, each paired with its input row (by country, ACLED's admin
// names, group and month). Returns how many were paired.
int64_t PairWithOcha(std::map<RowKey, AcledRow*>& by_key) {
  int64_t paired = 0;
  for (const char* year : {"1997", "2025"}) {
    std::string file = kHapi + "/hdx_hapi_conflict_event_global_" + year + ".csv";
    for (Record& m : ReadTable(ingest::OpenCsv(file, ','))) {
      if (m["admin_level"] != "2") continue;  // admin0 rows: countries without admin2 sheets
      EXPECT_EQ(m["error"], "") << "rows with an error are not published";
      int g = -1;
      for (int i = 0; i < static_cast<int>(kGroups.size()); ++i)
        if (m["event_type"] == kGroups[i].name) g = i;
      auto it =
          by_key.find({m["location_code"], m["provider_admin1_name"], m["provider_admin2_name"], g,
                       m["reference_period_start"].substr(0, 7)});
      if (it == by_key.end() || it->second->paired) {
        ADD_FAILURE() << "OCHA row with no ACLED row: " << m["location_code"] << " "
                      << m["provider_admin2_name"];
        continue;
      }
      AcledRow& r = *it->second;
      r.paired = true;
      r.ocha_code = m["admin2_code"];
      r.ocha_name = m["admin2_name"];
      r.ocha_warning = m["warning"];
      // OCHA copies ACLED's counts through.
      EXPECT_EQ(ToInt(m["events"]), r.events) << r.iso3 << " " << r.admin2;
      EXPECT_EQ(m["fatalities"].empty(), !r.has_fatalities) << r.iso3 << " " << r.admin2;
      EXPECT_EQ(ToInt(m["fatalities"]), r.fatalities) << r.iso3 << " " << r.admin2;
      ++paired;
    }
  }
  return paired;
}

// (country, admin2 P-code, month, group)
using CellKey = std::tuple<std::string, std::string, std::string, int>;
struct Cell {
  int64_t ocha_events = 0, ocha_fatalities = 0, aegis_events = 0, aegis_fatalities = 0;
  int64_t aegis_rows = 0;                  // ACLED rows the placement probe put here
  std::vector<const AcledRow*> ocha_rows;  // ACLED rows OCHA put here
};

struct Context {
  std::map<std::string, const geo::Area*> aegis_areas;  // by P-code: what Aegis loaded
};

// ---------------------------------------------------------------------------------------------
// Explanations of count and placement differences. Each looks at one ACLED row that OCHA counts
// in a cell and Aegis does not place anywhere, and checks its concrete cause on the data.

// Aegis's quarantine reason for an unknown P-code (mapper.cc PlaceFallback).
bool QuarantinedAsUnknownPcode(const AcledRow& r) {
  return r.probe_quarantined && r.events_quarantined == r.events &&
         r.q_reason == "P-code '" + r.admin2_pcode + "' is not a known admin area";
}

// ACLED's admin2 P-code is in no P-code list; OCHA replaces it by the code its admin2 name
// matches ("PCode unknown X->Y (provider_adm2_name)"). Aegis's resolver finds the same area by
// the names (its fix says "the names given point to Y") but quarantines a row whose P-code is
// unknown rather than override the code silently.
bool UnknownPcodeRecodedByName(const Context& ctx, const AcledRow& r) {
  return QuarantinedAsUnknownPcode(r) && ctx.aegis_areas.count(r.admin2_pcode) == 0 &&
         !r.ocha_code.empty() && r.ocha_code != r.admin2_pcode &&
         r.ocha_warning.find("PCode unknown " + r.admin2_pcode + "->" + r.ocha_code +
                             " (provider_adm2_name)") != std::string::npos &&
         r.q_hint.find("the names given point to " + r.ocha_code + ")") != std::string::npos;
}

struct Explanation {
  const char* name;
  bool (*applies)(const Context&, const AcledRow&);
};
constexpr std::array<Explanation, 1> kExplanations = {{
    {"P-code clean-up: ACLED's admin2 P-code is unknown (MMR015D221); OCHA replaces it by the "
     "code of its admin2 name, Aegis's resolver names the same code in its fix but quarantines "
     "the row",
     UnknownPcodeRecodedByName},
}};

// ---------------------------------------------------------------------------------------------
// Explanations of admin2 name differences (same P-code, different label).

// The P-code was reused: ACLED's SO2201 is the whole of Banadir (Mogadishu), as ACLED's admin2
// name and the COD list Aegis loaded say (Banadir region = Banadir district). The P-code list
// OCHA's pipeline used (hdx-scraper-acled's test fixture) splits Banadir into 17 districts and
// gives SO2201 to one of them, Bondhere: OCHA publishes all of Mogadishu's events as Bondhere's.
bool PcodeReusedAfterSplit(const Context& ctx, const AcledRow& r, const geo::Area& a) {
  std::string acled = text::FoldName(r.admin2), ocha = text::FoldName(r.ocha_name);
  return acled == text::FoldName(a.name) && acled != ocha && ocha != text::FoldName(r.admin1) &&
         ctx.aegis_areas.count(a.parent_pcode) > 0 &&
         text::FoldName(ctx.aegis_areas.at(a.parent_pcode)->name) == acled;
}

// Renamed: ACLED and OCHA's list (UKR valid from 2024-04-16) agree on the name; the COD list
// Aegis loaded (UKR valid from 2023-02-01) has the older name for the same P-code (Crimea's
// districts: Kerchynskyi -> Kerchenskyi, Krasnoperekopskyi -> Perekopskyi, ...).
bool RenamedInNewerList(const Context& /*ctx*/, const AcledRow& r, const geo::Area& a) {
  return text::FoldName(r.admin2) == text::FoldName(r.ocha_name) &&
         text::FoldName(a.name) != text::FoldName(r.ocha_name);
}

struct NameExplanation {
  const char* name;
  bool (*applies)(const Context&, const AcledRow&, const geo::Area&);
};
constexpr std::array<NameExplanation, 2> kNameExplanations = {{
    {"P-code reused: ACLED's SO2201 is all of Banadir; OCHA's P-code list gives SO2201 to "
     "Bondhere, one of Banadir's 17 districts",
     PcodeReusedAfterSplit},
    {"renamed: ACLED and OCHA's newer list use the new name, the COD list Aegis loaded the old",
     RenamedInNewerList},
}};

// Imports `csv` into a fresh store with `areas`; marks the quarantined rows through `origin`
// (CSV record number -> ACLED row) with `mark`, and returns the level-2 "*" summary rows.
std::vector<store::SummaryRow> ImportAndSummarise(
    const TempDir& dir, const std::string& name, const std::string& csv,
    const std::vector<store::AreaRow>& areas, const std::vector<AcledRow*>& origin,
    const std::function<void(AcledRow&, const store::QuarantinedRow&)>& mark,
    int64_t* quarantined) {
  std::vector<store::SummaryRow> out;
  std::string file = dir / (name + ".csv");
  WriteFile(file, csv);
  auto opened = store::Store::Open(dir / (name + ".sqlite"));
  EXPECT_TRUE(opened.ok()) << opened.status().ToString();
  if (!opened.ok()) return out;
  store::Store& s = **opened;
  EXPECT_TRUE(s.UpsertAreas(areas).ok());
  auto sum = Import(s, file, dir / "acled-hdx-unrolled.toml");
  EXPECT_TRUE(sum.ok()) << sum.status().ToString();
  if (!sum.ok()) return out;
  EXPECT_ACCOUNTED(*sum);
  EXPECT_EQ(sum->read + 2, static_cast<int64_t>(origin.size())) << name;
  *quarantined += sum->quarantined;
  auto run = s.GetImportRun(sum->run_id);
  EXPECT_TRUE(run.ok());
  if (!run.ok()) return out;
  auto quarantine = s.ListQuarantine(run->data_source_id, run->import_key);
  EXPECT_TRUE(quarantine.ok());
  if (!quarantine.ok()) return out;
  for (const auto& q : *quarantine) {
    if (q.row < 2 || q.row >= static_cast<int64_t>(origin.size())) {
      ADD_FAILURE() << name << ": quarantined row " << q.row << " is not a data row";
      continue;
    }
    mark(*origin[q.row], q);
  }
  auto summary = s.MonthlySummary(2, "1997-01-01", "2025-01-31");
  EXPECT_TRUE(summary.ok()) << summary.status().ToString();
  if (!summary.ok()) return out;
  for (auto& r : *summary)
    if (r.risk == "*") out.push_back(std::move(r));
  return out;
}

std::string CsvLine(const AcledRow& r, const std::string& killed) {
  return CsvCell(r.iso3) + "," + CsvCell(r.admin1) + "," + CsvCell(r.admin2) + "," +
         CsvCell(r.admin2_pcode) + "," + r.month + "-01," + kGroups[r.group].name + "," + killed +
         "\n";
}

TEST(OchaCrossCheck, MonthlyAdmin2EventsAndFatalitiesMatchHdxHapi) {
  TempDir dir;
  std::vector<AcledRow> rows = ReadAcledRows();
  ASSERT_EQ(rows.size(), 19608u);
  std::map<RowKey, AcledRow*> by_key;
  for (auto& r : rows) {
    bool fresh = by_key.emplace(KeyOf(r), &r).second;
    ASSERT_TRUE(fresh) << "two ACLED rows for " << r.iso3 << " " << r.admin1 << " " << r.admin2;
  }
  EXPECT_EQ(PairWithOcha(by_key), static_cast<int64_t>(rows.size()));

  // Event-type grouping: civilian targeting is a subset of political violence, so the groups
  // are kept apart (one store each), never added up.
  int64_t overlap_checked = 0;
  for (const auto& r : rows) {
    if (std::string(kGroups[r.group].name) != "civilian_targeting") continue;
    auto pv = by_key.find({r.iso3, r.admin1, r.admin2, kPoliticalViolence, r.month});
    ASSERT_NE(pv, by_key.end());
    EXPECT_LE(r.events, pv->second->events);
    EXPECT_LE(r.fatalities, pv->second->fatalities);
    ++overlap_checked;
  }

  // Areas: South Sudan from the project's payam list, the other countries from the global list.
  std::set<std::string> countries;
  for (const auto& r : rows) countries.insert(r.iso3);
  std::vector<geo::Area> areas;
  {
    auto ssd = ingest::ReadAreas(kData + "/geo/ssd/ssd_adm3_payams_pcodes.csv", "SSD");
    ASSERT_TRUE(ssd.ok()) << ssd.status().ToString();
    areas = std::move(*ssd);
    auto global = ingest::ReadAreas(kGlobalPcodes);
    ASSERT_TRUE(global.ok()) << global.status().ToString();
    for (auto& a : *global)
      if (a.country != "SSD" && countries.count(a.country)) areas.push_back(std::move(a));
  }
  Context ctx;
  std::set<std::string> covered;
  for (const auto& a : areas) {
    ctx.aegis_areas[a.pcode] = &a;
    covered.insert(a.country);
  }
  EXPECT_EQ(covered, countries);  // every country OCHA covers at admin2, Aegis covers too
  std::vector<store::AreaRow> area_rows = ToRows(areas);
  WriteFile(dir / "acled-hdx-unrolled.toml", kProfile);

  // Aegis: per group, the unrolled events and the placement probe.
  std::map<CellKey, Cell> cells;
  int64_t unrolled = 0, events_quarantined = 0, probe_quarantined = 0;
  std::map<std::string, int64_t> quarantine_reasons;
  const std::string header = "ISO3,Admin1,Admin2,Admin2 Pcode,event_date,event_type,Fatalities\n";
  for (int g = 0; g < static_cast<int>(kGroups.size()); ++g) {
    std::string events_csv = header, probe_csv = header;
    std::vector<AcledRow*> events_origin = {nullptr, nullptr}, probe_origin = {nullptr, nullptr};
    for (auto& r : rows) {
      if (r.group != g) continue;
      EXPECT_TRUE(r.events > 0 || r.fatalities == 0) << "fatalities without events";
      for (int64_t e = 0; e < r.events; ++e) {
        std::string killed = !r.has_fatalities ? "" : e == 0 ? std::to_string(r.fatalities) : "0";
        events_csv += CsvLine(r, killed);
        events_origin.push_back(&r);
      }
      probe_csv += CsvLine(r, "");
      probe_origin.push_back(&r);
    }
    unrolled += static_cast<int64_t>(events_origin.size()) - 2;
    std::string name = kGroups[g].name;
    auto count_event = [&](AcledRow& r, const store::QuarantinedRow& q) {
      ++r.events_quarantined;
      ++quarantine_reasons[q.reason];
    };
    auto note_row = [](AcledRow& r, const store::QuarantinedRow& q) {
      r.probe_quarantined = true;
      r.q_reason = q.reason;
      r.q_hint = q.hint;
    };
    auto events = ImportAndSummarise(dir, name, events_csv, area_rows, events_origin, count_event,
                                     &events_quarantined);
    for (const auto& sr : events) {
      Cell& c = cells[{ctx.aegis_areas.at(sr.pcode)->country, sr.pcode, sr.month, g}];
      c.aegis_events = sr.incidents;
      c.aegis_fatalities = sr.killed;
    }
    auto probe = ImportAndSummarise(dir, name + "-probe", probe_csv, area_rows, probe_origin,
                                    note_row, &probe_quarantined);
    for (const auto& sr : probe)
      cells[{ctx.aegis_areas.at(sr.pcode)->country, sr.pcode, sr.month, g}].aegis_rows =
          sr.incidents;
  }

  // OCHA's cells: its input rows summed per admin2 code it gave them.
  int64_t ocha_unplaced_rows = 0, ocha_unplaced_events = 0, unplaced_by_both = 0;
  for (const auto& r : rows) {
    ASSERT_TRUE(r.paired) << r.iso3 << " " << r.admin2;
    if (r.ocha_code.empty()) {
      ++ocha_unplaced_rows;
      ocha_unplaced_events += r.events;
      unplaced_by_both += r.probe_quarantined && r.events_quarantined == r.events;
      continue;
    }
    Cell& c = cells[{r.iso3, r.ocha_code, r.month, r.group}];
    c.ocha_events += r.events;
    c.ocha_fatalities += r.fatalities;
    c.ocha_rows.push_back(&r);
  }
  // Rows OCHA could not place (ACLED wrote "NA" or no admin2, and the names are not in OCHA's
  // list: Sudan's pre-2011 southern provinces, Venezuela's federal dependencies, Ukraine's seas)
  // are in no cell; Aegis must not place them either.
  EXPECT_EQ(unplaced_by_both, ocha_unplaced_rows);

  // Compare cell by cell.
  int64_t compared = 0, with_events = 0, matching = 0, unexplained = 0;
  std::array<int64_t, kExplanations.size()> explained{}, explained_rows{}, explained_events{};
  for (const auto& [key, c] : cells) {
    ++compared;
    with_events += c.ocha_events > 0 || c.aegis_events > 0;
    auto ocha_rows = static_cast<int64_t>(c.ocha_rows.size());
    if (c.ocha_events == c.aegis_events && c.ocha_fatalities == c.aegis_fatalities &&
        ocha_rows == c.aegis_rows) {
      ++matching;
      continue;
    }
    // Attribute the difference to the rows OCHA placed here and Aegis quarantined, each by a
    // named rule; the attributed rows, events and fatalities must add up to the difference.
    int64_t dr = 0, de = 0, df = 0;
    std::set<size_t> reasons;
    for (const AcledRow* r : c.ocha_rows) {
      if (!r->probe_quarantined && r->events_quarantined == 0) continue;
      size_t which = kExplanations.size();
      for (size_t i = 0; i < kExplanations.size() && which == kExplanations.size(); ++i)
        if (kExplanations[i].applies(ctx, *r)) which = i;
      reasons.insert(which);
      ++dr;
      de += r->events;
      df += r->fatalities;
    }
    if (reasons.size() == 1 && *reasons.begin() < kExplanations.size() &&
        ocha_rows - c.aegis_rows == dr && c.ocha_events - c.aegis_events == de &&
        c.ocha_fatalities - c.aegis_fatalities == df) {
      size_t i = *reasons.begin();
      ++explained[i];
      explained_rows[i] += dr;
      explained_events[i] += de;
      continue;
    }
    ++unexplained;
    ADD_FAILURE() << "unexplained cell " << std::get<0>(key) << " " << std::get<1>(key) << " "
                  << std::get<2>(key) << " " << kGroups[std::get<3>(key)].name << ": OCHA "
                  << ocha_rows << " rows, " << c.ocha_events << " events, " << c.ocha_fatalities
                  << " fatalities; Aegis " << c.aegis_rows << " rows, " << c.aegis_events
                  << " events, " << c.aegis_fatalities << " fatalities";
  }

  // Admin2 names: OCHA's label against the name of the same P-code in Aegis's areas.
  int64_t names_compared = 0, names_same = 0, names_unexplained = 0;
  std::array<int64_t, kNameExplanations.size()> names_explained{};
  std::map<std::string, std::string> name_examples;
  for (const auto& [key, c] : cells) {
    if (c.ocha_rows.empty()) continue;
    auto area = ctx.aegis_areas.find(std::get<1>(key));
    if (area == ctx.aegis_areas.end()) continue;  // counted above
    ++names_compared;
    const AcledRow& r = *c.ocha_rows.front();
    if (text::FoldName(r.ocha_name) == text::FoldName(area->second->name)) {
      ++names_same;
      continue;
    }
    size_t which = kNameExplanations.size();
    for (size_t i = 0; i < kNameExplanations.size() && which == kNameExplanations.size(); ++i)
      if (kNameExplanations[i].applies(ctx, r, *area->second)) which = i;
    if (which < kNameExplanations.size()) {
      ++names_explained[which];
      name_examples[kNameExplanations[which].name] =
          std::get<1>(key) + " OCHA '" + r.ocha_name + "', Aegis '" + area->second->name + "'";
      continue;
    }
    ++names_unexplained;
    ADD_FAILURE() << "unexplained admin2 name " << std::get<1>(key) << ": OCHA '" << r.ocha_name
                  << "', Aegis '" << area->second->name << "', ACLED '" << r.admin2 << "'";
  }

  int64_t n_explained = 0;
  for (int64_t n : explained) n_explained += n;
  std::printf(
      "[figure] OCHA cross-check (HDX HAPI conflict events, %zu countries at admin2, 1997-01 and "
      "2025-01, 3 event-type groups): %lld cells compared (%lld with events), %lld match "
      "exactly (events, fatalities and ACLED rows placed), %lld explained, %lld unexplained\n",
      countries.size(), (long long)compared, (long long)with_events, (long long)matching,
      (long long)n_explained, (long long)unexplained);
  for (size_t i = 0; i < kExplanations.size(); ++i)
    std::printf("[figure]   explained %lld cells (%lld ACLED rows, %lld events): %s\n",
                (long long)explained[i], (long long)explained_rows[i],
                (long long)explained_events[i], kExplanations[i].name);
  std::printf(
      "[figure]   input: %zu ACLED admin2 rows, each in OCHA's output with the same counts; "
      "%lld events unrolled, %lld imported, %lld quarantined; placement probe: %lld of %zu rows "
      "quarantined; civilian_targeting <= political_violence in all %lld admin2-months\n",
      rows.size(), (long long)unrolled, (long long)(unrolled - events_quarantined),
      (long long)events_quarantined, (long long)probe_quarantined, rows.size(),
      (long long)overlap_checked);
  std::printf(
      "[figure]   OCHA left %lld rows (%lld events) without an admin2 P-code; Aegis placed none "
      "of them (%lld quarantined)\n",
      (long long)ocha_unplaced_rows, (long long)ocha_unplaced_events, (long long)unplaced_by_both);
  for (const auto& [reason, n] : quarantine_reasons)
    std::printf("[figure]   events quarantined by Aegis: %lld: %s\n", (long long)n, reason.c_str());
  int64_t n_names_explained = 0;
  for (int64_t n : names_explained) n_names_explained += n;
  std::printf(
      "[figure]   admin2 names: %lld cells compared, %lld same, %lld explained, %lld "
      "unexplained\n",
      (long long)names_compared, (long long)names_same, (long long)n_names_explained,
      (long long)names_unexplained);
  for (size_t i = 0; i < kNameExplanations.size(); ++i)
    std::printf("[figure]     explained %lld: %s (e.g. %s)\n", (long long)names_explained[i],
                kNameExplanations[i].name, name_examples[kNameExplanations[i].name].c_str());
  EXPECT_EQ(unexplained, 0);
  EXPECT_EQ(names_unexplained, 0);
  EXPECT_GT(matching, 0);
}

}  // namespace
}  // namespace aegis::testing
