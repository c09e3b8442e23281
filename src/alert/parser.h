// The compact text format of flash alerts sent by community focal points through SMS relays:
//
//   ALERT <P-code or place name> <risk keyword> <free text>
//
// read leniently, because real messages deviate: the prefix may be missing, misspelt or in
// French or Arabic ("ALERTE", "تنبيه"); the place may be a county, a state or a payam, misspelt
// by a letter, or a P-code with O for 0; the risk may come before the place or anywhere in the
// text, in English, French or Arabic (data/alerts/keywords.toml). Urgency comes from words such
// as "now", "tonight", "maintenant", "عاجل" (default: high).
//
// Confidence = mean of the place's and the risk's (exact keyword 1, misspelt 0.8), times 0.9
// when the message does not start with a prefix. A message below 0.75, or without a place or a
// risk, still becomes an alert, flagged for a person to review (needs_review).
#pragma once

#include <string>
#include <vector>

#include "alert/keywords.h"
#include "alert/place.h"

namespace aegis::alert {

struct ParsedAlert {
  std::string pcode;  // "" when no place was found
  int level = -1;
  std::string place_text;
  double place_confidence = 0;
  std::vector<std::string> risks;  // codes, in order of appearance, unique
  double risk_confidence = 0;
  std::string urgency = "high";
  std::string free_text;  // the message without its prefix
  bool has_prefix = false;
  double confidence = 0;
  bool needs_review = true;
  std::string note;  // how place and risks were found
};

class AlertParser {
 public:
  AlertParser(const Keywords& keywords, const PlaceFinder& places)
      : keywords_(keywords), places_(places) {}
  ParsedAlert Parse(const std::string& message) const;

 private:
  const Keywords& keywords_;
  const PlaceFinder& places_;
};

// The message without its first word when that word is an alert prefix.
std::string WithoutPrefix(const std::string& message, const Keywords& keywords);

}  // namespace aegis::alert
