#include "util/text.h"

#include <unicode/translit.h>
#include <unicode/unistr.h>
#include <xxhash.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>

namespace aegis::text {

std::string_view Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n'))
    --e;
  // Non-breaking space (U+00A0) is common in spreadsheets.
  while (e - b >= 2 && static_cast<unsigned char>(s[b]) == 0xC2 &&
         static_cast<unsigned char>(s[b + 1]) == 0xA0)
    b += 2;
  while (e - b >= 2 && static_cast<unsigned char>(s[e - 2]) == 0xC2 &&
         static_cast<unsigned char>(s[e - 1]) == 0xA0)
    e -= 2;
  return s.substr(b, e - b);
}

std::string ToLowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == sep) {
      out.emplace_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  return out;
}

std::vector<std::string> SplitAny(std::string_view s, std::string_view seps) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || seps.find(s[i]) != std::string_view::npos) {
      std::string_view part = Trim(s.substr(start, i - start));
      if (!part.empty()) out.emplace_back(part);
      start = i + 1;
    }
  }
  return out;
}

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out.append(sep);
    out.append(parts[i]);
  }
  return out;
}

namespace {

// Bytes of a 64-bit word whose top bit is set (non-ASCII).
constexpr uint64_t kHighBits = 0x8080808080808080ULL;

// Length of the leading run of ASCII bytes, read 8 bytes at a time.
size_t AsciiPrefix(const unsigned char* p, size_t n) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    if (w & kHighBits) break;
  }
  while (i < n && p[i] < 0x80) ++i;
  return i;
}

}  // namespace

size_t FindInvalidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    i += AsciiPrefix(p + i, n - i);  // most cells are plain ASCII
    if (i == n) break;
    unsigned char c = p[i];
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return i;
    i += len;
  }
  return std::string_view::npos;
}

namespace {

std::string FoldAscii(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool pending_space = false;
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) {
      if (pending_space && !out.empty()) out.push_back(' ');
      pending_space = false;
      out.push_back(static_cast<char>(std::tolower(c)));
    } else if (c == '\'' || c == 0x60) {
      // apostrophes join: "Al Dhale'a" -> "al dhalea"
    } else {
      pending_space = true;
    }
  }
  return out;
}

icu::Transliterator* Folder() {
  static std::once_flag once;
  static icu::Transliterator* t = nullptr;
  std::call_once(once, [] {
    UErrorCode status = U_ZERO_ERROR;
    t = icu::Transliterator::createInstance(
        "Any-Latin; Latin-ASCII; NFD; [:Nonspacing Mark:] Remove; Lower; NFC", UTRANS_FORWARD,
        status);
    if (U_FAILURE(status)) t = nullptr;
  });
  return t;
}

std::mutex& FolderMutex() {
  static std::mutex m;
  return m;
}

}  // namespace

std::string QuoteIfCode(std::string_view v, std::string_view otherwise) {
  v = Trim(v);
  bool marked = false;
  int digits = 0;
  for (char ch : v) {
    const bool digit = ch >= '0' && ch <= '9';
    const bool ok = digit || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
                    ch == '.' || ch == '/' || ch == ':' || ch == '-';
    if (!ok) return std::string(otherwise);
    digits = digit ? digits + 1 : 0;
    if (digits >= 8) return std::string(otherwise);
    marked = marked || digit || ch == '_';
  }
  if (v.empty() || v.size() > 24 || !marked) return std::string(otherwise);
  return "'" + std::string(v) + "'";
}

std::string FoldName(std::string_view s) {
  if (IsAscii(s)) return FoldAscii(s);
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), s.size()));
  if (icu::Transliterator* t = Folder()) {
    std::lock_guard<std::mutex> lock(FolderMutex());  // ICU transliterators are not thread-safe
    t->transliterate(u);
  }
  std::string utf8;
  u.toUTF8String(utf8);
  return FoldAscii(utf8);
}

namespace {

// Writes `s` trimmed and without thousands separators into *out, reusing its capacity.
void StripNumber(std::string_view s, std::string* out) {
  s = Trim(s);
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool between_digits = i > 0 && i + 1 < s.size() &&
                          std::isdigit(static_cast<unsigned char>(s[i - 1])) &&
                          std::isdigit(static_cast<unsigned char>(s[i + 1]));
    if ((c == ',' || c == ' ') && between_digits) continue;
    out->push_back(c);
  }
}

// "-12.345", "7", "0.5": an optional minus, digits, and optionally a point and more digits; at
// most 40 characters, so the value is neither out of range nor subnormal.
bool IsPlainDecimal(std::string_view t) {
  if (t.empty() || t.size() > 40) return false;
  size_t i = t[0] == '-' ? 1 : 0;
  auto digits = [&] {
    size_t from = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i > from;
  };
  if (!digits()) return false;
  if (i < t.size() && t[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  return i == t.size();
}

// A per-thread buffer for strtoll/strtod, which need a NUL-terminated copy: numbers are parsed
// for several cells of every row, and a fresh string each time would allocate for long ones.
std::string& NumberScratch() {
  thread_local std::string buf;
  return buf;
}

}  // namespace

bool ParseInt64(std::string_view s, int64_t* out) {
  std::string& t = NumberScratch();
  StripNumber(s, &t);
  if (t.empty()) return false;
  // Spreadsheets often hold integers as "12.0".
  if (t.size() > 2 && t.compare(t.size() - 2, 2, ".0") == 0) t.resize(t.size() - 2);
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(t.c_str(), &end, 10);
  if (errno != 0 || end != t.c_str() + t.size()) return false;
  *out = v;
  return true;
}

bool ParseDouble(std::string_view s, double* out) {
  std::string& t = NumberScratch();
  StripNumber(s, &t);
  if (t.empty()) return false;
  if (IsPlainDecimal(t)) {
    // from_chars gives the same value as strtod (both round correctly), several times faster.
    std::from_chars(t.data(), t.data() + t.size(), *out);
    return true;
  }
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (errno != 0 || end != t.c_str() + t.size()) return false;
  *out = v;
  return true;
}

uint64_t Hash64(std::string_view s, uint64_t seed) { return XXH64(s.data(), s.size(), seed); }

}  // namespace aegis::text
