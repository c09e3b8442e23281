// Random tokens (session ids, API tokens), their stored digests, and CSRF tokens.
//
// Session ids and API tokens: RandomToken() = 32 bytes from the system's CSPRNG (libsodium
// randombytes_buf), base64url without padding: 43 characters of [A-Za-z0-9_-], safe in cookies,
// headers and URLs. Give them to the client once; store only TokenDigest(token) (SHA-256, 64 lower-
// case hex digits) in the database and look a presented token up by its digest. A database leak
// then yields no usable token (256 random bits cannot be guessed back from their hash, so no salt
// or slow hash is needed, unlike passwords).
//
// CSRF: CsrfToken(keyring, session id) = base64url(HMAC-SHA256 under the session subkey
// "AegisSes" of the active key, over "aegis-csrf-v1" | session id): a deterministic token per
// session (no server state), which the page embeds and the server checks on every state-changing
// request with VerifyCsrfToken. It is verified against every data key of the key file, so forms
// opened before a key rotation keep working; it dies with the session.
//
// All functions are thread-safe. RandomToken aborts the process when the system has no random
// source (nothing sensible can continue without one).
#pragma once

#include <string>
#include <string_view>

#include "security/keyring.h"

namespace aegis::security {

// Random bytes behind a token.
inline constexpr size_t kTokenBytes = 32;

// A new random token: 43 characters of base64url (256 bits).
std::string RandomToken();

// SHA-256 of the token's bytes as 64 lower-case hex digits: what the database stores.
std::string TokenDigest(std::string_view token);

// Compares two strings in time that depends only on their lengths (not on where they differ).
// Different lengths compare unequal at once: use it on values of a fixed length (digests, MACs).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// The CSRF token of a session (43 characters of base64url).
std::string CsrfToken(const Keyring& keyring, std::string_view session_id);

// True when `token` is the CSRF token of `session_id` under any data key of the key file. False
// for an empty session id or token.
bool VerifyCsrfToken(const Keyring& keyring, std::string_view session_id, std::string_view token);

}  // namespace aegis::security
