#include "cli/cli.h"

#include <cstdio>

namespace aegis::cli {
int Main(int argc, char** argv) {
  std::puts("aegis: under construction");
  return 0;
}
}  // namespace aegis::cli
