#include "util/env.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "temp_dir.h"

namespace aegis {
namespace {

using testing::TempDir;

std::string Slurp(Env* env, const std::string& path) {
  auto f = env->NewSequentialFile(path);
  if (!f.ok()) return "open failed";
  std::string out;
  char buf[3];
  for (;;) {
    size_t got = 0;
    if (!(*f)->Read(sizeof buf, buf, &got).ok()) return "read failed";
    if (got == 0) return out;
    out.append(buf, got);
  }
}

TEST(EnvTest, TempFileRenameAndReadBack) {
  TempDir dir;
  Env* env = Env::Default();
  std::string name;
  auto f = env->NewTempFile(dir / "a.json.tmp-", &name);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(name.rfind(dir / "a.json.tmp-", 0), 0u);
  ASSERT_TRUE((*f)->Append("hello, ").ok());
  ASSERT_TRUE((*f)->Append("world").ok());
  ASSERT_TRUE((*f)->Sync().ok());
  ASSERT_TRUE((*f)->Close().ok());
  struct stat st {};
  ASSERT_EQ(::stat(name.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777U, 0600U);
  ASSERT_TRUE(env->RenameFile(name, dir / "a.json").ok());
  ASSERT_TRUE(env->SyncDir(dir.path()).ok());
  EXPECT_FALSE(env->FileExists(name));
  EXPECT_TRUE(env->FileExists(dir / "a.json"));
  EXPECT_EQ(env->FileSize(dir / "a.json").value(), 12u);
  EXPECT_EQ(Slurp(env, dir / "a.json"), "hello, world");
  std::string all;
  unsigned mode = 0;
  ASSERT_TRUE(env->ReadFile(dir / "a.json", 100, &all, &mode).ok());
  EXPECT_EQ(all, "hello, world");
  EXPECT_EQ(mode, 0600U);
  // A link never replaces an existing file.
  EXPECT_EQ(env->LinkFile(dir / "a.json", dir / "a.json").code(), Status::Code::kAlreadyExists);
  ASSERT_TRUE(env->LinkFile(dir / "a.json", dir / "b.json").ok());
  ASSERT_TRUE(env->RemoveFile(dir / "b.json").ok());
  EXPECT_FALSE(env->FileExists(dir / "b.json"));
}

TEST(EnvTest, ErrorsNameThePathAndMapAbsenceToNotFound) {
  TempDir dir;
  Env* env = Env::Default();
  std::string out = "old";
  Status st = env->ReadFile(dir / "absent", 100, &out, nullptr);
  EXPECT_EQ(st.code(), Status::Code::kNotFound);
  EXPECT_NE(st.message().find(dir / "absent"), std::string::npos);
  EXPECT_EQ(out, "");
  EXPECT_EQ(env->NewSequentialFile(dir / "absent").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(env->FileSize(dir / "absent").status().code(), Status::Code::kNotFound);
  EXPECT_EQ(env->RemoveFile(dir / "absent").code(), Status::Code::kNotFound);
  EXPECT_EQ(env->ReadFile(dir.path(), 100, &out, nullptr).code(),
            Status::Code::kInvalidArgument);  // a folder
  std::ofstream(dir / "big") << std::string(200, 'x');
  EXPECT_EQ(env->ReadFile(dir / "big", 100, &out, nullptr).code(), Status::Code::kInvalidArgument);
  EXPECT_EQ(out, "") << "nothing of a refused file is handed back";
  std::string name;
  auto f = env->NewTempFile(dir / "no/such/folder/x.tmp-", &name);
  EXPECT_EQ(f.status().code(), Status::Code::kNotFound);
}

TEST(EnvTest, LockFileIsExclusiveAcrossOpenFiles) {
  TempDir dir;
  Env* env = Env::Default();
  auto a = env->LockFile(dir / "x.lock");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  a->reset();  // released
  auto b = env->LockFile(dir / "x.lock");
  EXPECT_TRUE(b.ok());
}

TEST(EnvTest, ClockIsTheWallClockAndAWrapperForwards) {
  const auto sys = std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  EXPECT_NEAR(static_cast<double>(Env::Default()->NowMs()), static_cast<double>(sys), 5000.0);
  class Fixed final : public EnvWrapper {
   public:
    Fixed() : EnvWrapper(Env::Default()) {}
    int64_t NowMs() override { return 42; }
  } fixed;
  EXPECT_EQ(fixed.NowMs(), 42);
  EXPECT_EQ(EnvOrDefault(&fixed), &fixed);
  EXPECT_EQ(EnvOrDefault(nullptr), Env::Default());
  EXPECT_FALSE(fixed.FileExists("/nonexistent/aegis/path"));
}

}  // namespace
}  // namespace aegis
