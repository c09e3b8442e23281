// Record linkage building blocks: name normalisation across scripts, keys, string similarity and
// a learned Arabic-to-Latin transliteration model. See doc/match.md for the method and figures.
//
// Every function takes and returns UTF-8. Nothing here reads or writes a store.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "util/status.h"

namespace aegis::match {

// --- Normalisation and keys -----------------------------------------------------------------

// Unicode NFKD, combining marks removed (accents, Arabic harakat, shadda, hamza marks), case
// folded, Arabic letter variants unified (alef forms, alef maqsura -> yeh, teh marbuta -> heh,
// Persian yeh/kaf), tatweel and format characters removed, punctuation and separators to one
// space, trimmed. Scripts are kept: "José  O'Neil" -> "jose o neil", "مُحَمَّد" -> "محمد".
std::string Normalize(std::string_view s);

// Normalize() split on spaces; empty parts dropped.
std::vector<std::string> Tokens(std::string_view s);

// True when `s` holds at least one Arabic letter.
bool HasArabic(std::string_view s);

// A readable, deterministic Latin rendering of Arabic script (rule based, one spelling per
// letter; long vowels written, short vowels cannot be recovered). Latin text passes through
// Normalize() unchanged in meaning. "محمد" -> "mhmd", "شريف" -> "shrif".
std::string ToLatin(std::string_view s);

// A vowel-insensitive consonant key that is the same for a name written in Arabic or in one of
// its Latin spellings: consonants are mapped to sound classes (k/q/c/kh -> K, s/z/c -> S, ...),
// vowels, w/y, a final h, ain and hamza are dropped, runs collapse, an article ("al", "el",
// "ال") is removed. "Mohammed", "Muhammad", "محمد" -> "MHMD"; "Fatimah", "فاطمة" -> "FTM".
std::string ConsonantKey(std::string_view s);

// Double Metaphone (Lawrence Philips) primary and alternate codes of one Latin word, at most 6
// characters each. Arabic words are first passed through ToLatin(). Empty input gives "".
std::pair<std::string, std::string> DoubleMetaphone(std::string_view word);

// --- Similarity ------------------------------------------------------------------------------

// Jaro-Winkler similarity in [0, 1] over Unicode code points (prefix scale 0.1, up to 4).
double JaroWinkler(std::string_view a, std::string_view b);
// Levenshtein distance over bytes, stopping early once above `max` (returns max + 1).
int Levenshtein(std::string_view a, std::string_view b, int max = 1 << 20);
// Similarity of names of several parts, insensitive to order and to missing parts: each token of
// the shorter name takes its best Jaro-Winkler partner in the other (symmetric Monge-Elkan),
// averaged, with a small penalty for unmatched extra tokens. Inputs are normalised first.
double TokenSimilarity(std::string_view a, std::string_view b);

// --- Dates and ages --------------------------------------------------------------------------

// Days since 1970-01-01 of "YYYY-MM-DD", "YYYYMMDD", "DD/MM/YYYY" or "YYYY" (as mid-year, and
// *precision_days is set to 183). Returns false when `s` is none of these or is not a real date.
bool ParseDay(std::string_view s, int32_t* day, int32_t* precision_days = nullptr);

// How two dates compare for matching: equal, within `tolerance_days`, day and month swapped,
// one typing error (one digit different), or different.
enum class DateAgreement { kMissing, kExact, kTransposed, kTypo, kWithinTolerance, kDifferent };
DateAgreement CompareDates(std::string_view a, std::string_view b, int tolerance_days);

// True when the age ranges [a_min, a_max] and [b_min, b_max] overlap, each widened by `slack`
// years (ages are estimated in the field; a child's age may be written as a range).
bool AgesOverlap(int a_min, int a_max, int b_min, int b_max, int slack);

// --- Arabic-to-Latin transliteration model ---------------------------------------------------

// A stochastic transducer P(latin | arabic): each Arabic letter, seen in its context (the letter
// before and after), emits a Latin string of 0 to 4 letters; probabilities are estimated by
// expectation-maximisation over aligned name pairs (e.g. the TRAIN split of Google's ar2en
// pairs). Scores all alignments (forward algorithm), so it ranks Latin spellings of an Arabic
// name. Thread-safe once built.
class TranslitModel {
 public:
  TranslitModel();
  ~TranslitModel();
  TranslitModel(TranslitModel&&) noexcept;
  TranslitModel& operator=(TranslitModel&&) noexcept;

  // Learns from (arabic, latin) pairs. Pairs whose Latin side has no letter are skipped.
  static Result<TranslitModel> Train(const std::vector<std::pair<std::string, std::string>>& pairs,
                                     int iterations = 8);
  // Reads pairs from a tab-separated file "arabic<TAB>latin" per line (the ar2en format).
  static Result<std::vector<std::pair<std::string, std::string>>> ReadPairs(
      const std::string& path);

  // log P(latin | arabic); -inf when the model gives the pair no alignment.
  double LogProb(std::string_view arabic, std::string_view latin) const;
  // A score in [0, 1] comparable across names: exp(LogProb / number of Latin letters), the
  // per-letter geometric mean probability.
  double Similarity(std::string_view arabic, std::string_view latin) const;
  bool empty() const;

  // Ranks `latin` candidates for each Arabic query; returns, per query, candidate indexes best
  // first (at most `top`). Uses `threads` threads.
  std::vector<std::vector<int>> Rank(const std::vector<std::string>& arabic,
                                     const std::vector<std::string>& latin, int top,
                                     int threads) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Name similarity in [0, 1] for two names in any mix of scripts: Latin-Latin by Jaro-Winkler and
// token similarity; Arabic-Arabic likewise on the Arabic letters; Arabic-Latin through the model
// when one is given, else through ToLatin() and consonant keys.
double NameSimilarity(std::string_view a, std::string_view b, const TranslitModel* model);

// Splits [0, n) into `threads` contiguous parts and runs fn(part, from, to) for each on its own
// thread, then waits; with one thread (or n = 0), runs fn(0, 0, n) in the caller.
void ParallelFor(size_t n, int threads, const std::function<void(size_t, size_t, size_t)>& fn);

}  // namespace aegis::match
