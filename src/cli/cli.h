#pragma once
namespace aegis::cli {
// Runs the `aegis` command line. Returns the process exit code.
int Main(int argc, char** argv);
}  // namespace aegis::cli
