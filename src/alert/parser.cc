#include "alert/parser.h"

#include <algorithm>
#include <cstdio>

#include "util/text.h"

namespace aegis::alert {

std::string WithoutPrefix(const std::string& message, const Keywords& keywords) {
  std::string_view m = text::Trim(message);
  size_t end = m.find_first_of(" \t\n:");
  std::string first(m.substr(0, end));
  std::vector<std::string> folded = FoldedTokens(first);
  if (folded.size() != 1 || !keywords.IsPrefix(folded[0])) return std::string(m);
  if (end == std::string_view::npos) return "";
  return std::string(text::Trim(m.substr(end + 1)));
}

namespace {

std::string Fixed2(double v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// The risk codes of the hits, unique, in order; the confidence is the weakest hit's.
void TakeRisks(const std::vector<KeywordHit>& hits, ParsedAlert* p) {
  p->risk_confidence = hits.empty() ? 0 : 1;
  for (const KeywordHit& h : hits) {
    if (std::find(p->risks.begin(), p->risks.end(), h.keyword->value) == p->risks.end())
      p->risks.push_back(h.keyword->value);
    if (!h.exact) p->risk_confidence = std::min(p->risk_confidence, 0.8);
  }
}

}  // namespace

ParsedAlert AlertParser::Parse(const std::string& message) const {
  ParsedAlert p;
  p.free_text = WithoutPrefix(message, keywords_);
  p.has_prefix = p.free_text.size() < std::string(text::Trim(message)).size();
  std::vector<std::string> tokens = FoldedTokens(p.free_text);

  std::vector<KeywordHit> hits = keywords_.FindRisks(tokens);
  std::vector<bool> taken(tokens.size(), false);
  for (const KeywordHit& h : hits)
    for (size_t i = h.pos; i < h.pos + h.len; ++i) taken[i] = true;

  // The format puts the place first: look before the first risk word, then anywhere.
  PlaceHit place;
  size_t first_risk = hits.empty() ? tokens.size() : hits.front().pos;
  bool found = places_.Find(tokens, 0, first_risk, taken, &place) ||
               places_.Find(tokens, first_risk, tokens.size(), taken, &place);
  if (found) {
    // A place word is not also a risk word ("Mine" the village).
    std::erase_if(hits, [&](const KeywordHit& h) {
      return h.pos < place.pos + place.len && place.pos < h.pos + h.len;
    });
    p.pcode = place.pcode;
    p.level = place.level;
    p.place_text = place.written;
    p.place_confidence = place.confidence;
  }
  TakeRisks(hits, &p);
  std::string urgency = keywords_.FindUrgency(tokens);
  if (!urgency.empty()) p.urgency = urgency;

  p.confidence = (p.place_confidence + p.risk_confidence) / 2 * (p.has_prefix ? 1.0 : 0.9);
  p.needs_review =
      p.pcode.empty() || p.risks.empty() || p.place_confidence < 0.7 || p.confidence < 0.75;
  p.note = (found ? "place: " + place.note + " (" + Fixed2(place.confidence) + ")"
                  : std::string("place: not found"));
  p.note += p.risks.empty()
                ? "; risk: no keyword"
                : "; risk: " + text::Join(p.risks, ",") + " (" + Fixed2(p.risk_confidence) + ")";
  if (!p.has_prefix) p.note += "; no ALERT prefix";
  return p;
}

}  // namespace aegis::alert
