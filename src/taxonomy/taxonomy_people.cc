// Loaders for the disaggregation lists and vocabularies: age_bands.json, sex.json,
// displacement.json, disability_wg.json and vocabularies.json.

#include <algorithm>
#include <climits>
#include <set>
#include <string>

#include "taxonomy/taxonomy_internal.h"
#include "util/text.h"

namespace aegis::taxonomy::internal {

using nlohmann::json;

namespace {

constexpr int kWgDomainCount = 6;
constexpr int kWgResponseCount = 4;

std::string Item(const std::string& path, std::string_view list, size_t i) {
  return path + ": " + std::string(list) + "[" + std::to_string(i) + "]";
}

bool IsSnakeId(std::string_view id) {
  if (id.empty()) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

std::string Range(const AgeBand& b) {
  return std::to_string(*b.min_years) + "-" + (b.max_years ? std::to_string(*b.max_years) : "");
}

// --- age_bands.json -----------------------------------------------------------------------------

Status ParseBand(const json& j, const std::string& where, AgeBand* b) {
  Fields f(j, where);
  AEGIS_RETURN_IF_ERROR(f.Str("id", &b->id));
  AEGIS_RETURN_IF_ERROR(f.Str("label", &b->label));
  AEGIS_RETURN_IF_ERROR(f.OptInt("min", &b->min_years));
  AEGIS_RETURN_IF_ERROR(f.OptInt("max", &b->max_years));
  AEGIS_RETURN_IF_ERROR(f.OptBool("child", &b->child));
  AEGIS_RETURN_IF_ERROR(f.Strs("synonyms", &b->synonyms));
  if (b->max_years && !b->min_years) {
    return f.Error("band \"" + b->id + "\" has a max but no min", "give it a min age");
  }
  if (b->min_years && (*b->min_years < 0 || (b->max_years && *b->max_years < *b->min_years))) {
    return f.Error("band \"" + b->id + "\" has bounds " + Range(*b) + " out of order",
                   "use 0 <= min <= max");
  }
  return Status::Ok();
}

Status CheckChildFlag(const std::string& path, const AgeBand& b, int child_under) {
  std::string where = path + ": band \"" + b.id + "\" (" + Range(b) + ")";
  bool below = b.max_years && *b.max_years < child_under;
  if (!below && *b.min_years < child_under) {
    return Status::InvalidArgument(where + " spans the child age limit " +
                                   std::to_string(child_under) + "; split it at that age");
  }
  if (!b.child || *b.child != below) {
    return Status::InvalidArgument(where + ": child flag must be " + (below ? "true" : "false") +
                                   "; set \"child\" to match the age limit " +
                                   std::to_string(child_under));
  }
  return Status::Ok();
}

// Bounded bands sorted by min: start at 0, touch without gap or overlap, last one open.
Status CheckBandChain(const std::string& path, const std::vector<const AgeBand*>& bounded) {
  if (bounded.empty() || *bounded.front()->min_years != 0) {
    return Status::InvalidArgument(path + ": no band starts at age 0; add a band from 0");
  }
  for (size_t i = 1; i < bounded.size(); ++i) {
    const AgeBand& a = *bounded[i - 1];
    const AgeBand& b = *bounded[i];
    std::string pair =
        "bands \"" + a.id + "\" (" + Range(a) + ") and \"" + b.id + "\" (" + Range(b) + ")";
    if (!a.max_years || *b.min_years <= *a.max_years) {
      return Status::InvalidArgument(path + ": " + pair + " overlap; start each band one year " +
                                     "after the previous one ends");
    }
    if (*b.min_years > *a.max_years + 1) {
      return Status::InvalidArgument(path + ": " + pair + " leave a gap; start each band one " +
                                     "year after the previous one ends");
    }
  }
  if (bounded.back()->max_years) {
    return Status::InvalidArgument(path + ": the oldest band \"" + bounded.back()->id +
                                   "\" has a max; make the top band open (e.g. 60+, max null)");
  }
  return Status::Ok();
}

Status CheckBands(const std::string& path, const std::vector<AgeBand>& bands, int child_under) {
  std::vector<const AgeBand*> bounded;
  int unknown = 0;
  for (const AgeBand& b : bands) {
    if (b.is_unknown()) {
      ++unknown;
      continue;
    }
    AEGIS_RETURN_IF_ERROR(CheckChildFlag(path, b, child_under));
    bounded.push_back(&b);
  }
  if (unknown != 1) {
    return Status::InvalidArgument(path + ": found " + std::to_string(unknown) + " bands " +
                                   "without bounds; keep exactly one unknown-age band");
  }
  std::stable_sort(bounded.begin(), bounded.end(), [](const AgeBand* a, const AgeBand* b) {
    return *a->min_years < *b->min_years;
  });
  return CheckBandChain(path, bounded);
}

// --- term lists (sex, displacement, vocabularies) -----------------------------------------------

// Parses a list of {id, label, label_fr?, label_ar?, rank?, synonyms, <extra_key>?} and indexes
// every name. `extra_key` (may be null) names a further list of names, e.g. "unhcr_codes".
Status ParseTerms(const json& list, const std::string& where, const char* extra_key,
                  TermList* out) {
  if (!list.is_array()) {
    return Status::InvalidArgument(where + ": is not a list; write [{\"id\": ...}, ...]");
  }
  std::vector<std::vector<std::string>> names;
  for (size_t i = 0; i < list.size(); ++i) {
    Fields f(list[i], where + "[" + std::to_string(i) + "]");
    Term t;
    std::vector<std::string> extra;
    AEGIS_RETURN_IF_ERROR(f.Str("id", &t.id));
    AEGIS_RETURN_IF_ERROR(f.Str("label", &t.label));
    AEGIS_RETURN_IF_ERROR(f.OptStr("label_fr", &t.label_fr));
    AEGIS_RETURN_IF_ERROR(f.OptStr("label_ar", &t.label_ar));
    AEGIS_RETURN_IF_ERROR(f.OptInt("rank", &t.rank));
    AEGIS_RETURN_IF_ERROR(f.Strs("synonyms", &t.synonyms));
    if (extra_key) AEGIS_RETURN_IF_ERROR(f.Strs(extra_key, &extra));
    if (!IsSnakeId(t.id)) {
      return f.Error("id \"" + t.id + "\" is not lower_snake_case", "write ids like key_informant");
    }
    names.push_back({t.id, t.label, t.label_fr, t.label_ar});
    names.back().insert(names.back().end(), t.synonyms.begin(), t.synonyms.end());
    names.back().insert(names.back().end(), extra.begin(), extra.end());
    out->terms.push_back(std::move(t));
  }
  std::vector<std::string> item_names;
  for (const Term& t : out->terms) item_names.push_back("value \"" + t.id + "\"");
  for (size_t i = 0; i < names.size(); ++i) {
    AEGIS_RETURN_IF_ERROR(IndexNames(&out->index, names[i], static_cast<int>(i),
                                     where + ": " + item_names[i], item_names));
  }
  return Status::Ok();
}

Status RequireIds(const std::string& where, const TermList& list,
                  std::initializer_list<std::string_view> ids) {
  for (std::string_view id : ids) {
    if (!list.HasId(id)) {
      return Status::InvalidArgument(where + ": required value \"" + std::string(id) +
                                     "\" is missing; restore it (other modules store it)");
    }
  }
  return Status::Ok();
}

Status LoadTermFile(const std::string& path, const char* name, const char* extra_key,
                    Taxonomy::Data* d, TermList* out) {
  std::string version;
  AEGIS_ASSIGN_OR_RETURN(json doc, ReadJsonFile(path, &version));
  d->file_versions.emplace_back(name, version);
  const json* list = nullptr;
  AEGIS_RETURN_IF_ERROR(Fields(doc, path).Array("values", &list));
  return ParseTerms(*list, path + ": values", extra_key, out);
}

// --- disability_wg.json -------------------------------------------------------------------------

Status LoadWgDomains(const json& doc, const std::string& path, Taxonomy::Data* d) {
  const json* list = nullptr;
  AEGIS_RETURN_IF_ERROR(Fields(doc, path).Array("domains", &list));
  std::set<std::string> ids;
  for (size_t i = 0; i < list->size(); ++i) {
    Fields f((*list)[i], Item(path, "domains", i));
    WgDomain w;
    AEGIS_RETURN_IF_ERROR(f.Str("id", &w.id));
    AEGIS_RETURN_IF_ERROR(f.Str("label", &w.label));
    AEGIS_RETURN_IF_ERROR(f.Str("question", &w.question));
    if (!ids.insert(w.id).second) {
      return f.Error("domain \"" + w.id + "\" appears twice", "list each domain once");
    }
    d->wg_domains.push_back(std::move(w));
  }
  if (d->wg_domains.size() != kWgDomainCount) {
    return Status::InvalidArgument(
        path + ": expected the 6 Short Set domains, found " + std::to_string(d->wg_domains.size()) +
        "; restore seeing, hearing, walking, cognition, self_care, " + "communication");
  }
  return Status::Ok();
}

Status LoadWgResponses(const json& doc, const std::string& path, Taxonomy::Data* d) {
  const json* list = nullptr;
  AEGIS_RETURN_IF_ERROR(Fields(doc, path).Array("responses", &list));
  std::vector<std::string> item_names = {"(none)"};
  for (int v = 1; v <= kWgResponseCount; ++v) item_names.push_back("response " + std::to_string(v));
  for (size_t i = 0; i < list->size(); ++i) {
    Fields f((*list)[i], Item(path, "responses", i));
    WgResponse r;
    AEGIS_RETURN_IF_ERROR(f.Int("value", &r.value));
    AEGIS_RETURN_IF_ERROR(f.Str("label", &r.label));
    if (r.value != static_cast<int>(i) + 1) {
      return f.Error("response value " + std::to_string(r.value) + " is out of place",
                     "list responses 1, 2, 3, 4 in order");
    }
    AEGIS_RETURN_IF_ERROR(IndexNames(&d->wg_response_index, {std::to_string(r.value), r.label},
                                     r.value, f.where(), item_names));
    d->wg_responses.push_back(std::move(r));
  }
  if (d->wg_responses.size() != kWgResponseCount) {
    return Status::InvalidArgument(path + ": expected responses 1..4, found " +
                                   std::to_string(d->wg_responses.size()) +
                                   "; restore the four Short Set responses");
  }
  return Status::Ok();
}

Status LoadWgIdentifier(const json& doc, const std::string& path, Taxonomy::Data* d) {
  auto it = doc.find("identifier");
  if (it == doc.end()) {
    return Status::InvalidArgument(path + ": missing \"identifier\"; restore the rule");
  }
  Fields f(*it, path + ": identifier");
  std::string rule;
  AEGIS_RETURN_IF_ERROR(f.Str("rule", &rule));
  AEGIS_RETURN_IF_ERROR(f.Int("threshold", &d->wg_threshold));
  if (rule != "any_domain_at_least") {
    return f.Error("rule \"" + rule + "\" is not supported", "use any_domain_at_least");
  }
  if (d->wg_threshold < 1 || d->wg_threshold > kWgResponseCount) {
    return f.Error("threshold " + std::to_string(d->wg_threshold) + " is outside 1..4",
                   "use 3 (a lot of difficulty)");
  }
  return Status::Ok();
}

}  // namespace

Status LoadAgeBands(const std::string& path, Taxonomy::Data* d) {
  std::string version;
  AEGIS_ASSIGN_OR_RETURN(json doc, ReadJsonFile(path, &version));
  d->file_versions.emplace_back("age_bands.json", version);
  int child_under = 0;
  const json* list = nullptr;
  AEGIS_RETURN_IF_ERROR(Fields(doc, path).Int("child_under", &child_under));
  AEGIS_RETURN_IF_ERROR(Fields(doc, path).Array("bands", &list));
  for (size_t i = 0; i < list->size(); ++i) {
    AgeBand b;
    AEGIS_RETURN_IF_ERROR(ParseBand((*list)[i], Item(path, "bands", i), &b));
    d->age_bands.push_back(std::move(b));
  }
  AEGIS_RETURN_IF_ERROR(CheckBands(path, d->age_bands, child_under));
  std::stable_sort(d->age_bands.begin(), d->age_bands.end(),
                   [](const AgeBand& a, const AgeBand& b) {
                     return a.min_years.value_or(INT_MAX) < b.min_years.value_or(INT_MAX);
                   });
  std::vector<std::string> item_names;
  for (const AgeBand& b : d->age_bands) item_names.push_back("band \"" + b.id + "\"");
  for (size_t i = 0; i < d->age_bands.size(); ++i) {
    const AgeBand& b = d->age_bands[i];
    std::vector<std::string> names = {b.id, b.label};
    names.insert(names.end(), b.synonyms.begin(), b.synonyms.end());
    AEGIS_RETURN_IF_ERROR(IndexNames(&d->age_index, names, static_cast<int>(i),
                                     path + ": " + item_names[i], item_names));
  }
  return Status::Ok();
}

Status LoadSex(const std::string& path, Taxonomy::Data* d) {
  AEGIS_RETURN_IF_ERROR(LoadTermFile(path, "sex.json", nullptr, d, &d->sex));
  return RequireIds(path, d->sex, {"female", "male", "other", "unknown"});
}

Status LoadDisplacement(const std::string& path, Taxonomy::Data* d) {
  AEGIS_RETURN_IF_ERROR(
      LoadTermFile(path, "displacement.json", "unhcr_codes", d, &d->displacement));
  return RequireIds(path, d->displacement,
                    {"idp", "returnee_idp", "returnee_refugee", "refugee", "asylum_seeker",
                     "host_non_displaced", "stateless", "other", "unknown"});
}

Status LoadDisabilityWg(const std::string& path, Taxonomy::Data* d) {
  std::string version;
  AEGIS_ASSIGN_OR_RETURN(json doc, ReadJsonFile(path, &version));
  d->file_versions.emplace_back("disability_wg.json", version);
  AEGIS_RETURN_IF_ERROR(LoadWgDomains(doc, path, d));
  AEGIS_RETURN_IF_ERROR(LoadWgResponses(doc, path, d));
  return LoadWgIdentifier(doc, path, d);
}

namespace {

Status CheckSensitivityRanks(const std::string& where, const TermList& list) {
  std::set<int> ranks;
  for (const Term& t : list.terms) {
    if (!t.rank) {
      return Status::InvalidArgument(
          where + ": value \"" + t.id + "\" has no rank; give every " +
          "sensitivity level an integer rank (higher = more restricted)");
    }
    if (!ranks.insert(*t.rank).second) {
      return Status::InvalidArgument(where + ": rank " + std::to_string(*t.rank) +
                                     " is used twice; give each level its own rank");
    }
  }
  return Status::Ok();
}

}  // namespace

Status LoadVocabularies(const std::string& path, Taxonomy::Data* d) {
  std::string version;
  AEGIS_ASSIGN_OR_RETURN(json doc, ReadJsonFile(path, &version));
  d->file_versions.emplace_back("vocabularies.json", version);
  auto it = doc.find("vocabularies");
  if (it == doc.end() || !it->is_object()) {
    return Status::InvalidArgument(path + ": missing \"vocabularies\" object; restore it");
  }
  for (const auto& [name, list] : it->items()) {
    AEGIS_RETURN_IF_ERROR(ParseTerms(list, path + ": " + name, nullptr, &d->vocabularies[name]));
  }
  for (std::string_view name :
       {kSourceType, kVerificationStatus, kSensitivity, kPerpetratorCategory, kActType}) {
    if (!d->vocabularies.count(name)) {
      return Status::InvalidArgument(path + ": vocabulary \"" + std::string(name) +
                                     "\" is missing; restore it (other modules need it)");
    }
  }
  AEGIS_RETURN_IF_ERROR(
      RequireIds(path + ": verification_status", d->vocabularies.find(kVerificationStatus)->second,
                 {"unverified", "pending", "verified", "falsely_attributed", "rejected"}));
  return CheckSensitivityRanks(path + ": sensitivity", d->vocabularies.find(kSensitivity)->second);
}

}  // namespace aegis::taxonomy::internal
