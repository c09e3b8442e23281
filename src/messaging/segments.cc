// SMS segments (GSM 03.38 and UCS-2).
#include <string>
#include <unordered_set>

#include "messaging/messaging.h"

namespace aegis::messaging {

namespace {

// The basic GSM-7 alphabet (one septet each), as Unicode code points.
const std::unordered_set<char32_t>& Basic() {
  static const std::unordered_set<char32_t> k = [] {
    std::unordered_set<char32_t> s;
    const char32_t* extra = U"@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà";
    for (const char32_t* p = extra; *p; ++p) s.insert(*p);
    for (char32_t c = U'0'; c <= U'9'; ++c) s.insert(c);
    for (char32_t c = U'A'; c <= U'Z'; ++c) s.insert(c);
    for (char32_t c = U'a'; c <= U'z'; ++c) s.insert(c);
    return s;
  }();
  return k;
}

// The extension table (an escape septet and the character: two septets each).
bool Extension(char32_t c) {
  return c == U'\f' || c == U'^' || c == U'{' || c == U'}' || c == U'\\' || c == U'[' ||
         c == U'~' || c == U']' || c == U'|' || c == U'€';
}

// Next code point of `s` from `*i` (a malformed byte counts as U+FFFD).
char32_t Next(std::string_view s, size_t* i) {
  const auto b = static_cast<unsigned char>(s[*i]);
  int n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || *i + n > s.size()) {
    ++*i;
    return 0xFFFD;
  }
  char32_t c = n == 1 ? b : b & (0x7F >> n);
  for (int k = 1; k < n; ++k) c = (c << 6) | (static_cast<unsigned char>(s[*i + k]) & 0x3F);
  *i += n;
  return c;
}

}  // namespace

Segments CountSegments(std::string_view utf8) {
  Segments out;
  int septets = 0, utf16 = 0;
  for (size_t i = 0; i < utf8.size();) {
    const size_t start = i;
    const char32_t c = Next(utf8, &i);
    utf16 += c > 0xFFFF ? 2 : 1;
    if (Basic().count(c)) {
      septets += 1;
    } else if (Extension(c)) {
      septets += 2;
    } else {
      out.ucs2 = true;
      if (out.non_gsm.size() < 5) {
        std::string ch(utf8.substr(start, i - start));
        bool seen = false;
        for (const std::string& s : out.non_gsm) seen = seen || s == ch;
        if (!seen) out.non_gsm.push_back(ch);
      }
    }
  }
  out.units = out.ucs2 ? utf16 : septets;
  const int single = out.ucs2 ? 70 : 160, part = out.ucs2 ? 67 : 153;
  if (out.units == 0)
    out.segments = 0;
  else if (out.units <= single)
    out.segments = 1;
  else
    out.segments = (out.units + part - 1) / part;
  return out;
}

}  // namespace aegis::messaging
