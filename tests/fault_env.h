// Fault injection for the tests (issue 21): FaultEnv wraps an Env (util/env.h) and FaultVfs
// wraps SQLite's default VFS. Both count the I/O calls an operation makes, in order, and can fail
// any one of them, the N-th, with the error a failing device (EIO), a full disk (ENOSPC) or a
// failed fsync gives. Real files underneath, no mocks: a failed append writes half its bytes
// first, as a full disk does.
//
// A fault is transient: it fires once, at call N, and every later call succeeds, so the
// operation's retry runs on a healthy disk. Thread-safe (a mutex around the counter).
#pragma once

#include <sqlite3.h>

#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "util/env.h"

namespace aegis::testing {

// What an I/O call does; a fault kind applies to some of them (env_fault_test.cc).
enum class IoOp {
  kOpen,     // NewSequentialFile, ReadFile, LockFile
  kRead,     // SequentialFile::Read
  kStat,     // FileSize
  kCreate,   // NewTempFile
  kWrite,    // WritableFile::Append; SQLite xWrite, xTruncate
  kSync,     // WritableFile::Sync; SQLite xSync
  kClose,    // WritableFile::Close
  kRename,   // RenameFile, LinkFile
  kRemove,   // RemoveFile
  kSyncDir,  // SyncDir
};

inline const char* IoOpName(IoOp op) {
  switch (op) {
    case IoOp::kOpen:
      return "open";
    case IoOp::kRead:
      return "read";
    case IoOp::kStat:
      return "stat";
    case IoOp::kCreate:
      return "create";
    case IoOp::kWrite:
      return "write";
    case IoOp::kSync:
      return "fsync";
    case IoOp::kClose:
      return "close";
    case IoOp::kRename:
      return "rename";
    case IoOp::kRemove:
      return "remove";
    case IoOp::kSyncDir:
      return "fsync of the folder";
  }
  return "?";
}

// Counts calls and fires the armed fault. Shared by FaultEnv and FaultVfs.
class FaultCounter {
 public:
  // Counts from 0 again, records the op of every call, and fails call `n` (none when n < 0) with
  // `err`.
  void Arm(int64_t n, int err) {
    std::lock_guard<std::mutex> l(mu_);
    calls_ = 0;
    fail_at_ = n;
    err_ = err;
    fired_ = false;
    log_.clear();
  }
  // Stops counting (calls pass through, uncounted) until the next Arm.
  void Disarm() {
    std::lock_guard<std::mutex> l(mu_);
    fail_at_ = -1;
    counting_ = false;
  }
  void Start() {
    std::lock_guard<std::mutex> l(mu_);
    counting_ = true;
  }
  // Called by every I/O call before it runs: the errno to fail it with, or 0.
  int Hit(IoOp op) {
    std::lock_guard<std::mutex> l(mu_);
    if (!counting_) return 0;
    const int64_t i = calls_++;
    log_.push_back(op);
    if (i != fail_at_) return 0;
    fired_ = true;
    return err_;
  }
  std::vector<IoOp> log() const {
    std::lock_guard<std::mutex> l(mu_);
    return log_;
  }
  bool fired() const {
    std::lock_guard<std::mutex> l(mu_);
    return fired_;
  }

 private:
  mutable std::mutex mu_;
  bool counting_ = false;
  int64_t calls_ = 0, fail_at_ = -1;
  int err_ = 0;
  bool fired_ = false;
  std::vector<IoOp> log_;
};

inline Status InjectedError(const std::string& path, IoOp op, int err) {
  return Status::IOError(path + ": " + IoOpName(op) + " failed: " + std::strerror(err));
}

class FaultEnv final : public EnvWrapper {
 public:
  explicit FaultEnv(Env* base = Env::Default()) : EnvWrapper(base) {}
  FaultCounter& counter() { return counter_; }

  Result<std::unique_ptr<SequentialFile>> NewSequentialFile(const std::string& path) override {
    if (int e = counter_.Hit(IoOp::kOpen)) return InjectedError(path, IoOp::kOpen, e);
    AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<SequentialFile> f, target()->NewSequentialFile(path));
    return std::unique_ptr<SequentialFile>(std::make_unique<File>(this, path, std::move(f)));
  }
  Status ReadFile(const std::string& path, size_t max_bytes, std::string* out,
                  unsigned* mode) override {
    if (int e = counter_.Hit(IoOp::kOpen)) return InjectedError(path, IoOp::kOpen, e);
    return target()->ReadFile(path, max_bytes, out, mode);
  }
  Result<uint64_t> FileSize(const std::string& path) override {
    if (int e = counter_.Hit(IoOp::kStat)) return InjectedError(path, IoOp::kStat, e);
    return target()->FileSize(path);
  }
  Result<std::unique_ptr<WritableFile>> NewTempFile(const std::string& prefix,
                                                    std::string* name) override {
    if (int e = counter_.Hit(IoOp::kCreate)) return InjectedError(prefix, IoOp::kCreate, e);
    AEGIS_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> f, target()->NewTempFile(prefix, name));
    return std::unique_ptr<WritableFile>(std::make_unique<Writable>(this, *name, std::move(f)));
  }
  Status RenameFile(const std::string& from, const std::string& to) override {
    if (int e = counter_.Hit(IoOp::kRename)) return InjectedError(to, IoOp::kRename, e);
    return target()->RenameFile(from, to);
  }
  Status LinkFile(const std::string& from, const std::string& to) override {
    if (int e = counter_.Hit(IoOp::kRename)) return InjectedError(to, IoOp::kRename, e);
    return target()->LinkFile(from, to);
  }
  Status RemoveFile(const std::string& path) override {
    if (int e = counter_.Hit(IoOp::kRemove)) return InjectedError(path, IoOp::kRemove, e);
    return target()->RemoveFile(path);
  }
  Status SyncDir(const std::string& dir) override {
    if (int e = counter_.Hit(IoOp::kSyncDir)) return InjectedError(dir, IoOp::kSyncDir, e);
    return target()->SyncDir(dir);
  }
  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    if (int e = counter_.Hit(IoOp::kOpen)) return InjectedError(path, IoOp::kOpen, e);
    return target()->LockFile(path);
  }

 private:
  class File final : public SequentialFile {
   public:
    File(FaultEnv* env, std::string path, std::unique_ptr<SequentialFile> f)
        : env_(env), path_(std::move(path)), f_(std::move(f)) {}
    Status Read(size_t n, char* scratch, size_t* got) override {
      *got = 0;
      if (int e = env_->counter_.Hit(IoOp::kRead)) return InjectedError(path_, IoOp::kRead, e);
      return f_->Read(n, scratch, got);
    }

   private:
    FaultEnv* env_;
    std::string path_;
    std::unique_ptr<SequentialFile> f_;
  };

  class Writable final : public WritableFile {
   public:
    Writable(FaultEnv* env, std::string path, std::unique_ptr<WritableFile> f)
        : env_(env), path_(std::move(path)), f_(std::move(f)) {}
    Status Append(std::string_view data) override {
      if (int e = env_->counter_.Hit(IoOp::kWrite)) {
        (void)f_->Append(data.substr(0, data.size() / 2));  // a full disk takes part of it
        return InjectedError(path_, IoOp::kWrite, e);
      }
      return f_->Append(data);
    }
    Status Sync() override {
      if (int e = env_->counter_.Hit(IoOp::kSync)) return InjectedError(path_, IoOp::kSync, e);
      return f_->Sync();
    }
    Status Close() override {
      if (int e = env_->counter_.Hit(IoOp::kClose)) {
        (void)f_->Close();  // the descriptor is gone either way, as with close(2)
        return InjectedError(path_, IoOp::kClose, e);
      }
      return f_->Close();
    }

   private:
    FaultEnv* env_;
    std::string path_;
    std::unique_ptr<WritableFile> f_;
  };

  FaultCounter counter_;
};

// A sqlite3_vfs registered as the default while it lives, delegating every call to the previous
// default and counting (while its counter is started) xWrite, xTruncate and xSync of every file:
// the store's database, WAL and journal. A fault returns SQLITE_FULL for ENOSPC, else
// SQLITE_IOERR_WRITE / SQLITE_IOERR_TRUNCATE / SQLITE_IOERR_FSYNC. One at a time per process.
class FaultVfs {
 public:
  FaultVfs() {
    base_ = sqlite3_vfs_find(nullptr);
    vfs_ = *base_;
    vfs_.zName = "aegis-fault";
    vfs_.szOsFile = static_cast<int>(sizeof(ShimFile)) + base_->szOsFile;
    vfs_.pAppData = this;
    vfs_.xOpen = &Open;
    // The others run as the base VFS, whose pAppData they may read.
    vfs_.xDelete = [](sqlite3_vfs* v, const char* name, int sync_dir) {
      sqlite3_vfs* b = static_cast<FaultVfs*>(v->pAppData)->base_;
      return b->xDelete(b, name, sync_dir);
    };
    vfs_.xAccess = [](sqlite3_vfs* v, const char* name, int flags, int* out) {
      sqlite3_vfs* b = static_cast<FaultVfs*>(v->pAppData)->base_;
      return b->xAccess(b, name, flags, out);
    };
    vfs_.xFullPathname = [](sqlite3_vfs* v, const char* name, int n, char* out) {
      sqlite3_vfs* b = static_cast<FaultVfs*>(v->pAppData)->base_;
      return b->xFullPathname(b, name, n, out);
    };
    sqlite3_vfs_register(&vfs_, /*makeDflt=*/1);
  }
  ~FaultVfs() {
    sqlite3_vfs_unregister(&vfs_);
    sqlite3_vfs_register(base_, 1);
  }
  FaultVfs(const FaultVfs&) = delete;
  FaultVfs& operator=(const FaultVfs&) = delete;
  FaultCounter& counter() { return counter_; }

 private:
  struct ShimFile {
    sqlite3_file base;
    sqlite3_file* real;
    FaultVfs* owner;
  };
  static ShimFile* Shim(sqlite3_file* f) { return reinterpret_cast<ShimFile*>(f); }
  static sqlite3_file* Real(sqlite3_file* f) { return Shim(f)->real; }

  static int Open(sqlite3_vfs* vfs, const char* name, sqlite3_file* file, int flags,
                  int* out_flags) {
    auto* self = static_cast<FaultVfs*>(vfs->pAppData);
    ShimFile* s = Shim(file);
    s->real = reinterpret_cast<sqlite3_file*>(s + 1);
    s->owner = self;
    int rc = self->base_->xOpen(self->base_, name, s->real, flags, out_flags);
    s->base.pMethods = (rc == SQLITE_OK && s->real->pMethods != nullptr) ? &kMethods : nullptr;
    return rc;
  }
  static int Fault(sqlite3_file* f, IoOp op, int io_rc) {
    int e = Shim(f)->owner->counter_.Hit(op);
    if (e == 0) return SQLITE_OK;
    return e == ENOSPC ? SQLITE_FULL : io_rc;
  }

  static int Close(sqlite3_file* f) { return Real(f)->pMethods->xClose(Real(f)); }
  static int Read(sqlite3_file* f, void* p, int n, sqlite3_int64 off) {
    return Real(f)->pMethods->xRead(Real(f), p, n, off);
  }
  static int Write(sqlite3_file* f, const void* p, int n, sqlite3_int64 off) {
    if (int rc = Fault(f, IoOp::kWrite, SQLITE_IOERR_WRITE)) return rc;
    return Real(f)->pMethods->xWrite(Real(f), p, n, off);
  }
  static int Truncate(sqlite3_file* f, sqlite3_int64 size) {
    if (int rc = Fault(f, IoOp::kWrite, SQLITE_IOERR_TRUNCATE)) return rc;
    return Real(f)->pMethods->xTruncate(Real(f), size);
  }
  static int Sync(sqlite3_file* f, int flags) {
    if (int rc = Fault(f, IoOp::kSync, SQLITE_IOERR_FSYNC)) return rc;
    return Real(f)->pMethods->xSync(Real(f), flags);
  }
  static int FileSize(sqlite3_file* f, sqlite3_int64* size) {
    return Real(f)->pMethods->xFileSize(Real(f), size);
  }
  static int Lock(sqlite3_file* f, int l) { return Real(f)->pMethods->xLock(Real(f), l); }
  static int Unlock(sqlite3_file* f, int l) { return Real(f)->pMethods->xUnlock(Real(f), l); }
  static int CheckReservedLock(sqlite3_file* f, int* out) {
    return Real(f)->pMethods->xCheckReservedLock(Real(f), out);
  }
  static int FileControl(sqlite3_file* f, int op, void* arg) {
    return Real(f)->pMethods->xFileControl(Real(f), op, arg);
  }
  static int SectorSize(sqlite3_file* f) { return Real(f)->pMethods->xSectorSize(Real(f)); }
  static int DeviceCharacteristics(sqlite3_file* f) {
    return Real(f)->pMethods->xDeviceCharacteristics(Real(f));
  }
  static int ShmMap(sqlite3_file* f, int pg, int sz, int extend, void volatile** p) {
    return Real(f)->pMethods->xShmMap(Real(f), pg, sz, extend, p);
  }
  static int ShmLock(sqlite3_file* f, int off, int n, int flags) {
    return Real(f)->pMethods->xShmLock(Real(f), off, n, flags);
  }
  static void ShmBarrier(sqlite3_file* f) { Real(f)->pMethods->xShmBarrier(Real(f)); }
  static int ShmUnmap(sqlite3_file* f, int del) {
    return Real(f)->pMethods->xShmUnmap(Real(f), del);
  }
  static int Fetch(sqlite3_file* f, sqlite3_int64 off, int n, void** p) {
    return Real(f)->pMethods->xFetch(Real(f), off, n, p);
  }
  static int Unfetch(sqlite3_file* f, sqlite3_int64 off, void* p) {
    return Real(f)->pMethods->xUnfetch(Real(f), off, p);
  }

  static constexpr sqlite3_io_methods kMethods = {3,
                                                  &Close,
                                                  &Read,
                                                  &Write,
                                                  &Truncate,
                                                  &Sync,
                                                  &FileSize,
                                                  &Lock,
                                                  &Unlock,
                                                  &CheckReservedLock,
                                                  &FileControl,
                                                  &SectorSize,
                                                  &DeviceCharacteristics,
                                                  &ShmMap,
                                                  &ShmLock,
                                                  &ShmBarrier,
                                                  &ShmUnmap,
                                                  &Fetch,
                                                  &Unfetch};

  sqlite3_vfs* base_;
  sqlite3_vfs vfs_{};
  FaultCounter counter_;
};

}  // namespace aegis::testing
