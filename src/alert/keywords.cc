#include "alert/keywords.h"

#include <toml++/toml.h>

#include <algorithm>

#include "util/text.h"

namespace aegis::alert {

const std::vector<std::string>& UrgencyLevels() {
  static const std::vector<std::string> kLevels = {"immediate", "high", "medium", "low"};
  return kLevels;
}

int UrgencyRank(std::string_view urgency) {
  const auto& levels = UrgencyLevels();
  auto it = std::find(levels.begin(), levels.end(), urgency);
  return it == levels.end() ? -1 : static_cast<int>(it - levels.begin());
}

std::vector<std::string> FoldedTokens(std::string_view text) {
  return text::SplitAny(text::FoldName(text), " ");
}

int OsaDistance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1, 0));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

bool WordMatches(std::string_view token, std::string_view word, bool* exact) {
  *exact = token == word;
  if (*exact) return true;
  if (word.size() < 5 || token.size() < 4) return false;
  const int allowed = word.size() >= 8 ? 2 : 1;
  const auto gap = static_cast<int>(token.size()) - static_cast<int>(word.size());
  if (gap > allowed || -gap > allowed || token[0] != word[0]) return false;
  return OsaDistance(token, word) <= allowed;
}

namespace {

Status AddWords(const toml::array* arr, const std::string& value, std::vector<Keyword>* out) {
  if (arr == nullptr) return Status::Ok();
  for (const auto& node : *arr) {
    auto s = node.value<std::string>();
    if (!s) return Status::InvalidArgument("keywords of '" + value + "' must be strings");
    Keyword k{FoldedTokens(*s), value};
    if (!k.tokens.empty()) out->push_back(std::move(k));
  }
  return Status::Ok();
}

// Longest keywords first, so that "armed men" wins over a one-word keyword at the same place.
void SortLongestFirst(std::vector<Keyword>* words) {
  std::stable_sort(words->begin(), words->end(), [](const Keyword& a, const Keyword& b) {
    return a.tokens.size() > b.tokens.size();
  });
}

// The keyword matches `tokens` at `pos`: every word equal, or a single word a typing error away.
bool MatchesAt(const Keyword& k, const std::vector<std::string>& tokens, size_t pos, bool* exact) {
  if (pos + k.tokens.size() > tokens.size()) return false;
  if (k.tokens.size() == 1) return WordMatches(tokens[pos], k.tokens[0], exact);
  *exact = true;
  for (size_t i = 0; i < k.tokens.size(); ++i)
    if (tokens[pos + i] != k.tokens[i]) return false;
  return true;
}

}  // namespace

Result<Keywords> Keywords::Load(const std::string& path) {
  toml::table t;
  try {
    t = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return Status::InvalidArgument(path + ": " + std::string(e.description()));
  }
  Keywords k;
  AEGIS_RETURN_IF_ERROR(AddWords(t["prefixes"].as_array(), "prefix", &k.prefixes_));
  for (const std::string& level : UrgencyLevels())
    AEGIS_RETURN_IF_ERROR(AddWords(t["urgency"][level].as_array(), level, &k.urgency_));
  const toml::table* risks = t["risks"].as_table();
  if (risks == nullptr) return Status::InvalidArgument(path + ": a [risks] table is required");
  for (const auto& [code, words] : *risks)
    AEGIS_RETURN_IF_ERROR(AddWords(words.as_array(), std::string(code.str()), &k.risks_));
  SortLongestFirst(&k.risks_);
  SortLongestFirst(&k.urgency_);
  return k;
}

std::vector<KeywordHit> Keywords::Find(const std::vector<Keyword>& words,
                                       const std::vector<std::string>& tokens) {
  std::vector<KeywordHit> hits;
  for (size_t pos = 0; pos < tokens.size();) {
    const Keyword* best = nullptr;
    bool best_exact = false;
    for (const Keyword& k : words) {
      bool exact = false;
      if (!MatchesAt(k, tokens, pos, &exact)) continue;
      if (best == nullptr || (exact && !best_exact && k.tokens.size() >= best->tokens.size())) {
        best = &k;
        best_exact = exact;
      }
      if (exact) break;  // longest exact match: sorted longest first
    }
    if (best == nullptr) {
      ++pos;
      continue;
    }
    hits.push_back({pos, best->tokens.size(), best, best_exact});
    pos += best->tokens.size();
  }
  return hits;
}

std::vector<KeywordHit> Keywords::FindRisks(const std::vector<std::string>& tokens) const {
  return Find(risks_, tokens);
}

std::string Keywords::FindUrgency(const std::vector<std::string>& tokens) const {
  int best = -1;
  for (const KeywordHit& h : Find(urgency_, tokens)) {
    int rank = UrgencyRank(h.keyword->value);
    if (best < 0 || rank < best) best = rank;
  }
  return best < 0 ? "" : UrgencyLevels()[static_cast<size_t>(best)];
}

bool Keywords::IsPrefix(const std::string& token) const {
  for (const Keyword& k : prefixes_) {
    bool exact = false;
    if (k.tokens.size() == 1 && WordMatches(token, k.tokens[0], &exact)) return true;
  }
  return false;
}

}  // namespace aegis::alert
