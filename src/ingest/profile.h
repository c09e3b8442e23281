// Mapping profiles: declarative files (TOML) that say how a source's columns become Aegis fields.
//
// An information-management officer edits them; built-in profiles live in data/profiles/. A
// profile is immutable once loaded and safe to share between threads.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "util/date.h"
#include "util/status.h"

namespace aegis::ingest {

// Where one Aegis field comes from.
struct FieldSpec {
  // Source columns tried in order; the first present in the header is used. A name starting with
  // '#' is an HXL tag pattern ("#affected+killed") matched against the file's tag row. Plain
  // names also match Kobo/ODK group paths by their last part ("grp/incident_date").
  std::vector<std::string> columns;
  bool required = false;
  std::string fixed;   // constant value when no column is given or the cell is empty
  std::string split;   // separators of a multi-valued cell (select_multiple: " ")
  std::string prefix;  // "question/" for select_multiple split into 0/1 columns
  bool sum = false;    // numbers: add up every listed column present
  std::map<std::string, std::string> values;  // source value (folded) -> Aegis value
};

struct Profile {
  std::string name, description;
  std::string record = "incident";  // incident | monitoring_report | service
  char delimiter = 0;               // 0 = detect
  DateOrder date_order = DateOrder::kAuto;
  // Read a whole number in a date column as an Excel serial day (44405 = 2021-07-28), as a
  // spreadsheet stores a date cell that has no date format. Off: such a cell is quarantined
  // with a hint saying how to allow it.
  bool excel_serial_dates = false;
  std::string sheet;           // XLSX sheet
  char group_separator = '/';  // Kobo "/", ODK Central "-"

  // Data source and defaults for its records.
  std::string source_code, source_name, source_kind, organisation, source_type = "secondary";
  std::string sensitivity = "internal", verification = "unverified";

  std::vector<std::string> key_columns;  // empty: a hash of the mapped row is the key
  // Keyless files only: identical rows are distinct records ("count": numbered by occurrence,
  // e.g. aggregated ACLED extracts) or duplicates ("quarantine", the default).
  bool identical_rows_distinct = false;
  // ACLED monadic exports list an event once per actor: a later row with the same key that
  // differs only in the perpetrator is the same event and is counted as unchanged.
  bool same_key_other_actor_is_same_event = false;
  // Accept records the source locates only at country level (place level 0, no P-code).
  bool allow_country_level = false;
  // Use coordinates to place a record when names fail (off when coordinates are centroids).
  bool coordinates_for_placement = true;
  // Cell values that mean "no value" besides the empty string, compared without case (a
  // profile's `empty_values` replaces this list).
  std::vector<std::string> empty_values = {"None", "N/A", "NA", "-", "null"};
  std::map<std::string, FieldSpec> fields;

  // Risks from an event-type table (ACLED); path relative to the data directory.
  std::string event_risk_table;
  // Risks added when a column holds a positive number or "yes": column -> risk code.
  std::vector<std::pair<std::string, std::string>> risk_if_positive;

  // Victims from a repeat group (Kobo/ODK): its sheet or file name and the link columns.
  std::string victims_repeat;
  std::string repeat_index_column = "_index", repeat_parent_column = "_parent_index";

  // Monitoring reports: per-risk columns. {option} (or {risk}) stands for the form's name of an
  // option: every column that fits the pattern is one option, which maps to a risk through
  // `monitoring_options` (folded option name -> risk code), else by its own name (a risk code,
  // label or alias: "gbv", "Gender-based violence").
  std::string present_pattern, severity_pattern;
  std::map<std::string, std::string> monitoring_options;

  std::string path;  // where it was loaded from

  const FieldSpec* Field(const std::string& name) const {
    auto it = fields.find(name);
    return it == fields.end() ? nullptr : &it->second;
  }
};

// Loads a profile from a .toml file; errors name the file, the key and the fix.
Result<Profile> LoadProfile(const std::string& path);

// Finds a profile by name in `dir` (NAME.toml) or takes NAME as a path.
Result<Profile> FindProfile(const std::string& name_or_path, const std::string& dir);

// Names and one-line descriptions of the profiles in `dir`.
std::vector<std::pair<std::string, std::string>> ListProfiles(const std::string& dir);

// Every field name a profile may map, with its meaning (for `aegis import --help`).
const std::vector<std::pair<std::string, std::string>>& KnownFields();

}  // namespace aegis::ingest
