// Internal helpers of the security module (not part of its interface): libsodium start-up,
// encodings, memory for secrets, atomic file writes. Other modules include the public headers
// (password.h, keyring.h, pseudonym.h, audit_chain.h, tokens.h) only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/env.h"
#include "util/status.h"

namespace aegis::security::internal {

// Runs sodium_init() once per process (std::call_once, thread-safe). Returns an Internal error
// when libsodium cannot start (no usable random source).
Status EnsureSodium();
// As EnsureSodium(), for functions that cannot report an error (random tokens, MACs): a process
// that has no random source must not go on issuing session ids, so this aborts with a message.
void EnsureSodiumOrDie();

// Lower-case hex of `n` bytes.
std::string ToHex(const unsigned char* p, size_t n);
// Base64 encodings (libsodium variants). `url` = URL-safe alphabet without padding; otherwise the
// original alphabet with padding.
std::string ToBase64(const unsigned char* p, size_t n, bool url);
// Decodes base64 into `out` (capacity `cap`); returns false on bad input or overflow. `*len` gets
// the decoded length.
bool FromBase64(std::string_view b64, bool url, unsigned char* out, size_t cap, size_t* len);
// Crockford base32 (0-9 A-Z without I L O U) of the first `chars` * 5 bits of `p`.
std::string ToBase32(const unsigned char* p, size_t n, size_t chars);

// Appends a field to a canonical message: 8-byte big-endian length, then the bytes. A sequence
// of such fields can be split back in exactly one way, so two different tuples never give the
// same message.
void AppendField(std::string* msg, std::string_view field);
void AppendInt(std::string* msg, int64_t v);  // 8 bytes big-endian

// Overwrites a string's bytes (and its whole capacity) with zeros, then clears it.
void Wipe(std::string* s);

// Bytes from sodium_malloc (guard pages, locked in RAM where the system allows it), zeroed and
// freed by sodium_free on destruction. Move-only.
class SecureBytes {
 public:
  SecureBytes() = default;
  explicit SecureBytes(size_t n);  // aborts if sodium_malloc fails (out of memory)
  ~SecureBytes();
  SecureBytes(SecureBytes&& o) noexcept;
  SecureBytes& operator=(SecureBytes&& o) noexcept;
  SecureBytes(const SecureBytes&) = delete;
  SecureBytes& operator=(const SecureBytes&) = delete;

  unsigned char* data() { return p_; }
  const unsigned char* data() const { return p_; }
  size_t size() const { return n_; }
  void MakeReadOnly();  // sodium_mprotect_readonly: a stray write then crashes

 private:
  unsigned char* p_ = nullptr;
  size_t n_ = 0;
};

// Reads a whole regular file (at most `max_bytes`) through `env`. NotFound when absent,
// InvalidArgument when not a regular file or too large, IOError otherwise. `mode` (if not null)
// gets the permission bits of the file that was read (fstat of the same descriptor).
Result<std::string> ReadSmallFile(Env* env, const std::string& path, size_t max_bytes,
                                  unsigned* mode = nullptr);

// Writes `content` to `path` atomically with mode 0600, through `env`: a temporary file in the
// same folder, write, fsync, close, then rename over `path` (or, with `no_clobber`, link() so
// that an existing file is never replaced: AlreadyExists), then fsync of the folder. A crash
// leaves either the old file or the new one, never a mix; on any error before the rename the
// temporary file is removed and `path` is untouched. An error from the folder's fsync comes after
// the rename: the new file is in place, but may not survive a power cut, so the caller reports
// the save as failed and its retry writes the file again. `what` names the file in messages
// ("key file").
Status WriteFileAtomic(Env* env, const std::string& path, std::string_view content, bool no_clobber,
                       std::string_view what);

// An exclusive flock on "<path>.lock" (created 0600 beside `path`), held until the returned
// object is destroyed, so that two processes rewriting the same file (key rotation, anchor saves)
// take turns.
Result<std::unique_ptr<FileLock>> LockBeside(Env* env, const std::string& path,
                                             std::string_view what);

// The folder part of a path ("." for a bare file name).
std::string DirOf(const std::string& path);

// Current time, UTC, "YYYY-MM-DDTHH:MM:SSZ".
std::string NowIso();

}  // namespace aegis::security::internal
