// JSON-lines logger; see log.h.
#include "common/log/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace qudao::log {
namespace {

std::atomic<int> g_min_level{static_cast<int>(Level::kInfo)};

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarning:
      return "warning";
    case Level::kError:
      return "error";
  }
  return "info";
}

// The fields of the ScopedContexts open on this thread, outermost first.
thread_local std::vector<Field> t_context;

}  // namespace

ScopedContext::ScopedContext(std::initializer_list<Field> fields)
    : previous_size_(t_context.size()) {
  t_context.insert(t_context.end(), fields.begin(), fields.end());
}

ScopedContext::~ScopedContext() {
  t_context.erase(t_context.begin() + previous_size_, t_context.end());
}

std::string JsonQuote(absl::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out += "\"";
  return out;
}

Field::Field(absl::string_view key, absl::string_view value)
    : key_(key), json_(JsonQuote(value)) {}
Field::Field(absl::string_view key, int64_t value)
    : key_(key), json_(absl::StrCat(value)) {}
Field::Field(absl::string_view key, double value)
    : key_(key), json_(absl::StrFormat("%.6g", value)) {}

bool SetLevel(absl::string_view name) {
  for (Level l :
       {Level::kDebug, Level::kInfo, Level::kWarning, Level::kError}) {
    if (name == LevelName(l)) {
      g_min_level = static_cast<int>(l);
      return true;
    }
  }
  return false;
}

bool Enabled(Level level) { return static_cast<int>(level) >= g_min_level; }

void Write(Level level, absl::string_view message,
           std::initializer_list<Field> fields) {
  if (!Enabled(level)) return;
  std::string line = absl::StrCat(
      "{\"ts\":\"",
      absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(),
                       absl::UTCTimeZone()),
      "\",\"level\":\"", LevelName(level), "\",\"msg\":", JsonQuote(message));
  for (const Field& f : fields) {
    absl::StrAppend(&line, ",", JsonQuote(f.key()), ":", f.json_value());
  }
  for (const Field& f : t_context) {
    bool shadowed = false;
    for (const Field& own : fields) shadowed |= own.key() == f.key();
    if (!shadowed) {
      absl::StrAppend(&line, ",", JsonQuote(f.key()), ":", f.json_value());
    }
  }
  line += "}\n";
  // One write(2) per line keeps lines whole when threads log concurrently.
  ssize_t unused = ::write(STDERR_FILENO, line.data(), line.size());
  (void)unused;
}

}  // namespace qudao::log
