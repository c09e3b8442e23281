// Loaders for the classification lists: risks.json, severity.json, grave_violations.json and
// gbv_types.json. Each loader parses its file into Taxonomy::Data, then checks the list's shape
// (how many items, which ids) and builds the folded-name index, which rejects any name shared by
// two items.

#include <algorithm>
#include <set>
#include <string>

#include "taxonomy/taxonomy_internal.h"
#include "util/text.h"

namespace aegis::taxonomy::internal {

using nlohmann::json;

namespace {

constexpr int kRiskCount = 15;
constexpr int kPhaseCount = 5;
constexpr int kGraveViolationCount = 6;
constexpr int kGbvCoreCount = 6;

std::string Item(const std::string& path, std::string_view list, size_t i) {
  return path + ": " + std::string(list) + "[" + std::to_string(i) + "]";
}

// Checks that `ids` are exactly 1..n. `one` and `many` name an item and the list in messages.
Status CheckIdsOneToN(const std::string& path, std::string_view one, std::string_view many,
                      const std::vector<int>& ids, int n) {
  const std::string range = "1.." + std::to_string(n);
  std::set<int> seen;
  for (int id : ids) {
    std::string item = path + ": " + std::string(one) + " " + std::to_string(id);
    if (id < 1 || id > n) {
      return Status::InvalidArgument(item + " is outside " + range + "; the list has exactly " +
                                     std::to_string(n) + " " + std::string(many) + " numbered " +
                                     range);
    }
    if (!seen.insert(id).second) {
      return Status::InvalidArgument(item + " appears twice; give each entry its own number");
    }
  }
  if (static_cast<int>(ids.size()) == n) return Status::Ok();
  std::string missing;
  for (int id = 1; id <= n; ++id) {
    if (!seen.count(id)) missing += (missing.empty() ? "" : ", ") + std::to_string(id);
  }
  return Status::InvalidArgument(path + ": expected exactly " + std::to_string(n) + " " +
                                 std::string(many) + " numbered " + range + ", found " +
                                 std::to_string(ids.size()) + " (missing " + missing +
                                 "); restore the missing entries");
}

bool IsCode(std::string_view code) {
  if (code.empty()) return false;
  return std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

// --- risks.json ---------------------------------------------------------------------------------

Status ParseRisk(const json& j, const std::string& where, Risk* r) {
  Fields f(j, where);
  AEGIS_RETURN_IF_ERROR(f.Int("id", &r->id));
  AEGIS_RETURN_IF_ERROR(f.Str("code", &r->code));
  AEGIS_RETURN_IF_ERROR(f.Str("label", &r->label));
  AEGIS_RETURN_IF_ERROR(f.Str("label_fr", &r->label_fr));
  AEGIS_RETURN_IF_ERROR(f.Str("label_ar", &r->label_ar));
  AEGIS_RETURN_IF_ERROR(f.Strs("aliases", &r->aliases));
  if (!IsCode(r->code)) {
    return f.Error("code \"" + r->code + "\" is not upper-case letters, digits or '_'",
                   "write codes like GBV or CEFM (they are space-separated in the ACLED table)");
  }
  return Status::Ok();
}

std::vector<std::string> RiskNames(const Risk& r) {
  std::vector<std::string> names = {r.code, std::to_string(r.id), r.label, r.label_fr, r.label_ar};
  names.insert(names.end(), r.aliases.begin(), r.aliases.end());
  return names;
}

Status IndexRisks(const std::string& path, Taxonomy::Data* d) {
  std::vector<std::string> item_names;
  for (const Risk& r : d->risks) {
    item_names.push_back("risk " + std::to_string(r.id) + " (" + r.code + ")");
  }
  for (size_t i = 0; i < d->risks.size(); ++i) {
    const Risk& r = d->risks[i];
    AEGIS_RETURN_IF_ERROR(IndexNames(&d->risk_index, RiskNames(r), static_cast<int>(i),
                                     path + ": " + item_names[i], item_names));
  }
  return Status::Ok();
}

// --- severity.json ------------------------------------------------------------------------------

Status ParsePhase(const json& j, const std::string& where, SeverityPhase* p) {
  Fields f(j, where);
  AEGIS_RETURN_IF_ERROR(f.Int("value", &p->value));
  AEGIS_RETURN_IF_ERROR(f.Str("label", &p->label));
  AEGIS_RETURN_IF_ERROR(f.OptStr("label_fr", &p->label_fr));
  AEGIS_RETURN_IF_ERROR(f.OptStr("label_ar", &p->label_ar));
  AEGIS_RETURN_IF_ERROR(f.Bool("in_need", &p->in_need));
  return f.Strs("alt_labels", &p->alt_labels);
}

Status CheckInNeedMonotonic(const std::string& path, const std::vector<SeverityPhase>& phases) {
  for (size_t i = 1; i < phases.size(); ++i) {
    if (phases[i - 1].in_need && !phases[i].in_need) {
      return Status::InvalidArgument(path + ": phase " + std::to_string(phases[i].value) +
                                     " is not in need but phase " +
                                     std::to_string(phases[i - 1].value) + " is; in_need must " +
                                     "hold for every phase from the first one in need upward");
    }
  }
  return Status::Ok();
}

Status IndexNotAssessed(const Fields& scale, FoldedIndex* not_assessed, const FoldedIndex& levels) {
  std::vector<std::string> labels;
  AEGIS_RETURN_IF_ERROR(scale.Strs("not_assessed_labels", &labels));
  for (const std::string& label : labels) {
    if (levels.Find(label) >= 0) {
      return scale.Error("not-assessed label \"" + label + "\" is also a phase label",
                         "remove it from one of the two lists");
    }
    not_assessed->Add(label, 0);
  }
  return Status::Ok();
}

Status LoadDefaultScale(const json& doc, const std::string& path, Taxonomy::Data* d) {
  auto it = doc.find("default_scale");
  if (it == doc.end()) {
    return Status::InvalidArgument(path + ": missing \"default_scale\"; restore the 1-5 phases");
  }
  Fields scale(*it, path + ": default_scale");
  const json* list = nullptr;
  AEGIS_RETURN_IF_ERROR(scale.Array("phases", &list));
  std::vector<int> values;
  for (size_t i = 0; i < list->size(); ++i) {
    SeverityPhase p;
    AEGIS_RETURN_IF_ERROR(ParsePhase((*list)[i], Item(path, "default_scale.phases", i), &p));
    values.push_back(p.value);
    d->phases.push_back(std::move(p));
  }
  AEGIS_RETURN_IF_ERROR(CheckIdsOneToN(path, "phase", "phases", values, kPhaseCount));
  std::sort(d->phases.begin(), d->phases.end(),
            [](const SeverityPhase& a, const SeverityPhase& b) { return a.value < b.value; });
  AEGIS_RETURN_IF_ERROR(CheckInNeedMonotonic(path, d->phases));
  std::vector<std::string> item_names;
  for (const SeverityPhase& p : d->phases) item_names.push_back("phase " + std::to_string(p.value));
  item_names.insert(item_names.begin(), "(none)");  // index values are 1-based
  for (const SeverityPhase& p : d->phases) {
    std::vector<std::string> names = {std::to_string(p.value), p.label, p.label_fr, p.label_ar};
    names.insert(names.end(), p.alt_labels.begin(), p.alt_labels.end());
    AEGIS_RETURN_IF_ERROR(
        IndexNames(&d->phase_index, names, p.value, path + ": " + item_names[p.value], item_names));
  }
  return IndexNotAssessed(scale, &d->phase_not_assessed, d->phase_index);
}

Status LoadAliasScale(const json& j, const std::string& where, Taxonomy::Data* d) {
  Fields scale(j, where);
  std::string id;
  AEGIS_RETURN_IF_ERROR(scale.Str("id", &id));
  if (d->alias_scales.count(id)) {
    return scale.Error("scale id \"" + id + "\" is used twice", "give each scale its own id");
  }
  AliasScale& alias = d->alias_scales[id];
  const json* levels = nullptr;
  AEGIS_RETURN_IF_ERROR(scale.Array("levels", &levels));
  std::vector<std::string> item_names = {"(none)"};
  for (int v = 1; v <= kPhaseCount; ++v) item_names.push_back("level " + std::to_string(v));
  for (size_t i = 0; i < levels->size(); ++i) {
    Fields f((*levels)[i], where + ": levels[" + std::to_string(i) + "]");
    int value = 0;
    std::string label;
    AEGIS_RETURN_IF_ERROR(f.Int("value", &value));
    AEGIS_RETURN_IF_ERROR(f.Str("label", &label));
    if (value < 1 || value > kPhaseCount) {
      return f.Error("value " + std::to_string(value) + " is outside 1..5",
                     "map each historical label to a default phase 1..5");
    }
    AEGIS_RETURN_IF_ERROR(
        IndexNames(&alias.index, {std::to_string(value), label}, value, f.where(), item_names));
  }
  return IndexNotAssessed(scale, &alias.not_assessed, alias.index);
}

}  // namespace

Status LoadRisks(const std::string& path, Taxonomy::Data* d) {
  std::string version;
  AEGIS_ASSIGN_OR_RETURN(json doc, ReadJsonFile(path, &version));
  d->file_versions.emplace_back("risks.json", version);
  const json* list = nullptr;
  AEGIS_RETURN_IF_ERROR(Fields(doc, path).Array("risks", &list));
  std::vector<int> ids;
  for (size_t i = 0; i < list->size(); ++i) {
    Risk r;
    AEGIS_RETURN_IF_ERROR(ParseRisk((*list)[i], Item(path, "risks", i), &r));
    ids.push_back(r.id);
    d->risks.push_back(std::move(r));
  }
  AEGIS_RETURN_IF_ERROR(CheckIdsOneToN(path, "risk", "risks", ids, kRiskCount));
  std::sort(d->risks.begin(), d->risks.end(),
            [](const Risk& a, const Risk& b) { return a.id < b.id; });
  return IndexRisks(path, d);
}

Status LoadSeverity(const std::string& path, Taxonomy::Data* d) {
  std::string version;
  AEGIS_ASSIGN_OR_RETURN(json doc, ReadJsonFile(path, &version));
  d->file_versions.emplace_back("severity.json", version);
  AEGIS_RETURN_IF_ERROR(LoadDefaultScale(doc, path, d));
  auto it = doc.find("alias_scales");
  if (it == doc.end() || it->is_null()) return Status::Ok();
  if (!it->is_array()) {
    return Status::InvalidArgument(path + ": \"alias_scales\" is not a list; write [{...}]");
  }
  for (size_t i = 0; i < it->size(); ++i) {
    AEGIS_RETURN_IF_ERROR(LoadAliasScale((*it)[i], Item(path, "alias_scales", i), d));
  }
  return Status::Ok();
}

Status LoadGraveViolations(const std::string& path, Taxonomy::Data* d) {
  std::string version;
  AEGIS_ASSIGN_OR_RETURN(json doc, ReadJsonFile(path, &version));
  d->file_versions.emplace_back("grave_violations.json", version);
  const json* list = nullptr;
  AEGIS_RETURN_IF_ERROR(Fields(doc, path).Array("grave_violations", &list));
  std::vector<int> ids;
  for (size_t i = 0; i < list->size(); ++i) {
    Fields f((*list)[i], Item(path, "grave_violations", i));
    GraveViolation g;
    AEGIS_RETURN_IF_ERROR(f.Int("id", &g.id));
    AEGIS_RETURN_IF_ERROR(f.Str("code", &g.code));
    AEGIS_RETURN_IF_ERROR(f.Str("label", &g.label));
    AEGIS_RETURN_IF_ERROR(f.Strs("alt_labels", &g.alt_labels));
    AEGIS_RETURN_IF_ERROR(f.Strs("synonyms", &g.synonyms));
    ids.push_back(g.id);
    d->grave_violations.push_back(std::move(g));
  }
  AEGIS_RETURN_IF_ERROR(
      CheckIdsOneToN(path, "grave violation", "grave violations", ids, kGraveViolationCount));
  std::sort(d->grave_violations.begin(), d->grave_violations.end(),
            [](const GraveViolation& a, const GraveViolation& b) { return a.id < b.id; });
  std::vector<std::string> item_names;
  for (const auto& g : d->grave_violations) {
    item_names.push_back("grave violation " + std::to_string(g.id) + " (" + g.code + ")");
  }
  for (size_t i = 0; i < d->grave_violations.size(); ++i) {
    const GraveViolation& g = d->grave_violations[i];
    std::vector<std::string> names = {g.code, std::to_string(g.id), g.label};
    names.insert(names.end(), g.alt_labels.begin(), g.alt_labels.end());
    names.insert(names.end(), g.synonyms.begin(), g.synonyms.end());
    AEGIS_RETURN_IF_ERROR(IndexNames(&d->grave_index, names, static_cast<int>(i),
                                     path + ": " + item_names[i], item_names));
  }
  return Status::Ok();
}

namespace {

Status ParseGbvList(const json& doc, const std::string& path, const char* key, bool core,
                    std::vector<GbvType>* out) {
  const json* list = nullptr;
  if (!core && !doc.contains(key)) return Status::Ok();
  AEGIS_RETURN_IF_ERROR(Fields(doc, path).Array(key, &list));
  for (size_t i = 0; i < list->size(); ++i) {
    Fields f((*list)[i], Item(path, key, i));
    GbvType t;
    AEGIS_RETURN_IF_ERROR(f.Int("rank", &t.rank));
    AEGIS_RETURN_IF_ERROR(f.Str("id", &t.id));
    AEGIS_RETURN_IF_ERROR(f.Str("label", &t.label));
    AEGIS_RETURN_IF_ERROR(f.Strs("alt_labels", &t.alt_labels));
    if (!core && t.rank != 0) {
      return f.Error("extra value has rank " + std::to_string(t.rank),
                     "extra values (non-GBV) have rank 0; core types go in \"types\"");
    }
    out->push_back(std::move(t));
  }
  return Status::Ok();
}

}  // namespace

Status LoadGbvTypes(const std::string& path, Taxonomy::Data* d) {
  std::string version;
  AEGIS_ASSIGN_OR_RETURN(json doc, ReadJsonFile(path, &version));
  d->file_versions.emplace_back("gbv_types.json", version);
  AEGIS_RETURN_IF_ERROR(ParseGbvList(doc, path, "types", true, &d->gbv_core));
  std::vector<int> ranks;
  for (const GbvType& t : d->gbv_core) ranks.push_back(t.rank);
  AEGIS_RETURN_IF_ERROR(
      CheckIdsOneToN(path, "GBV core type rank", "GBV core types", ranks, kGbvCoreCount));
  std::sort(d->gbv_core.begin(), d->gbv_core.end(),
            [](const GbvType& a, const GbvType& b) { return a.rank < b.rank; });
  d->gbv_all = d->gbv_core;
  AEGIS_RETURN_IF_ERROR(ParseGbvList(doc, path, "extra_values", false, &d->gbv_all));
  std::vector<std::string> item_names;
  for (const GbvType& t : d->gbv_all) item_names.push_back("GBV type \"" + t.id + "\"");
  for (size_t i = 0; i < d->gbv_all.size(); ++i) {
    const GbvType& t = d->gbv_all[i];
    std::vector<std::string> names = {t.id, t.label};
    names.insert(names.end(), t.alt_labels.begin(), t.alt_labels.end());
    AEGIS_RETURN_IF_ERROR(IndexNames(&d->gbv_index, names, static_cast<int>(i),
                                     path + ": " + item_names[i], item_names));
  }
  return Status::Ok();
}

}  // namespace aegis::taxonomy::internal
