// Country codes and names: ISO 3166 alpha-2 / alpha-3 codes and English names, from ICU's data,
// plus the spellings humanitarian sources use that ICU does not ("Democratic Republic of Congo",
// "DRC", "Ivory Coast", ...).
//
// Thread safety: every function is safe to call from many threads at once; the tables are built
// once on first use.
#pragma once

#include <string>
#include <string_view>

namespace aegis::geo {

// Returns the ISO3 code ("SSD") for an ISO3 code, an ISO2 code ("SS") or an English country name
// in any case or accents ("South Sudan", "south-sudan"); "" when it is none of these.
std::string CountryIso3(std::string_view code_or_name);

// ISO3 -> ISO2 ("SSD" -> "SS") and back; "" when unknown. P-codes of most countries start with
// the ISO2 code, a few (e.g. Niger, "NER") with the ISO3 code.
std::string Iso2FromIso3(std::string_view iso3);
std::string Iso3FromIso2(std::string_view iso2);

// The English name of a country ("SSD" -> "South Sudan"); "" when unknown.
std::string CountryName(std::string_view iso3);

}  // namespace aegis::geo
