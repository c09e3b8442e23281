#include <algorithm>
#include <cctype>
#include <cmath>
#include <numbers>

#include "geo/name_match_internal.h"
#include "util/text.h"

namespace aegis::geo::internal {

int OsaDistance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  // Three rolling rows: i-2, i-1, i.
  std::vector<int> prev2(m + 1), prev(m + 1), cur(m + 1);
  for (size_t j = 0; j <= m; ++j) prev[j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    cur[0] = static_cast<int>(i);
    for (size_t j = 1; j <= m; ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      int v = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        v = std::min(v, prev2[j - 2] + 1);
      }
      cur[j] = v;
    }
    std::swap(prev2, prev);
    std::swap(prev, cur);
  }
  return prev[m];
}

double NameSimilarity(std::string_view a, std::string_view b) {
  size_t len = std::max(a.size(), b.size());
  if (len == 0) return 1.0;
  return 1.0 - static_cast<double>(OsaDistance(a, b)) / static_cast<double>(len);
}

namespace {

// Trailing numbering words as digits: "kangapo ii", "kangepo ll" -> "kangapo 2", "kangepo 2".
std::vector<std::string> NumberedWords(std::string_view s) {
  std::vector<std::string> words = text::Split(s, ' ');
  if (words.size() < 2) return words;
  std::string& last = words.back();
  if (last == "i" || last == "l") last = "1";
  if (last == "ii" || last == "ll") last = "2";
  if (last == "iii" || last == "lll") last = "3";
  if (last == "iv") last = "4";
  return words;
}

}  // namespace

double FuzzySimilarity(std::string_view a, std::string_view b) {
  if (a.empty() || b.empty() || a[0] != b[0]) return 0;
  std::vector<std::string> wa = NumberedWords(a), wb = NumberedWords(b);
  if (wa.size() >= 2 && wa.size() == wb.size()) {
    for (size_t i = 0; i < wa.size(); ++i) {
      if (NameSimilarity(wa[i], wb[i]) < 0.5) return 0;
    }
  }
  return NameSimilarity(text::Join(wa, " "), text::Join(wb, " "));
}

namespace {

bool IsNumberWord(std::string_view w) {
  if (w.empty()) return false;
  if (std::all_of(w.begin(), w.end(),
                  [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    return true;
  }
  return w == "i" || w == "ii" || w == "iii" || w == "iv" || w == "v";
}

}  // namespace

bool IsWordPrefix(std::string_view query, std::string_view name) {
  if (query.empty() || name.size() <= query.size() + 1 || name.substr(0, query.size()) != query ||
      name[query.size()] != ' ') {
    return false;
  }
  for (const std::string& w : text::Split(name.substr(query.size() + 1), ' ')) {
    if (!IsNumberWord(w)) return true;
  }
  return false;
}

std::vector<std::string> NameParts(std::string_view raw) {
  std::vector<std::string> out;
  for (const std::string& part : text::SplitAny(raw, "/();|")) {
    std::string folded = text::FoldName(part);
    if (!folded.empty() && std::find(out.begin(), out.end(), folded) == out.end()) {
      out.push_back(std::move(folded));
    }
  }
  if (out.size() < 2) out.clear();
  return out;
}

namespace {

bool IsDesignator(std::string_view word) {
  static constexpr std::string_view kWords[] = {
      "county",       "payam",       "state",        "region",      "province",
      "district",     "city",        "municipality", "governorate", "prefecture",
      "commune",      "cercle",      "division",     "department",  "departement",
      "departamento", "provincia",   "estado",       "etat",        "regiao",
      "oblast",       "voivodeship", "wilaya",       "wilayah",     "muhafazah"};
  return std::find(std::begin(kWords), std::end(kWords), word) != std::end(kWords);
}

// Articles and particles: dropped after a leading designator, and in canonical forms.
bool IsParticle(std::string_view word) {
  static constexpr std::string_view kWords[] = {
      "of", "the", "de", "du", "des", "del", "della", "di",  "da", "do", "dos", "das", "d",  "la",
      "le", "les", "l",  "el", "al",  "ar",  "as",    "ash", "ad", "an", "at",  "az",  "aj", "ul"};
  return std::find(std::begin(kWords), std::end(kWords), word) != std::end(kWords);
}

// Compass and position words in English, French, Spanish and Portuguese -> one token each;
// compounds -> two. Empty when the word is none of these.
std::string_view PositionToken(std::string_view w) {
  static constexpr std::pair<std::string_view, std::string_view> kWords[] = {
      {"north", "n"},       {"northern", "n"},    {"nord", "n"},       {"norte", "n"},
      {"south", "s"},       {"southern", "s"},    {"sud", "s"},        {"sur", "s"},
      {"sul", "s"},         {"east", "e"},        {"eastern", "e"},    {"est", "e"},
      {"este", "e"},        {"leste", "e"},       {"oriental", "e"},   {"orientale", "e"},
      {"west", "w"},        {"western", "w"},     {"ouest", "w"},      {"oeste", "w"},
      {"occidental", "w"},  {"occidentale", "w"}, {"centre", "c"},     {"center", "c"},
      {"central", "c"},     {"centrale", "c"},    {"centro", "c"},     {"far", "x"},
      {"extreme", "x"},     {"extremo", "x"},     {"upper", "u"},      {"haut", "u"},
      {"haute", "u"},       {"alto", "u"},        {"alta", "u"},       {"lower", "l"},
      {"bas", "l"},         {"basse", "l"},       {"bajo", "l"},       {"baja", "l"},
      {"middle", "m"},      {"moyen", "m"},       {"moyenne", "m"},    {"medio", "m"},
      {"northeast", "n e"}, {"nordest", "n e"},   {"noreste", "n e"},  {"nordeste", "n e"},
      {"northwest", "n w"}, {"nordouest", "n w"}, {"noroeste", "n w"}, {"southeast", "s e"},
      {"sudest", "s e"},    {"sureste", "s e"},   {"sudeste", "s e"},  {"southwest", "s w"},
      {"sudouest", "s w"},  {"suroeste", "s w"},  {"sudoeste", "s w"}};
  for (const auto& [word, token] : kWords)
    if (word == w) return token;
  return {};
}

}  // namespace

std::string StripDesignators(std::string_view folded) {
  std::vector<std::string> words = text::Split(folded, ' ');
  size_t b = 0, e = words.size();
  while (e > b + 1 && IsDesignator(words[e - 1])) --e;
  while (e > b + 1 && IsDesignator(words[b])) ++b;
  if (b > 0)  // "state of mexico", "departement du nord"
    while (e > b + 1 && IsParticle(words[b])) ++b;
  if (b == 0 && e == words.size()) return std::string(folded);
  return text::Join(std::vector<std::string>(words.begin() + b, words.begin() + e), " ");
}

std::string CanonicalName(std::string_view folded) {
  std::vector<std::string> out;
  for (const std::string& w : text::Split(StripDesignators(folded), ' ')) {
    if (w.empty()) continue;
    std::string_view t = PositionToken(w);
    if (t.empty()) {
      out.push_back(w);
    } else {  // "~n": no folded word starts with '~', so no particle or name is taken for it
      for (const std::string& part : text::Split(t, ' ')) out.push_back("~" + part);
    }
  }
  std::vector<std::string> kept;
  for (const std::string& w : out)
    if (!IsParticle(w)) kept.push_back(w);
  if (kept.empty()) kept = out;  // a name of particles only stays as it is
  std::sort(kept.begin(), kept.end());
  return text::Join(kept, " ");
}

std::string NormalizeCode(std::string_view s) {
  std::string out;
  for (char c : text::Trim(s)) {
    if (c == ' ') continue;
    out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

bool LooksLikePcode(std::string_view s) {
  size_t letters = 0;
  while (letters < s.size() && std::isupper(static_cast<unsigned char>(s[letters]))) ++letters;
  if (letters < 2 || letters > 3 || letters == s.size()) return false;
  for (size_t i = letters; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

double DistanceKm(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kEarthRadiusKm = 6371.0088;
  constexpr double kRad = std::numbers::pi / 180.0;
  double dlat = (lat2 - lat1) * kRad, dlon = (lon2 - lon1) * kRad;
  double h = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(lat1 * kRad) *
                                                           std::cos(lat2 * kRad) *
                                                           std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

}  // namespace aegis::geo::internal
