// aegis profile draft: a starting profile from a file's header (Kobo, ODK Central or HXL).
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <optional>
#include <set>

#include "ingest/header.h"
#include "ingest/importer.h"
#include "ingest/profile.h"
#include "taxonomy/taxonomy.h"
#include "util/date.h"
#include "util/text.h"

namespace aegis::ingest {

namespace {

// A TOML string.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "\"";
}

bool Has(std::string_view s, std::string_view part) { return s.find(part) != s.npos; }

bool AnyOf(std::string_view s, std::initializer_list<std::string_view> names) {
  return std::any_of(names.begin(), names.end(), [&](std::string_view n) { return s == n; });
}

// Lower-case words of a name or label ("legal_identity" -> legal, identity).
std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  std::string w;
  for (char c : s) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      w.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    } else if (!w.empty()) {
      out.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) out.push_back(std::move(w));
  return out;
}

// The risk whose label or aliases share the most words with an option name (words of four
// letters or more, compared on their first five: "attack" ~ "Attacks"); nullptr when none or
// when two risks share as many. `why` gets the words shared.
const taxonomy::Risk* GuessRisk(const taxonomy::Taxonomy& tax, const std::string& option,
                                std::string* why) {
  const taxonomy::Risk* best = nullptr;
  int best_score = 0;
  bool tie = false;
  for (const taxonomy::Risk& r : tax.risks()) {
    std::string text = r.label;
    for (const auto& a : r.aliases) text += " " + a;
    std::vector<std::string> words = Words(text);
    int score = 0;
    std::string shared;
    for (const std::string& o : Words(option)) {
      if (o.size() < 4) continue;
      bool hit = std::any_of(words.begin(), words.end(), [&](const std::string& w) {
        return w.size() >= 4 && w.compare(0, 5, o, 0, 5) == 0;
      });
      if (hit) {
        ++score;
        shared += (shared.empty() ? "'" : ", '") + o + "'";
      }
    }
    if (score > best_score) {
      best = &r;
      best_score = score;
      tie = false;
      *why = shared;
    } else if (score == best_score && score > 0) {
      tie = true;
    }
  }
  return tie ? nullptr : best;
}

// One guessed line of the [fields] table, with why.
struct Guess {
  std::string field, value, why;
};

class Drafter {
 public:
  Drafter(const HeaderInfo& head, std::vector<Row> sample, const taxonomy::Taxonomy& tax)
      : head_(head), sample_(std::move(sample)), tax_(tax) {}

  std::string Draft(const std::string& file, const std::string& sheet);

 private:
  bool Hxl() const {
    return std::any_of(head_.tags.begin(), head_.tags.end(),
                       [](const std::string& t) { return !text::Trim(t).empty(); });
  }
  std::string Last(const std::string& h) const {
    std::string s = text::ToLowerAscii(text::Trim(h));
    size_t p = s.rfind(sep_);
    return p == std::string::npos ? s : s.substr(p + 1);
  }
  // Values of column i in the sample rows (non-empty, trimmed).
  std::vector<std::string> Values(size_t i) const {
    std::vector<std::string> out;
    for (const Row& r : sample_)
      if (i < r.size() && !text::Trim(r[i]).empty()) out.emplace_back(text::Trim(r[i]));
    return out;
  }
  bool ZeroOne(size_t i) const {
    std::vector<std::string> v = Values(i);
    return std::all_of(v.begin(), v.end(), [](const std::string& x) {
      return x == "0" || x == "1" || text::IEquals(x, "true") || text::IEquals(x, "false");
    });
  }
  void Add(const std::string& field, size_t col, const std::string& why) {
    if (taken_.count(field)) return;
    taken_.insert(field);
    used_.insert(col);
    guesses_.push_back({field, Quote(text::Trim(head_.header[col])), why});
  }
  void GuessHxl();
  void GuessForm();
  void GuessSelectMultiples();
  std::string DateOrderOf(size_t col) const;

  const HeaderInfo& head_;
  std::vector<Row> sample_;
  const taxonomy::Taxonomy& tax_;
  char sep_ = '/';
  std::string kind_ = "spreadsheet", record_ = "incident", date_order_ = "auto";
  std::vector<Guess> guesses_;
  std::set<std::string> taken_;
  std::set<size_t> used_;
  std::vector<std::string> key_, tables_, notes_;
};

std::string Drafter::DateOrderOf(size_t col) const {
  std::vector<std::string> v = Values(col);
  if (v.empty()) return "auto";
  bool iso = std::all_of(v.begin(), v.end(), [](const std::string& x) {
    return x.size() >= 10 && x[4] == '-' && x[7] == '-';
  });
  return iso ? "ymd" : "auto";
}

void Drafter::GuessHxl() {
  kind_ = "hxl";
  for (size_t i = 0; i < head_.tags.size(); ++i) {
    std::string tag = text::ToLowerAscii(text::Trim(head_.tags[i]));
    tag.erase(std::remove(tag.begin(), tag.end(), ' '), tag.end());
    if (tag.empty()) continue;
    std::vector<std::string> parts = text::Split(tag, '+');
    const std::string& base = parts[0];
    auto attr = [&](std::string_view a) {
      return std::find(parts.begin() + 1, parts.end(), a) != parts.end();
    };
    std::string why = "from the HXL tag " + tag;
    auto add = [&](const std::string& field) {
      if (taken_.count(field)) return;
      taken_.insert(field);
      used_.insert(i);
      guesses_.push_back({field, Quote(tag), why});
    };
    if (base == "#date") {
      if (attr("end"))
        add("date_end");
      else
        add("date");
      if (taken_.count("date") && date_order_ == "auto") date_order_ = DateOrderOf(i);
    } else if (base == "#adm1" || base == "#adm2" || base == "#adm3") {
      std::string level(1, base[4]);
      add(attr("code") ? "pcode" : "admin" + level);
    } else if (base == "#loc") {
      add("location");
    } else if (base == "#geo") {
      if (attr("lat")) add("latitude");
      if (attr("lon")) add("longitude");
    } else if (base == "#country") {
      add("country");
    } else if (base == "#affected" || base == "#inneed" || base == "#num") {
      add(attr("killed") ? "killed" : attr("injured") ? "injured" : "victims");
    } else if (base == "#org") {
      add("organisation");
    } else if (base == "#description") {
      add("narrative");
    } else if (base == "#event") {
      add("event_type");
    } else if (base == "#sex") {
      add("victim_sex");
    } else if (base == "#group") {
      add("perpetrator_detail");
    } else if (base == "#indicator" || base == "#impact") {
      add("risks");
    } else if (base == "#meta" && attr("id") && key_.empty()) {
      key_.push_back(tag);
      used_.insert(i);
    }
  }
}

// Kobo "question/option" (ODK "question-option") columns of 0/1: select_multiple questions.
void Drafter::GuessSelectMultiples() {
  std::map<std::string, std::vector<size_t>> groups;  // question path -> option columns
  for (size_t i = 0; i < head_.header.size(); ++i) {
    std::string h(text::Trim(head_.header[i]));
    size_t p = h.rfind('/');  // Kobo and ODK Central both write "question/option"
    if (p == std::string::npos) p = h.rfind(sep_);
    if (p == std::string::npos || !ZeroOne(i)) continue;
    groups[h.substr(0, p)].push_back(i);
  }
  for (const auto& group : groups) {
    const std::string& question = group.first;
    const std::vector<size_t>& cols = group.second;
    if (cols.size() < 2) continue;
    std::string last = Last(question);
    const std::string option_sep(1, text::Trim(head_.header[cols[0]])[question.size()]);
    bool monitoring = Has(last, "present");
    if (!Has(last, "risk") && !monitoring) continue;
    std::vector<std::string> unmapped;
    for (size_t c : cols) {
      used_.insert(c);
      std::string option(text::Trim(head_.header[c]).substr(question.size() + 1));
      if (!tax_.FindRisk(option)) unmapped.push_back(option);
    }
    auto options_table = [&](const std::string& table, const std::string& what) {
      std::string t = "[" + table +
                      "]\n# Each option of the form -> the Aegis risk code it stands " +
                      "for (data/taxonomy/risks.json).\n";
      for (const auto& o : unmapped) {
        std::string why;
        if (const taxonomy::Risk* r = GuessRisk(tax_, o, &why)) {
          t += Quote(o) + " = " + Quote(r->code) + "   # guessed: " + why + " as in '" + r->label +
               "'\n";
        } else {
          t += "# " + Quote(o) + " = \"\"   # TODO: " + what + " '" + o +
               "' is not a risk code or label\n";
        }
      }
      if (unmapped.empty()) t += "# (every option is a risk code or label: nothing to map)\n";
      return t;
    };
    if (monitoring) {
      record_ = "monitoring_report";
      std::string t = "[monitoring]\npresent = " + Quote(question + option_sep + "{option}") +
                      "   # guessed: '" + question + "' has one 0/1 column per option\n";
      // A severity column per option ("severity_gbv") when the form has them.
      for (size_t i = 0; i < head_.header.size(); ++i) {
        std::string l = Last(head_.header[i]);
        if (l.rfind("severity_", 0) == 0) {
          std::string h(text::Trim(head_.header[i]));
          t += "severity = " + Quote(h.substr(0, h.size() - (l.size() - 9)) + "{option}") +
               "   # guessed: columns named severity_<option>\n";
          break;
        }
      }
      for (size_t i = 0; i < head_.header.size(); ++i)
        if (Last(head_.header[i]).rfind("severity_", 0) == 0) used_.insert(i);
      tables_.push_back(t);
      tables_.push_back(options_table("monitoring.options", "option"));
      continue;
    }
    if (taken_.count("risks")) continue;
    taken_.insert("risks");
    std::string t =
        "[fields.risks]   # guessed: select_multiple '" + question + "' (its name says risk)\n";
    auto summary = std::find_if(head_.header.begin(), head_.header.end(),
                                [&](const std::string& h) { return text::Trim(h) == question; });
    if (summary != head_.header.end()) {
      used_.insert(static_cast<size_t>(summary - head_.header.begin()));
      t += "columns = [" + Quote(question) + "]\nsplit = \" \"   # select_multiple answers\n";
    }
    t += "prefix = " + Quote(question + option_sep) + "   # its 0/1 option columns\n";
    tables_.push_back(t);
    tables_.push_back(options_table("fields.risks.values", "option"));
  }
}

void Drafter::GuessForm() {
  bool odk = false;
  int slash = 0, dash = 0;
  for (const auto& h : head_.header) {
    slash += Has(h, "/");
    dash += Has(h, "-");
    odk = odk || text::IEquals(text::Trim(h), "KEY") || Has(h, "instanceID");
  }
  sep_ = odk || dash > slash ? '-' : '/';
  bool kobo = std::any_of(head_.header.begin(), head_.header.end(),
                          [](const std::string& h) { return text::Trim(h) == "_uuid"; });
  kind_ = odk ? "odk" : kobo ? "kobo" : "spreadsheet";
  GuessSelectMultiples();
  std::vector<std::pair<int, size_t>> pcodes;  // (admin level, column)
  std::vector<size_t> dates;                   // columns whose name says date
  for (size_t i = 0; i < head_.header.size(); ++i) {
    if (used_.count(i)) continue;
    std::string h(text::Trim(head_.header[i]));
    std::string l = Last(h);
    std::string why = "column '" + h + "'";
    if (l == "_uuid" || l == "uuid" || (odk && (h == "KEY" || Has(l, "instanceid")))) {
      if (key_.empty()) key_.push_back(h);
      used_.insert(i);
    } else if (Has(l, "pcode") || Has(l, "p_code")) {
      int level = Has(l, "3") || Has(l, "payam") || Has(l, "sub")         ? 3
                  : Has(l, "2") || Has(l, "county") || Has(l, "district") ? 2
                                                                          : 1;
      pcodes.emplace_back(level, i);
      used_.insert(i);
    } else if ((Has(l, "date") || Has(l, "month") || AnyOf(l, {"period", "today", "start"})) &&
               !Has(l, "submission")) {
      dates.push_back(i);
    } else if (AnyOf(l, {"state", "province", "admin1", "adm1", "governorate", "region"})) {
      Add("admin1", i, why + " (an admin 1 name)");
    } else if (AnyOf(l, {"county", "district", "admin2", "adm2", "lga"})) {
      Add("admin2", i, why + " (an admin 2 name)");
    } else if (AnyOf(l, {"payam", "admin3", "adm3", "sub_district", "subdistrict", "ward"})) {
      Add("admin3", i, why + " (an admin 3 name)");
    } else if (AnyOf(l, {"village", "location", "locality", "settlement", "site", "camp"})) {
      Add("location", i, why + " (a place name)");
    } else if (l.ends_with("_latitude") || l == "latitude" || l == "lat") {
      Add("latitude", i, why + " (a GPS latitude)");
    } else if (l.ends_with("_longitude") || l == "longitude" || l == "lon") {
      Add("longitude", i, why + " (a GPS longitude)");
    } else if (AnyOf(l, {"country", "iso3", "country_code"})) {
      Add("country", i, why);
    } else if (Has(l, "killed") || Has(l, "deaths") || l == "fatalities") {
      Add("killed", i, why + " (a number killed)");
    } else if (Has(l, "injur")) {
      Add("injured", i, why + " (a number injured)");
    } else if (Has(l, "victim") && (Has(l, "count") || Has(l, "num") || Has(l, "number"))) {
      Add("victims", i, why + " (a number of victims)");
    } else if (AnyOf(l, {"sex", "gender"})) {
      Add("victim_sex", i, why);
    } else if (l == "age") {
      Add("victim_age", i, why + " (an age in years)");
    } else if (Has(l, "age_band") || Has(l, "age_group")) {
      Add("victim_age_band", i, why);
    } else if (AnyOf(l, {"partner", "organisation", "organization", "org", "agency"})) {
      Add("organisation", i, why + " (the reporting organisation)");
    } else if (l == "perpetrator") {
      Add("perpetrator", i, why);
    } else if (Has(l, "perpetrator")) {
      Add("perpetrator_detail", i, why);
    } else if (AnyOf(l, {"act_type", "violation", "incident_type", "violation_type"})) {
      Add("act_type", i, why);
    } else if (Has(l, "consent") && Has(l, "shar")) {
      Add("consent_share", i, why);
    } else if (Has(l, "consent") && Has(l, "referr")) {
      Add("consent_referral", i, why);
    } else if (AnyOf(l, {"narrative", "description", "incident_description"})) {
      Add("narrative", i, why + " (free text: it may hold names; check before importing)");
    } else if (Has(l, "risk") && !taken_.count("risks")) {
      Add("risks", i, why + " (its name says risk; map its answers below if they are not codes)");
    }
  }
  // The date: of the date columns whose values read as dates, the one whose name says most
  // (incident, event, report, month), the survey's own "today" / "start" last.
  int best = -1;
  size_t best_col = 0;
  for (size_t c : dates) {
    std::string l = Last(head_.header[c]);
    std::vector<std::string> v = Values(c);
    size_t ok = std::count_if(v.begin(), v.end(), [&](const std::string& x) {
      return ParseDate(x.substr(0, 10), DateOrder::kAuto).date.has_value();
    });
    if (v.empty() || ok * 10 < v.size() * 9) continue;
    if (Has(l, "end") || Has(l, "_to")) {
      if (l != "end") Add("date_end", c, "column '" + head_.header[c] + "' (an end date)");
      continue;
    }
    int score = Has(l, "incident") || Has(l, "event") ? 4
                : Has(l, "report") || Has(l, "month") ? 3
                : l == "date"                         ? 3
                : Has(l, "date")                      ? 2
                : l == "today"                        ? 1
                                                      : 0;
    if (score > best) {
      best = score;
      best_col = c;
    }
  }
  if (best >= 0) {
    date_order_ = DateOrderOf(best_col);
    Add("date", best_col,
        "column '" + std::string(text::Trim(head_.header[best_col])) + "' (" +
            (best >= 2 ? "a date" : "the day the form was filled: check it is the date you want") +
            ")");
  }
  if (!pcodes.empty()) {
    std::sort(pcodes.rbegin(), pcodes.rend());  // the most detailed first
    std::vector<std::string> cols;
    cols.reserve(pcodes.size());
    for (const auto& [level, c] : pcodes) cols.push_back(Quote(text::Trim(head_.header[c])));
    taken_.insert("pcode");
    guesses_.push_back(
        {"pcode", "[" + text::Join(cols, ", ") + "]", "P-code columns, the most detailed first"});
  }
  // A repeat group inline (Kobo JSON) or in another sheet: victims.
  for (size_t i = 0; i < head_.header.size(); ++i) {
    if (Last(head_.header[i]) == "victims" && !used_.count(i)) {
      notes_.push_back(
          "[victims]\nrepeat = \"victims\"   # guessed: a repeat group named victims\n");
      used_.insert(i);
    }
  }
}

std::string Drafter::Draft(const std::string& file, const std::string& sheet) {
  if (Hxl())
    GuessHxl();
  else
    GuessForm();
  std::string stem = std::filesystem::path(file).stem().string();
  std::string slug;
  for (char c : text::ToLowerAscii(stem))
    slug.push_back(std::isalnum(static_cast<unsigned char>(c)) ? c : '-');
  std::string t;
  t += "# A starting profile drafted by `aegis profile draft` from the header of\n# " + file +
       ".\n# Every guess says what it came from: check each, then run\n#   aegis profile check " +
       "THIS.toml FILE\n# The format is described in doc/profiles.md.\n";
  t += "name = " + Quote(slug) + "\n";
  t += "description = " + Quote("drafted from " + std::filesystem::path(file).filename().string()) +
       "   # TODO: say what the file is\n";
  t += "record = " + Quote(record_) +
       (record_ == "incident" ? "   # one row per incident\n"
                              : "   # guessed: risks present per option of the form\n");
  t += "date_order = " + Quote(date_order_) +
       (date_order_ == "ymd" ? "   # guessed: the dates read YYYY-MM-DD\n"
                             : "   # TODO: dmy, mdy or ymd if dates are written with numbers\n");
  if (sep_ != '/' || kind_ == "odk")
    t += "group_separator = " + Quote(std::string(1, sep_)) + "   # guessed: ODK Central names\n";
  if (!sheet.empty()) t += "sheet = " + Quote(sheet) + "\n";
  t += "\n[source]\ncode = " + Quote(slug) + "   # TODO: a short code for this data source\n";
  t += "kind = " + Quote(kind_) + "   # guessed from the header\n";
  t += record_ == "monitoring_report"
           ? "source_type = \"key_informant\"   # TODO: or direct_monitoring, secondary\n"
           : "source_type = \"direct_monitoring\"   # TODO: or key_informant, secondary\n";
  t += "\n[defaults]\nsensitivity = \"confidential\"   # TODO: public, internal, confidential\n";
  t += "\n[key]\n";
  if (key_.empty())
    t += "# columns = [\"...\"]   # TODO: no identifier column recognised: rows are keyed by "
         "their content\n";
  else
    t += "columns = [" + Quote(key_[0]) + "]   # guessed: the submission identifier\n";
  for (const auto& n : notes_) t += "\n" + n;
  t += "\n[fields]\n";
  if (!taken_.count("date"))
    t += "date = { columns = [\"TODO\"], required = true }   # TODO: no date column recognised\n";
  for (const auto& g : guesses_) {
    std::string v = g.value;
    if (g.field == "date") v = "{ columns = [" + v + "], required = true }";
    t += g.field + " = " + v + "   # guessed: " + g.why + "\n";
  }
  if (record_ == "incident" && !taken_.count("risks"))
    t += "# risks = \"...\"   # TODO: no risk column recognised; see doc/profiles.md\n";
  for (const auto& table : tables_) t += "\n" + table;
  std::vector<std::string> unused;
  for (size_t i = 0; i < head_.header.size(); ++i)
    if (!used_.count(i) && !text::Trim(head_.header[i]).empty())
      unused.emplace_back(text::Trim(head_.header[i]));
  if (!unused.empty()) {
    t += "\n# Columns not read (" + std::to_string(unused.size()) + "):";
    for (size_t i = 0; i < unused.size(); ++i) t += (i % 6 == 0 ? "\n#   " : ", ") + unused[i];
    t += "\n";
  }
  return t;
}

}  // namespace

Result<std::string> DraftProfile(const std::string& data_dir, const ImportOptions& opts) {
  AEGIS_ASSIGN_OR_RETURN(taxonomy::Taxonomy tax, taxonomy::Taxonomy::Load(data_dir + "/taxonomy"));
  TableOptions topts;
  topts.delimiter = opts.delimiter;
  topts.sheet = opts.sheet;
  topts.env = opts.env;
  AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<TableReader> reader, OpenTable(opts.file, topts));
  AEGIS_ASSIGN_OR_RETURN(HeaderInfo head, ReadHeader(*reader, opts.file));
  std::vector<Row> sample;
  for (auto& [no, row] : head.pending) sample.push_back(row);
  Row row;
  while (sample.size() < 500 && reader->Next(&row)) sample.push_back(row);
  AEGIS_RETURN_IF_ERROR(reader->status());
  Drafter d(head, std::move(sample), tax);
  return d.Draft(opts.file, opts.sheet);
}

}  // namespace aegis::ingest
