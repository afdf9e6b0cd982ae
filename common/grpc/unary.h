// Serving unary RPCs with the callback API without blocking gRPC's threads:
// the handler runs on a WorkerPool (it may do database I/O) and the reactor
// is finished from there.
#pragma once

#include <grpcpp/grpcpp.h>

#include <utility>

#include "absl/status/status.h"
#include "common/concurrency/worker_pool.h"
#include "common/grpc/status.h"

namespace qudao {

// `handler` is `absl::Status()`; it fills the response the caller captured.
template <typename Handler>
grpc::ServerUnaryReactor* ServeUnary(grpc::CallbackServerContext* context,
                                     WorkerPool& pool, Handler handler) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const bool accepted =
      pool.Schedule([context, reactor, handler = std::move(handler)]() mutable {
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

}  // namespace qudao
