// Helpers shared by the security module's tests.
#pragma once

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "security/keyring.h"
#include "temp_dir.h"

namespace aegis::security::testutil {

// The tests' one temporary folder (tests/temp_dir.h).
using ScratchDir = ::aegis::testing::TempDir;

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Writes `content` to `path` with permission bits `mode`.
inline void WriteWithMode(const std::string& path, const std::string& content, mode_t mode) {
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
  }
  ::chmod(path.c_str(), mode);
}

inline unsigned ModeOf(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return 0xFFFFU;
  return static_cast<unsigned>(st.st_mode) & 0777U;
}

// Creates a key file in `dir` (fails the test if it cannot).
inline Keyring NewKeyring(const ScratchDir& dir, const std::string& name = "keys.json") {
  auto kr = Keyring::Create(dir.File(name));
  EXPECT_TRUE(kr.ok()) << kr.status().ToString();
  return std::move(kr).value();
}

}  // namespace aegis::security::testutil
