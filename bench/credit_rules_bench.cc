// The credit rules alone (Google Benchmark): what a credit check costs
// without gRPC, SQL or Redis. Links only qudao_credit_control_rules, which
// is the point: the business rules can be measured (and reused) apart from
// the service.
#include <benchmark/benchmark.h>

#include "services/credit_control/credit_position.h"

namespace qudao::credit {
namespace {

CreditAccount Account() {
  return CreditAccount{"dlr_0190f3c2a1b24e8f0a1b",
                       Money::Create("CNY", 50000000).value(),
                       Money::Create("CNY", 12345678).value(),
                       Money::Create("CNY", 2345678).value(),
                       Money::Create("CNY", 0).value(),
                       3,
                       absl::UnixEpoch(),
                       7};
}

void BM_ComputeCreditPosition(benchmark::State& state) {
  const CreditAccount account = Account();
  for (auto _ : state) {
    benchmark::DoNotOptimize(ComputeCreditPosition(account));
  }
}
BENCHMARK(BM_ComputeCreditPosition);

void BM_CheckWithinCreditLimit(benchmark::State& state) {
  const CreditPosition position = ComputeCreditPosition(Account()).value();
  const Money fits = Money::Create("CNY", 1000000).value();
  const Money too_much = Money::Create("CNY", 900000000).value();
  for (auto _ : state) {
    benchmark::DoNotOptimize(CheckWithinCreditLimit(position, fits));
    benchmark::DoNotOptimize(CheckWithinCreditLimit(position, too_much));
  }
}
BENCHMARK(BM_CheckWithinCreditLimit);

}  // namespace
}  // namespace qudao::credit
