// Serving unary RPCs with the callback API without blocking gRPC's threads:
// the handler runs on a WorkerPool (it may do database I/O) and the reactor
// is finished from there, with the error's reason and field attached.
// Every log line the handler writes carries the call's correlation id.
#pragma once

#include <grpcpp/grpcpp.h>

#include <utility>

#include "absl/status/status.h"
#include "common/concurrency/worker_pool.h"
#include "common/grpc/observability.h"
#include "common/grpc/status.h"
#include "common/log/log.h"

namespace qudao {

// `handler` is `absl::Status()`; it fills the response the caller captured.
template <typename Handler>
grpc::ServerUnaryReactor* ServeUnary(grpc::CallbackServerContext* context,
                                     WorkerPool& pool, Handler handler) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const bool accepted =
      pool.Schedule([context, reactor, handler = std::move(handler)]() mutable {
        log::ScopedContext log_context(
            {{"correlation_id", CorrelationIdOf(*context)}});
        absl::Status status;
        if (context->IsCancelled()) {
          status = absl::CancelledError("the caller cancelled the request");
        } else if (context->deadline() < std::chrono::system_clock::now()) {
          status = absl::DeadlineExceededError(
              "the request's deadline passed while it waited to be served");
        } else {
          status = handler();
        }
        AttachErrorMetadata(context, status);
        reactor->Finish(ToGrpcStatus(status));
      });
  if (!accepted) {
    const absl::Status busy = absl::ResourceExhaustedError(
        "the server is overloaded; retry with backoff");
    AttachErrorMetadata(context, busy);
    reactor->Finish(ToGrpcStatus(busy));
  }
  return reactor;
}

// The caller's identity for idempotency scopes and audit. Until internal
// callers authenticate (the identity issue), every caller is "anonymous".
inline std::string CallerOf(const grpc::ServerContextBase& /*context*/) {
  return "anonymous";
}

}  // namespace qudao
