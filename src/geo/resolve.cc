// Gazetteer::Resolve: the resolution rules documented in gazetteer.h, step by step.

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "geo/country.h"
#include "geo/gazetteer.h"
#include "geo/gazetteer_internal.h"
#include "geo/name_match_internal.h"
#include "match/match.h"
#include "util/text.h"

namespace aegis::geo {

namespace {

constexpr double kAliasConfidence = 0.95;
constexpr double kFixedCodeConfidence = 0.95;
constexpr double kFuzzyThreshold = 0.8;
constexpr double kFuzzyMargin = 0.05;
constexpr size_t kFuzzyMinLength = 4;
constexpr size_t kPrefixMinLength = 3;
constexpr double kPrefixConfidence = 0.75;
constexpr double kPayamAsCountyCap = 0.9;
constexpr double kOtherStateCap = 0.85;
constexpr double kPointInPolygonConfidence = 0.9;
constexpr double kNearestCentroidConfidence = 0.5;
constexpr double kNearestCentroidMaxKm = 50;
constexpr double kCanonicalConfidence = 0.9;
constexpr double kConsonantConfidence = 0.8;
constexpr double kClosestConfidence = 0.7;
constexpr double kClosestThreshold = 0.75;  // Jaro-Winkler of the closest spelling
constexpr double kClosestMargin = 0.1;      // over the next closest
constexpr size_t kClosestMinLength = 4;
constexpr size_t kClosestMaxCandidates = 80;

using Impl = Gazetteer::Impl;

// Where a name is looked up.
struct Scope {
  enum class Kind { kChildren, kRoots, kLevel };
  Kind kind = Kind::kRoots;
  uint32_t parent = 0;                 // kChildren
  std::vector<std::string> countries;  // kRoots, kLevel
  int level = 0;                       // kLevel
  int32_t within = Impl::kNoArea;      // kLevel: only areas inside this one

  static Scope Children(uint32_t parent) { return {Kind::kChildren, parent, {}, 0}; }
  static Scope Roots(std::vector<std::string> c) { return {Kind::kRoots, 0, std::move(c), 0}; }
  static Scope Level(std::vector<std::string> c, int level, int32_t within = Impl::kNoArea) {
    return {Kind::kLevel, 0, std::move(c), level, within};
  }
};

// The outcome of looking one name up in one scope.
struct Match {
  std::vector<uint32_t> areas;  // one: found; several: ambiguous; none: not found
  Method method = Method::kNone;
  double confidence = 0;
  std::string how;  // verb phrase for the note: "is", "is an alias of", ...
  bool found() const { return areas.size() == 1; }
  bool ambiguous() const { return areas.size() > 1; }
};

const char* HowFor(NameKind kind) {
  switch (kind) {
    case NameKind::kName:
      return "is";
    case NameKind::kAltName:
      return "is an alternative name of";
    case NameKind::kPart:
      return "is part of the name of";
    case NameKind::kAlias:
      return "is an alias of";
    case NameKind::kDesignator:
      return "is (less a designator word)";
    case NameKind::kCanonical:
      return "is (compass words, articles and word order aside)";
  }
  return "is";
}

std::string Fmt(double v, const char* spec) {
  char buf[32];
  std::snprintf(buf, sizeof buf, spec, v);
  return buf;
}

void AddUnique(std::vector<uint32_t>* v, uint32_t x) {
  if (std::find(v->begin(), v->end(), x) == v->end()) v->push_back(x);
}

class Resolver {
 public:
  Resolver(const Impl& g, const PlaceQuery& q) : g_(g), q_(q) {}
  Resolution Run();

 private:
  enum Field { kPcodeField, kAdmin1, kAdmin2, kAdmin3, kLocation, kFieldCount };
  static constexpr const char* kFieldNames[kFieldCount] = {"pcode", "admin1", "admin2", "admin3",
                                                           "location"};

  // Lookups.
  std::vector<std::string> Prefixes(const Scope& s) const;
  std::vector<uint32_t> Candidates(const Scope& s) const;
  bool InScope(const Scope& s, uint32_t area) const;
  Match LookupFolded(const Scope& s, const std::string& folded) const;
  Match Strong(const Scope& s, const std::string& raw) const;
  Match Weak(const Scope& s, const std::string& raw) const;
  Match Transliterated(const Scope& s, const std::string& raw) const;
  Match StrongThenWeak(const Scope& s, const std::string& raw) const;

  // Steps.
  bool ResolveCountry();
  void ResolvePcode();
  int32_t FindCode(const std::string& raw, bool* fixed) const;
  void ResolveAdmin1();
  void ResolveAdmin2();
  void Admin2InState(uint32_t state, const std::string& raw);
  void Admin2Nationwide(const std::string& raw);
  bool Disambiguate(const Match& amb, const std::string& raw);
  bool PayamOfState(uint32_t state, const char* reason);
  void Refine();
  void UseCoordinates();
  bool UsePolygons(double lat, double lon);
  void UseNearestCentroid(double lat, double lon);

  // Bookkeeping.
  const std::string& Raw(Field f) const { return raw_[f]; }
  std::string Quote(Field f) const { return std::string(kFieldNames[f]) + " '" + raw_[f] + "'"; }
  void Take(uint32_t area, Method m, double confidence);
  void TakeMatch(Field f, const Match& m, double cap = 1.0);
  std::string List(const std::vector<uint32_t>& areas) const;
  int Level() const { return cur_ == Impl::kNoArea ? -1 : g_.areas[cur_].level; }
  std::vector<std::string> CountriesOf(int32_t area) const {
    return area == Impl::kNoArea ? countries_ : std::vector<std::string>{g_.areas[area].country};
  }

  const Impl& g_;
  const PlaceQuery& q_;
  std::string raw_[kFieldCount];
  std::vector<std::string> countries_;
  int32_t cur_ = Impl::kNoArea;
  Method method_ = Method::kPcode;
  double confidence_ = 1.0;
  bool gap_ = false;            // a given code or name was not resolved
  bool admin1_failed_ = false;  // admin1 was given and is not a state
  bool refined_ = false;        // admin3/location already used
  std::vector<std::string> notes_;
};

// ---------------------------------------------------------------------------------------------
// Lookups

std::vector<std::string> Resolver::Prefixes(const Scope& s) const {
  std::vector<std::string> out;
  switch (s.kind) {
    case Scope::Kind::kChildren:
      out.push_back(g_.ScopeKey(s.parent));
      break;
    case Scope::Kind::kRoots:
      for (const std::string& c : s.countries) {
        auto it = g_.roots.find(c);
        if (it == g_.roots.end()) continue;
        // With a level-0 country area loaded, admin1 areas are its children.
        for (uint32_t r : it->second) {
          if (g_.areas[r].level == 0) out.push_back(g_.ScopeKey(r));
        }
        out.push_back(Impl::RootKey(c));
      }
      break;
    case Scope::Kind::kLevel:
      for (const std::string& c : s.countries) out.push_back(Impl::LevelKey(c, s.level));
      break;
  }
  return out;
}

std::vector<uint32_t> Resolver::Candidates(const Scope& s) const {
  std::vector<uint32_t> out;
  switch (s.kind) {
    case Scope::Kind::kChildren:
      return g_.children[s.parent];
    case Scope::Kind::kRoots:
      for (const std::string& c : s.countries) {
        auto it = g_.roots.find(c);
        if (it == g_.roots.end()) continue;
        for (uint32_t r : it->second) {
          if (g_.areas[r].level == 0) {
            out.insert(out.end(), g_.children[r].begin(), g_.children[r].end());
          } else {
            out.push_back(r);
          }
        }
      }
      return out;
    case Scope::Kind::kLevel:
      for (const std::string& c : s.countries) {
        auto it = g_.level_areas.find({c, s.level});
        if (it == g_.level_areas.end()) continue;
        for (uint32_t a : it->second) {
          if (InScope(s, a)) out.push_back(a);
        }
      }
      return out;
  }
  return out;
}

bool Resolver::InScope(const Scope& s, uint32_t area) const {
  return s.kind != Scope::Kind::kLevel || s.within == Impl::kNoArea ||
         g_.IsWithin(area, static_cast<uint32_t>(s.within));
}

// Exact look-up of one folded form: name/alt-name hits win over part/alias/designator hits.
Match Resolver::LookupFolded(const Scope& s, const std::string& folded) const {
  Match m;
  if (folded.empty()) return m;
  std::vector<NameHit> hits;
  for (const std::string& prefix : Prefixes(s)) {
    auto it = g_.names.find(prefix + folded);
    if (it == g_.names.end()) continue;
    for (const NameHit& h : it->second) {
      if (InScope(s, h.area)) hits.push_back(h);
    }
  }
  if (hits.empty()) return m;
  NameKind best = std::min_element(hits.begin(), hits.end(), [](auto& a, auto& b) {
                    return a.kind < b.kind;
                  })->kind;
  bool exact = best <= NameKind::kAltName;
  for (const NameHit& h : hits) {
    if ((h.kind <= NameKind::kAltName) == exact) AddUnique(&m.areas, h.area);
  }
  m.method = exact ? Method::kName : Method::kAlias;
  m.confidence = exact ? 1.0 : kAliasConfidence;
  m.how = HowFor(best);
  return m;
}

Match Resolver::Strong(const Scope& s, const std::string& raw) const {
  std::string folded = text::FoldName(raw);
  Match m = LookupFolded(s, folded);
  if (!m.areas.empty()) return m;
  // A composite query ("Lafon/Lopa", "Bur (Loronyo)"): each part on its own.
  for (const std::string& part : internal::NameParts(raw)) {
    Match pm = LookupFolded(s, part);
    for (uint32_t a : pm.areas) AddUnique(&m.areas, a);
  }
  if (!m.areas.empty()) {
    m.method = Method::kAlias;
    m.confidence = kAliasConfidence;
    m.how = "has a part that is";
    return m;
  }
  std::string stripped = internal::StripDesignators(folded);
  if (stripped != folded) {
    m = LookupFolded(s, stripped);
    if (!m.areas.empty()) {
      m.method = Method::kAlias;
      m.confidence = kAliasConfidence;
      m.how = "is (less a designator word)";
      return m;
    }
  }
  // The same name in another language's compass words, articles or word order ("Far-North" for
  // "Extreme-Nord", "South Kivu" for "Sud-Kivu", "Central Kasai" for "Kasai-Central").
  m = LookupFolded(s, kCanonicalMark + internal::CanonicalName(folded));
  if (!m.areas.empty()) {
    m.method = Method::kAlias;
    m.confidence = kCanonicalConfidence;
    m.how = HowFor(NameKind::kCanonical);
  }
  return m;
}

Match Resolver::Weak(const Scope& s, const std::string& raw) const {
  Match m;
  std::string folded = text::FoldName(raw);
  if (folded.size() < kPrefixMinLength) return m;
  // The name as written, and without its designator words ("al hasaka governorate" ->
  // "al hasaka", fuzzy against "al hasakeh"); the word-prefix rule reads the name as written.
  std::vector<std::string> forms = {folded};
  if (std::string stripped = internal::StripDesignators(folded); stripped != folded)
    forms.push_back(stripped);
  struct Scored {
    uint32_t area;
    double sim;
  };
  std::vector<Scored> scored;
  std::vector<uint32_t> prefixed;
  for (uint32_t a : Candidates(s)) {
    double best = 0;
    for (const std::string& key : g_.fuzzy_keys[a]) {
      for (const std::string& form : forms)
        if (form.size() >= kFuzzyMinLength)
          best = std::max(best, internal::FuzzySimilarity(form, key));
      if (internal::IsWordPrefix(folded, key)) AddUnique(&prefixed, a);
    }
    if (best >= kFuzzyThreshold - kFuzzyMargin) scored.push_back({a, best});
  }
  std::sort(scored.begin(), scored.end(), [](auto& x, auto& y) { return x.sim > y.sim; });
  if (!scored.empty() && scored[0].sim >= kFuzzyThreshold) {
    double top = scored[0].sim;
    for (const Scored& sc : scored) {
      if (sc.sim > top - kFuzzyMargin) m.areas.push_back(sc.area);
    }
    m.method = Method::kFuzzy;
    m.confidence = 0.7 + 0.2 * (top - kFuzzyThreshold) / (1.0 - kFuzzyThreshold);
    m.how = "fuzzy-matches (similarity " + Fmt(top, "%.2f") + ")";
    return m;
  }
  if (!prefixed.empty()) {
    m.areas = prefixed;
    m.method = Method::kFuzzy;
    m.confidence = kPrefixConfidence;
    m.how = "is the first word(s) of";
  }
  return m;
}

// Transliteration variants, among the areas of one parent (or a country's top areas), only
// when nothing else matched: the same consonants in the same order whatever the vowels and an
// Arabic article ("Timbuktu" and "Tombouctou", match::ConsonantKey), for exactly one area; else
// (among a country's top areas only) the closest spelling by Jaro-Winkler (match::JaroWinkler),
// at least kClosestThreshold and kClosestMargin above any other area ("Chattogram" and
// "Chittagong" 0.76, next "Dhaka" 0.63). Either way with the same shape as a fuzzy match (first
// letter, words).
Match Resolver::Transliterated(const Scope& s, const std::string& raw) const {
  Match m;
  if (s.kind == Scope::Kind::kLevel) return m;  // a whole country: too many to tell apart
  std::string name = internal::StripDesignators(text::FoldName(raw));
  if (name.size() < kClosestMinLength) return m;
  std::vector<uint32_t> candidates = Candidates(s);
  if (candidates.empty() || candidates.size() > kClosestMaxCandidates) return m;
  auto consonants = [](const std::string& key) {
    return static_cast<size_t>(
        std::count_if(key.begin(), key.end(), [](char c) { return c != ' '; }));
  };
  // As for fuzzy matches: the same first letter and number of words, and in names of several
  // words each word at least half similar to its counterpart ("West Kenya" is not "West
  // Pokot", "Central Darfur" not "Central Equatoria").
  const std::vector<std::string> words = text::Split(name, ' ');
  auto same_shape = [&](const std::string& key) {
    if (key.empty() || key[0] != name[0]) return false;
    std::vector<std::string> kw = text::Split(key, ' ');
    if (kw.size() != words.size()) return false;
    for (size_t i = 0; i < kw.size() && kw.size() >= 2; ++i)
      if (internal::NameSimilarity(words[i], kw[i]) < 0.5) return false;
    return true;
  };
  const std::string ck = match::ConsonantKey(name);
  if (consonants(ck) >= 3) {
    for (uint32_t a : candidates)
      for (const std::string& key : g_.fuzzy_keys[a])
        if (match::ConsonantKey(key) == ck && same_shape(key)) AddUnique(&m.areas, a);
    if (m.areas.size() == 1) {
      m.method = Method::kFuzzy;
      m.confidence = kConsonantConfidence;
      m.how = "is a transliteration (the same consonants) of";
      return m;
    }
    m.areas.clear();
  }
  // The closest spelling only among a country's top areas: among the dozens of districts of a
  // province, a short name is often the start of another's ("Cucuta", "Cucutilla").
  if (s.kind != Scope::Kind::kRoots) return m;
  double top = 0, next = 0;  // the two closest areas, whatever their spelling
  uint32_t best = 0;
  bool comparable = false;  // the closest spelling has the same shape
  for (uint32_t a : candidates) {
    double sim = 0;
    bool shaped = false;
    for (const std::string& key : g_.fuzzy_keys[a]) {
      double js = match::JaroWinkler(name, key);
      if (js <= sim) continue;
      sim = js;
      shaped = same_shape(key);
    }
    if (sim > top) {
      next = top;
      top = sim;
      best = a;
      comparable = shaped;
    } else {
      next = std::max(next, sim);
    }
  }
  if (!comparable) return m;
  if (top >= kClosestThreshold && top - next >= kClosestMargin) {
    m.areas = {best};
    m.method = Method::kFuzzy;
    m.confidence = kClosestConfidence;
    m.how = "is the closest spelling (Jaro-Winkler " + Fmt(top, "%.2f") + ", next " +
            Fmt(next, "%.2f") + ") of";
  }
  return m;
}

Match Resolver::StrongThenWeak(const Scope& s, const std::string& raw) const {
  Match m = Strong(s, raw);
  if (m.areas.empty()) m = Weak(s, raw);
  return m.areas.empty() ? Transliterated(s, raw) : m;
}

// ---------------------------------------------------------------------------------------------
// Bookkeeping

void Resolver::Take(uint32_t area, Method m, double confidence) {
  cur_ = static_cast<int32_t>(area);
  method_ = std::max(method_, m);
  confidence_ = std::min(confidence_, confidence);
}

void Resolver::TakeMatch(Field f, const Match& m, double cap) {
  Take(m.areas[0], m.method, std::min(m.confidence, cap));
  notes_.push_back(Quote(f) + " " + m.how + " " + g_.Label(m.areas[0]));
}

std::string Resolver::List(const std::vector<uint32_t>& areas) const {
  std::vector<std::string> labels;
  labels.reserve(areas.size());
  for (uint32_t a : areas) labels.push_back(g_.Label(a));
  return text::Join(labels, ", ");
}

// ---------------------------------------------------------------------------------------------
// Steps

bool Resolver::ResolveCountry() {
  std::string given(text::Trim(q_.country));
  if (given.empty()) {
    for (const auto& [c, roots] : g_.roots) countries_.push_back(c);
    return true;
  }
  std::string iso3 = CountryIso3(given);
  if (!iso3.empty() && g_.roots.count(iso3)) {
    countries_ = {iso3};
    return true;
  }
  std::vector<std::string> loaded;
  for (const auto& [c, roots] : g_.roots) loaded.push_back(c);
  notes_.push_back("country '" + given +
                   "' has no areas in the gazetteer (loaded: " + text::Join(loaded, ", ") + ")");
  return false;
}

int32_t Resolver::FindCode(const std::string& raw, bool* fixed) const {
  *fixed = false;
  std::string code = internal::NormalizeCode(raw);
  std::vector<std::string> forms = {code};
  size_t letters = 0;
  while (letters < code.size() && std::isupper(static_cast<unsigned char>(code[letters]))) {
    ++letters;
  }
  if (letters == 3) forms.push_back(Iso2FromIso3(code.substr(0, 3)) + code.substr(3));
  if (letters == 2) forms.push_back(Iso3FromIso2(code.substr(0, 2)) + code.substr(2));
  auto allowed = [&](uint32_t a) {
    return std::find(countries_.begin(), countries_.end(), g_.areas[a].country) != countries_.end();
  };
  for (size_t i = 0; i < forms.size(); ++i) {
    auto it = g_.by_pcode.find(forms[i]);
    if (it != g_.by_pcode.end() && allowed(it->second)) {
      *fixed = i > 0;
      return static_cast<int32_t>(it->second);
    }
  }
  auto it = g_.loose_codes.find(LooseCode(code));
  if (it != g_.loose_codes.end() && it->second.size() == 1 && allowed(it->second[0])) {
    *fixed = true;
    return static_cast<int32_t>(it->second[0]);
  }
  return Impl::kNoArea;
}

void Resolver::ResolvePcode() {
  const Field order[] = {kPcodeField, kAdmin3, kAdmin2, kAdmin1, kLocation};
  for (Field f : order) {
    std::string code = internal::NormalizeCode(raw_[f]);
    if (code.empty() || (f != kPcodeField && !internal::LooksLikePcode(code))) continue;
    bool fixed = false;
    int32_t a = FindCode(code, &fixed);
    if (a == Impl::kNoArea) {
      notes_.push_back(Quote(f) + " is not a known P-code");
      gap_ = true;
    } else if (cur_ == Impl::kNoArea || (a != cur_ && g_.IsWithin(a, cur_))) {
      Take(static_cast<uint32_t>(a), Method::kPcode, fixed ? kFixedCodeConfidence : 1.0);
      notes_.push_back(Quote(f) + (fixed ? " read as " : " is ") + g_.Label(a));
    } else if (!g_.IsWithin(cur_, a)) {
      notes_.push_back(Quote(f) + " is " + g_.Label(a) + ", which disagrees with " +
                       g_.Label(cur_) + "; not used");
    }
    raw_[f].clear();  // consumed as a code, not a name
  }
}

void Resolver::ResolveAdmin1() {
  const std::string& raw = Raw(kAdmin1);
  if (raw.empty() || cur_ != Impl::kNoArea) return;
  Match m = StrongThenWeak(Scope::Roots(countries_), raw);
  if (m.found()) return TakeMatch(kAdmin1, m);
  gap_ = admin1_failed_ = true;
  if (m.ambiguous()) {
    notes_.push_back(Quote(kAdmin1) + " is ambiguous: " + List(m.areas));
  } else {
    notes_.push_back(Quote(kAdmin1) + " is not a known admin1 area");
  }
}

void Resolver::ResolveAdmin2() {
  const std::string& raw = Raw(kAdmin2);
  if (raw.empty()) {
    // Mislabelled columns: an "admin1" that is really a county.
    if (cur_ == Impl::kNoArea && admin1_failed_) {
      Match m = Strong(Scope::Level(countries_, 2), Raw(kAdmin1));
      if (m.found()) {
        TakeMatch(kAdmin1, m, kOtherStateCap);
        notes_.back() += ", an admin2 area; used as admin2";
      }
    }
    return;
  }
  if (Level() >= 2) return;
  if (cur_ != Impl::kNoArea) return Admin2InState(static_cast<uint32_t>(cur_), raw);
  Admin2Nationwide(raw);
}

void Resolver::Admin2InState(uint32_t state, const std::string& raw) {
  std::string folded = text::FoldName(raw);
  Match m = Strong(Scope::Children(state), raw);
  if (m.found()) return TakeMatch(kAdmin2, m);
  std::string in_state = " in " + g_.Label(state);
  if (!m.ambiguous()) {
    Match payam = LookupFolded(Scope::Level({g_.areas[state].country}, 3, state), folded);
    if (payam.found() && payam.method == Method::kName) {
      TakeMatch(kAdmin2, payam, kPayamAsCountyCap);
      notes_.back() += ", a payam (admin3) of " + g_.Label(g_.parent[payam.areas[0]]) +
                       ", not a county; placed at the payam";
      return;
    }
    Match other = Strong(Scope::Level(CountriesOf(state), 2), raw);
    if (other.found()) {
      TakeMatch(kAdmin2, other, kOtherStateCap);
      notes_.back() += ", which is not" + in_state + " but in " +
                       g_.Label(g_.parent[other.areas[0]]) + "; admin1 overridden";
      return;
    }
    m = Weak(Scope::Children(state), raw);
    if (m.found()) return TakeMatch(kAdmin2, m);
    if (m.areas.empty()) {
      m = Transliterated(Scope::Children(state), raw);
      if (m.found()) return TakeMatch(kAdmin2, m);
    }
  }
  if (m.ambiguous()) {
    if (Disambiguate(m, raw)) return;
    gap_ = true;
    notes_.push_back(Quote(kAdmin2) + " is ambiguous" + in_state + ": " + List(m.areas) +
                     "; kept " + g_.Label(state));
    return;
  }
  if (PayamOfState(state, "not found")) return;
  Match far = Weak(Scope::Level(CountriesOf(state), 2), raw);
  if (far.found()) {
    TakeMatch(kAdmin2, far, kOtherStateCap);
    notes_.back() += ", which is not" + in_state + "; admin1 overridden";
    return;
  }
  gap_ = true;
  notes_.push_back(Quote(kAdmin2) + " not found" + in_state + "; kept the admin1 area");
}

void Resolver::Admin2Nationwide(const std::string& raw) {
  Scope counties = Scope::Level(countries_, 2);
  Match m = Strong(counties, raw);
  if (m.found()) return TakeMatch(kAdmin2, m, admin1_failed_ ? kOtherStateCap : 1.0);
  if (!m.ambiguous()) {
    Match payam = LookupFolded(Scope::Level(countries_, 3), text::FoldName(raw));
    if (payam.found() && payam.method == Method::kName) {
      TakeMatch(kAdmin2, payam, kPayamAsCountyCap);
      notes_.back() += ", a payam (admin3), not a county; placed at the payam";
      return;
    }
    m = Weak(counties, raw);
    if (m.found()) return TakeMatch(kAdmin2, m, admin1_failed_ ? kOtherStateCap : 1.0);
  }
  if (m.ambiguous()) {
    if (Disambiguate(m, raw)) return;
    gap_ = true;
    notes_.push_back(Quote(kAdmin2) + " is ambiguous: " + List(m.areas));
    return;
  }
  gap_ = true;
  notes_.push_back(Quote(kAdmin2) + " is not a known admin2 area");
}

// Several counties answer to admin2: admin3 or location naming a payam of just one decides.
bool Resolver::Disambiguate(const Match& amb, const std::string& raw) {
  std::vector<std::pair<uint32_t, Match>> found;  // (county, payam match)
  Field field = kAdmin3;
  for (Field f : {kAdmin3, kLocation}) {
    if (Raw(f).empty()) continue;
    for (uint32_t county : amb.areas) {
      Match p = Strong(Scope::Children(county), Raw(f));
      if (p.found()) found.emplace_back(county, p);
    }
    if (!found.empty()) {
      field = f;
      break;
    }
  }
  if (found.size() != 1) return false;
  auto& [county, payam] = found[0];
  Take(county, amb.method, amb.confidence);
  notes_.push_back(Quote(kAdmin2) + " could be " + List(amb.areas) + "; " + Quote(field) + " " +
                   payam.how + " " + g_.Label(payam.areas[0]) + " in " + g_.Label(county));
  Take(payam.areas[0], payam.method, payam.confidence);
  refined_ = true;
  return true;
}

// admin3, then location, naming exactly one payam of the state.
bool Resolver::PayamOfState(uint32_t state, const char* reason) {
  for (Field f : {kAdmin3, kLocation}) {
    if (Raw(f).empty()) continue;
    Match p = Strong(Scope::Level({g_.areas[state].country}, 3, state), Raw(f));
    if (!p.found()) continue;
    if (!Raw(kAdmin2).empty()) notes_.push_back(Quote(kAdmin2) + " " + reason);
    TakeMatch(f, p);
    notes_.back() += " of " + g_.Label(g_.parent[p.areas[0]]);
    refined_ = true;
    return true;
  }
  return false;
}

void Resolver::Refine() {
  if (refined_ || (Raw(kAdmin3).empty() && Raw(kLocation).empty())) return;
  if (cur_ == Impl::kNoArea) {
    for (Field f : {kAdmin3, kLocation}) {
      if (Raw(f).empty()) continue;
      Match p = Strong(Scope::Level(countries_, 3), Raw(f));
      if (p.found()) return TakeMatch(f, p);
    }
    return;
  }
  if (Level() == 1 && Raw(kAdmin2).empty()) {
    PayamOfState(static_cast<uint32_t>(cur_), "");
    return;
  }
  if (Level() != 2 || g_.children[cur_].empty()) return;
  uint32_t county = static_cast<uint32_t>(cur_);
  if (!Raw(kAdmin3).empty()) {
    Match p = StrongThenWeak(Scope::Children(county), Raw(kAdmin3));
    if (p.found()) return TakeMatch(kAdmin3, p);
  }
  if (!Raw(kLocation).empty()) {
    Match p = Strong(Scope::Children(county), Raw(kLocation));
    if (p.found()) return TakeMatch(kLocation, p);
  }
  std::vector<std::string> tried;
  for (Field f : {kAdmin3, kLocation}) {
    if (!Raw(f).empty()) tried.push_back(Quote(f));
  }
  notes_.push_back(text::Join(tried, " and ") + " not found among the admin3 areas of " +
                   g_.Label(county) + "; kept the admin2 area");
}

void Resolver::UseCoordinates() {
  bool any_given = false;
  for (const std::string& r : raw_) any_given = any_given || !r.empty();
  if (!q_.lat || !q_.lon) return;
  if (!gap_ && (any_given || cur_ != Impl::kNoArea)) return;
  double lat = *q_.lat, lon = *q_.lon;
  if (!std::isfinite(lat) || !std::isfinite(lon) || std::fabs(lat) > 90 || std::fabs(lon) > 180 ||
      (lat == 0 && lon == 0)) {
    notes_.push_back("coordinates (" + Fmt(lat, "%.4f") + ", " + Fmt(lon, "%.4f") +
                     ") are not valid WGS84 latitude/longitude; not used");
    return;
  }
  if (g_.boundaries && UsePolygons(lat, lon)) return;
  UseNearestCentroid(lat, lon);
}

bool Resolver::UsePolygons(double lat, double lon) {
  std::string where = "coordinates (" + Fmt(lat, "%.4f") + ", " + Fmt(lon, "%.4f") + ")";
  for (int level : g_.boundaries->Levels()) {
    if (level <= Level()) break;
    std::vector<uint32_t> hits;
    for (uint32_t a : g_.boundaries->Containing(lat, lon, level)) {
      bool ok =
          std::find(countries_.begin(), countries_.end(), g_.areas[a].country) != countries_.end();
      if (ok && (cur_ == Impl::kNoArea || g_.IsWithin(a, static_cast<uint32_t>(cur_)))) {
        hits.push_back(a);
      }
    }
    if (hits.empty()) continue;
    Take(hits[0], Method::kPointInPolygon, kPointInPolygonConfidence);
    notes_.push_back(where + " fall inside " + g_.Label(hits[0]) + " (point in polygon)" +
                     (hits.size() > 1 ? "; also inside " + List({hits.begin() + 1, hits.end()})
                                      : std::string()));
    return true;
  }
  notes_.push_back(where + " are inside no loaded boundary" +
                   (cur_ == Impl::kNoArea ? std::string() : " within " + g_.Label(cur_)));
  return false;
}

void Resolver::UseNearestCentroid(double lat, double lon) {
  std::string where = "coordinates (" + Fmt(lat, "%.4f") + ", " + Fmt(lon, "%.4f") + ")";
  int32_t best = Impl::kNoArea;
  double best_km = 0;
  for (const std::string& c : countries_) {
    auto it = g_.centroid_pool.find(c);
    if (it == g_.centroid_pool.end()) continue;
    for (uint32_t a : it->second) {
      const Area& area = g_.areas[a];
      if (area.level <= Level()) continue;
      if (cur_ != Impl::kNoArea && !g_.IsWithin(a, static_cast<uint32_t>(cur_))) continue;
      double km = internal::DistanceKm(lat, lon, *area.lat, *area.lon);
      if (best == Impl::kNoArea || km < best_km) {
        best = static_cast<int32_t>(a);
        best_km = km;
      }
    }
  }
  if (best == Impl::kNoArea) {
    notes_.push_back(where + ": no area centroids to compare with");
  } else if (best_km > kNearestCentroidMaxKm) {
    notes_.push_back(where + ": the nearest centroid, " + g_.Label(best) + ", is " +
                     Fmt(best_km, "%.0f") + " km away (limit " +
                     Fmt(kNearestCentroidMaxKm, "%.0f") + " km); not used");
  } else {
    Take(static_cast<uint32_t>(best), Method::kNearestCentroid, kNearestCentroidConfidence);
    notes_.push_back(where + " are " + Fmt(best_km, "%.1f") + " km from the centroid of " +
                     g_.Label(best) + ", the nearest (nearest centroid, not a boundary test)");
  }
}

// A name without a trailing ", <country>" ("Southern Region, Malawi" -> "Southern Region").
std::string WithoutCountry(std::string_view name) {
  name = text::Trim(name);
  size_t comma = name.rfind(',');
  if (comma == std::string_view::npos || comma == 0 ||
      CountryIso3(text::Trim(name.substr(comma + 1))).empty())
    return std::string(name);
  return std::string(text::Trim(name.substr(0, comma)));
}

Resolution Resolver::Run() {
  raw_[kPcodeField] = text::Trim(q_.pcode);
  raw_[kAdmin1] = WithoutCountry(q_.admin1);
  raw_[kAdmin2] = WithoutCountry(q_.admin2);
  raw_[kAdmin3] = WithoutCountry(q_.admin3);
  raw_[kLocation] = WithoutCountry(q_.location);
  Resolution r;
  if (ResolveCountry()) {
    ResolvePcode();
    ResolveAdmin1();
    ResolveAdmin2();
    Refine();
    UseCoordinates();
  }
  if (cur_ == Impl::kNoArea) {
    if (notes_.empty()) notes_.push_back("nothing to resolve: no P-code, names or coordinates");
    r.note = text::Join(notes_, "; ") + "; unresolved";
    return r;
  }
  r.pcode = g_.areas[cur_].pcode;
  r.level = g_.areas[cur_].level;
  r.method = method_;
  r.confidence = confidence_;
  r.note = text::Join(notes_, "; ");
  return r;
}

}  // namespace

Resolution Gazetteer::Resolve(const PlaceQuery& q) const {
  if (!impl_ || !impl_->finalized) {
    Resolution r;
    r.note = "gazetteer not finalized; call Gazetteer::Finalize before Resolve; unresolved";
    return r;
  }
  return Resolver(*impl_, q).Run();
}

}  // namespace aegis::geo
