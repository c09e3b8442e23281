// The one temporary folder of the tests (tests/*.cc and the modules' src/*/*_test.cc): a fresh,
// private folder under $TMPDIR (else /tmp), removed with everything in it when the object goes.
// A test writes only inside its folder, so runs in parallel never share a file and nothing is
// left in the source tree.
#pragma once

#include <stdlib.h>  // mkdtemp

#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace aegis::testing {

class TempDir {
 public:
  // Aborts the test program when no folder can be made: a test must never write elsewhere.
  TempDir() {
    std::error_code ec;
    std::filesystem::path base = std::filesystem::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string tmpl = (base / "aegis-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) {
      std::perror(("aegis tests: mkdtemp " + tmpl).c_str());
      std::abort();
    }
    path_ = tmpl;
  }
  // Runs the AtRemove actions, then removes the folder and everything in it.
  ~TempDir() {
    for (const auto& [key, action] : at_remove_) action();
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Runs `action` when the folder is removed, once per `key` (threads of one test may ask at
  // once): for example, dropping a PostgreSQL database named for a store in this folder.
  void AtRemove(const std::string& key, std::function<void()> action) const {
    std::lock_guard<std::mutex> lock(mu_);
    at_remove_.emplace(key, std::move(action));
  }
  // The path of `name` inside the folder.
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }
  std::string File(const std::string& name) const { return *this / name; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  mutable std::mutex mu_;
  mutable std::map<std::string, std::function<void()>> at_remove_;
};

}  // namespace aegis::testing
