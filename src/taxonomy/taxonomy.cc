// Taxonomy: loading order and lookups. The per-file loaders are in taxonomy_lists.cc and
// taxonomy_people.cc.

#include "taxonomy/taxonomy.h"

#include <cstdint>

#include "taxonomy/taxonomy_internal.h"
#include "util/text.h"

namespace aegis::taxonomy {

namespace {

const std::shared_ptr<const Taxonomy::Data>& EmptyData() {
  static const auto* empty =
      new std::shared_ptr<const Taxonomy::Data>(std::make_shared<const Taxonomy::Data>());
  return *empty;
}

// Parses a whole string as a small non-negative integer ("8", " 08 ", "3.0").
std::optional<int> SmallInt(std::string_view s) {
  int64_t v = 0;
  if (!text::ParseInt64(s, &v) || v < 0 || v > 1000) return std::nullopt;
  return static_cast<int>(v);
}

}  // namespace

Taxonomy::Taxonomy() : d_(EmptyData()) {}

Result<Taxonomy> Taxonomy::Load(const std::string& dir) {
  auto d = std::make_shared<Data>();
  std::string base = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  AEGIS_RETURN_IF_ERROR(internal::LoadRisks(base + "risks.json", d.get()));
  AEGIS_RETURN_IF_ERROR(internal::LoadSeverity(base + "severity.json", d.get()));
  AEGIS_RETURN_IF_ERROR(internal::LoadGraveViolations(base + "grave_violations.json", d.get()));
  AEGIS_RETURN_IF_ERROR(internal::LoadGbvTypes(base + "gbv_types.json", d.get()));
  AEGIS_RETURN_IF_ERROR(internal::LoadAgeBands(base + "age_bands.json", d.get()));
  AEGIS_RETURN_IF_ERROR(internal::LoadSex(base + "sex.json", d.get()));
  AEGIS_RETURN_IF_ERROR(internal::LoadDisplacement(base + "displacement.json", d.get()));
  AEGIS_RETURN_IF_ERROR(internal::LoadDisabilityWg(base + "disability_wg.json", d.get()));
  AEGIS_RETURN_IF_ERROR(internal::LoadVocabularies(base + "vocabularies.json", d.get()));
  return Taxonomy(std::move(d));
}

const std::vector<std::pair<std::string, std::string>>& Taxonomy::file_versions() const {
  return d_->file_versions;
}

// --- Risks --------------------------------------------------------------------------------------

const std::vector<Risk>& Taxonomy::risks() const { return d_->risks; }

const Risk* Taxonomy::FindRisk(std::string_view code_label_or_alias) const {
  int pos = d_->risk_index.Find(code_label_or_alias);
  if (pos >= 0) return &d_->risks[pos];
  std::optional<int> id = SmallInt(code_label_or_alias);
  return id ? RiskById(*id) : nullptr;
}

const Risk* Taxonomy::RiskById(int id) const {
  if (id < 1 || id > static_cast<int>(d_->risks.size())) return nullptr;
  return &d_->risks[id - 1];  // Load() checked ids are exactly 1..15, sorted
}

// --- Severity -----------------------------------------------------------------------------------

const std::vector<SeverityPhase>& Taxonomy::severity_phases() const { return d_->phases; }

const SeverityPhase* Taxonomy::SeverityPhaseByValue(int value) const {
  if (value < 1 || value > static_cast<int>(d_->phases.size())) return nullptr;
  return &d_->phases[value - 1];  // Load() checked values are exactly 1..5, sorted
}

const SeverityPhase* Taxonomy::FindSeverityPhase(std::string_view value_or_label,
                                                 std::string_view scale_id) const {
  const internal::FoldedIndex* index = &d_->phase_index;
  if (!scale_id.empty()) {
    auto it = d_->alias_scales.find(scale_id);
    if (it == d_->alias_scales.end()) return nullptr;
    index = &it->second.index;
  }
  std::string folded = text::FoldName(value_or_label);
  if (text::StartsWith(folded, "phase ")) folded.erase(0, 6);
  int value = index->FindFolded(folded);
  if (value < 0) {
    std::optional<int> v = SmallInt(value_or_label);
    if (!v || index->FindFolded(std::to_string(*v)) < 0) return nullptr;
    value = *v;
  }
  return SeverityPhaseByValue(value);
}

bool Taxonomy::IsSeverityNotAssessed(std::string_view label, std::string_view scale_id) const {
  if (scale_id.empty()) return d_->phase_not_assessed.Find(label) >= 0;
  auto it = d_->alias_scales.find(scale_id);
  return it != d_->alias_scales.end() && it->second.not_assessed.Find(label) >= 0;
}

bool Taxonomy::HasSeverityScale(std::string_view scale_id) const {
  return scale_id.empty() || d_->alias_scales.find(scale_id) != d_->alias_scales.end();
}

// --- Grave violations and GBV -------------------------------------------------------------------

const std::vector<GraveViolation>& Taxonomy::grave_violations() const {
  return d_->grave_violations;
}

const GraveViolation* Taxonomy::FindGraveViolation(std::string_view code_or_label) const {
  int pos = d_->grave_index.Find(code_or_label);
  return pos < 0 ? nullptr : &d_->grave_violations[pos];
}

const std::vector<GbvType>& Taxonomy::gbv_types() const { return d_->gbv_core; }

const GbvType* Taxonomy::FindGbvType(std::string_view id_or_label) const {
  int pos = d_->gbv_index.Find(id_or_label);
  return pos < 0 ? nullptr : &d_->gbv_all[pos];
}

// --- Sex, displacement, WG-SS, vocabularies -----------------------------------------------------

const std::vector<Term>& Taxonomy::sex_values() const { return d_->sex.terms; }

std::optional<std::string> Taxonomy::NormalizeSex(std::string_view text) const {
  return d_->sex.Normalize(text);
}

const std::vector<Term>& Taxonomy::displacement_statuses() const { return d_->displacement.terms; }

std::optional<std::string> Taxonomy::NormalizeDisplacement(std::string_view text) const {
  return d_->displacement.Normalize(text);
}

const std::vector<WgDomain>& Taxonomy::wg_domains() const { return d_->wg_domains; }

const std::vector<WgResponse>& Taxonomy::wg_responses() const { return d_->wg_responses; }

std::optional<int> Taxonomy::NormalizeWgResponse(std::string_view text) const {
  int value = d_->wg_response_index.Find(text);
  if (value < 0) {
    std::optional<int> v = SmallInt(text);
    if (!v || d_->wg_response_index.FindFolded(std::to_string(*v)) < 0) return std::nullopt;
    value = *v;
  }
  return value;
}

bool Taxonomy::WgHasDisability(std::span<const int> responses) const {
  const int top = static_cast<int>(d_->wg_responses.size());
  for (int r : responses) {
    if (r >= d_->wg_threshold && r <= top) return true;
  }
  return false;
}

const std::vector<Term>* Taxonomy::Vocabulary(std::string_view name) const {
  auto it = d_->vocabularies.find(name);
  return it == d_->vocabularies.end() ? nullptr : &it->second.terms;
}

std::optional<std::string> Taxonomy::NormalizeTerm(std::string_view vocabulary,
                                                   std::string_view text) const {
  auto it = d_->vocabularies.find(vocabulary);
  if (it == d_->vocabularies.end()) return std::nullopt;
  return it->second.Normalize(text);
}

namespace {

bool VocabHasId(const Taxonomy::Data& d, std::string_view vocabulary, std::string_view id) {
  auto it = d.vocabularies.find(vocabulary);
  return it != d.vocabularies.end() && it->second.HasId(id);
}

}  // namespace

bool Taxonomy::IsValidSourceType(std::string_view id) const {
  return VocabHasId(*d_, kSourceType, id);
}

bool Taxonomy::IsValidVerification(std::string_view id) const {
  return VocabHasId(*d_, kVerificationStatus, id);
}

bool Taxonomy::IsValidSensitivity(std::string_view id) const {
  return VocabHasId(*d_, kSensitivity, id);
}

bool Taxonomy::IsValidPerpetratorCategory(std::string_view id) const {
  return VocabHasId(*d_, kPerpetratorCategory, id);
}

int Taxonomy::SensitivityRank(std::string_view id) const {
  const std::vector<Term>* terms = Vocabulary(kSensitivity);
  if (!terms) return -1;
  for (const Term& t : *terms) {
    if (t.id == id) return t.rank.value_or(-1);
  }
  return -1;
}

}  // namespace aegis::taxonomy
