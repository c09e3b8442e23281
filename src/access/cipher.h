// The store's field cipher over the key file, following key rotations while a process runs.
//
// A server loaded the key file at start; `aegis keys rotate` then adds a key and re-seals stored
// values with it while the server keeps serving. KeySource notices: it re-reads the key file when
// the file changed (checked at most once per `recheck_ms`) and when a value names a key it does
// not know, so new writes move to the new key within a second and re-sealed values stay readable.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "security/keyring.h"
#include "store/store.h"

namespace aegis::access {

class KeySource final : public store::FieldCipher {
 public:
  // Loads `path` (NotFound if missing; see security::Keyring::Load for the other errors).
  static Result<std::shared_ptr<KeySource>> Load(const std::string& path, int recheck_ms = 1000);

  // The key file as it is now (re-read if it changed on disk).
  std::shared_ptr<const security::Keyring> current() const;
  const std::string& path() const { return path_; }

  Result<std::string> Seal(std::string_view plain, std::string_view column) const override;
  Result<std::string> Open(std::string_view value, std::string_view column) const override;
  std::string ActivePrefix() const override;

  KeySource(std::string path, std::shared_ptr<const security::Keyring> k, int recheck_ms);

 private:
  struct Stamp {
    int64_t mtime_ns = 0, size = 0, inode = 0;
    bool operator==(const Stamp&) const = default;
  };
  static Stamp StampOf(const std::string& path);
  // Re-reads the file if its stamp changed (or `force`); keeps the old keys on any error.
  void Refresh(bool force) const;

  std::string path_;
  int recheck_ms_;
  mutable std::mutex mu_;  // serialises reloads
  // Read on every field: an atomic pointer, and the next time the file is checked, so that the
  // common case takes no lock.
  mutable std::atomic<std::shared_ptr<const security::Keyring>> keys_;
  mutable Stamp stamp_;
  mutable std::atomic<int64_t> next_check_ns_{0};
};

}  // namespace aegis::access
