// Money parsing and arithmetic: Money::Parse is what every API boundary
// that reads a decimal amount calls. Invariants: a parsed amount prints
// back to what it parses from; addition and subtraction are inverse and
// never wrap; basis points stay within the amount's bounds.
#include <cstdint>
#include <string>

#include "common/money/money.h"
#include "fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  static const char* kCurrencies[] = {"CNY", "USD", "JPY", "KWD", "XXX", ""};
  const char* currency = kCurrencies[data[0] % 6];
  const std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto parsed = qudao::Money::Parse(currency, text);
  if (!parsed.ok()) return 0;
  auto again = qudao::Money::Parse(currency, parsed->DecimalString());
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == *parsed);
  auto sum = parsed->Add(*parsed);
  if (sum.ok()) {
    auto back = sum->Subtract(*parsed);
    FUZZ_CHECK(back.ok() && *back == *parsed);
  }
  for (int64_t bp : {0, 1, 250, 9999, 10000, -10000}) {
    auto part = parsed->ApplyBasisPoints(bp);
    if (!part.ok()) continue;
    const int64_t a = parsed->minor_units();
    const int64_t p = part->minor_units();
    if (bp >= 0 && bp <= 10000) {
      FUZZ_CHECK(a >= 0 ? (p >= 0 && p <= a) : (p <= 0 && p >= a));
    }
  }
  return 0;
}
