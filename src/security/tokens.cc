#include "security/tokens.h"

#include <sodium.h>

#include <array>
#include <cstdio>
#include <cstdlib>

#include "security/internal.h"

namespace aegis::security {

namespace {

std::string CsrfMessage(std::string_view session_id) {
  std::string m;
  internal::AppendField(&m, "aegis-csrf-v1");
  internal::AppendField(&m, session_id);
  return m;
}

}  // namespace

std::string RandomToken() {
  internal::EnsureSodiumOrDie();
  std::array<unsigned char, kTokenBytes> raw{};
  randombytes_buf(raw.data(), raw.size());
  std::string t = internal::ToBase64(raw.data(), raw.size(), /*url=*/true);
  sodium_memzero(raw.data(), raw.size());
  return t;
}

std::string TokenDigest(std::string_view token) {
  internal::EnsureSodiumOrDie();
  std::array<unsigned char, crypto_hash_sha256_BYTES> h{};
  crypto_hash_sha256(h.data(), reinterpret_cast<const unsigned char*>(token.data()), token.size());
  return internal::ToHex(h.data(), h.size());
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string CsrfToken(const Keyring& keyring, std::string_view session_id) {
  auto mac = keyring.ComputeMac(MacPurpose::kSessionMac, "", CsrfMessage(session_id));
  if (!mac.ok()) {
    // Cannot happen with a loaded Keyring (its active key is a data key).
    std::fprintf(stderr, "aegis: fatal: CSRF token: %s\n", mac.status().message().c_str());
    std::abort();
  }
  return internal::ToBase64(mac->data(), mac->size(), /*url=*/true);
}

bool VerifyCsrfToken(const Keyring& keyring, std::string_view session_id, std::string_view token) {
  if (session_id.empty() || token.empty()) return false;
  Mac presented{};
  size_t len = 0;
  if (!internal::FromBase64(token, /*url=*/true, presented.data(), presented.size(), &len) ||
      len != presented.size())
    return false;
  const std::string msg = CsrfMessage(session_id);
  bool ok = false;
  for (const KeyInfo& k : keyring.keys())
    if (k.purpose == "data") ok |= keyring.VerifyMac(MacPurpose::kSessionMac, k.id, msg, presented);
  return ok;
}

}  // namespace aegis::security
