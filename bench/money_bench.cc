// Micro-benchmarks of exact money arithmetic (Google Benchmark): the price
// waterfall applies these per line, so they must stay cheap.
#include <benchmark/benchmark.h>

#include "common/money/money.h"

namespace qudao {
namespace {

void BM_Add(benchmark::State& state) {
  const Money a = Money::Create("CNY", 123456).value();
  const Money b = Money::Create("CNY", 987).value();
  for (auto _ : state) benchmark::DoNotOptimize(a.Add(b));
}
BENCHMARK(BM_Add);

void BM_ApplyBasisPoints(benchmark::State& state) {
  const Money a = Money::Create("CNY", 1234567).value();
  for (auto _ : state) benchmark::DoNotOptimize(a.ApplyBasisPoints(1275));
}
BENCHMARK(BM_ApplyBasisPoints);

void BM_Parse(benchmark::State& state) {
  for (auto _ : state)
    benchmark::DoNotOptimize(Money::Parse("CNY", "12345.67"));
}
BENCHMARK(BM_Parse);

void BM_Format(benchmark::State& state) {
  const Money a = Money::Create("CNY", 1234567).value();
  for (auto _ : state) benchmark::DoNotOptimize(a.DecimalString());
}
BENCHMARK(BM_Format);

}  // namespace
}  // namespace qudao
