#include "ingest/profile.h"

#include <toml++/toml.h>

#include <algorithm>
#include <filesystem>

#include "util/text.h"

namespace aegis::ingest {

namespace {

const std::vector<std::pair<std::string, std::string>> kFields = {
    {"date", "date of the incident or start of the period (required)"},
    {"date_end", "end of a date range (defaults to date)"},
    {"country", "ISO3 code or country name"},
    {"pcode", "P-code of the place, at any admin level"},
    {"admin1", "state / province name"},
    {"admin2", "county / district name"},
    {"admin3", "payam / sub-district name"},
    {"location", "village or place name, used to refine to admin3"},
    {"latitude", "decimal degrees (WGS84)"},
    {"longitude", "decimal degrees (WGS84)"},
    {"risks", "one or more of the 15 GPC protection risks (codes, labels or mapped values)"},
    {"event_type", "the source's own event type (ACLED event_type)"},
    {"sub_event_type", "the source's sub-event type (ACLED sub_event_type)"},
    {"civilian_targeting", "ACLED civilian_targeting flag"},
    {"act_type", "act or violation type (GBV core type, grave violation ...)"},
    {"perpetrator", "perpetrator category (vocabularies.json)"},
    {"perpetrator_detail", "perpetrator as reported (e.g. armed group name)"},
    {"killed", "number killed"},
    {"injured", "number injured"},
    {"victims", "number of victims / survivors"},
    {"victim_sex", "sex of the victims when one group per row"},
    {"victim_age", "age in years of the victim"},
    {"victim_age_band", "age band of the victims (0-4, 5-11, 12-17, 18-59, 60+, minor, adult)"},
    {"victim_disability", "yes / no / unknown"},
    {"victim_displacement", "displacement status (idp, refugee, returnee ...)"},
    {"organisation", "reporting organisation code"},
    {"source_type", "direct_monitoring, key_informant, secondary ..."},
    {"verification", "unverified, pending, verified ..."},
    {"sensitivity", "public, internal, confidential, strictly_confidential"},
    {"consent_share", "consent to share the record (yes/no)"},
    {"consent_referral", "consent to referral (yes/no)"},
    {"consent_tracing", "consent to family tracing (yes/no)"},
    {"narrative", "free-text account"},
    {"respondent_type", "monitoring reports: key_informant, area, household"},
    {"service_type", "services: the type (data/taxonomy/vocabularies.json service_type)"},
    {"provider", "services: the provider's code or acronym"},
    {"provider_name", "services: the provider's name"},
    {"provider_type", "services: the provider's type (national NGO, UN agency ...)"},
    {"service_name", "services: the service's own name"},
    {"modality", "services: static, mobile or remote (hotline)"},
    {"groups_served", "services: groups served (women, girls, children, idps ...)"},
    {"languages", "services: languages spoken (ISO 639-1 codes)"},
    {"hours", "services: opening hours, as written"},
    {"accepts_referrals", "services: yes (default) or no"},
    {"gbv_specialised", "services: yes for a GBV-specialised service (at least confidential)"},
    {"service_status", "services: active, inactive, defunct, temporarily_closed"},
    {"assured_date", "services: the date the entry was last confirmed"},
    {"contact", "services: the focal point (name, phone): personal, sealed at rest"},
};

std::vector<std::string> StringList(const toml::node* n) {
  std::vector<std::string> out;
  if (!n) return out;
  if (auto s = n->value<std::string>()) {
    out.push_back(*s);
  } else if (const auto* arr = n->as_array()) {
    for (const auto& el : *arr)
      if (auto s = el.value<std::string>()) out.push_back(*s);
  }
  return out;
}

Result<FieldSpec> ParseField(const std::string& file, const std::string& name,
                             const toml::node& node) {
  FieldSpec f;
  if (node.is_string() || node.is_array()) {
    f.columns = StringList(&node);
    return f;
  }
  const toml::table* t = node.as_table();
  if (!t) {
    return Status::InvalidArgument(file + ": fields." + name +
                                   " must be a column name, a list of names or a table");
  }
  f.columns = StringList(t->get("columns"));
  if (f.columns.empty()) f.columns = StringList(t->get("column"));
  f.required = t->get("required") && t->get("required")->value_or(false);
  f.fixed = (*t)["fixed"].value_or(std::string());
  f.split = (*t)["split"].value_or(std::string());
  f.prefix = (*t)["prefix"].value_or(std::string());
  f.sum = (*t)["sum"].value_or(false);
  if (const toml::table* v = (*t)["values"].as_table()) {
    for (const auto& [k, val] : *v) {
      auto s = val.value<std::string>();
      if (!s) {
        return Status::InvalidArgument(file + ": fields." + name + ".values." +
                                       std::string(k.str()) + " must be a string");
      }
      f.values[text::FoldName(k.str())] = *s;
    }
  }
  if (f.columns.empty() && f.fixed.empty() && f.prefix.empty()) {
    return Status::InvalidArgument(file + ": fields." + name +
                                   " names no column; add columns = [\"...\"] or fixed = \"...\"");
  }
  return f;
}

Status ParseSettings(const std::string& file, const toml::table& t, Profile* p) {
  p->name = t["name"].value_or(std::filesystem::path(file).stem().string());
  p->description = t["description"].value_or(std::string());
  p->record = t["record"].value_or(std::string("incident"));
  if (p->record != "incident" && p->record != "monitoring_report" && p->record != "service") {
    return Status::InvalidArgument(file + ": record = \"" + p->record +
                                   "\" is unknown; use \"incident\", \"monitoring_report\" or "
                                   "\"service\"");
  }
  std::string delim = t["delimiter"].value_or(std::string());
  if (delim == "\\t" || delim == "tab") delim = "\t";
  if (delim.size() > 1)
    return Status::InvalidArgument(file + ": delimiter must be one character (or \"tab\")");
  p->delimiter = delim.empty() ? 0 : delim[0];
  std::string order = t["date_order"].value_or(std::string("auto"));
  if (order == "dmy")
    p->date_order = DateOrder::kDMY;
  else if (order == "mdy")
    p->date_order = DateOrder::kMDY;
  else if (order == "ymd")
    p->date_order = DateOrder::kYMD;
  else if (order != "auto")
    return Status::InvalidArgument(file + ": date_order must be auto, dmy, mdy or ymd");
  p->sheet = t["sheet"].value_or(std::string());
  std::string gs = t["group_separator"].value_or(std::string("/"));
  p->group_separator = gs.empty() ? '/' : gs[0];
  p->source_code = t["source"]["code"].value_or(p->name);
  p->source_name = t["source"]["name"].value_or(p->source_code);
  p->source_kind = t["source"]["kind"].value_or(std::string("spreadsheet"));
  p->organisation = t["source"]["organisation"].value_or(std::string());
  p->source_type = t["source"]["source_type"].value_or(std::string("secondary"));
  p->sensitivity = t["defaults"]["sensitivity"].value_or(std::string("internal"));
  p->verification = t["defaults"]["verification"].value_or(std::string("unverified"));
  p->key_columns = StringList(t["key"]["columns"].node());
  std::string dups = t["key"]["identical_rows"].value_or(std::string("quarantine"));
  if (dups != "quarantine" && dups != "distinct")
    return Status::InvalidArgument(file +
                                   ": key.identical_rows must be \"quarantine\" or "
                                   "\"distinct\"");
  p->identical_rows_distinct = dups == "distinct";
  p->same_key_other_actor_is_same_event = t["key"]["merge_actor_rows"].value_or(false);
  p->allow_country_level = t["place"]["allow_country_level"].value_or(false);
  p->excel_serial_dates = t["excel_serial_dates"].value_or(false);
  p->coordinates_for_placement = t["place"]["use_coordinates"].value_or(true);
  if (t["empty_values"]) p->empty_values = StringList(t["empty_values"].node());
  if (const toml::table* rp = t["risks"]["if_positive"].as_table()) {
    for (const auto& [col, risk] : *rp)
      p->risk_if_positive.emplace_back(std::string(col.str()), risk.value_or(std::string()));
  }
  p->event_risk_table = t["risks"]["event_table"].value_or(std::string());
  p->victims_repeat = t["victims"]["repeat"].value_or(std::string());
  p->repeat_index_column = t["victims"]["index_column"].value_or(std::string("_index"));
  p->repeat_parent_column = t["victims"]["parent_column"].value_or(std::string("_parent_index"));
  p->present_pattern = t["monitoring"]["present"].value_or(std::string());
  p->severity_pattern = t["monitoring"]["severity"].value_or(std::string());
  if (const toml::table* opts = t["monitoring"]["options"].as_table()) {
    for (const auto& [k, val] : *opts) {
      auto s = val.value<std::string>();
      if (!s) {
        return Status::InvalidArgument(file + ": monitoring.options." + std::string(k.str()) +
                                       " must be a risk code in quotes, e.g. \"GBV\"");
      }
      p->monitoring_options[text::FoldName(k.str())] = *s;
    }
  }
  return Status::Ok();
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& KnownFields() { return kFields; }

Result<Profile> LoadProfile(const std::string& path) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& err) {
    return Status::InvalidArgument(path + ":" + std::to_string(err.source().begin.line) + ": " +
                                   std::string(err.description()) + "; fix the TOML syntax");
  }
  Profile p;
  p.path = path;
  AEGIS_RETURN_IF_ERROR(ParseSettings(path, t, &p));
  if (const toml::table* fields = t["fields"].as_table()) {
    for (const auto& [k, node] : *fields) {
      std::string name(k.str());
      bool known = false;
      for (const auto& kf : kFields) known = known || kf.first == name;
      if (!known) {
        return Status::InvalidArgument(path + ": fields." + name +
                                       " is not an Aegis field; see `aegis import --help` for "
                                       "the list");
      }
      AEGIS_ASSIGN_OR_RETURN(FieldSpec f, ParseField(path, name, node));
      p.fields[name] = std::move(f);
    }
  }
  if (p.record == "service") {
    if (!p.Field("service_type"))
      return Status::InvalidArgument(path +
                                     ": no [fields] service_type mapping; every service needs "
                                     "its type (or a fixed one: service_type = { fixed = "
                                     "\"protection\" })");
  } else if (!p.Field("date")) {
    return Status::InvalidArgument(path + ": no [fields] date mapping; every record needs a date");
  }
  return p;
}

Result<Profile> FindProfile(const std::string& name_or_path, const std::string& dir) {
  if (std::filesystem::exists(name_or_path) && !std::filesystem::is_directory(name_or_path))
    return LoadProfile(name_or_path);
  std::string candidate = dir + "/" + name_or_path + ".toml";
  if (std::filesystem::exists(candidate)) return LoadProfile(candidate);
  std::string names;
  for (const auto& [n, d] : ListProfiles(dir)) names += (names.empty() ? "" : ", ") + n;
  return Status::NotFound("profile '" + name_or_path + "' not found; built-in profiles: " + names +
                          " (or give the path of a .toml profile)");
}

std::vector<std::pair<std::string, std::string>> ListProfiles(const std::string& dir) {
  std::vector<std::pair<std::string, std::string>> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.path().extension() != ".toml") continue;
    Result<Profile> p = LoadProfile(e.path().string());
    out.emplace_back(e.path().stem().string(), p.ok() ? p->description : p.status().message());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace aegis::ingest
