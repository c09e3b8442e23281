// Small text helpers used across modules. All functions take and return UTF-8.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace aegis::text {

std::string_view Trim(std::string_view s);
std::string ToLowerAscii(std::string_view s);
bool IEquals(std::string_view a, std::string_view b);  // ASCII case-insensitive
bool StartsWith(std::string_view s, std::string_view prefix);
std::vector<std::string> Split(std::string_view s, char sep);
std::vector<std::string> SplitAny(std::string_view s, std::string_view seps);  // drops empty parts
std::string Join(const std::vector<std::string>& parts, std::string_view sep);

// True when every byte of `s` is ASCII (< 0x80). Inline and 8 bytes at a time: the importer asks
// this of every cell, and almost all are ASCII.
inline bool IsAscii(std::string_view s) {
  constexpr uint64_t kHighBits = 0x8080808080808080ULL;
  size_t i = 0, n = s.size();
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if (w & kHighBits) return false;
  }
  for (; i < n; ++i)
    if (static_cast<unsigned char>(s[i]) >= 0x80) return false;
  return true;
}

// Returns the byte offset of the first invalid UTF-8 sequence, or npos if `s` is valid UTF-8.
size_t FindInvalidUtf8(std::string_view s);

// Folds a name for matching: Unicode NFKD, accents removed, Latin-ASCII transliteration of other
// scripts (Arabic gives its consonant skeleton), lower case, punctuation to single spaces, trimmed.
// "Rumbek Centre" -> "rumbek centre", "Ségou" -> "segou", "Luakpiny/Nasir" -> "luakpiny nasir".
std::string FoldName(std::string_view s);

// A cell value quoted for an error message ("'2026-02-30'"), or `otherwise` when the value could
// be personal. Error messages, logs and quarantine reasons are kept in clear, so they quote only
// what has the shape of a code, date or small number: at most 24 characters of [A-Za-z0-9_./:-]
// with a digit or an underscore, and no run of 8 or more digits (a phone or an ID number).
// "SS999999", "2026-02-30", "forced_recruitment" are quoted; "yesterday", "Nyabol Deng",
// "0955123456" and "+211955771234" are not. The value itself stays in the sealed raw row.
std::string QuoteIfCode(std::string_view v, std::string_view otherwise);

// Parses a whole string as an integer / a decimal number. Accepts surrounding spaces and
// thousands separators written as "50,170" or "50 170". Returns false on anything else.
bool ParseInt64(std::string_view s, int64_t* out);
bool ParseDouble(std::string_view s, double* out);

// True when a spreadsheet program would read the cell as a formula (=, +, -, @, tab, CR first).
// Inline: it runs on every cell of every imported row, and the first character settles it for
// almost all cells.
inline bool LooksLikeFormula(std::string_view s) {
  if (s.empty()) return false;
  char c = s[0];
  if (c == '=' || c == '@' || c == '\t' || c == '\r') return true;
  double d;  // "-5" is a number, "-1+A1" or "+cmd|..." is a formula
  return (c == '+' || c == '-') && s.size() > 1 && !ParseDouble(s, &d);
}

// 64-bit hash (xxHash64) used for change detection; stable across runs and machines.
uint64_t Hash64(std::string_view s, uint64_t seed = 0);

}  // namespace aegis::text
