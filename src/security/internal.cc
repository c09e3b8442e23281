#include "security/internal.h"

#include <fcntl.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include "util/date.h"

namespace aegis::security::internal {

namespace {

int g_sodium_result = -1;
std::once_flag g_sodium_once;

std::string Errno() { return std::strerror(errno); }

// Writes all of `data` to `fd`, retrying on EINTR and short writes.
bool WriteAll(int fd, std::string_view data) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t w = ::write(fd, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    left -= static_cast<size_t>(w);
  }
  return true;
}

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

Result<std::string> ReadSmallFile(const std::string& path, size_t max_bytes, unsigned* mode) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound(path + ": no such file");
    return Status::IOError(path + ": cannot open: " + Errno());
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    std::string err = Errno();
    ::close(fd);
    return Status::IOError(path + ": cannot stat: " + err);
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument(path + ": not a regular file; give the path of the file itself");
  }
  if (mode != nullptr) *mode = static_cast<unsigned>(st.st_mode) & 07777U;
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t r = ::read(fd, buf, sizeof buf);
    if (r < 0) {
      if (errno == EINTR) continue;
      std::string err = Errno();
      ::close(fd);
      Wipe(&out);
      return Status::IOError(path + ": cannot read: " + err);
    }
    if (r == 0) break;
    if (out.size() + static_cast<size_t>(r) > max_bytes) {
      ::close(fd);
      Wipe(&out);
      sodium_memzero(buf, sizeof buf);
      return Status::InvalidArgument(path + ": larger than " + std::to_string(max_bytes) +
                                     " bytes; this is not the expected file");
    }
    out.append(buf, static_cast<size_t>(r));
  }
  sodium_memzero(buf, sizeof buf);
  ::close(fd);
  return out;
}

Status WriteFileAtomic(const std::string& path, std::string_view content, bool no_clobber,
                       std::string_view what) {
  const std::string dir = DirOf(path);
  std::string tmpl = path + ".tmp-XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  int fd = ::mkstemp(name.data());  // mode 0600
  if (fd < 0)
    return Status::IOError(std::string(what) + " " + path + ": cannot create a file in folder " +
                           dir + ": " + Errno() +
                           "; check that the folder exists and is writable by this user");
  const std::string tmp(name.data());
  auto fail = [&](const std::string& step) {
    std::string err = Errno();
    ::close(fd);
    ::unlink(tmp.c_str());
    return Status::IOError(std::string(what) + " " + path + ": " + step + " failed: " + err);
  };
  if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0) return fail("chmod 600 of the temporary file");
  if (!WriteAll(fd, content)) return fail("write");
  if (::fsync(fd) != 0) return fail("fsync");
  if (::close(fd) != 0) {
    std::string err = Errno();
    ::unlink(tmp.c_str());
    return Status::IOError(std::string(what) + " " + path + ": close failed: " + err);
  }
  if (no_clobber) {
    if (::link(tmp.c_str(), path.c_str()) != 0) {
      int e = errno;
      ::unlink(tmp.c_str());
      if (e == EEXIST)
        return Status::AlreadyExists(std::string(what) + " " + path +
                                     " already exists; it was left untouched (move it away "
                                     "first if you really mean to replace it, and never delete a "
                                     "key file that still decrypts data)");
      return Status::IOError(std::string(what) + " " + path +
                             ": cannot create: " + std::strerror(e));
    }
    ::unlink(tmp.c_str());
  } else if (::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string err = Errno();
    ::unlink(tmp.c_str());
    return Status::IOError(std::string(what) + " " + path + ": rename into place failed: " + err);
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);  // makes the rename durable; best effort on file systems that refuse it
    ::close(dfd);
  }
  return Status::Ok();
}

Result<FileLock> FileLock::Acquire(const std::string& path, std::string_view what) {
  std::string lock_path = path + ".lock";
  int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return Status::IOError(std::string(what) + " " + path + ": cannot open lock file " + lock_path +
                           ": " + Errno() +
                           "; check that the folder exists and is writable by this user");
  while (::flock(fd, LOCK_EX) != 0) {
    if (errno == EINTR) continue;
    std::string err = Errno();
    ::close(fd);
    return Status::IOError(std::string(what) + " " + path + ": cannot lock " + lock_path + ": " +
                           err);
  }
  return FileLock(fd);
}

FileLock::FileLock(FileLock&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the lock
}

std::string DirOf(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string NowIso() { return NowUtc(); }

}  // namespace aegis::security::internal
