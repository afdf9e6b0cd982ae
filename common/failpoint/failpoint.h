// Failpoints: named places in a flow where a test can have the process
// killed, to prove that a crash there loses and doubles nothing (the order
// flow between credit control's answer and pricing's record of it, say).
//
// For tests only. A process started with QUDAO_FAILPOINTS=<name>[,<name>…]
// kills itself with SIGKILL — no destructors, no flushing, no graceful
// shutdown, as `kill -9` or an OOM kill would — the first time it reaches
// a failpoint named there. The variable is read once; unset (production),
// a failpoint is one load and compare of an empty set. Names are
// "<module>.<place>", e.g. "order.after_reserve"; docs/architecture.md
// lists them.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace qudao {

// Kills the process with SIGKILL if QUDAO_FAILPOINTS names `name`;
// otherwise does nothing.
void Failpoint(absl::string_view name);

// The failpoints QUDAO_FAILPOINTS arms in this process (empty in
// production); service binaries log them at start.
const std::vector<std::string>& ArmedFailpoints();

// The names in a QUDAO_FAILPOINTS value: comma-separated, blanks around
// names ignored, empty entries dropped.
std::vector<std::string> ParseFailpoints(absl::string_view list);

}  // namespace qudao
