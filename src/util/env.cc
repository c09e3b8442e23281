#include "util/env.h"

#include <fcntl.h>
#include <string.h>  // explicit_bzero
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <vector>

namespace aegis {

namespace {

Status PosixError(const std::string& path, std::string_view step, int err) {
  std::string msg = path + ": " + std::string(step) + " failed: " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(std::move(msg));
  return Status::IOError(std::move(msg));
}

void Zero(std::string* s) {
  if (s->capacity() > 0) {
    s->resize(s->capacity());
    explicit_bzero(s->data(), s->size());
  }
  s->clear();
}

class PosixSequentialFile final : public SequentialFile {
 public:
  PosixSequentialFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixSequentialFile() override { ::close(fd_); }
  PosixSequentialFile(const PosixSequentialFile&) = delete;
  PosixSequentialFile& operator=(const PosixSequentialFile&) = delete;

  Status Read(size_t n, char* scratch, size_t* got) override {
    *got = 0;
    for (;;) {
      ssize_t r = ::read(fd_, scratch, n);
      if (r >= 0) {
        *got = static_cast<size_t>(r);
        return Status::Ok();
      }
      if (errno != EINTR) return PosixError(path_, "read", errno);
    }
  }

 private:
  std::string path_;
  int fd_;
};

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }
  PosixWritableFile(const PosixWritableFile&) = delete;
  PosixWritableFile& operator=(const PosixWritableFile&) = delete;

  Status Append(std::string_view data) override {
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      ssize_t w = ::write(fd_, p, left);
      if (w < 0) {
        if (errno == EINTR) continue;
        return PosixError(path_, "write", errno);
      }
      p += w;
      left -= static_cast<size_t>(w);
    }
    return Status::Ok();
  }
  Status Sync() override {
    if (::fsync(fd_) != 0) return PosixError(path_, "fsync", errno);
    return Status::Ok();
  }
  Status Close() override {
    int fd = fd_;
    fd_ = -1;
    if (fd >= 0 && ::close(fd) != 0) return PosixError(path_, "close", errno);
    return Status::Ok();
  }

 private:
  std::string path_;
  int fd_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override { ::close(fd_); }  // releases the lock
  PosixFileLock(const PosixFileLock&) = delete;
  PosixFileLock& operator=(const PosixFileLock&) = delete;

 private:
  int fd_;
};

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError(path, "open", errno);
    return std::unique_ptr<SequentialFile>(std::make_unique<PosixSequentialFile>(path, fd));
  }

  Status ReadFile(const std::string& path, size_t max_bytes, std::string* out,
                  unsigned* mode) override {
    Zero(out);
    // O_NONBLOCK: a FIFO put in the file's place must not hang the caller.
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return PosixError(path, "open", errno);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      int e = errno;
      ::close(fd);
      return PosixError(path, "stat", e);
    }
    if (!S_ISREG(st.st_mode)) {
      ::close(fd);
      return Status::InvalidArgument(path +
                                     ": not a regular file; give the path of the file itself");
    }
    if (mode != nullptr) *mode = static_cast<unsigned>(st.st_mode) & 07777U;
    std::vector<char> buf(size_t{64} << 10);
    Status result;
    for (;;) {
      ssize_t r = ::read(fd, buf.data(), buf.size());
      if (r < 0) {
        if (errno == EINTR) continue;
        result = PosixError(path, "read", errno);
        break;
      }
      if (r == 0) break;
      if (out->size() + static_cast<size_t>(r) > max_bytes) {
        result = Status::InvalidArgument(path + ": larger than " + std::to_string(max_bytes) +
                                         " bytes; this is not the expected file");
        break;
      }
      out->append(buf.data(), static_cast<size_t>(r));
    }
    explicit_bzero(buf.data(), buf.size());
    ::close(fd);
    if (!result.ok()) Zero(out);
    return result;
  }

  Result<uint64_t> FileSize(const std::string& path) override {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return PosixError(path, "stat", errno);
    return static_cast<uint64_t>(st.st_size);
  }

  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  Result<std::unique_ptr<WritableFile>> NewTempFile(const std::string& prefix,
                                                    std::string* name) override {
    std::string tmpl = prefix + "XXXXXX";
    int fd = ::mkstemp(tmpl.data());  // mode 0600
    if (fd < 0) return PosixError(prefix, "create a file", errno);
    if (::fchmod(fd, S_IRUSR | S_IWUSR) != 0) {  // whatever the umask or the file system
      int e = errno;
      ::close(fd);
      ::unlink(tmpl.c_str());
      return PosixError(tmpl, "chmod 600", e);
    }
    *name = tmpl;
    return std::unique_ptr<WritableFile>(std::make_unique<PosixWritableFile>(tmpl, fd));
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return PosixError(to, "rename", errno);
    return Status::Ok();
  }

  Status LinkFile(const std::string& from, const std::string& to) override {
    if (::link(from.c_str(), to.c_str()) != 0) {
      if (errno == EEXIST) return Status::AlreadyExists(to + ": already exists");
      return PosixError(to, "link", errno);
    }
    return Status::Ok();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError(path, "remove", errno);
    return Status::Ok();
  }

  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError(dir, "open the folder", errno);
    int rc = ::fsync(fd);
    int e = errno;
    ::close(fd);
    if (rc != 0 && e != EINVAL) return PosixError(dir, "fsync of the folder", e);
    return Status::Ok();
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return PosixError(path, "open the lock file", errno);
    while (::flock(fd, LOCK_EX) != 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return PosixError(path, "lock", e);
    }
    return std::unique_ptr<FileLock>(std::make_unique<PosixFileLock>(fd));
  }

  int64_t NowMs() override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

}  // namespace

Env* Env::Default() {
  static PosixEnv* env = new PosixEnv();  // never destroyed: usable until the process ends
  return env;
}

}  // namespace aegis
