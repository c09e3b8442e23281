// Taxonomy age-band lookups: by age, and by band text such as "0-4", "60+", "0 to 4 years",
// "under 5" or a listed synonym.

#include <cstdint>

#include "taxonomy/taxonomy.h"
#include "taxonomy/taxonomy_internal.h"
#include "util/text.h"

namespace aegis::taxonomy {

namespace {

constexpr int kMaxPlausibleAge = 130;

std::optional<int> Number(std::string_view s) {
  if (s.empty() || s.size() > 3) return std::nullopt;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

bool IsUnitWord(std::string_view w) {
  return w == "years" || w == "year" || w == "yrs" || w == "yr" || w == "y" || w == "ans" ||
         w == "an" || w == "yo" || w == "old";
}

const AgeBand* ExactBand(const std::vector<AgeBand>& bands, int min, std::optional<int> max) {
  for (const AgeBand& b : bands) {
    if (b.min_years == min && b.max_years == max) return &b;
  }
  return nullptr;
}

// Reads "N M", "N to M", "N a M" (French "à"), "N plus", "N and above/over", "N or more",
// "N et plus", "under N", "below N", "less than N", "moins de N"; unit words at the end are
// ignored. Returns the band that equals the range exactly, or nullptr.
const AgeBand* ParseRange(const std::vector<AgeBand>& bands, std::vector<std::string> w) {
  while (!w.empty() && IsUnitWord(w.back())) w.pop_back();
  if (w.size() == 2 && Number(w[0]) && Number(w[1]))
    return ExactBand(bands, *Number(w[0]), *Number(w[1]));
  if (w.size() == 3 && Number(w[0]) && Number(w[2]) && (w[1] == "to" || w[1] == "a")) {
    return ExactBand(bands, *Number(w[0]), *Number(w[2]));
  }
  if (!w.empty() && Number(w[0])) {
    std::string rest = text::Join(std::vector<std::string>(w.begin() + 1, w.end()), " ");
    if (rest == "plus" || rest == "and above" || rest == "and over" || rest == "or more" ||
        rest == "above" || rest == "et plus") {
      return ExactBand(bands, *Number(w[0]), std::nullopt);
    }
  }
  if (!w.empty() && Number(w.back())) {
    std::string head = text::Join(std::vector<std::string>(w.begin(), w.end() - 1), " ");
    if ((head == "under" || head == "below" || head == "less than" || head == "moins de") &&
        *Number(w.back()) > 0) {
      return ExactBand(bands, 0, *Number(w.back()) - 1);
    }
  }
  return nullptr;
}

}  // namespace

const std::vector<AgeBand>& Taxonomy::age_bands() const { return d_->age_bands; }

std::optional<std::string> Taxonomy::AgeBandForAge(int years) const {
  if (years < 0 || years > kMaxPlausibleAge) return std::nullopt;
  for (const AgeBand& b : d_->age_bands) {
    if (b.is_unknown() || years < *b.min_years) continue;
    if (!b.max_years || years <= *b.max_years) return b.id;
  }
  return std::nullopt;
}

std::optional<std::string> Taxonomy::NormalizeAgeBand(std::string_view text) const {
  std::string_view t = text::Trim(text);
  if (t.empty()) return std::nullopt;
  if (t.back() == '+') {
    std::optional<int> n = Number(text::Trim(t.substr(0, t.size() - 1)));
    const AgeBand* b = n ? ExactBand(d_->age_bands, *n, std::nullopt) : nullptr;
    return b ? std::optional<std::string>(b->id) : std::nullopt;
  }
  std::string folded = text::FoldName(t);
  if (Number(folded)) return std::nullopt;  // a bare age, not a band
  int pos = d_->age_index.FindFolded(folded);
  if (pos >= 0) return d_->age_bands[pos].id;
  const AgeBand* b = ParseRange(d_->age_bands, text::Split(folded, ' '));
  return b ? std::optional<std::string>(b->id) : std::nullopt;
}

}  // namespace aegis::taxonomy
