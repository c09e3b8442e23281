// The learned Arabic-to-Latin transliteration model. See match.h (TranslitModel).
//
// Each Arabic letter x_i, in context c_i (its position in the word: first, inside, last, alone),
// emits a Latin string s_i of 0 to 3 letters. P(latin | arabic) sums over every way of cutting
// the Latin name into such pieces (forward algorithm). Training is EM (forward-backward); the
// context-specific distributions are smoothed towards the letter's overall distribution
// (Dirichlet prior), and unseen emissions get a small floor so that no pair scores zero.
#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <unordered_map>

#include "match/match.h"

namespace aegis::match {

namespace {

constexpr int kSym = 28;  // a..z, space, other
constexpr int kMaxLen = 3;
constexpr int kE1 = 1, kE2 = kE1 + kSym, kE3 = kE2 + kSym * kSym;
constexpr int kCells = kE3 + kSym * kSym * kSym;  // per context: len 0, 1, 2, 3
constexpr int kPos = 4;
constexpr double kSmooth = 4.0;

int LatinSym(char c) {
  if (c >= 'a' && c <= 'z') return c - 'a';
  if (c == ' ') return 26;
  return 27;
}

int Cell(const int* y, int j, int len) {
  switch (len) {
    case 0:
      return 0;
    case 1:
      return kE1 + y[j];
    case 2:
      return kE2 + y[j] * kSym + y[j + 1];
    default:
      return kE3 + (y[j] * kSym + y[j + 1]) * kSym + y[j + 2];
  }
}

// Arabic letters as code points: marks, tatweel and format characters dropped, Persian variants
// unified; hamza forms are kept (they tell "a" from "i").
std::vector<UChar32> ArabicLetters(std::string_view s) {
  std::vector<UChar32> out;
  int32_t i = 0, n = static_cast<int32_t>(s.size());
  bool space = true;
  while (i < n) {
    UChar32 c;
    U8_NEXT(s.data(), i, n, c);
    if (c < 0) continue;
    int8_t t = u_charType(c);
    if (t == U_NON_SPACING_MARK || t == U_FORMAT_CHAR || c == 0x0640) continue;
    if (c == 0x06CC) c = 0x064A;
    if (c == 0x06A9) c = 0x0643;
    if (u_isalpha(c)) {
      out.push_back(c);
      space = false;
    } else if (!space) {
      out.push_back(' ');
      space = true;
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<int> LatinSyms(std::string_view s) {
  std::string n = Normalize(s);
  std::vector<int> out;
  out.reserve(n.size());
  for (char c : n) out.push_back(LatinSym(c));
  return out;
}

}  // namespace

struct TranslitModel::Impl {
  std::unordered_map<UChar32, int> letter;  // code point -> letter id (0: unknown)
  int letters = 1;
  std::vector<float> prob;  // [ctx][cell], ctx = letter * kPos + pos

  int Ctx(const std::vector<UChar32>& a, size_t i) const {
    auto it = letter.find(a[i]);
    int id = it == letter.end() ? 0 : it->second;
    bool first = i == 0 || a[i - 1] == ' ', last = i + 1 == a.size() || a[i + 1] == ' ';
    int pos = first && last ? 3 : first ? 0 : last ? 2 : 1;
    return id * kPos + pos;
  }
  const float* Row(int ctx) const { return prob.data() + static_cast<size_t>(ctx) * kCells; }

  // Forward probability; `alpha` is scratch of (n + 1) * (m + 1).
  double Forward(const std::vector<int>& ctx, const std::vector<int>& y,
                 std::vector<double>* alpha) const {
    size_t n = ctx.size(), m = y.size();
    if (m > n * kMaxLen || n == 0) return 0;
    alpha->assign((n + 1) * (m + 1), 0.0);
    double* al = alpha->data();
    al[0] = 1;
    for (size_t i = 0; i < n; ++i) {
      const float* row = Row(ctx[i]);
      const double* cur = al + i * (m + 1);
      double* nxt = al + (i + 1) * (m + 1);
      // Letters left after this one can emit at most 3 each: prune cells that cannot finish.
      size_t rest = (n - i - 1) * kMaxLen;
      for (size_t j = 0; j <= m; ++j) {
        double v = cur[j];
        if (v == 0) continue;
        size_t maxl = std::min<size_t>(kMaxLen, m - j);
        for (size_t l = 0; l <= maxl; ++l) {
          if (m - (j + l) > rest) continue;
          nxt[j + l] += v * row[Cell(y.data(), static_cast<int>(j), static_cast<int>(l))];
        }
      }
    }
    return al[n * (m + 1) + m];
  }
};

TranslitModel::TranslitModel() : impl_(std::make_unique<Impl>()) {}
TranslitModel::~TranslitModel() = default;
TranslitModel::TranslitModel(TranslitModel&&) noexcept = default;
TranslitModel& TranslitModel::operator=(TranslitModel&&) noexcept = default;

bool TranslitModel::empty() const { return !impl_ || impl_->prob.empty(); }

Result<std::vector<std::pair<std::string, std::string>>> TranslitModel::ReadPairs(
    const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::IOError(path + ": cannot open; give a file of 'arabic<TAB>latin' lines");
  std::vector<std::pair<std::string, std::string>> out;
  std::string line;
  int row = 0;
  while (std::getline(in, line)) {
    ++row;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    size_t tab = line.find('\t');
    if (tab == std::string::npos)
      return Status::InvalidArgument(path + ": line " + std::to_string(row) +
                                     ": no tab; each line is 'arabic<TAB>latin'");
    out.emplace_back(line.substr(0, tab), line.substr(tab + 1));
  }
  return out;
}

Result<TranslitModel> TranslitModel::Train(
    const std::vector<std::pair<std::string, std::string>>& pairs, int iterations) {
  TranslitModel model;
  Impl& im = *model.impl_;
  struct Ex {
    std::vector<int> ctx, y;
  };
  std::vector<std::vector<UChar32>> ar;
  std::vector<std::vector<int>> lat;
  for (const auto& [a, l] : pairs) {
    std::vector<UChar32> x = ArabicLetters(a);
    std::vector<int> y = LatinSyms(l);
    if (x.empty() || y.empty() || y.size() > x.size() * kMaxLen) continue;
    for (UChar32 c : x)
      if (!im.letter.count(c)) im.letter.emplace(c, im.letters++);
    ar.push_back(std::move(x));
    lat.push_back(std::move(y));
  }
  if (ar.empty()) return Status::InvalidArgument("transliteration: no usable name pairs");
  std::vector<Ex> ex(ar.size());
  for (size_t k = 0; k < ar.size(); ++k) {
    for (size_t i = 0; i < ar[k].size(); ++i) ex[k].ctx.push_back(im.Ctx(ar[k], i));
    ex[k].y = std::move(lat[k]);
  }
  const size_t nctx = static_cast<size_t>(im.letters) * kPos;
  // Start: every emission equally likely within its length; shorter pieces favoured.
  im.prob.assign(nctx * kCells, 0);
  for (size_t c = 0; c < nctx; ++c) {
    float* row = im.prob.data() + c * kCells;
    row[0] = 0.1f;
    for (int k = kE1; k < kE2; ++k) row[k] = 0.5f / kSym;
    for (int k = kE2; k < kE3; ++k) row[k] = 0.3f / (kSym * kSym);
    for (int k = kE3; k < kCells; ++k) row[k] = 0.1f / (kSym * kSym * kSym);
  }
  std::vector<double> counts(nctx * kCells), alpha, beta;
  for (int it = 0; it < iterations; ++it) {
    std::fill(counts.begin(), counts.end(), 0.0);
    for (const Ex& e : ex) {
      size_t n = e.ctx.size(), m = e.y.size();
      double z = im.Forward(e.ctx, e.y, &alpha);
      if (!(z > 0)) continue;
      beta.assign((n + 1) * (m + 1), 0.0);
      beta[n * (m + 1) + m] = 1;
      for (size_t i = n; i-- > 0;) {
        const float* row = im.Row(e.ctx[i]);
        for (size_t j = 0; j <= m; ++j) {
          double s = 0;
          size_t maxl = std::min<size_t>(kMaxLen, m - j);
          for (size_t l = 0; l <= maxl; ++l)
            s += row[Cell(e.y.data(), static_cast<int>(j), static_cast<int>(l))] *
                 beta[(i + 1) * (m + 1) + j + l];
          beta[i * (m + 1) + j] = s;
        }
      }
      for (size_t i = 0; i < n; ++i) {
        const float* row = im.Row(e.ctx[i]);
        double* cnt = counts.data() + static_cast<size_t>(e.ctx[i]) * kCells;
        for (size_t j = 0; j <= m; ++j) {
          double a = alpha[i * (m + 1) + j];
          if (a == 0) continue;
          size_t maxl = std::min<size_t>(kMaxLen, m - j);
          for (size_t l = 0; l <= maxl; ++l) {
            int cell = Cell(e.y.data(), static_cast<int>(j), static_cast<int>(l));
            double b = beta[(i + 1) * (m + 1) + j + l];
            if (b == 0) continue;
            cnt[cell] += a * row[cell] * b / z;
          }
        }
      }
    }
    // M-step with smoothing: context (letter, position) towards the letter's distribution,
    // and the letter's towards a floor spread by length.
    for (int letter = 0; letter < im.letters; ++letter) {
      std::vector<double> pooled(kCells, 0.0);
      double pooled_total = 0;
      for (int pos = 0; pos < kPos; ++pos) {
        const double* c = counts.data() +
                          (static_cast<size_t>(letter) * kPos + static_cast<size_t>(pos)) * kCells;
        for (int k = 0; k < kCells; ++k) pooled[static_cast<size_t>(k)] += c[k];
      }
      for (double v : pooled) pooled_total += v;
      std::vector<double> base(kCells);
      const double floor_mass = 1e-3;
      for (int k = 0; k < kCells; ++k) {
        double len_floor = k == 0    ? floor_mass * 0.25
                           : k < kE2 ? floor_mass * 0.5 / kSym
                           : k < kE3 ? floor_mass * 0.2 / (kSym * kSym)
                                     : floor_mass * 0.05 / (kSym * kSym * kSym);
        base[static_cast<size_t>(k)] =
            (pooled[static_cast<size_t>(k)] + len_floor) / (pooled_total + floor_mass);
      }
      for (int pos = 0; pos < kPos; ++pos) {
        size_t ctx = static_cast<size_t>(letter) * kPos + static_cast<size_t>(pos);
        const double* c = counts.data() + ctx * kCells;
        double total = 0;
        for (int k = 0; k < kCells; ++k) total += c[k];
        float* row = im.prob.data() + ctx * kCells;
        for (int k = 0; k < kCells; ++k)
          row[k] = static_cast<float>((c[k] + kSmooth * base[static_cast<size_t>(k)]) /
                                      (total + kSmooth));
      }
    }
  }
  return model;
}

double TranslitModel::LogProb(std::string_view arabic, std::string_view latin) const {
  if (empty()) return -std::numeric_limits<double>::infinity();
  std::vector<UChar32> a = ArabicLetters(arabic);
  std::vector<int> ctx;
  for (size_t i = 0; i < a.size(); ++i) ctx.push_back(impl_->Ctx(a, i));
  std::vector<double> alpha;
  double p = impl_->Forward(ctx, LatinSyms(latin), &alpha);
  return p > 0 ? std::log(p) : -std::numeric_limits<double>::infinity();
}

double TranslitModel::Similarity(std::string_view arabic, std::string_view latin) const {
  double lp = LogProb(arabic, latin);
  size_t m = LatinSyms(latin).size();
  if (!std::isfinite(lp) || m == 0) return 0;
  // A well transliterated name scores around 0.3-0.5 per letter; map to [0, 1].
  double per = std::exp(lp / static_cast<double>(m));
  return std::clamp(per / 0.5, 0.0, 1.0);
}

std::vector<std::vector<int>> TranslitModel::Rank(const std::vector<std::string>& arabic,
                                                  const std::vector<std::string>& latin, int top,
                                                  int threads) const {
  std::vector<std::vector<int>> out(arabic.size());
  if (empty()) return out;
  std::vector<std::vector<int>> ly(latin.size());
  for (size_t k = 0; k < latin.size(); ++k) ly[k] = LatinSyms(latin[k]);
  auto work = [&](size_t from, size_t to) {
    std::vector<double> alpha;
    std::vector<std::pair<double, int>> scored;
    for (size_t q = from; q < to; ++q) {
      std::vector<UChar32> a = ArabicLetters(arabic[q]);
      std::vector<int> ctx;
      for (size_t i = 0; i < a.size(); ++i) ctx.push_back(impl_->Ctx(a, i));
      scored.clear();
      for (size_t k = 0; k < ly.size(); ++k) {
        double p = impl_->Forward(ctx, ly[k], &alpha);
        if (p > 0) scored.emplace_back(std::log(p), static_cast<int>(k));
      }
      size_t keep = std::min(scored.size(), static_cast<size_t>(std::max(1, top)));
      std::partial_sort(scored.begin(), scored.begin() + static_cast<ptrdiff_t>(keep), scored.end(),
                        [](const auto& x, const auto& y) {
                          return x.first != y.first ? x.first > y.first : x.second < y.second;
                        });
      for (size_t i = 0; i < keep; ++i) out[q].push_back(scored[i].second);
    }
  };
  ParallelFor(arabic.size(), threads, [&](size_t, size_t from, size_t to) { work(from, to); });
  return out;
}

double NameSimilarity(std::string_view a, std::string_view b, const TranslitModel* model) {
  bool aa = HasArabic(a), ba = HasArabic(b);
  if (aa == ba) {
    std::string na = Normalize(a), nb = Normalize(b);
    if (na == nb) return na.empty() ? 0.0 : 1.0;
    return std::max(JaroWinkler(na, nb), TokenSimilarity(na, nb));
  }
  std::string_view ar = aa ? a : b, la = aa ? b : a;
  std::string nl = Normalize(la);
  double keys = ConsonantKey(ar) == ConsonantKey(nl) ? 0.9 : 0.0;
  double rule = TokenSimilarity(ToLatin(ar), nl) * 0.9;
  double learned = 0;
  if (model && !model->empty()) {
    // Token by token: names of several parts in the same order.
    std::vector<std::string> ta = Tokens(ar), tl = Tokens(nl);
    if (!ta.empty() && ta.size() == tl.size()) {
      double s = 0;
      for (size_t i = 0; i < ta.size(); ++i) s += model->Similarity(ta[i], tl[i]);
      learned = s / static_cast<double>(ta.size());
    } else {
      learned = model->Similarity(ar, nl);
    }
  }
  return std::max({keys, rule, learned});
}

}  // namespace aegis::match
