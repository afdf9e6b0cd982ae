// A server interceptor that gives every RPC a request id (taken from the
// caller's `x-request-id` metadata or generated, and echoed back), counts it
// and its status code per method, records its latency in a histogram, and
// writes one JSON log line per call.
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>

#include "common/metrics/metrics.h"

namespace qudao {

inline constexpr char kRequestIdKey[] = "x-request-id";

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewObservabilityInterceptorFactory(metrics::Registry* registry);

// The request id of a call: the caller's x-request-id, or "" if none.
std::string RequestIdOf(const grpc::ServerContextBase& context);

// A fresh random id ("r-" + 16 hex digits).
std::string NewRequestId();

}  // namespace qudao
