// Passwords: Argon2id hashing (libsodium crypto_pwhash_str) and the password policy.
//
// Stored form: the standard PHC string that libsodium writes, for example
//   $argon2id$v=19$m=65536,t=3,p=1$<salt>$<hash>
// (at most 127 characters, ASCII; it carries its own salt and parameters, so store it as is in
// one TEXT column). Never log it: it allows offline guessing.
//
// Cost: t = 3 passes over m = 64 MiB (libsodium's "interactive" memory limit with one more pass
// than its interactive default of 2): about 0.1-0.2 s and 64 MiB per hash on the project's
// 2-core server. A login therefore costs that much memory for that long; a server should bound
// concurrent verifications (e.g. a semaphore of 2-4) rather than lower the cost.
//
// Every function here is thread-safe; libsodium is started once (std::call_once).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/status.h"

namespace aegis::security {

// Argon2id parameters of new hashes (see above).
inline constexpr uint64_t kPasswordOpsLimit = 3;
inline constexpr size_t kPasswordMemLimit = size_t{64} << 20;  // 64 MiB
// Longest password accepted, in bytes (longer input is refused, not truncated).
inline constexpr size_t kMaxPasswordBytes = 1024;
// Shortest password the policy accepts, in characters (Unicode code points).
inline constexpr size_t kMinPasswordChars = 12;

// Hashes a password with Argon2id and a fresh random salt. Two calls with the same password give
// different strings. Errors: InvalidArgument for an empty password or one longer than
// kMaxPasswordBytes; Internal when the 64 MiB cannot be allocated. Does NOT apply the policy:
// call CheckPasswordPolicy first when a person chooses a password.
Result<std::string> HashPassword(std::string_view password);

// True when `password` matches `hash` (a string from HashPassword, or any Argon2 string libsodium
// accepts). Constant-time in the comparison. False for a malformed or empty hash, and for an
// empty or over-long password. Costs as much as one HashPassword.
bool VerifyPassword(std::string_view hash, std::string_view password);

// True when `hash` was made with other parameters (or another algorithm) than the current ones,
// or is malformed. After a successful VerifyPassword, a caller re-hashes the password it just
// received and stores the new hash when this is true.
bool NeedsRehash(std::string_view hash);

// The policy for a password a person chooses (user add, reset, change). OK, or InvalidArgument
// with a message that says how to fix it and never repeats the password. Rules:
//  - valid UTF-8, at most kMaxPasswordBytes bytes;
//  - at least kMinPasswordChars characters (code points);
//  - not all of one class (lower-case, upper-case, digits, ASCII symbols and spaces, non-ASCII
//    letters): "correct horse battery staple" passes (letters and spaces);
//  - at least 5 different characters ("aaaaaaaaaaa1" is refused);
//  - not a well-known password, nor a common word (password, qwerty, admin, welcome, aegis,
//    protection, ...; letters written as digits such as p@ssw0rd count as the word) merely
//    repeated or padded with digits and symbols ("Password2024!", "qwertyqwerty").
Status CheckPasswordPolicy(std::string_view password);

}  // namespace aegis::security
