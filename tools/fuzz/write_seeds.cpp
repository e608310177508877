// Writes the writer-made seed models (tools/fuzz/seed_models.h) into a
// directory, for tools/fuzz.sh: microflow_fuzz_seeds DIR
#include <cstdio>
#include <fstream>
#include <string>

#include "seed_models.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  for (const auto& [name, bytes] : mfseed::all_seed_models()) {
    const std::string path = std::string(argv[1]) + "/writer_" + name + ".tflite";
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    if (!out) {
      std::fprintf(stderr, "cannot write %s\n", path.c_str());
      return 1;
    }
  }
  return 0;
}
