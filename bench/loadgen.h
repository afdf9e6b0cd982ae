// The one load generator every qudao benchmark uses: a closed loop of
// `concurrency` workers issuing calls for a duration (or a request count)
// after a warm-up, recording every latency; reports throughput and exact
// p50/p99/p99.9. Scenarios supply only the call.
#pragma once

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace qudao::bench {

struct LoadOptions {
  int concurrency = 8;
  absl::Duration duration = absl::Seconds(5);
  // Stop after this many measured requests (0: run for `duration`).
  int64_t max_requests = 0;
  absl::Duration warmup = absl::Seconds(1);
};

struct LoadResult {
  std::string scenario;
  int concurrency = 0;
  int64_t ok = 0;
  int64_t errors = 0;
  std::string first_error;
  // Measured errors by their gRPC status code (summing to `errors`).
  std::map<grpc::StatusCode, int64_t> errors_by_code;
  absl::Duration elapsed;
  double throughput = 0;  // successful requests per second
  absl::Duration p50, p99, p999, max;
  // CPU per measured call (errors included): the callers' (their threads'
  // CPU time during their calls: building, sending, waiting, parsing) and
  // the rest of the process's from the start of measuring until the last
  // counted call ended — the served side, when the service runs in the
  // benchmark's process. Capacity on this machine's cores with the callers
  // elsewhere is cores / server_cpu. Approximate: gRPC's client work done
  // on its own threads, the server's share of calls begun in the warm-up
  // and background work (feeds, jobs) count as served.
  absl::Duration caller_cpu, server_cpu;
};

// One call; `worker` is 0..concurrency-1 and `seq` counts that worker's
// calls, so scenarios can make unique request ids without locks.
using Call = std::function<grpc::Status(int worker, int64_t seq)>;

LoadResult RunLoad(const std::string& scenario, const LoadOptions& options,
                   const Call& call);

// Prints results as an aligned table, with each scenario's p50 as a
// multiple of the first row's (the echo floor), the CPU per call of the
// callers and of the served side, and what the served side's CPU allows on
// this machine's cores with the callers elsewhere.
void PrintTable(const std::vector<LoadResult>& results);

}  // namespace qudao::bench
