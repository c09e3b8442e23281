// The Gazetteer's indexes, shared by gazetteer.cc (building) and resolve.cc (Resolve).
// Private to src/geo.
//
// Thread safety: built single-threaded; read-only afterwards except for `boundaries`, which
// locks internally.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "geo/boundaries_internal.h"
#include "geo/gazetteer.h"

namespace aegis::geo {

// How an indexed name relates to its area.
enum class NameKind : uint8_t {
  kName,        // the folded name
  kAltName,     // a folded alternative name
  kPart,        // a part of a composite name ("nasir" of "Luakpiny/Nasir")
  kAlias,       // a project alias (aliases.csv)
  kDesignator,  // the name without a designator word ("abyei" of "Abyei Region")
  kCanonical,   // its canonical form (internal::CanonicalName: "n x" of "Extreme-Nord")
};

// Prefix of canonical forms in Impl::names (after the scope key), apart from folded names.
inline constexpr char kCanonicalMark = '\x1e';

struct NameHit {
  uint32_t area;
  NameKind kind;
};

struct Gazetteer::Impl {
  static constexpr int32_t kNoArea = -1;

  bool finalized = false;
  std::vector<Area> areas;  // sorted by P-code after Finalize
  std::unordered_map<std::string, uint32_t> by_pcode;
  std::vector<int32_t> parent;                         // per area; kNoArea at the top
  std::vector<std::vector<uint32_t>> children;         // per area, P-code order
  std::map<std::string, std::vector<uint32_t>> roots;  // country -> top-level areas
  std::map<std::pair<std::string, int>, std::vector<uint32_t>> level_areas;  // (country, level)
  // Folded names. Keys: ScopeKey(parent) or RootKey(country) or LevelKey(country, level),
  // followed by the folded name.
  std::unordered_map<std::string, std::vector<NameHit>> names;
  // Folded strings each area answers to, for fuzzy matching (name, alt names, parts, aliases).
  std::vector<std::vector<std::string>> fuzzy_keys;
  // Loose code (ISO3 + digits without leading zeros) -> areas, for zero-padding variants.
  std::unordered_map<std::string, std::vector<uint32_t>> loose_codes;
  // Country -> areas of the deepest level that has centroids there.
  std::map<std::string, std::vector<uint32_t>> centroid_pool;
  std::unique_ptr<internal::BoundaryIndex> boundaries;

  std::string ScopeKey(uint32_t parent_area) const { return areas[parent_area].pcode + '\x1f'; }
  static std::string RootKey(const std::string& country) { return "@" + country + '\x1f'; }
  static std::string LevelKey(const std::string& country, int level) {
    return "#" + country + '\x1f' + std::to_string(level) + '\x1f';
  }

  // Adds `folded` as a name of area i under its parent scope and its country-level scope (a
  // canonical form is `kCanonicalMark` + the form, and is not a fuzzy key).
  void IndexName(uint32_t i, const std::string& folded, NameKind kind);
  void IndexArea(uint32_t i);
  void BuildCentroidPool();

  int32_t FindIndex(std::string_view pcode) const;
  // True when `area` is `ancestor` or lies below it.
  bool IsWithin(uint32_t area, uint32_t ancestor) const;
  // "Raja (SS0902)".
  std::string Label(uint32_t i) const { return areas[i].name + " (" + areas[i].pcode + ")"; }
};

// Loose form of a code for matching different zero paddings: ISO3 prefix + digits without
// leading zeros ("NE04" and "NER004" -> "NER4"); "" when the code is not P-code shaped.
std::string LooseCode(std::string_view normalized_code);

}  // namespace aegis::geo
