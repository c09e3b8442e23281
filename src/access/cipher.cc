#include "access/cipher.h"

#include <sys/stat.h>

namespace aegis::access {

namespace {
int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

KeySource::KeySource(std::string path, std::shared_ptr<const security::Keyring> k, int recheck_ms)
    : path_(std::move(path)), recheck_ms_(recheck_ms), keys_(std::move(k)), stamp_(StampOf(path_)) {
  next_check_ns_ = NowNs() + int64_t{recheck_ms_} * 1000000;
}

Result<std::shared_ptr<KeySource>> KeySource::Load(const std::string& path, int recheck_ms) {
  AEGIS_ASSIGN_OR_RETURN(security::Keyring k, security::Keyring::Load(path));
  return std::make_shared<KeySource>(path, std::make_shared<const security::Keyring>(std::move(k)),
                                     recheck_ms);
}

KeySource::Stamp KeySource::StampOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return {};
  return {static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec,
          static_cast<int64_t>(st.st_size), static_cast<int64_t>(st.st_ino)};
}

void KeySource::Refresh(bool force) const {
  int64_t now = NowNs();
  if (!force && now < next_check_ns_.load(std::memory_order_relaxed)) return;
  std::lock_guard<std::mutex> l(mu_);
  next_check_ns_ = now + int64_t{recheck_ms_} * 1000000;
  Stamp s = StampOf(path_);
  if (!force && s == stamp_) return;
  Result<security::Keyring> k = security::Keyring::Load(path_);
  if (!k.ok()) return;  // a half-written or unreadable file: keep the keys we have
  keys_ = std::make_shared<const security::Keyring>(std::move(*k));
  stamp_ = s;
}

std::shared_ptr<const security::Keyring> KeySource::current() const {
  Refresh(false);
  return keys_.load();
}

Result<std::string> KeySource::Seal(std::string_view plain, std::string_view column) const {
  return current()->Encrypt(plain, column);
}

Result<std::string> KeySource::Open(std::string_view value, std::string_view column) const {
  if (!security::IsEncrypted(value)) return std::string(value);  // stored before encryption
  std::shared_ptr<const security::Keyring> k = current();
  if (!k->HasKey(security::TokenKeyId(value))) {
    Refresh(true);  // sealed by a newer key than we loaded
    k = current();
  }
  return k->Decrypt(value, column);
}

std::string KeySource::ActivePrefix() const { return "enc:v1:" + current()->active_key_id() + ":"; }

}  // namespace aegis::access
