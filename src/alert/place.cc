#include "alert/place.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "alert/keywords.h"
#include "util/text.h"

namespace aegis::alert {

namespace {

// Small words around place names (English, French, Arabic in Latin letters) that never start or
// end a place.
bool IsStopWord(const std::string& w) {
  static const std::set<std::string> kStop = {
      "in",   "at",   "near", "of",  "the", "a",   "an",    "to",     "from",  "on",      "by",
      "and",  "de",   "du",   "des", "la",  "le",  "les",   "a",      "au",    "aux",     "pres",
      "et",   "dans", "fi",   "min", "ala", "wa",  "al",    "county", "payam", "village", "town",
      "area", "camp", "is",   "are", "we",  "our", "there", "men",    "people"};
  return w.size() < 3 || kStop.count(w) > 0;
}

}  // namespace

std::vector<std::string> PcodeCandidates(const std::string& token) {
  std::string t = text::ToLowerAscii(token);
  size_t alpha = 0;
  while (alpha < t.size() && std::isalpha(static_cast<unsigned char>(t[alpha])) != 0) ++alpha;
  std::vector<std::string> out;
  // Two or three letters; a third letter O, l or I may be a mistyped digit ("SSO308").
  for (size_t letters : {alpha, size_t{2}}) {
    if (letters < 2 || letters > 3 || letters > alpha + (letters == 2 ? 1 : 0)) continue;
    if (t.size() - letters < 2) continue;
    std::string code = t.substr(0, letters);
    bool ok = true;
    for (size_t i = letters; i < t.size() && ok; ++i) {
      char c = t[i];
      if (c == 'o') c = '0';
      if (c == 'l' || c == 'i') c = '1';
      ok = std::isdigit(static_cast<unsigned char>(c)) != 0;
      code.push_back(c);
    }
    // At least one real digit: "soil" or "Boli" are words, not "SO11" or "BO11".
    const bool digit =
        std::any_of(t.begin() + static_cast<std::ptrdiff_t>(letters), t.end(),
                    [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
    if (!ok || !digit) continue;
    for (char& c : code) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (std::find(out.begin(), out.end(), code) == out.end()) out.push_back(code);
  }
  return out;
}

bool LooksLikePcode(const std::string& token, std::string* normalised) {
  std::vector<std::string> c = PcodeCandidates(token);
  if (c.empty()) return false;
  normalised->swap(c.front());
  return true;
}

bool PlaceFinder::ResolveCode(const std::string& code, PlaceHit* hit) const {
  geo::PlaceQuery q;
  q.country = country_;
  q.pcode = code;
  geo::Resolution r = gazetteer_.Resolve(q);
  if (!r.pcode.empty() && r.method == geo::Method::kPcode) {
    *hit = {r.pcode, r.level, r.confidence, code, "P-code " + code, 0, 0};
    return true;
  }
  // An unknown code: keep the deepest known area it starts with (a payam code mistyped in its
  // last digits is still in its county).
  for (size_t n = code.size(); n > 4;) {
    n -= 2;
    const geo::Area* a = gazetteer_.Find(code.substr(0, n));
    if (a != nullptr) {
      *hit = {
          a->pcode, a->level, 0.6, code, "unknown P-code " + code + ", kept its parent " + a->pcode,
          0,        0};
      return true;
    }
  }
  return false;
}

bool PlaceFinder::ResolvePayam(const std::string& name, PlaceHit* hit) const {
  const geo::Area* best = nullptr;
  int best_distance = 99, runner_up = 99;
  for (const geo::Area* a : gazetteer_.AreasAtLevel(3)) {
    std::string folded = text::FoldName(a->name);
    if (folded == name) {
      *hit = {a->pcode, a->level, 0.95, name, "payam name " + a->name, 0, 0};
      return true;
    }
    bool exact = false;
    if (!WordMatches(name, folded, &exact)) continue;
    int d = OsaDistance(name, folded);
    if (d < best_distance) {
      runner_up = best_distance;
      best_distance = d;
      best = a;
    } else if (d <= runner_up) {
      runner_up = d;
    }
  }
  if (best != nullptr && runner_up != best_distance) {
    *hit = {best->pcode, best->level, 0.75, name, "payam name close to " + best->name, 0, 0};
    return true;
  }
  return ResolveLeadingWords(name, hit);
}

// "Bentiu" for the payam "Bentiu Town"; "Rumbek" for Rumbek Centre, East and North, which share
// their state: the state, at a confidence that asks for review.
bool PlaceFinder::ResolveLeadingWords(const std::string& name, PlaceHit* hit) const {
  std::vector<const geo::Area*> found;
  for (int level : {2, 3})
    for (const geo::Area* a : gazetteer_.AreasAtLevel(level))
      if (text::StartsWith(text::FoldName(a->name), name + " ")) found.push_back(a);
  if (found.size() == 1) {
    *hit = {
        found[0]->pcode, found[0]->level, 0.75, name, "first word(s) of " + found[0]->name, 0, 0};
    return true;
  }
  if (found.empty()) return false;
  const std::string parent = found[0]->parent_pcode;
  for (const geo::Area* a : found)
    if (a->parent_pcode != parent || a->level != found[0]->level) return false;
  const geo::Area* p = gazetteer_.Find(parent);
  if (p == nullptr) return false;
  *hit = {p->pcode,
          p->level,
          0.6,
          name,
          "'" + name + "' begins " + std::to_string(found.size()) + " areas of " + p->name,
          0,
          0};
  return true;
}

bool PlaceFinder::ResolveName(const std::string& name, PlaceHit* hit) const {
  for (int field = 0; field < 2; ++field) {
    geo::PlaceQuery q;
    q.country = country_;
    (field == 0 ? q.admin2 : q.admin1) = name;
    geo::Resolution r = gazetteer_.Resolve(q);
    if (!r.pcode.empty() && r.level == (field == 0 ? 2 : 1)) {
      *hit = {r.pcode, r.level, r.confidence, name, r.note, 0, 0};
      return true;
    }
  }
  return ResolvePayam(name, hit);
}

bool PlaceFinder::Resolve(const std::string& words, PlaceHit* hit) const {
  if (words.find(' ') != std::string::npos) return ResolveName(words, hit);
  std::vector<std::string> codes = PcodeCandidates(words);
  if (codes.empty()) return ResolveName(words, hit);
  // The candidate that resolves best ("SSO308": SS0308 rather than an unknown SSO308).
  bool found = false;
  for (const std::string& code : codes) {
    PlaceHit h;
    if (ResolveCode(code, &h) && (!found || h.confidence > hit->confidence)) {
      *hit = h;
      found = true;
    }
  }
  return found || ResolveName(words, hit);
}

bool PlaceFinder::Find(const std::vector<std::string>& tokens, size_t from, size_t to,
                       const std::vector<bool>& taken, PlaceHit* hit) const {
  to = std::min(to, tokens.size());
  std::string scratch;
  for (size_t s = from; s < to; ++s) {
    for (size_t n = std::min<size_t>(3, to - s); n >= 1; --n) {
      if (IsStopWord(tokens[s]) && !LooksLikePcode(tokens[s], &scratch)) break;
      if (IsStopWord(tokens[s + n - 1]) && n > 1) continue;
      bool free = true;
      for (size_t i = s; i < s + n; ++i) free = free && !taken[i];
      if (!free) continue;
      std::vector<std::string> span(tokens.begin() + static_cast<std::ptrdiff_t>(s),
                                    tokens.begin() + static_cast<std::ptrdiff_t>(s + n));
      PlaceHit h;
      if (Resolve(text::Join(span, " "), &h) && h.confidence >= 0.6) {
        h.pos = s;
        h.len = n;
        *hit = h;
        return true;
      }
    }
  }
  return false;
}

}  // namespace aegis::alert
