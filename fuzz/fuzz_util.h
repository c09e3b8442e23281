// What the fuzz targets share: the project's data folder, and a per-process temporary folder for
// the readers that take a file path.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace aegis::fuzz {

// The project's data/ folder (taxonomy, keywords, gazetteer), as built.
inline const std::string kDataDir = std::string(AEGIS_SOURCE_DIR) + "/data";

// A private folder under $TMPDIR made on first use and removed when the process exits; one per
// process, so parallel fuzzing jobs (-jobs=N) and replays never share a file.
inline const std::string& TempFolder() {
  static const std::string dir = [] {
    std::string templ = (std::filesystem::temp_directory_path() / "aegis-fuzz-XXXXXX").string();
    if (::mkdtemp(templ.data()) == nullptr) {
      std::perror("aegis fuzz: mkdtemp");
      std::abort();
    }
    static std::string to_remove;
    to_remove = templ;
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(to_remove, ec);
    });
    return templ;
  }();
  return dir;
}

// Writes the input to `name` in TempFolder() (replacing the last input) and returns its path.
inline std::string WriteInput(const std::string& name, const uint8_t* data, size_t size) {
  std::string path = TempFolder() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  out.close();
  if (!out) {
    std::perror("aegis fuzz: cannot write the input file");
    std::abort();
  }
  return path;
}

// Stops the run (a finding) when a documented property of a parser does not hold.
#define AEGIS_FUZZ_CHECK(cond)                                                           \
  do {                                                                                   \
    if (!(cond)) {                                                                       \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                      \
    }                                                                                    \
  } while (0)

}  // namespace aegis::fuzz
