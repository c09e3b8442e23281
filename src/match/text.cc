// Normalisation, keys, phonetic codes, similarity and dates for matching.
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cstring>

#include "match/match.h"

namespace aegis::match {

namespace {

bool IsAsciiText(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

void AppendUtf8(std::string* out, UChar32 c) {
  char buf[4];
  int32_t i = 0;
  UBool err = false;
  U8_APPEND(buf, i, 4, c, err);
  if (!err) out->append(buf, static_cast<size_t>(i));
}

// Latin letters without a decomposition that people nonetheless write plainly.
const char* LatinFallback(UChar32 c) {
  switch (c) {
    case 0x00F8:
      return "o";  // ø
    case 0x0111:
      return "d";  // đ
    case 0x0142:
      return "l";  // ł
    case 0x00E6:
      return "ae";  // æ
    case 0x0153:
      return "oe";  // œ
    case 0x00DF:
      return "ss";  // ß
    case 0x00FE:
      return "th";  // þ
    case 0x00F0:
      return "d";  // ð
    case 0x0131:
      return "i";  // dotless i
    case 0x02BB:   // ʻokina
    case 0x2019:   // ’
    case 0x0027:
      return "";  // apostrophes join: "o'neil" stays one word in keys
    default:
      return nullptr;
  }
}

// Arabic letter variants after NFKD and mark removal.
UChar32 UnifyArabic(UChar32 c) {
  switch (c) {
    case 0x0649:  // alef maqsura -> yeh
    case 0x06CC:  // Persian yeh
      return 0x064A;
    case 0x0629:
      return 0x0647;  // teh marbuta -> heh
    case 0x06A9:
      return 0x0643;  // Persian kaf
    case 0x0671:
      return 0x0627;  // alef wasla
    default:
      return c;
  }
}

const icu::Normalizer2* Nfkd() {
  static const icu::Normalizer2* n = [] {
    UErrorCode st = U_ZERO_ERROR;
    const icu::Normalizer2* r = icu::Normalizer2::getNFKDInstance(st);
    return U_SUCCESS(st) ? r : nullptr;
  }();
  return n;
}

void NormalizeAscii(std::string_view s, std::string* out) {
  bool space = true;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '\'') continue;
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      out->push_back(static_cast<char>(c));
      space = false;
    } else if (c >= 'A' && c <= 'Z') {
      out->push_back(static_cast<char>(c - 'A' + 'a'));
      space = false;
    } else if (!space) {
      out->push_back(' ');
      space = true;
    }
  }
  if (!out->empty() && out->back() == ' ') out->pop_back();
}

}  // namespace

std::string Normalize(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  if (IsAsciiText(s)) {
    NormalizeAscii(s, &out);
    return out;
  }
  icu::UnicodeString u =
      icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())));
  if (const icu::Normalizer2* n = Nfkd()) {
    UErrorCode st = U_ZERO_ERROR;
    icu::UnicodeString d = n->normalize(u, st);
    if (U_SUCCESS(st)) u = d;
  }
  bool space = true;
  for (int32_t i = 0; i < u.length();) {
    UChar32 c = u.char32At(i);
    i += U16_LENGTH(c);
    int8_t type = u_charType(c);
    if (type == U_NON_SPACING_MARK || type == U_ENCLOSING_MARK || type == U_FORMAT_CHAR ||
        c == 0x0640 /* tatweel */)
      continue;
    if (const char* f = LatinFallback(u_foldCase(c, U_FOLD_CASE_DEFAULT))) {
      if (*f) {
        out += f;
        space = false;
      }
      continue;
    }
    if (u_isdigit(c)) {
      out.push_back(static_cast<char>('0' + u_charDigitValue(c)));
      space = false;
    } else if (u_isalpha(c)) {
      AppendUtf8(&out, UnifyArabic(u_foldCase(c, U_FOLD_CASE_DEFAULT)));
      space = false;
    } else if (!space) {
      out.push_back(' ');
      space = true;
    }
  }
  if (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

std::vector<std::string> Tokens(std::string_view s) {
  std::string n = Normalize(s);
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= n.size(); ++i) {
    if (i == n.size() || n[i] == ' ') {
      if (i > start) out.emplace_back(n.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

bool HasArabic(std::string_view s) {
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c == 0xD8 || c == 0xD9 || c == 0xDA || c == 0xDB) return true;  // U+0600..U+06FF
  }
  return false;
}

namespace {

// Decodes UTF-8 into code points.
std::vector<UChar32> CodePoints(std::string_view s) {
  std::vector<UChar32> out;
  out.reserve(s.size());
  int32_t i = 0, n = static_cast<int32_t>(s.size());
  while (i < n) {
    UChar32 c;
    U8_NEXT(s.data(), i, n, c);
    if (c >= 0) out.push_back(c);
  }
  return out;
}

const char* ArabicLetterLatin(UChar32 c, bool initial, bool after_alef) {
  switch (c) {
    case 0x0627:
      return "a";
    case 0x0628:
      return "b";
    case 0x062A:
      return "t";
    case 0x062B:
      return "th";
    case 0x062C:
      return "j";
    case 0x062D:
      return "h";
    case 0x062E:
      return "kh";
    case 0x062F:
      return "d";
    case 0x0630:
      return "dh";
    case 0x0631:
      return "r";
    case 0x0632:
      return "z";
    case 0x0633:
      return "s";
    case 0x0634:
      return "sh";
    case 0x0635:
      return "s";
    case 0x0636:
      return "d";
    case 0x0637:
      return "t";
    case 0x0638:
      return "z";
    case 0x0639:
      return "";  // ain: no Latin letter in common spellings
    case 0x063A:
      return "gh";
    case 0x0641:
      return "f";
    case 0x0642:
      return "q";
    case 0x0643:
      return "k";
    case 0x0644:
      return "l";
    case 0x0645:
      return "m";
    case 0x0646:
      return "n";
    case 0x0647:
      return "h";
    case 0x0648:
      return initial || after_alef ? "w" : "u";
    case 0x064A:
      return initial || after_alef ? "y" : "i";
    case 0x0621:
      return "";
    case 0x0686:
      return "ch";
    case 0x067E:
      return "p";
    case 0x06AF:
      return "g";
    case 0x0698:
      return "zh";
    case 0x06A4:
      return "v";
    default:
      return nullptr;
  }
}

}  // namespace

std::string ToLatin(std::string_view s) {
  std::string n = Normalize(s);
  if (!HasArabic(n)) return n;
  std::vector<UChar32> cps = CodePoints(n);
  std::string out;
  bool initial = true;
  UChar32 prev = 0;
  for (UChar32 c : cps) {
    if (const char* l = ArabicLetterLatin(c, initial, prev == 0x0627)) {
      out += l;
      initial = false;
    } else {
      AppendUtf8(&out, c);
      initial = c == ' ';
    }
    prev = c;
  }
  return out;
}

namespace {

// Sound classes of the consonant key; 0 = dropped (vowel-like).
char ArabicClass(UChar32 c) {
  switch (c) {
    case 0x0628:
    case 0x067E:
      return 'B';
    case 0x062A:
    case 0x0637:
    case 0x062B:
      return 'T';
    case 0x062C:
    case 0x063A:
    case 0x06AF:
      return 'G';
    case 0x062E:
    case 0x0642:
    case 0x0643:
      return 'K';
    case 0x062F:
    case 0x0636:
    case 0x0630:
      return 'D';
    case 0x0631:
      return 'R';
    case 0x0632:
    case 0x0638:
    case 0x0633:
    case 0x0635:
    case 0x0698:
      return 'S';
    case 0x0634:
    case 0x0686:
      return 'X';
    case 0x0641:
    case 0x06A4:
      return 'F';
    case 0x0644:
      return 'L';
    case 0x0645:
      return 'M';
    case 0x0646:
      return 'N';
    case 0x062D:
    case 0x0647:
      return 'H';  // hah, heh (a final heh is dropped by the caller)
    default:
      return 0;  // alef, waw, yeh, ain, hamza
  }
}

void LatinKey(std::string_view w, std::string* out) {
  size_t n = w.size();
  for (size_t i = 0; i < n; ++i) {
    char c = w[i];
    char nx = i + 1 < n ? w[i + 1] : 0;
    char k = 0;
    if (nx == 'h' && (c == 's' || c == 'c' || c == 'k' || c == 'g' || c == 't' || c == 'd' ||
                      c == 'p' || c == 'z')) {
      k = c == 's' || c == 'c' ? 'X'
          : c == 'k'           ? 'K'
          : c == 'g'           ? 'G'
          : c == 't'           ? 'T'
          : c == 'd'           ? 'D'
          : c == 'p'           ? 'F'
                               : 'S';
      ++i;
    } else {
      switch (c) {
        case 'b':
        case 'p':
          k = 'B';
          break;
        case 'c':
          k = (nx == 'e' || nx == 'i' || nx == 'y') ? 'S' : 'K';
          break;
        case 'd':
          k = 'D';
          break;
        case 'f':
        case 'v':
          k = 'F';
          break;
        case 'g':
        case 'j':
          k = 'G';
          break;
        case 'h':
          k = i + 1 == n ? 0 : 'H';
          break;  // a final h is silent (Fatimah)
        case 'k':
        case 'q':
          k = 'K';
          break;
        case 'l':
          k = 'L';
          break;
        case 'm':
          k = 'M';
          break;
        case 'n':
          k = 'N';
          break;
        case 'r':
          k = 'R';
          break;
        case 's':
        case 'z':
          k = 'S';
          break;
        case 't':
          k = 'T';
          break;
        case 'x':
          if (out->empty() || out->back() != 'K') out->push_back('K');
          k = 'S';
          break;
        default:
          k = 0;
      }
    }
    if (k && (out->empty() || out->back() != k)) out->push_back(k);
  }
}

}  // namespace

std::string ConsonantKey(std::string_view s) {
  std::vector<std::string> toks = Tokens(s);
  std::string out;
  for (const std::string& t : toks) {
    if (t == "al" || t == "el" || t == "ul" || t == "ال") continue;
    if (!out.empty() && out.back() != ' ') out.push_back(' ');
    if (HasArabic(t)) {
      std::vector<UChar32> cps = CodePoints(t);
      size_t from = 0;
      if (cps.size() > 3 && cps[0] == 0x0627 && cps[1] == 0x0644) from = 2;  // article
      size_t mark = out.size();
      for (size_t i = from; i < cps.size(); ++i) {
        char k = i + 1 == cps.size() && cps[i] == 0x0647 ? 0 : ArabicClass(cps[i]);
        if (k && (out.size() == mark || out.back() != k)) out.push_back(k);
      }
    } else {
      LatinKey(t, &out);
    }
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// --- Double Metaphone (condensed: the rules that matter for personal names) ------------------

namespace {

struct Dm {
  std::string w;  // upper-case ASCII, padded
  std::string p, a;
  bool Vowel(int i) const {
    if (i < 0 || i >= static_cast<int>(w.size())) return false;
    char c = w[static_cast<size_t>(i)];
    return c == 'A' || c == 'E' || c == 'I' || c == 'O' || c == 'U' || c == 'Y';
  }
  char At(int i) const {
    return i < 0 || i >= static_cast<int>(w.size()) ? '\0' : w[static_cast<size_t>(i)];
  }
  bool Is(int i, const char* s) const {
    size_t n = std::strlen(s);
    if (i < 0 || static_cast<size_t>(i) + n > w.size()) return false;
    return w.compare(static_cast<size_t>(i), n, s) == 0;
  }
  void Add(const char* m) { Add(m, m); }
  void Add(const char* m, const char* alt) {
    p += m;
    a += alt;
  }
};

}  // namespace

std::pair<std::string, std::string> DoubleMetaphone(std::string_view word) {
  std::string lat = HasArabic(word) ? ToLatin(word) : Normalize(word);
  Dm d;
  for (char c : lat)
    if (c >= 'a' && c <= 'z') d.w.push_back(static_cast<char>(c - 'a' + 'A'));
  if (d.w.empty()) return {"", ""};
  int n = static_cast<int>(d.w.size()), i = 0;
  if (d.Is(0, "GN") || d.Is(0, "KN") || d.Is(0, "PN") || d.Is(0, "WR") || d.Is(0, "PS")) i = 1;
  if (d.At(0) == 'X') {
    d.Add("S");
    i = 1;
  }
  while (i < n && (d.p.size() < 6 || d.a.size() < 6)) {
    char c = d.At(i);
    switch (c) {
      case 'A':
      case 'E':
      case 'I':
      case 'O':
      case 'U':
      case 'Y':
        if (i == 0) d.Add("A");
        i += 1;
        break;
      case 'B':
        d.Add("P");
        i += d.At(i + 1) == 'B' ? 2 : 1;
        break;
      case 'C':
        if (d.Is(i, "CH")) {
          if (d.Is(i, "CHR") || (i == 0 && (d.Is(i + 2, "AR") || d.Is(i + 2, "OR"))))
            d.Add("K");
          else
            d.Add("X", "K");
          i += 2;
        } else if (d.Is(i, "CIA") || d.Is(i, "CIO")) {
          d.Add("X", "S");
          i += 2;
        } else if (d.Is(i, "CE") || d.Is(i, "CI") || d.Is(i, "CY")) {
          d.Add("S");
          i += 2;
        } else if (d.Is(i, "CK") || d.Is(i, "CG") || d.Is(i, "CQ") || d.Is(i, "CC")) {
          if (d.Is(i, "CC") && (d.At(i + 2) == 'I' || d.At(i + 2) == 'E')) {
            d.Add("KS");
            i += 3;
          } else {
            d.Add("K");
            i += 2;
          }
        } else {
          d.Add("K");
          i += 1;
        }
        break;
      case 'D':
        if (d.Is(i, "DG") && (d.At(i + 2) == 'I' || d.At(i + 2) == 'E' || d.At(i + 2) == 'Y')) {
          d.Add("J");
          i += 3;
        } else {
          d.Add("T");
          i += (d.Is(i, "DT") || d.Is(i, "DD")) ? 2 : 1;
        }
        break;
      case 'F':
        d.Add("F");
        i += d.At(i + 1) == 'F' ? 2 : 1;
        break;
      case 'G':
        if (d.At(i + 1) == 'H') {
          if (i > 0 && !d.Vowel(i - 1)) {
            d.Add("K");
          } else if (i == 0) {
            d.Add(d.At(i + 2) == 'I' ? "J" : "K");
          } else if (i > 2 && d.At(i - 1) == 'U' &&
                     (d.At(i - 3) == 'C' || d.At(i - 3) == 'G' || d.At(i - 3) == 'L' ||
                      d.At(i - 3) == 'R' || d.At(i - 3) == 'T')) {
            d.Add("F");  // laugh, tough
          }
          i += 2;
        } else if (d.At(i + 1) == 'N') {
          if (i == 1 && d.Vowel(0))
            d.Add("KN", "N");
          else
            d.Add("N", "KN");
          i += 2;
        } else if (d.At(i + 1) == 'E' || d.At(i + 1) == 'I' || d.At(i + 1) == 'Y') {
          if (i == 0)
            d.Add("K", "J");
          else
            d.Add("J", "K");
          i += 2;
        } else {
          d.Add("K");
          i += d.At(i + 1) == 'G' ? 2 : 1;
        }
        break;
      case 'H':
        if ((i == 0 || d.Vowel(i - 1)) && d.Vowel(i + 1)) d.Add("H");
        i += 1;
        break;
      case 'J':
        if (i == 0)
          d.Add("J", "A");
        else
          d.Add("J", "H");
        i += d.At(i + 1) == 'J' ? 2 : 1;
        break;
      case 'K':
        d.Add("K");
        i += d.At(i + 1) == 'K' ? 2 : 1;
        break;
      case 'L':
        d.Add("L");
        i += d.At(i + 1) == 'L' ? 2 : 1;
        break;
      case 'M':
        d.Add("M");
        i += d.At(i + 1) == 'M' ? 2 : 1;
        break;
      case 'N':
        d.Add("N");
        i += d.At(i + 1) == 'N' ? 2 : 1;
        break;
      case 'P':
        if (d.At(i + 1) == 'H') {
          d.Add("F");
          i += 2;
        } else {
          d.Add("P");
          i += (d.At(i + 1) == 'P' || d.At(i + 1) == 'B') ? 2 : 1;
        }
        break;
      case 'Q':
        d.Add("K");
        i += d.At(i + 1) == 'Q' ? 2 : 1;
        break;
      case 'R':
        d.Add("R");
        i += d.At(i + 1) == 'R' ? 2 : 1;
        break;
      case 'S':
        if (d.Is(i, "SH")) {
          d.Add("X");
          i += 2;
        } else if (d.Is(i, "SIO") || d.Is(i, "SIA")) {
          d.Add("S", "X");
          i += 3;
        } else if (d.Is(i, "SCH")) {
          d.Add("SK");
          i += 3;
        } else if (d.Is(i, "SC") &&
                   (d.At(i + 2) == 'I' || d.At(i + 2) == 'E' || d.At(i + 2) == 'Y')) {
          d.Add("S");
          i += 3;
        } else {
          d.Add("S");
          i += (d.At(i + 1) == 'S' || d.At(i + 1) == 'Z') ? 2 : 1;
        }
        break;
      case 'T':
        if (d.Is(i, "TIO") || d.Is(i, "TIA") || d.Is(i, "TCH")) {
          d.Add("X");
          i += 3;
        } else if (d.Is(i, "TH")) {
          d.Add("0", "T");
          i += 2;
        } else {
          d.Add("T");
          i += (d.At(i + 1) == 'T' || d.At(i + 1) == 'D') ? 2 : 1;
        }
        break;
      case 'V':
        d.Add("F");
        i += d.At(i + 1) == 'V' ? 2 : 1;
        break;
      case 'W':
        if (d.Is(i, "WH") || (i == 0 && d.Vowel(i + 1))) d.Add("A", "F");
        i += d.Is(i, "WH") ? 2 : 1;
        break;
      case 'X':
        d.Add("KS");
        i += (d.At(i + 1) == 'X' || d.At(i + 1) == 'C') ? 2 : 1;
        break;
      case 'Z':
        d.Add("S", "TS");
        i += d.At(i + 1) == 'Z' ? 2 : 1;
        break;
      default:
        i += 1;
    }
  }
  if (d.p.size() > 6) d.p.resize(6);
  if (d.a.size() > 6) d.a.resize(6);
  return {d.p, d.a};
}

// --- Similarity ---------------------------------------------------------------------------

namespace {

template <typename C>
double JaroWinklerOf(const C* a, int la, const C* b, int lb) {
  if (la == 0 && lb == 0) return 1.0;
  if (la == 0 || lb == 0) return 0.0;
  if (la > 64 || lb > 64) {  // long strings: compare the first 64 characters
    la = std::min(la, 64);
    lb = std::min(lb, 64);
  }
  int window = std::max(0, std::max(la, lb) / 2 - 1);
  std::array<bool, 64> ma{}, mb{};
  int m = 0;
  for (int i = 0; i < la; ++i) {
    int lo = std::max(0, i - window), hi = std::min(lb - 1, i + window);
    for (int j = lo; j <= hi; ++j) {
      if (!mb[static_cast<size_t>(j)] && a[i] == b[j]) {
        ma[static_cast<size_t>(i)] = mb[static_cast<size_t>(j)] = true;
        ++m;
        break;
      }
    }
  }
  if (m == 0) return 0.0;
  int t = 0, k = 0;
  for (int i = 0; i < la; ++i) {
    if (!ma[static_cast<size_t>(i)]) continue;
    while (!mb[static_cast<size_t>(k)]) ++k;
    if (a[i] != b[k]) ++t;
    ++k;
  }
  double md = m;
  double jaro = (md / la + md / lb + (md - t / 2.0) / md) / 3.0;
  int prefix = 0;
  while (prefix < 4 && prefix < la && prefix < lb && a[prefix] == b[prefix]) ++prefix;
  return jaro + prefix * 0.1 * (1.0 - jaro);
}

}  // namespace

double JaroWinkler(std::string_view a, std::string_view b) {
  if (a == b) return 1.0;
  if (IsAsciiText(a) && IsAsciiText(b))
    return JaroWinklerOf(a.data(), static_cast<int>(a.size()), b.data(),
                         static_cast<int>(b.size()));
  std::vector<UChar32> ca = CodePoints(a), cb = CodePoints(b);
  return JaroWinklerOf(ca.data(), static_cast<int>(ca.size()), cb.data(),
                       static_cast<int>(cb.size()));
}

int Levenshtein(std::string_view a, std::string_view b, int max) {
  int la = static_cast<int>(a.size()), lb = static_cast<int>(b.size());
  if (std::abs(la - lb) > max) return max + 1;
  std::vector<int> prev(static_cast<size_t>(lb) + 1), cur(static_cast<size_t>(lb) + 1);
  for (int j = 0; j <= lb; ++j) prev[static_cast<size_t>(j)] = j;
  for (int i = 1; i <= la; ++i) {
    cur[0] = i;
    int best = cur[0];
    for (int j = 1; j <= lb; ++j) {
      auto ju = static_cast<size_t>(j);
      int sub = prev[ju - 1] + (a[static_cast<size_t>(i - 1)] == b[ju - 1] ? 0 : 1);
      cur[ju] = std::min({prev[ju] + 1, cur[ju - 1] + 1, sub});
      best = std::min(best, cur[ju]);
    }
    if (best > max) return max + 1;
    std::swap(prev, cur);
  }
  return prev[static_cast<size_t>(lb)];
}

namespace {

double OneWay(const std::vector<std::string>& a, const std::vector<std::string>& b) {
  double sum = 0;
  for (const std::string& x : a) {
    double best = 0;
    for (const std::string& y : b) best = std::max(best, JaroWinkler(x, y));
    sum += best;
  }
  return sum / static_cast<double>(a.size());
}

}  // namespace

double TokenSimilarity(std::string_view a, std::string_view b) {
  std::vector<std::string> ta = Tokens(a), tb = Tokens(b);
  if (ta.empty() || tb.empty()) return 0.0;
  const auto& shorter = ta.size() <= tb.size() ? ta : tb;
  const auto& longer = ta.size() <= tb.size() ? tb : ta;
  double s = 0.5 * (OneWay(shorter, longer) + OneWay(longer, shorter));
  double core = OneWay(shorter, longer);
  // A name written with fewer parts ("Amal Hassan" vs "Amal Hassan Ali") is common: the best
  // reading of the shorter name counts most, the unmatched parts cost a little.
  return std::max(s, core - 0.04 * static_cast<double>(longer.size() - shorter.size()));
}

// --- Dates and ages ------------------------------------------------------------------------

namespace {

int32_t DaysFromCivil(int y, int m, int d) {
  y -= m <= 2 ? 1 : 0;
  int era = (y >= 0 ? y : y - 399) / 400;
  int yoe = y - era * 400;
  int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool ValidDate(int y, int m, int d) {
  static const std::array<int, 12> kDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  if (d > kDays[static_cast<size_t>(m - 1)]) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return !(m == 2 && d == 29 && !leap);
}

bool Digits(std::string_view s, int* v) {
  if (s.empty()) return false;
  int x = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    x = x * 10 + (c - '0');
  }
  *v = x;
  return true;
}

// Splits a date into year, month, day strings; false when the shape is unknown.
bool DateParts(std::string_view s, int* y, int* m, int* d) {
  if (s.size() == 8 && Digits(s, y)) {
    return Digits(s.substr(0, 4), y) && Digits(s.substr(4, 2), m) && Digits(s.substr(6, 2), d);
  }
  if (s.size() == 10 && (s[4] == '-' || s[4] == '/') && s[7] == s[4])
    return Digits(s.substr(0, 4), y) && Digits(s.substr(5, 2), m) && Digits(s.substr(8, 2), d);
  if (s.size() == 10 && (s[2] == '/' || s[2] == '-' || s[2] == '.') && s[5] == s[2])
    return Digits(s.substr(6, 4), y) && Digits(s.substr(3, 2), m) && Digits(s.substr(0, 2), d);
  return false;
}

}  // namespace

bool ParseDay(std::string_view s, int32_t* day, int32_t* precision_days) {
  while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  int y = 0, m = 0, d = 0;
  if (s.size() == 4 && Digits(s, &y) && y > 0) {
    *day = DaysFromCivil(y, 7, 2);
    if (precision_days) *precision_days = 183;
    return true;
  }
  if (!DateParts(s, &y, &m, &d) || !ValidDate(y, m, d)) return false;
  *day = DaysFromCivil(y, m, d);
  if (precision_days) *precision_days = 0;
  return true;
}

DateAgreement CompareDates(std::string_view a, std::string_view b, int tolerance_days) {
  int ya = 0, ma = 0, da = 0, yb = 0, mb = 0, db = 0;
  bool pa = DateParts(a, &ya, &ma, &da), pb = DateParts(b, &yb, &mb, &db);
  if (!pa || !pb) {
    int32_t x = 0, y = 0;
    if (!ParseDay(a, &x) || !ParseDay(b, &y)) return DateAgreement::kMissing;
    if (x == y) return DateAgreement::kExact;
    return std::abs(x - y) <= tolerance_days ? DateAgreement::kWithinTolerance
                                             : DateAgreement::kDifferent;
  }
  if (ya == yb && ma == mb && da == db) return DateAgreement::kExact;
  if (ya == yb && ma == db && da == mb) return DateAgreement::kTransposed;
  char sa[16], sb[16];
  std::snprintf(sa, sizeof sa, "%04d%02d%02d", ya % 10000, ma % 100, da % 100);
  std::snprintf(sb, sizeof sb, "%04d%02d%02d", yb % 10000, mb % 100, db % 100);
  int diff = 0;
  for (int i = 0; i < 8; ++i) diff += sa[i] != sb[i] ? 1 : 0;
  if (diff == 1) return DateAgreement::kTypo;
  if (ValidDate(ya, ma, da) && ValidDate(yb, mb, db) &&
      std::abs(DaysFromCivil(ya, ma, da) - DaysFromCivil(yb, mb, db)) <= tolerance_days)
    return DateAgreement::kWithinTolerance;
  return DateAgreement::kDifferent;
}

bool AgesOverlap(int a_min, int a_max, int b_min, int b_max, int slack) {
  if (a_min > a_max) std::swap(a_min, a_max);
  if (b_min > b_max) std::swap(b_min, b_max);
  return a_min - slack <= b_max && b_min - slack <= a_max;
}

}  // namespace aegis::match
