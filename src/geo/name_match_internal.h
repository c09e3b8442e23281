// Name and code matching helpers for the gazetteer: edit-distance similarity, the parts of
// composite names ("Luakpiny/Nasir", "Bur (Loronyo)"), generic designator words ("County",
// "Region", "city") and P-code shape. Private to src/geo.
//
// Thread safety: all functions are pure and may run concurrently.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aegis::geo::internal {

// Optimal-string-alignment (restricted Damerau-Levenshtein) distance: insertions, deletions,
// substitutions and transpositions of adjacent characters each cost 1.
int OsaDistance(std::string_view a, std::string_view b);

// 1 - OsaDistance / max(length), in [0, 1]; 1 for equal strings. Inputs are folded names.
// "rumbek center"/"rumbek centre" = 0.92, "longchuk"/"longochuk" = 0.89, "raga"/"raja" = 0.75.
double NameSimilarity(std::string_view a, std::string_view b);

// Similarity for fuzzy matching: NameSimilarity after a trailing numbering word is read as a
// digit ("kangepo ll" ~ "kangapo ii" -> "kangepo 2" ~ "kangapo 2"), but 0 when the first
// letters differ ("lauro" vs "nauro") or when both names have the same number (>= 2) of words
// and some pair of corresponding words is less than 0.5 similar ("marial wau" vs "marial bai",
// "kangapo 1" vs "kangapo 2").
double FuzzySimilarity(std::string_view a, std::string_view b);

// True when `name` starts with the words of `query` followed by more words that are not just
// numbers or roman numerals: "bor" and "bor south" yes, "mayen" and "mayen 2" no.
bool IsWordPrefix(std::string_view query, std::string_view name);

// The folded parts of a composite name, split at '/', '(', ')', ';' and '|':
// "Luakpiny/Nasir" -> {"luakpiny", "nasir"}, "Bur (Loronyo)" -> {"bur", "loronyo"}.
// Empty when the name has fewer than two parts.
std::vector<std::string> NameParts(std::string_view raw);

// A folded name without a leading or trailing generic designator word (county, payam, state,
// region, province, district, division, department, governorate, prefecture, oblast,
// voivodeship, city, municipality, commune, cercle, in English, French, Spanish and
// Portuguese spellings), and without the particles after a leading one ("state of mexico" ->
// "mexico", "departement du nord" -> "nord"): "abyei region" -> "abyei", "juba county" ->
// "juba", "chattogram division" -> "chattogram". Returns the input when nothing is dropped or
// when dropping would leave nothing. "town" is deliberately kept: South Sudan has payams named
// "X Town" next to a county "X".
std::string StripDesignators(std::string_view folded);

// The form of a folded name that spellings in other languages and orders share: designators
// stripped, compass and position words mapped to one token across English, French, Spanish and
// Portuguese (north/nord/norte, far/extreme, upper/haut/alto, lower/bas/baja, middle/moyen,
// centre/center/central, and the compounds northwest/nord-ouest/noroeste...), articles and
// particles dropped (de, du, la, of, the; Arabic al, el, ar, as...), words sorted:
// "far north" and "extreme nord" -> "~n ~x"; "south kivu" and "sud kivu" -> "kivu ~s";
// "central kasai" and "kasai central" -> "kasai ~c"; "al hasakeh" -> "hasakeh".
std::string CanonicalName(std::string_view folded);

// Trimmed and upper-cased code with inner spaces removed.
std::string NormalizeCode(std::string_view s);

// True for 2-3 letters followed by at least one digit and nothing else ("SS0101", "NER004"),
// after NormalizeCode.
bool LooksLikePcode(std::string_view normalized);

// Great-circle distance in kilometres between two WGS84 points.
double DistanceKm(double lat1, double lon1, double lat2, double lon2);

}  // namespace aegis::geo::internal
