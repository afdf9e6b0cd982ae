// Failpoint; see failpoint.h.
#include "common/failpoint/failpoint.h"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>

#include "absl/strings/ascii.h"
#include "absl/strings/str_split.h"
#include "common/log/log.h"

namespace qudao {

std::vector<std::string> ParseFailpoints(absl::string_view list) {
  std::vector<std::string> out;
  for (absl::string_view name : absl::StrSplit(list, ',')) {
    name = absl::StripAsciiWhitespace(name);
    if (!name.empty()) out.emplace_back(name);
  }
  return out;
}

const std::vector<std::string>& ArmedFailpoints() {
  static const auto* armed = [] {
    const char* env = std::getenv("QUDAO_FAILPOINTS");
    return new std::vector<std::string>(
        env == nullptr ? std::vector<std::string>() : ParseFailpoints(env));
  }();
  return *armed;
}

void Failpoint(absl::string_view name) {
  const std::vector<std::string>& armed = ArmedFailpoints();
  if (armed.empty()) return;
  if (std::find(armed.begin(), armed.end(), name) == armed.end()) return;
  // In the log, so a test's log says why the process died.
  log::Warning("failpoint reached: killing the process with SIGKILL",
               {{"failpoint", name}});
  kill(getpid(), SIGKILL);
  // SIGKILL cannot be caught; should delivery lag, never run on.
  for (;;) pause();
}

}  // namespace qudao
