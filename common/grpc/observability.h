// A server interceptor that gives every RPC a correlation id (the caller's
// `x-request-id` metadata, or a new one, echoed back in the response's
// initial metadata), counts each call and its status code per method,
// records its latency in a histogram, and writes one JSON access line per
// call.
//
// The correlation id is not the idempotency key: that is the `request_id`
// field of mutating requests. The correlation id ties together the log
// lines and downstream calls of one request; it reaches every outgoing call
// (OutgoingContext) and every log line written while serving (ServedService),
// also when this server made it up.
#pragma once

#include <grpcpp/support/server_interceptor.h>

#include <memory>
#include <string>

#include "common/metrics/metrics.h"

namespace qudao {

inline constexpr char kCorrelationIdKey[] = "x-request-id";
// W3C trace context: accepted and forwarded unchanged, so a tracing system
// in front of qudao can join the spans.
inline constexpr char kTraceparentKey[] = "traceparent";
inline constexpr char kTracestateKey[] = "tracestate";

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewObservabilityInterceptorFactory(metrics::Registry* registry);

// The correlation id of a call being served (set by the interceptor: the
// caller's, or the one it made up), or "" outside the interceptor.
std::string CorrelationIdOf(const grpc::ServerContextBase& context);

// A fresh random correlation id ("r-" + 16 hex digits).
std::string NewCorrelationId();

// Whether `id` may travel as a correlation id: 1..128 of [A-Za-z0-9._:-]
// (gRPC refuses other metadata bytes; logs must not carry controls).
bool IsValidCorrelationId(absl::string_view id);

// W3C trace context as it may be forwarded: `traceparent` is
// version-traceid-parentid-flags in lower-case hex ("00-<32>-<16>-01");
// `tracestate` is at most 512 printable ASCII characters. Anything else is
// dropped at the edge (gRPC aborts the process on metadata it considers
// invalid, and a malformed trace context is worth nothing downstream).
bool IsValidTraceparent(absl::string_view value);
bool IsValidTracestate(absl::string_view value);

}  // namespace qudao
