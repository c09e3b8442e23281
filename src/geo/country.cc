#include "geo/country.h"

#include <unicode/locid.h>
#include <unicode/unistr.h>

#include <unordered_map>

#include "util/text.h"

namespace aegis::geo {

namespace {

// Spellings used by ACLED, OCHA and UN sources that differ from ICU's English names.
constexpr std::pair<const char*, const char*> kExtraNames[] = {
    {"Democratic Republic of Congo", "COD"},
    {"Democratic Republic of the Congo", "COD"},
    {"DR Congo", "COD"},
    {"DRC", "COD"},
    {"Congo DR", "COD"},
    {"Republic of Congo", "COG"},
    {"Republic of the Congo", "COG"},
    {"Congo", "COG"},
    {"Ivory Coast", "CIV"},
    {"Cote d'Ivoire", "CIV"},
    {"CAR", "CAF"},
    {"Syrian Arab Republic", "SYR"},
    {"occupied Palestinian territory", "PSE"},
    {"Palestine", "PSE"},
    {"Iran (Islamic Republic of)", "IRN"},
    {"Turkey", "TUR"},
    {"Cape Verde", "CPV"},
    {"Swaziland", "SWZ"},
    {"Burma", "MMR"},
    {"Venezuela (Bolivarian Republic of)", "VEN"},
    {"Bolivia (Plurinational State of)", "BOL"},
    {"United Republic of Tanzania", "TZA"},
    {"Lao People's Democratic Republic", "LAO"},
    {"Republic of South Sudan", "SSD"},
};

struct Tables {
  std::unordered_map<std::string, std::string> iso3_to_iso2, iso2_to_iso3, name_to_iso3,
      iso3_to_name;
};

const Tables& GetTables() {
  static const Tables* tables = [] {
    auto* t = new Tables;
    for (const char* const* c = icu::Locale::getISOCountries(); *c != nullptr; ++c) {
      icu::Locale loc("", *c);
      std::string iso2 = *c;
      std::string iso3 = loc.getISO3Country();
      if (iso3.empty()) continue;
      icu::UnicodeString u;
      loc.getDisplayCountry(icu::Locale::getEnglish(), u);
      std::string name;
      u.toUTF8String(name);
      t->iso3_to_iso2[iso3] = iso2;
      t->iso2_to_iso3[iso2] = iso3;
      t->iso3_to_name[iso3] = name;
      t->name_to_iso3[text::FoldName(name)] = iso3;
    }
    for (const auto& [name, iso3] : kExtraNames) t->name_to_iso3[text::FoldName(name)] = iso3;
    return t;
  }();
  return *tables;
}

std::string Upper(std::string_view s) {
  std::string out(text::Trim(s));
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string Lookup(const std::unordered_map<std::string, std::string>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? std::string() : it->second;
}

}  // namespace

std::string CountryIso3(std::string_view code_or_name) {
  const Tables& t = GetTables();
  std::string up = Upper(code_or_name);
  if (up.empty()) return "";
  if (up.size() == 3 && t.iso3_to_iso2.count(up)) return up;
  if (up.size() == 2 && t.iso2_to_iso3.count(up)) return t.iso2_to_iso3.at(up);
  return Lookup(t.name_to_iso3, text::FoldName(code_or_name));
}

std::string Iso2FromIso3(std::string_view iso3) {
  return Lookup(GetTables().iso3_to_iso2, Upper(iso3));
}

std::string Iso3FromIso2(std::string_view iso2) {
  return Lookup(GetTables().iso2_to_iso3, Upper(iso2));
}

std::string CountryName(std::string_view iso3) {
  return Lookup(GetTables().iso3_to_name, Upper(iso3));
}

}  // namespace aegis::geo
