// Private to src/taxonomy: the data behind Taxonomy, the folded-name index, JSON field readers
// and the per-file loaders. Nothing outside src/taxonomy includes this header.
//
// Thread safety: FoldedIndex and Taxonomy::Data are filled by one thread during Load() and are
// read-only afterwards.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "taxonomy/taxonomy.h"
#include "util/status.h"

namespace aegis::taxonomy::internal {

// Maps folded names (text::FoldName) to item positions in a list.
class FoldedIndex {
 public:
  // Registers `name` for item `pos`. Names that fold to "" are ignored. Returns the position of
  // the other item if the folded name already belongs to one, else -1 (also when it already
  // belongs to `pos`).
  int Add(std::string_view name, int pos);
  // Position of the item named `name`, or -1.
  int Find(std::string_view name) const;
  int FindFolded(const std::string& folded) const;

 private:
  std::unordered_map<std::string, int> map_;
};

// A coded list (sex, displacement, one vocabulary) and its index over ids, labels, synonyms.
struct TermList {
  std::vector<Term> terms;
  FoldedIndex index;
  std::optional<std::string> Normalize(std::string_view text) const;
  bool HasId(std::string_view id) const;
};

// A severity scale other than the default, used to read historical labels.
struct AliasScale {
  FoldedIndex index;         // label or value -> value
  FoldedIndex not_assessed;  // "N/A" labels -> 0
};

}  // namespace aegis::taxonomy::internal

namespace aegis::taxonomy {

struct Taxonomy::Data {
  std::vector<std::pair<std::string, std::string>> file_versions;
  std::vector<Risk> risks;
  internal::FoldedIndex risk_index;
  std::vector<SeverityPhase> phases;
  internal::FoldedIndex phase_index;         // default-scale value/labels -> value
  internal::FoldedIndex phase_not_assessed;  // default-scale "N/A" labels
  std::map<std::string, internal::AliasScale, std::less<>> alias_scales;
  std::vector<GraveViolation> grave_violations;
  internal::FoldedIndex grave_index;
  std::vector<GbvType> gbv_all;     // core types by rank, then the rank-0 extra values
  std::vector<GbvType> gbv_core;    // the core types only, by rank
  internal::FoldedIndex gbv_index;  // names -> position in gbv_all
  std::vector<AgeBand> age_bands;
  internal::FoldedIndex age_index;
  internal::TermList sex;
  internal::TermList displacement;
  std::vector<WgDomain> wg_domains;
  std::vector<WgResponse> wg_responses;
  internal::FoldedIndex wg_response_index;  // label -> value
  int wg_threshold = 3;
  std::map<std::string, internal::TermList, std::less<>> vocabularies;
};

}  // namespace aegis::taxonomy

namespace aegis::taxonomy::internal {

// Reads and parses a JSON file and checks its "_meta" block (object with non-empty "version",
// "status" and "source"). Stores the version in *version.
Result<nlohmann::json> ReadJsonFile(const std::string& path, std::string* version);

// Reads typed fields of one JSON object. `where` names the object in messages, e.g.
// "/x/risks.json: risks[3]". Every method returns InvalidArgument naming `where` and the key.
class Fields {
 public:
  Fields(const nlohmann::json& obj, std::string where) : obj_(obj), where_(std::move(where)) {}
  Status Str(const char* key, std::string* out) const;     // required, non-empty
  Status OptStr(const char* key, std::string* out) const;  // missing or null -> ""
  Status Int(const char* key, int* out) const;
  Status OptInt(const char* key, std::optional<int>* out) const;  // missing or null -> unset
  Status Bool(const char* key, bool* out) const;
  Status OptBool(const char* key, std::optional<bool>* out) const;
  Status Strs(const char* key, std::vector<std::string>* out) const;  // missing -> empty
  Status Array(const char* key, const nlohmann::json** out) const;    // required array
  const std::string& where() const { return where_; }
  // "<where>: <what>; <fix>" as InvalidArgument.
  Status Error(std::string_view what, std::string_view fix) const;

 private:
  const nlohmann::json& obj_;
  std::string where_;
};

// Registers every name of item `pos` in `index`; on a clash returns InvalidArgument naming the
// file/item (`where`), the name and the other item (`describe(other)`).
Status IndexNames(FoldedIndex* index, const std::vector<std::string>& names, int pos,
                  std::string_view where, const std::vector<std::string>& other_items);

// Per-file loaders. `path` is the file; each fills its part of *d or returns the first error.
Status LoadRisks(const std::string& path, Taxonomy::Data* d);
Status LoadSeverity(const std::string& path, Taxonomy::Data* d);
Status LoadGraveViolations(const std::string& path, Taxonomy::Data* d);
Status LoadGbvTypes(const std::string& path, Taxonomy::Data* d);
Status LoadAgeBands(const std::string& path, Taxonomy::Data* d);
Status LoadSex(const std::string& path, Taxonomy::Data* d);
Status LoadDisplacement(const std::string& path, Taxonomy::Data* d);
Status LoadDisabilityWg(const std::string& path, Taxonomy::Data* d);
Status LoadVocabularies(const std::string& path, Taxonomy::Data* d);

}  // namespace aegis::taxonomy::internal
