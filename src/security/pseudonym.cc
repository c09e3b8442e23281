#include "security/pseudonym.h"

#include <cstdio>
#include <cstdlib>

#include "security/internal.h"

namespace aegis::security {

std::string Pseudonym(const Keyring& keyring, std::string_view kind, std::string_view id) {
  std::string msg;
  internal::AppendField(&msg, "aegis-pseudonym-v1");
  internal::AppendField(&msg, kind);
  internal::AppendField(&msg, id);
  auto mac = keyring.ComputeMac(MacPurpose::kPseudonym, "", msg);
  if (!mac.ok()) {
    // Keyring::Load guarantees a pseudonym key; handing out a non-unique value would be worse
    // than stopping.
    std::fprintf(stderr, "aegis: fatal: pseudonym: %s\n", mac.status().message().c_str());
    std::abort();
  }
  return "P-" + internal::ToBase32(mac->data(), mac->size(), kPseudonymChars);
}

}  // namespace aegis::security
