#include "host/process.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <sys/wait.h>
#include <unistd.h>

namespace microflow {
namespace {

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

int run_process(const std::vector<std::string>& argv, std::string& output,
                const std::function<void(const std::string&)>& on_output) {
  std::string cmd;
  for (const std::string& a : argv) cmd += shell_quote(a) + " ";
  // stdin from /dev/null: a simulator with a stdio chardev (QEMU) must not take over the
  // user's terminal (raw mode, waiting for input) when microflow runs on one.
  cmd += "</dev/null 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) return -1;
  char buf[4096];
  // read(), not fread(): it returns what has arrived, so on_output sees it as it comes.
  for (ssize_t n; (n = read(fileno(pipe), buf, sizeof buf)) != 0;) {
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    output.append(buf, static_cast<size_t>(n));
    if (on_output) on_output(output);
  }
  int status = pclose(pipe);
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

std::string host_cxx() {
  const char* cxx = std::getenv("CXX");
  return cxx && *cxx ? cxx : "c++";
}

}  // namespace microflow
