#include "security/password.h"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <set>

#include "security/internal.h"
#include "util/text.h"

namespace aegis::security {

namespace {

constexpr std::string_view kArgon2idPrefix = "$argon2id$";

// Well-known passwords of 12 or more characters (shorter ones fail the length rule anyway),
// lower case. From the public top lists (SecLists, NCSC 100k), long entries only.
constexpr std::array<std::string_view, 24> kCommonPasswords = {
    "123456789012",     "1234567890123",    "12345678910",  "123456789abc",   "1q2w3e4r5t6y",
    "1qaz2wsx3edc",     "qwertyuiop123",    "qwerty123456", "qwertyuiopasdf", "asdfghjkl123",
    "zaq12wsxcde3",     "abcdefghijkl",     "abc123abc123", "iloveyou1234",   "password1234",
    "passwordpassword", "mypassword123",    "letmein12345", "welcome12345",   "administrator1",
    "changeme1234",     "trustno1trustno1", "football1234", "starwars1234",
};

// Common words that make a weak password when padded with digits or symbols or repeated
// ("Password2024!", "adminadmin12"). Includes words an attacker would try first against this
// system: its own name and the sector's vocabulary.
constexpr std::array<std::string_view, 48> kCommonWords = {
    "password",     "passwort", "motdepasse", "contrasena", "qwerty",     "qwertyuiop",
    "azerty",       "asdfgh",   "asdfghjkl",  "zxcvbnm",    "abc",        "abcd",
    "abcdef",       "abcdefgh", "letmein",    "welcome",    "admin",      "administrator",
    "root",         "user",     "login",      "changeme",   "default",    "secret",
    "iloveyou",     "monkey",   "dragon",     "football",   "baseball",   "soccer",
    "sunshine",     "princess", "master",     "shadow",     "superman",   "starwars",
    "trustno",      "test",     "guest",      "aegis",      "protection", "cluster",
    "humanitarian", "unhcr",    "unicef",     "ocha",       "southsudan", "juba",
};

bool IsLetterAscii(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Undoes the usual letter-to-digit/symbol substitutions (p@ssw0rd -> password).
char Unleet(char c) {
  switch (c) {
    case '@':
    case '4':
      return 'a';
    case '0':
      return 'o';
    case '1':
    case '!':
      return 'i';
    case '3':
      return 'e';
    case '$':
    case '5':
      return 's';
    case '7':
    case '+':
      return 't';
    default:
      return c;
  }
}

bool IsCommonWord(std::string_view w) {
  return std::find(kCommonWords.begin(), kCommonWords.end(), w) != kCommonWords.end();
}

// True when `s` is one common word repeated one or more times.
bool IsRepeatedCommonWord(std::string_view s) {
  if (s.empty()) return false;
  for (size_t len = 1; len <= s.size(); ++len) {
    if (s.size() % len != 0) continue;
    std::string_view unit = s.substr(0, len);
    bool repeated = true;
    for (size_t i = len; i < s.size() && repeated; i += len) repeated = s.substr(i, len) == unit;
    if (repeated && IsCommonWord(unit)) return true;
  }
  return false;
}

// The guessable core of a password: lower case, digits and symbols stripped from both ends,
// leetspeak undone, then the ASCII symbols and spaces left inside dropped.
// "P@ssw0rd2024!" -> "password", "aegis-aegis-2025" -> "aegisaegis".
bool IsGuessable(std::string_view pw) {
  std::string lower = text::ToLowerAscii(pw);
  if (std::find(kCommonPasswords.begin(), kCommonPasswords.end(), lower) != kCommonPasswords.end())
    return true;
  auto strippable = [](char ch) {
    auto c = static_cast<unsigned char>(ch);
    return c < 0x80 && !IsLetterAscii(c);
  };
  size_t b = 0, e = lower.size();
  while (e > b && strippable(lower[e - 1])) --e;
  while (b < e && strippable(lower[b])) ++b;
  if (b == e) return true;  // digits and symbols only: "1234567890!!"
  std::string core;
  for (size_t i = b; i < e; ++i) {
    char c = Unleet(lower[i]);
    if (!strippable(c)) core.push_back(c);
  }
  return IsRepeatedCommonWord(core);
}

}  // namespace

Result<std::string> HashPassword(std::string_view password) {
  AEGIS_RETURN_IF_ERROR(internal::EnsureSodium());
  if (password.empty())
    return Status::InvalidArgument("password: empty; choose a password of at least 12 characters");
  if (password.size() > kMaxPasswordBytes)
    return Status::InvalidArgument("password: longer than " + std::to_string(kMaxPasswordBytes) +
                                   " bytes; choose a shorter passphrase");
  std::array<char, crypto_pwhash_STRBYTES> out{};
  if (crypto_pwhash_str_alg(out.data(), password.data(), password.size(), kPasswordOpsLimit,
                            kPasswordMemLimit, crypto_pwhash_ALG_ARGON2ID13) != 0)
    return Status::Internal("password hashing: Argon2id could not allocate " +
                            std::to_string(kPasswordMemLimit >> 20) +
                            " MiB; free memory on this machine (or limit concurrent logins) and "
                            "try again");
  return std::string(out.data());
}

bool VerifyPassword(std::string_view hash, std::string_view password) {
  if (!internal::EnsureSodium().ok()) return false;
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  if (password.empty() || password.size() > kMaxPasswordBytes) return false;
  std::array<char, crypto_pwhash_STRBYTES> h{};
  std::copy(hash.begin(), hash.end(), h.begin());  // NUL-terminated copy
  return crypto_pwhash_str_verify(h.data(), password.data(), password.size()) == 0;
}

bool NeedsRehash(std::string_view hash) {
  if (!internal::EnsureSodium().ok()) return true;
  if (hash.size() >= crypto_pwhash_STRBYTES || !text::StartsWith(hash, kArgon2idPrefix))
    return true;
  std::array<char, crypto_pwhash_STRBYTES> h{};
  std::copy(hash.begin(), hash.end(), h.begin());
  return crypto_pwhash_argon2id_str_needs_rehash(h.data(), kPasswordOpsLimit, kPasswordMemLimit) !=
         0;
}

Status CheckPasswordPolicy(std::string_view pw) {
  constexpr std::string_view kHint =
      "; a passphrase of three or four unrelated words (with spaces) is long and easy to remember";
  if (text::FindInvalidUtf8(pw) != std::string_view::npos)
    return Status::InvalidArgument(
        "password: not valid UTF-8 text; type it again (check the keyboard layout)");
  if (pw.size() > kMaxPasswordBytes)
    return Status::InvalidArgument("password: longer than " + std::to_string(kMaxPasswordBytes) +
                                   " bytes; choose a shorter passphrase");
  size_t chars = 0;
  bool lower = false, upper = false, digit = false, symbol = false, other = false;
  std::set<std::string_view> distinct;
  for (size_t i = 0; i < pw.size();) {
    auto c = static_cast<unsigned char>(pw[i]);
    size_t len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    distinct.insert(pw.substr(i, len));
    ++chars;
    if (c >= 'a' && c <= 'z') {
      lower = true;
    } else if (c >= 'A' && c <= 'Z') {
      upper = true;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else if (c < 0x80) {
      symbol = true;
    } else {
      other = true;
    }
    i += len;
  }
  if (chars < kMinPasswordChars)
    return Status::InvalidArgument("password: too short (" + std::to_string(chars) +
                                   " characters); use at least " +
                                   std::to_string(kMinPasswordChars) + std::string(kHint));
  int classes = int{lower} + int{upper} + int{digit} + int{symbol} + int{other};
  if (classes < 2)
    return Status::InvalidArgument(
        "password: uses only one kind of character (only lower-case letters, only digits, ...); "
        "mix in another kind: spaces between words, a capital, a digit or a symbol" +
        std::string(kHint));
  if (distinct.size() < 5)
    return Status::InvalidArgument(
        "password: repeats too few different characters (fewer than 5); choose one with more "
        "variety" +
        std::string(kHint));
  if (IsGuessable(pw))
    return Status::InvalidArgument(
        "password: too easy to guess (a well-known password, or a common word repeated or with "
        "digits and symbols added); attackers try these first" +
        std::string(kHint));
  return Status::Ok();
}

}  // namespace aegis::security
