// Gazetteer: the OCHA administrative areas (P-codes) Aegis places incidents and reports on, and
// the place resolver that turns what a source wrote (a P-code, admin names, coordinates) into
// the deepest area it can justify, saying how and how sure.
//
// Areas come from a COD-AB P-code list (see ingest/area_import.h), one Area per P-code, linked
// to its parent: in South Sudan state (admin1, "SS01") / county (admin2, "SS0101") / payam
// (admin3, "SS010101"). Project aliases (data/geo/aliases.csv) and optional boundary polygons
// are added after Finalize.
//
// Thread safety: building (Add, Finalize, AddAliases, LoadBoundaries) is single-threaded.
// Once built, every const method may run from many threads at once without outside locking.
//
// RESOLUTION RULES (Resolve)
//
// 0. Country. q.country (ISO3, ISO2 or English name, see geo/country.h) restricts the search
//    to that country; a country with no loaded areas leaves the query unresolved. Empty = all
//    loaded countries (a name found in two countries is then ambiguous).
// 1. P-code. q.pcode, or a name field that looks like a P-code (2-3 letters + digits), resolves
//    directly: method pcode, confidence 1. Codes are trimmed and upper-cased; an ISO3 prefix on
//    an ISO2-coded country ("SSD0101" -> "SS0101") and the reverse ("NG015" -> "NGA015") are
//    accepted when that yields a known code, and so are different zero paddings of the numeric
//    part when they give exactly one known code ("NE04" -> "NER004"): method pcode,
//    confidence 0.95, said in the note. An unknown P-code is reported in the note; the names
//    are then tried. Deeper name fields still refine a P-code (admin3 under an admin2 code).
// 2. Names, top-down, each level looked up among the children of the area found above:
//    - name (1.0): the folded name (text::FoldName: case, accents, punctuation) or a folded
//      alternative name is equal;
//    - alias (0.95): a part of a composite name ("Luakpiny/Nasir" answers to "Nasir" and
//      "Luakpiny"; a query "Lafon/Lopa" or "Bur (Loronyo)" tries each part), a project alias
//      (data/geo/aliases.csv), or the name with a generic designator word dropped on either
//      side, in English, French, Spanish or Portuguese ("Abyei Region" = "Abyei", "Dhaka
//      Division" = "Dhaka", "State of Mexico" = "Mexico"; see name_match_internal.h);
//    - alias (0.9): the same canonical form (internal::CanonicalName): compass and position
//      words across languages, articles and word order aside ("Far-North" = "Extreme-Nord",
//      "South Kivu" = "Sud-Kivu", "Upper Uele" = "Haut-Uele", "West Bago" = "Bago (West)");
//    - fuzzy (0.7-0.9): the folded name at optimal-string-alignment (Damerau-Levenshtein)
//      similarity s = 1 - distance / longer length >= 0.8 to exactly one area, with the
//      runner-up at least 0.05 lower; confidence = 0.7 + 0.2 * (s - 0.8) / 0.2. The first
//      letters must agree, and in names of several words each word must be at least half
//      similar ("Marial Wau" is not "Marial Bai"). Names shorter than 4 letters are never
//      fuzzy-matched. Also fuzzy, at 0.75: the name is the leading word(s) of exactly one
//      area's name ("Juba" -> "Juba Town"; "Rumbek" would be ambiguous), unless what follows
//      is only a number ("Mayen" is not taken for "Mayen 2").
//      The name less its designator words is tried too ("Al-Hasaka Governorate" ~ "Al-Hasakeh").
//    - transliteration, only among one parent's areas (or a country's top areas) when nothing
//      above matched, with the shape of a fuzzy match (first letter, words, each word half
//      similar): the same consonants whatever the vowels and an Arabic article
//      (match::ConsonantKey: "Timbuktu" = "Tombouctou") for exactly one area, 0.8; among a
//      country's top areas only, the closest spelling by Jaro-Winkler, at least 0.75 and 0.1
//      above any other area ("Chattogram" = "Chittagong" 0.76, next 0.63), 0.7.
//    Several areas answering equally ("Kapoeta" -> Kapoeta East/North/South) is ambiguous: the
//    query stays at the parent unless admin3/location names a payam of just one of them.
//    A trailing ", <country>" is dropped from a name ("Southern Region, Malawi").
// 3. When admin2 is not a county of the resolved state, in this order: (a) it is taken as a
//    payam of that state when it is one (ACLED writes "Bagari", a payam of Wau, as a county;
//    confidence at most 0.9); (b) it is looked up as a county across the whole country by
//    name/alias, trusting admin2 over admin1 (old state names from 2015-2020, or a wrong
//    state; confidence at most 0.85); (c) fuzzy within the state, (d) admin3/location as a
//    payam of the state, (e) fuzzy across the country (at most 0.85). A missing or unknown
//    admin1 goes straight to the country-wide look-ups; an admin1 that is not a state but a
//    county (mislabelled columns) is used as the county when admin2 is empty.
// 4. admin3, then location, refine a county to one of its payams (name, alias or fuzzy); when
//    neither matches, the county is kept and the note says so (not an error).
// 5. Coordinates are used only when a given name could not be resolved, or no name or P-code
//    was given: point in polygon when boundaries are loaded (method point_in_polygon, 0.9),
//    else the nearest centroid of the deepest level that has centroids, within 50 km (method
//    nearest_centroid, 0.5). Both stay inside the area the names did resolve, if any.
// 6. Nothing is guessed silently: every step taken is in the note; unresolved gives an empty
//    pcode, level -1, method kNone and a note saying what was tried.
// The result's method is the weakest used on the way down (pcode > name > alias > fuzzy >
// point_in_polygon > nearest_centroid) and its confidence the lowest of the steps.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace aegis::geo {

// One administrative area.
struct Area {
  std::string pcode;  // "SS010101"
  int level = 0;      // 1 state/province, 2 county/district, 3 payam/sub-district (0 = country)
  std::string name;
  std::string parent_pcode;  // empty at the top level
  std::string country;       // ISO3, e.g. "SSD"
  std::vector<std::string> alt_names;
  std::optional<double> lat, lon;  // centroid if known
};

// How a place was resolved. Ordered from strongest to weakest.
enum class Method { kPcode, kName, kAlias, kFuzzy, kPointInPolygon, kNearestCentroid, kNone };

// "pcode", "name", "alias", "fuzzy", "point_in_polygon", "nearest_centroid", "unresolved".
const char* MethodName(Method m);

// What a source wrote about a place. Every field may be empty.
struct PlaceQuery {
  std::string country;                           // ISO3 or country name; may be empty
  std::string pcode;                             // any level
  std::string admin1, admin2, admin3, location;  // names as written in the source
  std::optional<double> lat, lon;
};

// The outcome of Gazetteer::Resolve.
struct Resolution {
  std::string pcode;  // deepest area resolved; empty when unresolved
  int level = -1;
  Method method = Method::kNone;  // the weakest method used on the way down
  double confidence = 0;          // 0..1, per method as documented above
  // For people: what matched how, and what did not, e.g. "admin2 'Raga' is an alias of Raja
  // (SS0902); admin3 'Foo' not found under Raja (SS0902), kept the county".
  std::string note;
};

// The set of admin areas of one or more countries, with name indexes and optional polygons.
// Build with Add (any order) and Finalize; then optionally AddAliases and LoadBoundaries; then
// share it read-only. Movable, not copyable; a moved-from Gazetteer must not be used.
class Gazetteer {
 public:
  Gazetteer();
  ~Gazetteer();
  Gazetteer(Gazetteer&&) noexcept;
  Gazetteer& operator=(Gazetteer&&) noexcept;

  // Adds an area. The P-code and parent are normalised (trimmed, upper-cased), the country
  // upper-cased. REQUIRES: not finalized.
  void Add(Area a);

  // Validates and indexes: unique P-codes, non-empty names, a parent that exists for every
  // non-top-level area, parent level = level - 1, a country on every area. Errors name the
  // code and say what to fix. Fills missing centroids with the mean of the children's. After
  // an error the gazetteer stays unfinalized and may be fixed with more Add calls.
  Status Finalize();

  // Reads project aliases from a CSV file (UTF-8, RFC 4180) with columns
  // country,level,alias,pcode,note. Rows of a country, or of a level of a country, with no
  // loaded areas are skipped (an adm1-2 list ignores payam aliases); a P-code that is unknown,
  // or whose level differs from the row's, is an error naming the row. May be called more than
  // once. REQUIRES: Finalize succeeded.
  Status AddAliases(const std::string& csv_path);

  // Loads admin polygons of `level` (GeoJSON, shapefile, GeoPackage; anything GDAL/OGR reads)
  // for point-in-polygon resolution. The P-code attribute is auto-detected (ADM2_PCODE,
  // admin2Pcode, pcode, ...); features of unknown P-codes are skipped; areas without a
  // centroid get a point inside their polygon. Fails when no polygon matches a known area.
  // May be called once per level. REQUIRES: Finalize succeeded.
  Status LoadBoundaries(const std::string& path, int level);

  // The area with this P-code (trimmed, upper-cased first), or nullptr. Pointers stay valid as
  // long as the gazetteer lives.
  const Area* Find(std::string_view pcode) const;
  // Direct children, in P-code order.
  std::vector<const Area*> Children(std::string_view pcode) const;
  // All areas of a level, in P-code order.
  std::vector<const Area*> AreasAtLevel(int level) const;
  size_t size() const;
  bool finalized() const;

  // Resolves a place by the rules at the top of this file. REQUIRES: Finalize succeeded
  // (otherwise returns an unresolved Resolution saying so).
  Resolution Resolve(const PlaceQuery& q) const;

  // The indexes; defined in geo/gazetteer_internal.h, for src/geo only.
  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace aegis::geo
