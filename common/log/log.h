// Structured logging: one JSON object per line on stderr, so log shippers
// (Kubernetes, journald, Loki) can parse every field without regexes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace qudao::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// A key and a value already rendered as JSON (string quoted, number bare).
class Field {
 public:
  Field(absl::string_view key, absl::string_view value);
  Field(absl::string_view key, const char* value)
      : Field(key, absl::string_view(value)) {}
  Field(absl::string_view key, const std::string& value)
      : Field(key, absl::string_view(value)) {}
  Field(absl::string_view key, int64_t value);
  Field(absl::string_view key, int value)
      : Field(key, static_cast<int64_t>(value)) {}
  Field(absl::string_view key, double value);

  const std::string& key() const { return key_; }
  const std::string& json_value() const { return json_; }

 private:
  std::string key_;
  std::string json_;
};

// Sets the minimum level written; parses "debug", "info", "warning",
// "error". Unknown names leave the level unchanged and return false.
bool SetLevel(absl::string_view name);
bool Enabled(Level level);

void Write(Level level, absl::string_view message,
           std::initializer_list<Field> fields = {});

inline void Debug(absl::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kDebug, m, f);
}
inline void Info(absl::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, m, f);
}
inline void Warning(absl::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kWarning, m, f);
}
inline void Error(absl::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kError, m, f);
}

// Adds `fields` to every line this thread writes while the scope lives:
// the correlation id of the call being served, so every log line of a call
// can be found by it, not only the access line. Scopes nest.
class ScopedContext {
 public:
  explicit ScopedContext(std::initializer_list<Field> fields);
  ~ScopedContext();
  ScopedContext(const ScopedContext&) = delete;
  ScopedContext& operator=(const ScopedContext&) = delete;

 private:
  size_t previous_size_;
};

// JSON string literal for `s` (with quotes), escaping per RFC 8259.
std::string JsonQuote(absl::string_view s);

}  // namespace qudao::log
