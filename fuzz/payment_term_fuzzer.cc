// Payment terms and dates as staff and callers type them
// (ParsePaymentTerm, ParseDay from the receivables rules). Invariants: an
// accepted term passes CheckPaymentTerm and prints back to text that parses
// to the same term; its discount never exceeds the amount it applies to;
// an accepted date prints back to exactly the text given.
#include <cstdint>
#include <string>

#include "common/money/payment_term.h"
#include "fuzz/fuzz_check.h"
#include "services/credit_control/receivables.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto term = qudao::ParsePaymentTerm(text);
  if (term.ok()) {
    FUZZ_CHECK(qudao::CheckPaymentTerm("t", *term).ok());
    auto again = qudao::ParsePaymentTerm(qudao::FormatPaymentTerm(*term));
    FUZZ_CHECK(again.ok() && *again == *term);
    for (int64_t minor : {int64_t{0}, int64_t{1}, int64_t{999999999}}) {
      auto total = qudao::Money::Create("CNY", minor);
      auto discount = qudao::CashDiscount(*term, *total);
      FUZZ_CHECK(discount.ok() && discount->minor_units() >= 0 &&
                 discount->minor_units() <= minor);
    }
  }
  auto day = qudao::credit::ParseDay("d", text);
  if (day.ok()) FUZZ_CHECK(qudao::credit::FormatDay(*day) == text);
  return 0;
}
