// Reference taxonomies of the Protection Cluster, loaded from the project's own data files.
//
// Taxonomy holds the lists every other module classifies records against: the 15 GPC protection
// risks, the 1-5 severity phases, the six grave violations against children (MRM), the six
// GBVIMS core GBV types, UNHCR age bands, sex, displacement status, the Washington Group Short
// Set, and project vocabularies (source type, verification status, sensitivity, perpetrator
// category, act type). The data lives in data/taxonomy/*.json; each file has a "_meta" block that
// says what was read in a source, what is unverified and what is a project decision. Codes such
// as "GBV" or "KM" are project-internal, not official GPC or MRM codes.
//
// EventRiskMap holds data/mappings/acled_event_risks.csv, the editable table that says which
// protection risks an ACLED event type / sub-event type is evidence for.
//
// Matching. Every lookup that takes free text folds it with text::FoldName: case, accents and
// punctuation do not matter ("Gender-Based Violence" == "gender based violence"). Load() rejects
// files in which one folded name would identify two different items.
//
// Thread safety. Both classes are immutable after Load() and cheap to copy (they share their
// data). Any number of threads may call their const methods concurrently. Pointers and
// references they return stay valid as long as some copy of the object is alive.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace aegis::taxonomy {

// One of the 15 GPC protection risks.
struct Risk {
  int id = 0;                        // 1..15, GPC publication order (project numbering)
  std::string code;                  // project-internal code, e.g. "GBV"; not an official GPC code
  std::string label;                 // GPC title, e.g. "Gender-Based Violence"
  std::string label_fr, label_ar;    // project-draft translations
  std::vector<std::string> aliases;  // older GPC labels and common short forms
};

// One phase of a 1-5 severity scale.
struct SeverityPhase {
  int value = 0;  // 1..5
  std::string label, label_fr, label_ar;
  bool in_need = false;  // phase counts toward people in need (3 and above; unverified convention)
  std::vector<std::string> alt_labels;
};

// One of the six grave violations against children (MRM).
struct GraveViolation {
  int id = 0;        // 1..6, UNICEF order
  std::string code;  // project-internal: KM, RU, ASH, SV, ABD, DHA
  std::string label;
  std::vector<std::string> alt_labels;  // wording of other UN sources
  std::vector<std::string> synonyms;    // e.g. Primero ids "killing", "maiming"
};

// A GBVIMS core GBV type (rank 1..6, the classification order) or the non-GBV extra value.
struct GbvType {
  int rank = 0;    // 1..6 for core types; 0 for the "non_gbv" extra value
  std::string id;  // Primero-style id, e.g. "sexual_assault"
  std::string label;
  std::vector<std::string> alt_labels;
  bool is_core() const { return rank > 0; }
};

// An age band. Bounds are inclusive years; the open top band has no max, the unknown band has
// neither bound.
struct AgeBand {
  std::string id;     // e.g. "0_4", "60_plus", "unknown"
  std::string label;  // e.g. "0-4", "60+"
  std::optional<int> min_years, max_years;
  std::optional<bool> child;  // under 18; unset for the unknown band
  std::vector<std::string> synonyms;
  bool is_unknown() const { return !min_years.has_value(); }
};

// A value of a small coded list (sex, displacement status, a project vocabulary).
struct Term {
  std::string id;                  // stored value, e.g. "female", "idp", "strictly_confidential"
  std::string label;               // shown value
  std::string label_fr, label_ar;  // project drafts; empty where the file has none
  std::optional<int> rank;         // sensitivity rank; unset elsewhere
  std::vector<std::string> synonyms;
};

// A Washington Group Short Set domain and a response on its 1-4 scale.
struct WgDomain {
  std::string id;  // seeing, hearing, walking, cognition, self_care, communication
  std::string label, question;
};
struct WgResponse {
  int value = 0;  // 1 no difficulty .. 4 cannot do at all
  std::string label;
};

// Names of the vocabularies in data/taxonomy/vocabularies.json that Load() requires.
inline constexpr std::string_view kSourceType = "source_type";
inline constexpr std::string_view kVerificationStatus = "verification_status";
inline constexpr std::string_view kSensitivity = "sensitivity";
inline constexpr std::string_view kPerpetratorCategory = "perpetrator_category";
inline constexpr std::string_view kActType = "act_type";

// All reference taxonomies. See the file comment for matching and thread safety.
class Taxonomy {
 public:
  // An empty taxonomy: every list is empty and every lookup fails. Use Load().
  Taxonomy();

  // Loads and validates every file of `dir` (normally <repo>/data/taxonomy): risks.json,
  // severity.json, grave_violations.json, gbv_types.json, age_bands.json, sex.json,
  // displacement.json, disability_wg.json, vocabularies.json.
  // Errors: IOError if a file cannot be read; InvalidArgument if a file is not valid JSON or
  // breaks a rule (exactly 15 risks with ids 1..15; unique codes and names; phases exactly 1..5;
  // six grave violations; six GBV core types ranked 1..6; age bands contiguous from 0 without
  // overlap, one open top band and one unknown band; six WG domains and responses 1..4; every
  // synonym naming one value only; required vocabularies present). The message names the file
  // and the item: "<path>: <item>: <problem>; <how to fix>".
  static Result<Taxonomy> Load(const std::string& dir);

  // "<file>=<version>" for each loaded file, from its _meta.version; for provenance records.
  const std::vector<std::pair<std::string, std::string>>& file_versions() const;

  // --- Protection risks -----------------------------------------------------------------------
  const std::vector<Risk>& risks() const;  // ordered by id
  // Accepts a code ("GBV", "gbv"), an id ("8"), the GPC label, an alias (older GPC labels, short
  // forms) or the French / Arabic label. Returns nullptr if nothing matches.
  const Risk* FindRisk(std::string_view code_label_or_alias) const;
  const Risk* RiskById(int id) const;  // nullptr outside 1..15

  // --- Severity -------------------------------------------------------------------------------
  const std::vector<SeverityPhase>& severity_phases() const;   // default scale, values 1..5
  const SeverityPhase* SeverityPhaseByValue(int value) const;  // nullptr outside 1..5
  // Resolves a value ("3") or a label of scale `scale_id` ("" = the default scale; e.g.
  // "gpc_2022_dashboard" for historical imports) and returns the default-scale phase with the
  // same value. nullptr if the text is not a level of that scale, the scale is unknown, or the
  // text means "not assessed" (see IsSeverityNotAssessed).
  const SeverityPhase* FindSeverityPhase(std::string_view value_or_label,
                                         std::string_view scale_id = {}) const;
  // True if the text is a "not assessed" marker of the scale, e.g. "N/A".
  bool IsSeverityNotAssessed(std::string_view label, std::string_view scale_id = {}) const;
  bool HasSeverityScale(std::string_view scale_id) const;

  // --- Grave violations and GBV types ---------------------------------------------------------
  const std::vector<GraveViolation>& grave_violations() const;  // ordered by id
  // Accepts code, id number, label, alt label or synonym. "Military use of schools" is not a
  // grave violation and returns nullptr.
  const GraveViolation* FindGraveViolation(std::string_view code_or_label) const;
  const std::vector<GbvType>& gbv_types() const;  // the six core types, ordered by rank
  // Accepts id, label or alt label of a core type or of the non-GBV extra value.
  const GbvType* FindGbvType(std::string_view id_or_label) const;

  // --- Age, sex, displacement -----------------------------------------------------------------
  const std::vector<AgeBand>& age_bands() const;  // bounded bands by age, then the unknown band
  // Band id for an age in completed years; nullopt for a negative or implausible (> 130) age.
  std::optional<std::string> AgeBandForAge(int years) const;
  // Band id for a band written as text: an id or label ("0_4", "0-4", "60+"), a range that
  // equals a band ("0 to 4 years", "60 plus", "under 5") or a synonym ("elderly", "unknown").
  // nullopt for a bare number (an age, not a band: use AgeBandForAge), for ranges that are not
  // exactly one band ("0-5"), and for words spanning several bands ("adult", "minor").
  std::optional<std::string> NormalizeAgeBand(std::string_view text) const;
  const std::vector<Term>& sex_values() const;
  // "female", "male", "other" or "unknown" for an id, label or synonym ("F", "girl",
  // "ProbablyFemale"). nullopt for empty text and for multi-person values ("Female, Male").
  std::optional<std::string> NormalizeSex(std::string_view text) const;
  const std::vector<Term>& displacement_statuses() const;
  // Displacement status id for an id, label, UNHCR code ("RDP") or synonym. nullopt for
  // ambiguous text such as a bare "returnee".
  std::optional<std::string> NormalizeDisplacement(std::string_view text) const;

  // --- Washington Group Short Set -------------------------------------------------------------
  const std::vector<WgDomain>& wg_domains() const;
  const std::vector<WgResponse>& wg_responses() const;
  // Response value 1..4 for "3" or a label ("A lot of difficulty"); nullopt otherwise.
  std::optional<int> NormalizeWgResponse(std::string_view text) const;
  // True if any response is at or above the identifier threshold (3). Values outside 1..4
  // (missing, don't know, refused) are ignored.
  bool WgHasDisability(std::span<const int> responses) const;

  // --- Project vocabularies -------------------------------------------------------------------
  // The values of vocabulary `name` (e.g. kSourceType), or nullptr if there is no such vocabulary.
  const std::vector<Term>* Vocabulary(std::string_view name) const;
  // The id of the value of `vocabulary` named by `text` (id, label or synonym, folded).
  std::optional<std::string> NormalizeTerm(std::string_view vocabulary,
                                           std::string_view text) const;
  // True if `id` is exactly (case-sensitive) a stored id of the vocabulary. Use NormalizeTerm()
  // first for text from outside.
  bool IsValidSourceType(std::string_view id) const;
  bool IsValidVerification(std::string_view id) const;
  bool IsValidSensitivity(std::string_view id) const;
  bool IsValidPerpetratorCategory(std::string_view id) const;
  // Rank of a sensitivity id (public 0 < internal 1 < confidential 2 < strictly_confidential 3);
  // -1 if `id` is not a sensitivity id.
  int SensitivityRank(std::string_view id) const;

  struct Data;  // defined in taxonomy_internal.h

 private:
  explicit Taxonomy(std::shared_ptr<const Data> d) : d_(std::move(d)) {}
  std::shared_ptr<const Data> d_;
};

// One row of data/mappings/acled_event_risks.csv.
struct EventRiskRule {
  std::string event_type;               // as written in the table
  std::string sub_event_type;           // empty: default row of the event type
  std::string civilian_targeting;       // empty or "Civilian targeting"
  std::vector<std::string> risk_codes;  // canonical risk codes in table order
  std::vector<int> risk_ids;            // the same risks as ids
  std::string act_type;                 // id of the act_type vocabulary, or empty
  std::string note;
  int line = 0;  // 1-based line of the row in the CSV (the header is line 1)
  // A context event: ACLED records it but it is evidence for no protection risk.
  bool is_context_only() const { return risk_codes.empty(); }
};

// The ACLED event type -> protection risk table. See the file comment for thread safety.
class EventRiskMap {
 public:
  EventRiskMap();  // empty: every Lookup returns nullptr

  // Reads and validates the CSV: header event_type,sub_event_type,civilian_targeting,risks,
  // act_type,note; RFC 4180 quoting; every risk code known to `taxonomy` (codes only, space
  // separated); act_type empty or an act_type id; civilian_targeting empty or "Civilian
  // targeting"; no duplicate (event, sub-event, civilian targeting) rows; a default row (empty
  // sub_event_type and civilian_targeting) for every event type. Errors: IOError if the file
  // cannot be read; InvalidArgument with "<path>:<line>: <problem>; <how to fix>" otherwise.
  // The map keeps no reference to `taxonomy`.
  static Result<EventRiskMap> Load(const std::string& csv_path, const Taxonomy& taxonomy);

  // The most specific rule for an ACLED event: event+sub+civilian targeting, then event+sub,
  // then event+civilian targeting, then the event type's default row. Matching is case-,
  // accent- and punctuation-insensitive; an unknown sub-event type or "NA" falls back to the
  // default row. Returns nullptr only if the event type has no row, so the importer can
  // quarantine or flag the event.
  const EventRiskRule* Lookup(std::string_view event_type, std::string_view sub_event_type,
                              std::string_view civilian_targeting) const;
  bool HasEventType(std::string_view event_type) const;
  const std::vector<EventRiskRule>& rules() const;  // in file order

  struct Data;  // defined in event_risk_map.cc

 private:
  explicit EventRiskMap(std::shared_ptr<const Data> d) : d_(std::move(d)) {}
  std::shared_ptr<const Data> d_;
};

}  // namespace aegis::taxonomy
