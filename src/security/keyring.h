// The key file and field encryption.
//
// KEY FILE. Kept OUTSIDE the database, at a path the operator chooses (in production on another
// disk or host than the database and its backups: whoever holds both can read every encrypted
// field and rewrite the audit log). Created with mode 0600; Load refuses a file that group or
// others may read or write. JSON, written by Create/Rotate:
//
//   {
//     "format": "aegis-keyring", "version": 1,
//     "active_key": "k2",            // data key used for new encryptions and MACs
//     "pseudonym_key": "p1",         // the stable key of pseudonyms (never rotated)
//     "keys": [
//       {"id": "p1", "purpose": "pseudonym", "created_at": "2026-11-22T10:16:00Z", "key": "<b64>"},
//       {"id": "k1", "purpose": "data",      "created_at": "2026-11-22T10:16:00Z", "key": "<b64>"},
//       {"id": "k2", "purpose": "data",      "created_at": "2027-05-01T08:00:00Z", "key": "<b64>"}
//     ]
//   }
//
// "key" is 32 random bytes in standard base64. "purpose" may be omitted ("data"). Ids match
// [A-Za-z0-9_-]{1,32}; data keys are numbered k1, k2, ... by Rotate. Unknown members are ignored.
// No key is ever removed by this code: a data key decrypts every field encrypted under it, for as
// long as one such field exists (including in database backups). Back the key file up separately
// from the database; losing it makes the encrypted fields unreadable for good.
//
// SUBKEYS. Each 32-byte key is a master key; what is used is derived from it with libsodium's
// crypto_kdf_derive_from_key (BLAKE2b), subkey id 1 and these 8-byte contexts:
//   "AegisFld" field encryption (XChaCha20-Poly1305)      - data keys
//   "AegisAud" audit chain HMAC-SHA256                      - data keys
//   "AegisSes" session / CSRF token HMAC-SHA256             - data keys
//   "AegisPsn" pseudonym HMAC-SHA256                        - the pseudonym key only
// so that a key leaked for one use (say a MAC key in a memory dump of the web server) reveals
// nothing about another. Keys and subkeys live in sodium_malloc memory (guard pages, locked in
// RAM where allowed, read-only once derived, zeroed when freed). Copies of the base64 text made
// while reading or writing the JSON are wiped where this code owns them (best effort).
//
// ENCRYPTED FIELD FORMAT. Encrypt returns a text token
//   enc:v1:<key id>:<base64url without padding of (24-byte nonce | ciphertext | 16-byte tag)>
// XChaCha20-Poly1305-IETF with a random nonce (safe for any number of messages per key), and as
// associated data the bytes "enc:v1:<key id>:<context>". The context names the column
// ("incident.narrative", "person.name"): a token copied into another column, or given another key
// id, fails to decrypt. Size: about 4/3 * (plaintext + 40) + 12 bytes. Equal plaintexts give
// different tokens (the nonce is random), so encrypted columns cannot be searched or joined on;
// use a pseudonym (pseudonym.h) as a blind index where a lookup is needed.
//
// ROTATION. Rotate() adds a data key, makes it active and saves the file (atomically, under a lock
// file "<path>.lock", refusing if the file on disk gained keys this object does not know). Old
// tokens stay readable; NeedsReencrypt tells which values a background job should pass through
// Reencrypt, in batches, while the service runs. A process that loaded the key file before a
// rotation does not see the new key: restart (or reload) every process after `aegis keys rotate`.
//
// THREADS. A Keyring is move-only (a moved-from Keyring may only be destroyed or assigned to). Its
// const methods may be called from many threads at once; Rotate and Save need exclusive access (a
// server swaps in a freshly loaded Keyring instead).
#pragma once

#include <array>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "util/env.h"
#include "util/status.h"

namespace aegis::security {

// What a MAC subkey is for (see SUBKEYS above).
enum class MacPurpose { kPseudonym, kAuditMac, kSessionMac };

// A key's public description (never its material).
struct KeyInfo {
  std::string id;
  std::string purpose;  // "data" or "pseudonym"
  std::string created_at;
  bool active = false;
};

using Mac = std::array<unsigned char, 32>;  // HMAC-SHA256 output

// Largest plaintext Encrypt accepts.
inline constexpr size_t kMaxPlaintextBytes = size_t{16} << 20;

class Keyring {
 public:
  // Creates a new key file at `path` (mode 0600) with a pseudonym key "p1" and an active data key
  // "k1". Never overwrites: AlreadyExists if `path` exists. IOError if the folder is missing or
  // not writable. The key file (and the audit anchor beside it, audit_chain.h) is read and written
  // through `env` (not owned; it must outlive the Keyring; null = Env::Default()).
  static Result<Keyring> Create(const std::string& path, Env* env = nullptr);

  // Loads a key file. Refuses (InvalidArgument, saying to run chmod 600) a file that group or
  // others may read or write, and anything but a regular file. NotFound if absent; Corruption if
  // the content is not a valid key file (bad JSON, a key that is not 32 bytes of base64, an
  // active key that is not listed, duplicate ids). Messages never contain key material. `env`
  // as for Create.
  static Result<Keyring> Load(const std::string& path, Env* env = nullptr);

  Keyring(Keyring&&) noexcept;
  Keyring& operator=(Keyring&&) noexcept;
  Keyring(const Keyring&) = delete;
  Keyring& operator=(const Keyring&) = delete;
  ~Keyring();

  // Adds a new random data key, makes it the active one and saves the file. The previous keys stay
  // (decryption). On error nothing changes in memory, and the file on disk is either the old one
  // or (when only the folder's fsync after the rename failed) the new one, never a mix: either
  // way every key that sealed a field is in it. Then Load the file again and retry: the retry
  // adds one more key, which is harmless.
  Status Rotate();
  // Writes the key file atomically (temporary file, fsync, rename, fsync of the folder), mode
  // 0600. Refuses (Corruption) to overwrite a file on disk that holds a key this object lacks, or
  // a different key under the same id.
  Status Save() const;

  const std::string& path() const;
  Env* env() const;  // the Env given to Create or Load (never null)
  const std::string& active_key_id() const;
  const std::string& pseudonym_key_id() const;
  std::vector<KeyInfo> keys() const;  // in file order
  bool HasKey(std::string_view id) const;

  // Encrypts `plaintext` for the column named by `context` (printable ASCII, 1-128 bytes) with
  // the active key. InvalidArgument on a bad context or a plaintext over kMaxPlaintextBytes.
  Result<std::string> Encrypt(std::string_view plaintext, std::string_view context) const;
  // Decrypts a token from Encrypt with the key it names. Errors (messages name the key id and the
  // context, never the token or the plaintext):
  //   InvalidArgument - not a token at all (a plaintext value: check IsEncrypted first);
  //   Unsupported     - a token format newer than v1;
  //   NotFound        - the key id is not in this key file;
  //   Corruption      - altered (any byte), truncated, or encrypted for another context.
  Result<std::string> Decrypt(std::string_view token, std::string_view context) const;
  // A token under the active key for the same plaintext: `token` itself when it already uses the
  // active key, else decrypted and encrypted again. Errors as Decrypt.
  Result<std::string> Reencrypt(std::string_view token, std::string_view context) const;
  // True when `value` is an encrypted token (IsEncrypted) under a key other than the active one.
  bool NeedsReencrypt(std::string_view value) const;

  // Low level, for the other primitives of this module (pseudonym.h, audit_chain.h, tokens.h):
  // HMAC-SHA256 of `message` under the `purpose` subkey of key `key_id`. An empty `key_id` means
  // the pseudonym key for kPseudonym and the active key otherwise. NotFound for an unknown id,
  // InvalidArgument for a key of the wrong purpose (a data key for pseudonyms or the reverse).
  Result<Mac> ComputeMac(MacPurpose purpose, std::string_view key_id,
                         std::string_view message) const;
  // Constant-time check of `mac` against ComputeMac(purpose, key_id, message); false on any error.
  bool VerifyMac(MacPurpose purpose, std::string_view key_id, std::string_view message,
                 const Mac& mac) const;

  struct State;  // opaque (keyring.cc)

 private:
  explicit Keyring(std::unique_ptr<State> s);
  Status SaveState(const State& s, bool no_clobber) const;
  std::unique_ptr<State> s_;
};

// True when `value` has the shape of an encrypted token, "enc:v<N>:<key id>:<base64url>" (any
// version, so that a newer token is never mistaken for plaintext and encrypted twice). Does not
// check that it decrypts.
bool IsEncrypted(std::string_view value);

// The key id named by a token, or "" when `value` is not a token.
std::string TokenKeyId(std::string_view value);

}  // namespace aegis::security
