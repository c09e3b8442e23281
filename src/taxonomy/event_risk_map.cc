// EventRiskMap: reads data/mappings/acled_event_risks.csv and answers per-event lookups.
//
// The CSV is the project's own file, so a small RFC 4180 splitter lives here instead of the
// ingest module's reader (taxonomy must not depend on ingest). Rules are keyed by the folded
// (event type, sub-event type, civilian targeting) triple; Lookup tries the most specific key
// first.

#include <fstream>
#include <sstream>
#include <unordered_map>

#include "taxonomy/taxonomy.h"
#include "taxonomy/taxonomy_internal.h"
#include "util/text.h"

namespace aegis::taxonomy {

struct EventRiskMap::Data {
  std::vector<EventRiskRule> rules;
  std::unordered_map<std::string, int> by_key;  // Key(event, sub, civ) -> rule position
};

namespace {

constexpr const char* kColumns[] = {"event_type", "sub_event_type", "civilian_targeting",
                                    "risks",      "act_type",       "note"};
constexpr size_t kColumnCount = std::size(kColumns);
constexpr char kCivilianTargeting[] = "civilian targeting";  // folded

struct CsvRecord {
  int line = 0;  // 1-based line where the record starts
  std::vector<std::string> fields;
};

std::string Key(std::string_view folded_event, std::string_view folded_sub,
                std::string_view folded_civ) {
  std::string key;
  key.reserve(folded_event.size() + folded_sub.size() + folded_civ.size() + 2);
  key.append(folded_event).push_back('\x1f');
  key.append(folded_sub).push_back('\x1f');
  key.append(folded_civ);
  return key;
}

// Splits RFC 4180 text into records. Blank lines are skipped. Quoted fields may hold commas,
// doubled quotes and line breaks.
class CsvSplitter {
 public:
  CsvSplitter(std::string_view text, const std::string& path) : s_(text), path_(path) {
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") s_.remove_prefix(3);
  }

  Result<std::vector<CsvRecord>> Split() {
    std::vector<CsvRecord> out;
    while (i_ < s_.size()) {
      CsvRecord rec;
      rec.line = line_;
      AEGIS_RETURN_IF_ERROR(ReadRecord(&rec.fields));
      if (rec.fields.size() > 1 || !rec.fields[0].empty()) out.push_back(std::move(rec));
    }
    return out;
  }

 private:
  Status ReadRecord(std::vector<std::string>* fields) {
    fields->emplace_back();
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"' && fields->back().empty() && !quoted_field_) {
        AEGIS_RETURN_IF_ERROR(ReadQuoted(&fields->back()));
      } else if (c == ',') {
        fields->emplace_back();
        quoted_field_ = false;
      } else if (c == '\n' || c == '\r') {
        if (c == '\r' && i_ < s_.size() && s_[i_] == '\n') ++i_;
        ++line_;
        break;
      } else if (quoted_field_) {
        return Error("text after a closing quote", "put the whole field inside the quotes");
      } else {
        fields->back().push_back(c);
      }
    }
    quoted_field_ = false;
    return Status::Ok();
  }

  Status ReadQuoted(std::string* field) {
    int start_line = line_;
    while (i_ < s_.size()) {
      char c = s_[i_++];
      if (c == '"') {
        if (i_ < s_.size() && s_[i_] == '"') {
          field->push_back('"');
          ++i_;
          continue;
        }
        quoted_field_ = true;
        return Status::Ok();
      }
      if (c == '\n') ++line_;
      field->push_back(c);
    }
    line_ = start_line;
    return Error("quoted field is never closed", "add the closing double quote");
  }

  Status Error(std::string_view what, std::string_view fix) const {
    return Status::InvalidArgument(path_ + ":" + std::to_string(line_) + ": " + std::string(what) +
                                   "; " + std::string(fix));
  }

  std::string_view s_;
  const std::string& path_;
  size_t i_ = 0;
  int line_ = 1;
  bool quoted_field_ = false;  // the current field was quoted and its quote is closed
};

Status RowError(const std::string& path, int line, std::string_view what, std::string_view fix) {
  return Status::InvalidArgument(path + ":" + std::to_string(line) + ": " + std::string(what) +
                                 "; " + std::string(fix));
}

Status CheckHeader(const std::string& path, const CsvRecord& header) {
  bool ok = header.fields.size() == kColumnCount;
  for (size_t i = 0; ok && i < kColumnCount; ++i) {
    ok = text::IEquals(text::Trim(header.fields[i]), kColumns[i]);
  }
  if (ok) return Status::Ok();
  return RowError(path, header.line, "header is not the expected column list",
                  "use event_type,sub_event_type,civilian_targeting,risks,act_type,note");
}

std::string AllRiskCodes(const Taxonomy& taxonomy) {
  std::vector<std::string> codes;
  for (const Risk& r : taxonomy.risks()) codes.push_back(r.code);
  return text::Join(codes, " ");
}

// Fills rule->risk_codes / risk_ids from the space-separated `cell`.
Status ParseRisks(const std::string& path, int line, std::string_view cell,
                  const Taxonomy& taxonomy, EventRiskRule* rule) {
  for (const std::string& token : text::SplitAny(cell, " \t")) {
    const Risk* risk = taxonomy.FindRisk(token);
    if (!risk || !text::IEquals(risk->code, token)) {
      std::string hint = risk ? "write its code " + risk->code
                              : "use codes from risks.json: " + AllRiskCodes(taxonomy);
      return RowError(path, line, "\"" + token + "\" is not a risk code", hint);
    }
    for (const std::string& seen : rule->risk_codes) {
      if (seen == risk->code) {
        return RowError(path, line, "risk " + risk->code + " is listed twice", "list it once");
      }
    }
    rule->risk_codes.push_back(risk->code);
    rule->risk_ids.push_back(risk->id);
  }
  return Status::Ok();
}

Status ParseRule(const std::string& path, const CsvRecord& rec, const Taxonomy& taxonomy,
                 EventRiskRule* rule) {
  if (rec.fields.size() != kColumnCount) {
    return RowError(path, rec.line,
                    "expected 6 columns, found " + std::to_string(rec.fields.size()),
                    "quote fields that contain commas");
  }
  rule->line = rec.line;
  rule->event_type = std::string(text::Trim(rec.fields[0]));
  rule->sub_event_type = std::string(text::Trim(rec.fields[1]));
  rule->civilian_targeting = std::string(text::Trim(rec.fields[2]));
  rule->act_type = std::string(text::Trim(rec.fields[4]));
  rule->note = std::string(text::Trim(rec.fields[5]));
  if (rule->event_type.empty()) {
    return RowError(path, rec.line, "event_type is empty", "name the ACLED event type");
  }
  if (!rule->civilian_targeting.empty() &&
      text::FoldName(rule->civilian_targeting) != kCivilianTargeting) {
    return RowError(path, rec.line,
                    "civilian_targeting \"" + rule->civilian_targeting + "\" is not recognised",
                    "leave it empty or write \"Civilian targeting\" as ACLED does");
  }
  if (!rule->act_type.empty() && !taxonomy.NormalizeTerm(kActType, rule->act_type)) {
    return RowError(path, rec.line,
                    "act_type \"" + rule->act_type + "\" is not in the act_type " + "vocabulary",
                    "use an id from vocabularies.json act_type, or leave it empty");
  }
  if (!rule->act_type.empty()) rule->act_type = *taxonomy.NormalizeTerm(kActType, rule->act_type);
  return ParseRisks(path, rec.line, rec.fields[3], taxonomy, rule);
}

std::string RuleKey(const EventRiskRule& r) {
  return Key(text::FoldName(r.event_type), text::FoldName(r.sub_event_type),
             text::FoldName(r.civilian_targeting));
}

// Every event type that has a specific row must also have a default row.
Status CheckDefaults(const std::string& path, const EventRiskMap::Data& d) {
  for (const EventRiskRule& r : d.rules) {
    if (d.by_key.count(Key(text::FoldName(r.event_type), "", ""))) continue;
    return RowError(path, r.line, "event type \"" + r.event_type + "\" has no default row",
                    "add a row with this event_type and empty sub_event_type and " +
                        std::string("civilian_targeting"));
  }
  return Status::Ok();
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::IOError(path + ": cannot open file; check the path of the ACLED mapping table");
  }
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

}  // namespace

EventRiskMap::EventRiskMap() : d_(std::make_shared<const Data>()) {}

Result<EventRiskMap> EventRiskMap::Load(const std::string& csv_path, const Taxonomy& taxonomy) {
  AEGIS_ASSIGN_OR_RETURN(std::string text, ReadFile(csv_path));
  CsvSplitter splitter(text, csv_path);
  AEGIS_ASSIGN_OR_RETURN(std::vector<CsvRecord> records, splitter.Split());
  if (records.empty()) {
    return RowError(csv_path, 1, "file is empty", "restore the header and the rows");
  }
  AEGIS_RETURN_IF_ERROR(CheckHeader(csv_path, records[0]));
  auto d = std::make_shared<Data>();
  for (size_t i = 1; i < records.size(); ++i) {
    EventRiskRule rule;
    AEGIS_RETURN_IF_ERROR(ParseRule(csv_path, records[i], taxonomy, &rule));
    auto [it, inserted] = d->by_key.emplace(RuleKey(rule), static_cast<int>(d->rules.size()));
    if (!inserted) {
      return RowError(csv_path, rule.line,
                      "same event_type, sub_event_type and " +
                          std::string("civilian_targeting as line ") +
                          std::to_string(d->rules[it->second].line),
                      "merge the two rows");
    }
    d->rules.push_back(std::move(rule));
  }
  AEGIS_RETURN_IF_ERROR(CheckDefaults(csv_path, *d));
  return EventRiskMap(std::move(d));
}

const EventRiskRule* EventRiskMap::Lookup(std::string_view event_type,
                                          std::string_view sub_event_type,
                                          std::string_view civilian_targeting) const {
  const std::string event = text::FoldName(event_type);
  const std::string sub = text::FoldName(sub_event_type);
  const std::string civ = text::FoldName(civilian_targeting);
  const std::string keys[] = {Key(event, sub, civ), Key(event, sub, ""), Key(event, "", civ),
                              Key(event, "", "")};
  for (const std::string& key : keys) {
    auto it = d_->by_key.find(key);
    if (it != d_->by_key.end()) return &d_->rules[it->second];
  }
  return nullptr;
}

bool EventRiskMap::HasEventType(std::string_view event_type) const {
  return d_->by_key.count(Key(text::FoldName(event_type), "", "")) > 0;
}

const std::vector<EventRiskRule>& EventRiskMap::rules() const { return d_->rules; }

}  // namespace aegis::taxonomy
