#include "security/internal.h"

#include <sodium.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "util/date.h"

namespace aegis::security::internal {

namespace {

int g_sodium_result = -1;
std::once_flag g_sodium_once;

}  // namespace

Status EnsureSodium() {
  std::call_once(g_sodium_once, [] { g_sodium_result = sodium_init(); });
  if (g_sodium_result < 0)
    return Status::Internal(
        "libsodium: sodium_init() failed; the system offers no usable random source "
        "(check that /dev/urandom exists in this container or chroot)");
  return Status::Ok();
}

void EnsureSodiumOrDie() {
  Status st = EnsureSodium();
  if (!st.ok()) {
    std::fprintf(stderr, "aegis: fatal: %s\n", st.message().c_str());
    std::abort();
  }
}

std::string ToHex(const unsigned char* p, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[p[i] >> 4]);
    out.push_back(kDigits[p[i] & 0x0f]);
  }
  return out;
}

std::string ToBase64(const unsigned char* p, size_t n, bool url) {
  const int variant =
      url ? sodium_base64_VARIANT_URLSAFE_NO_PADDING : sodium_base64_VARIANT_ORIGINAL;
  std::string out(sodium_base64_encoded_len(n, variant), '\0');
  sodium_bin2base64(out.data(), out.size(), p, n, variant);
  out.resize(std::strlen(out.c_str()));
  return out;
}

bool FromBase64(std::string_view b64, bool url, unsigned char* out, size_t cap, size_t* len) {
  const int variant =
      url ? sodium_base64_VARIANT_URLSAFE_NO_PADDING : sodium_base64_VARIANT_ORIGINAL;
  *len = 0;
  return sodium_base642bin(out, cap, b64.data(), b64.size(), nullptr, len, nullptr, variant) == 0;
}

std::string ToBase32(const unsigned char* p, size_t n, size_t chars) {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string out;
  out.reserve(chars);
  for (size_t c = 0; c < chars; ++c) {
    size_t bit = c * 5;
    unsigned v = 0;
    for (size_t b = 0; b < 5; ++b, ++bit) {
      size_t byte = bit / 8;
      unsigned x = byte < n ? (p[byte] >> (7 - bit % 8)) & 1U : 0U;
      v = (v << 1) | x;
    }
    out.push_back(kAlphabet[v]);
  }
  return out;
}

void AppendInt(std::string* msg, int64_t v) {
  auto u = static_cast<uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8)
    msg->push_back(static_cast<char>((u >> shift) & 0xff));
}

void AppendField(std::string* msg, std::string_view field) {
  AppendInt(msg, static_cast<int64_t>(field.size()));
  msg->append(field);
}

void Wipe(std::string* s) {
  if (s->capacity() > 0) {
    s->resize(s->capacity());
    sodium_memzero(s->data(), s->size());
  }
  s->clear();
}

SecureBytes::SecureBytes(size_t n) : n_(n) {
  EnsureSodiumOrDie();
  p_ = static_cast<unsigned char*>(sodium_malloc(n));
  if (p_ == nullptr) {
    std::fprintf(stderr, "aegis: fatal: sodium_malloc(%zu) failed: out of memory\n", n);
    std::abort();
  }
  sodium_memzero(p_, n);
}

SecureBytes::~SecureBytes() {
  if (p_ != nullptr) sodium_free(p_);  // zeroes before freeing
}

SecureBytes::SecureBytes(SecureBytes&& o) noexcept : p_(o.p_), n_(o.n_) {
  o.p_ = nullptr;
  o.n_ = 0;
}

SecureBytes& SecureBytes::operator=(SecureBytes&& o) noexcept {
  if (this != &o) {
    if (p_ != nullptr) sodium_free(p_);
    p_ = o.p_;
    n_ = o.n_;
    o.p_ = nullptr;
    o.n_ = 0;
  }
  return *this;
}

void SecureBytes::MakeReadOnly() {
  if (p_ != nullptr) sodium_mprotect_readonly(p_);
}

Result<std::string> ReadSmallFile(Env* env, const std::string& path, size_t max_bytes,
                                  unsigned* mode) {
  std::string out;
  Status st = env->ReadFile(path, max_bytes, &out, mode);
  if (!st.ok()) {
    Wipe(&out);
    if (st.code() == Status::Code::kNotFound) return Status::NotFound(path + ": no such file");
    return st;
  }
  return out;
}

Status WriteFileAtomic(Env* env, const std::string& path, std::string_view content, bool no_clobber,
                       std::string_view what) {
  const std::string dir = DirOf(path);
  const std::string w(what);
  std::string tmp;
  auto file = env->NewTempFile(path + ".tmp-", &tmp);
  if (!file.ok())
    return Status::IOError(w + " " + path + ": cannot create a file in folder " + dir + ": " +
                           file.status().message() +
                           "; check that the folder exists, is writable by this user and has "
                           "free space");
  // Before the rename `path` is untouched: remove the temporary file (best effort; a leftover
  // "<path>.tmp-XXXXXX" is harmless) and report the step.
  auto fail = [&](const Status& st) {
    file.value().reset();
    (void)env->RemoveFile(tmp);
    return Status::IOError(w + " " + path + ": " + st.message() + "; " + w +
                           " left as it was; free space or fix the disk, then retry");
  };
  if (Status st = (*file)->Append(content); !st.ok()) return fail(st);
  if (Status st = (*file)->Sync(); !st.ok()) return fail(st);
  if (Status st = (*file)->Close(); !st.ok()) return fail(st);
  if (no_clobber) {
    Status st = env->LinkFile(tmp, path);
    (void)env->RemoveFile(tmp);  // the link (if made) keeps the content
    if (st.code() == Status::Code::kAlreadyExists)
      return Status::AlreadyExists(w + " " + path +
                                   " already exists; it was left untouched (move it away "
                                   "first if you really mean to replace it, and never delete a "
                                   "key file that still decrypts data)");
    if (!st.ok()) return Status::IOError(w + " " + path + ": cannot create: " + st.message());
  } else if (Status st = env->RenameFile(tmp, path); !st.ok()) {
    return fail(st);
  }
  if (Status st = env->SyncDir(dir); !st.ok())
    return Status::IOError(w + " " + path + ": written, but " + st.message() +
                           "; it may not survive a power cut: fix the disk, then retry");
  return Status::Ok();
}

Result<std::unique_ptr<FileLock>> LockBeside(Env* env, const std::string& path,
                                             std::string_view what) {
  std::string lock_path = path + ".lock";
  auto lock = env->LockFile(lock_path);
  if (!lock.ok())
    return Status::IOError(std::string(what) + " " + path +
                           ": cannot lock: " + lock.status().message() +
                           "; check that the folder exists and is writable by this user");
  return lock;
}

std::string DirOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string NowIso() { return NowUtc(); }

}  // namespace aegis::security::internal
