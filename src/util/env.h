// Env: the one seam between Aegis and the operating system's files and clock, in the manner of
// LevelDB's Env (doc/design.md, "The Env seam").
//
// The code that reads or writes files outside the store (the importer's readers, the key file,
// the audit anchor) and the code that decides when work is due by the wall clock (the outbox
// worker) call an Env given in its options, never the system directly. Env::Default() is the
// real, POSIX one. Tests wrap it (tests/fault_env.h) to count the calls and to fail any one of
// them with the error a full disk or a failing device gives, and so check that every I/O call of
// an import or a key rotation leaves the store consistent and the operation resumable.
//
// The store's own files are not behind this seam: SQLite has its own (sqlite3_vfs), which the
// fault tests wrap the same way.
//
// Errors: every call returns a Status. NotFound when a file to read is absent, AlreadyExists
// when a link target exists, IOError otherwise; the message names the path, the step and the
// system's reason ("No space left on device"). Messages never contain file content.
//
// Thread safety: an Env is safe for concurrent use by many threads (Default() is). The file
// objects it returns are used by one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "util/status.h"

namespace aegis {

// A file read from the front to the end. One thread at a time; closes the file when destroyed.
class SequentialFile {
 public:
  virtual ~SequentialFile() = default;
  // Reads up to `n` bytes into `scratch`; *got is how many (0 only at the end of the file).
  // On error *got is 0 and the file must not be read further.
  virtual Status Read(size_t n, char* scratch, size_t* got) = 0;
};

// A new file being written. One thread at a time. Data is durable only after Sync() returned Ok;
// Close() must be called and checked (a failed close can lose written data). The destructor
// closes a file that was not closed, ignoring errors.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  virtual Status Append(std::string_view data) = 0;  // all of `data`, or an error
  virtual Status Sync() = 0;                         // fsync
  virtual Status Close() = 0;
};

// An exclusive advisory lock, held until the object is destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  Env() = default;
  Env(const Env&) = delete;
  Env& operator=(const Env&) = delete;
  virtual ~Env() = default;

  // The POSIX Env. Never null, lives for the whole process; the caller must not delete it.
  static Env* Default();

  // Opens `path` for reading from the start. NotFound if absent.
  virtual Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) = 0;

  // Reads the whole regular file `path` into *out (replaced), at most `max_bytes`: NotFound when
  // absent, InvalidArgument when it is not a regular file or is larger. `mode`, if not null, gets
  // the permission bits of the file that was read. The buffers it used are zeroed, and so is
  // *out on error, since the file may hold keys.
  virtual Status ReadFile(const std::string& path, size_t max_bytes, std::string* out,
                          unsigned* mode) = 0;

  // Size in bytes of the file `path` (NotFound if absent).
  virtual Result<uint64_t> FileSize(const std::string& path) = 0;
  virtual bool FileExists(const std::string& path) = 0;

  // Creates a new file, mode 0600, named `prefix` followed by six random characters (mkstemp);
  // *name gets the name.
  virtual Result<std::unique_ptr<WritableFile>> NewTempFile(const std::string& prefix,
                                                            std::string* name) = 0;
  // rename(2): replaces `to` atomically.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // link(2): AlreadyExists when `to` exists, which is then left untouched.
  virtual Status LinkFile(const std::string& from, const std::string& to) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // fsync of the folder `dir`, which makes a rename or link in it durable. Ok on file systems
  // that cannot sync a folder (EINVAL): there is nothing more to do there.
  virtual Status SyncDir(const std::string& dir) = 0;

  // Takes an exclusive flock on `path` (created 0600 if absent), waiting while another process
  // holds it.
  virtual Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) = 0;

  // Wall clock: milliseconds since the Unix epoch.
  virtual int64_t NowMs() = 0;
};

// Forwards every call to another Env (not owned; it must outlive the wrapper), so that a test
// Env overrides only what it needs.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* target) : target_(target) {}
  Env* target() const { return target_; }

  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    return target_->NewSequentialFile(path);
  }
  Status ReadFile(const std::string& path, size_t max_bytes, std::string* out,
                  unsigned* mode) override {
    return target_->ReadFile(path, max_bytes, out, mode);
  }
  Result<uint64_t> FileSize(const std::string& path) override { return target_->FileSize(path); }
  bool FileExists(const std::string& path) override { return target_->FileExists(path); }
  Result<std::unique_ptr<WritableFile>> NewTempFile(const std::string& prefix,
                                                    std::string* name) override {
    return target_->NewTempFile(prefix, name);
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return target_->RenameFile(from, to);
  }
  Status LinkFile(const std::string& from, const std::string& to) override {
    return target_->LinkFile(from, to);
  }
  Status RemoveFile(const std::string& path) override { return target_->RemoveFile(path); }
  Status SyncDir(const std::string& dir) override { return target_->SyncDir(dir); }
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    return target_->LockFile(path);
  }
  int64_t NowMs() override { return target_->NowMs(); }

 private:
  Env* target_;
};

// `env` itself, or Env::Default() when it is null: how options structs' `Env* env = nullptr`
// fields are read.
inline Env* EnvOrDefault(Env* env) { return env != nullptr ? env : Env::Default(); }

}  // namespace aegis
