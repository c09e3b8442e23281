// The words of flash alerts (data/alerts/keywords.toml): alert prefixes, urgency words and risk
// keywords in English, French and Arabic with common misspellings, folded for matching, and the
// matcher that finds them in a folded message.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "util/status.h"

namespace aegis::alert {

// Urgency levels, most urgent first.
const std::vector<std::string>& UrgencyLevels();
// 0 = immediate .. 3 = low; -1 if not a level.
int UrgencyRank(std::string_view urgency);

struct Keyword {
  std::vector<std::string> tokens;  // folded words
  std::string value;                // risk code, urgency level or "prefix"
};

// Where a keyword was found in a message's tokens.
struct KeywordHit {
  size_t pos = 0, len = 0;
  const Keyword* keyword = nullptr;
  bool exact = true;  // false: a typing error away
};

class Keywords {
 public:
  static Result<Keywords> Load(const std::string& path);

  // Every risk keyword found in `tokens`, left to right (the longest at each position).
  std::vector<KeywordHit> FindRisks(const std::vector<std::string>& tokens) const;
  // The most urgent urgency word in `tokens`, or "" when there is none.
  std::string FindUrgency(const std::vector<std::string>& tokens) const;
  // True when `token` is an alert prefix ("ALERT", "alerte", "تنبيه", misspelt by one letter).
  bool IsPrefix(const std::string& token) const;

 private:
  static std::vector<KeywordHit> Find(const std::vector<Keyword>& words,
                                      const std::vector<std::string>& tokens);
  std::vector<Keyword> risks_, urgency_, prefixes_;
};

// Folded words of a text (util/text.h FoldName, split on spaces).
std::vector<std::string> FoldedTokens(std::string_view text);
// Optimal-string-alignment distance (insertions, deletions, substitutions, transpositions).
int OsaDistance(std::string_view a, std::string_view b);
// `token` equals `word`, or is one typing error away (two for words of 8 letters or more);
// words shorter than 5 letters must be equal. `*exact` says which.
bool WordMatches(std::string_view token, std::string_view word, bool* exact);

}  // namespace aegis::alert
