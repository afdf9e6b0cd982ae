// Valid unified social credit codes (统一社会信用代码) for tests: a dealer
// must have one to be ACTIVE, and no two dealers share one.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "common/validation/validation.h"

namespace qudao::testing {

// The valid code numbered `n`: an enterprise (91) registered in Hangzhou
// (330100) whose organisation part spells `n` in the code's alphabet,
// followed by its check character. Different `n` give different codes.
inline std::string UsccNumber(uint64_t n) {
  std::string code = "91330100";
  std::string organisation(9, '0');
  for (int i = 8; i >= 0; --i) {
    organisation[i] = kUsccAlphabet[n % 31];
    n /= 31;
  }
  code += organisation;
  code += UsccCheckCharacter(code);
  return code;
}

// A valid code not returned before in this process.
inline std::string NextUscc() {
  static std::atomic<uint64_t> next{1};
  return UsccNumber(next.fetch_add(1));
}

}  // namespace qudao::testing
