// Finds the place of a flash alert in its words: a P-code (also mistyped: O for 0, l for 1, an
// unknown payam code kept at its county) or an area name (county, state, payam; exact, alias or
// one typing error away) through the gazetteer (geo/gazetteer.h).
#pragma once

#include <string>
#include <vector>

#include "geo/gazetteer.h"

namespace aegis::alert {

struct PlaceHit {
  std::string pcode;
  int level = -1;
  double confidence = 0;
  std::string written;  // the words as written (folded)
  std::string note;
  size_t pos = 0, len = 0;  // token span
};

class PlaceFinder {
 public:
  PlaceFinder(const geo::Gazetteer& gazetteer, std::string country)
      : gazetteer_(gazetteer), country_(std::move(country)) {}

  // The best place among spans of up to 3 tokens starting in [from, to), skipping tokens marked
  // in `taken`; the first span that resolves at confidence >= 0.7 wins, longest first.
  bool Find(const std::vector<std::string>& tokens, size_t from, size_t to,
            const std::vector<bool>& taken, PlaceHit* hit) const;
  // One span: a P-code or a name.
  bool Resolve(const std::string& words, PlaceHit* hit) const;

 private:
  bool ResolveCode(const std::string& code, PlaceHit* hit) const;
  bool ResolveName(const std::string& name, PlaceHit* hit) const;
  bool ResolvePayam(const std::string& name, PlaceHit* hit) const;
  bool ResolveLeadingWords(const std::string& name, PlaceHit* hit) const;

  const geo::Gazetteer& gazetteer_;
  std::string country_;
};

// The P-codes a token may stand for: two or three letters then digits, reading O as 0 and l/I
// as 1 in the digits ("SSO308" -> SSO308? and SS0308), upper-cased; empty when it is a word.
std::vector<std::string> PcodeCandidates(const std::string& token);
// A token written like a P-code: two or three letters then digits (after reading O as 0 and
// l/I as 1 in the digits).
bool LooksLikePcode(const std::string& token, std::string* normalised);

}  // namespace aegis::alert
