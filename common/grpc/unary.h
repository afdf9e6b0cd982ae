// Serving unary RPCs: the one place a request's bytes become a message and
// a status goes back to the caller.
//
// A service adapter derives from ServedService<pb::FooService> and, in its
// constructor, names a handler per method:
//
//   Handle<pb::GetDealerRequest, pb::Dealer>("GetDealer",
//       [this](grpc::CallbackServerContext* ctx, const pb::GetDealerRequest&
//       req,
//              pb::Dealer* out) { return HandleGetDealer(ctx, req, out); });
//
// Each method is served from raw bytes (gRPC 1.51's generated handlers
// answer UNIMPLEMENTED, with an empty message and no hook, when a request
// does not parse): bytes that are not the method's request — invalid UTF-8
// in a string field, garbage — get INVALID_ARGUMENT "could not parse
// request". The handler runs on the module's worker pool (it may do
// database I/O; gRPC's threads never block), every log line it writes
// carries the call's correlation id, and its status is mapped once: the
// reason and field travel in trailing metadata, and a server-side fault
// (UNAVAILABLE, INTERNAL, DATA_LOSS, UNKNOWN, or RESOURCE_EXHAUSTED without
// a reason of its own) reaches the caller as a plain message quoting the
// correlation id, its detail (hosts, SQL, library text) going to the log.
#pragma once

#include <google/protobuf/descriptor.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/impl/codegen/server_callback_handlers.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include <functional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/concurrency/worker_pool.h"
#include "common/grpc/observability.h"
#include "common/grpc/status.h"
#include "common/log/log.h"

namespace qudao {

inline constexpr char kReasonMalformedRequest[] = "MALFORMED_REQUEST";
inline constexpr char kReasonOverloaded[] = "OVERLOADED";

// What the caller sees of `status`: itself, or for a server-side fault a
// message it can act on that quotes the correlation id (the detail is
// logged here).
absl::Status ForCaller(const absl::Status& status,
                       absl::string_view correlation_id);

// Runs `handler` on `pool` and finishes `reactor` with its status.
grpc::ServerUnaryReactor* ServeOnPool(grpc::CallbackServerContext* context,
                                      WorkerPool& pool,
                                      std::function<absl::Status()> handler);

template <typename GeneratedService>
class ServedService : public GeneratedService::CallbackService {
 protected:
  explicit ServedService(WorkerPool* workers) : workers_(workers) {}

  template <typename Request, typename Response>
  using Handler = std::function<absl::Status(grpc::CallbackServerContext*,
                                             const Request&, Response*)>;

  // Serves the method `name` of GeneratedService with `handler`.
  template <typename Request, typename Response>
  void Handle(absl::string_view name, Handler<Request, Response> handler) {
    const google::protobuf::ServiceDescriptor* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            GeneratedService::service_full_name());
    const google::protobuf::MethodDescriptor* method =
        service == nullptr ? nullptr
                           : service->FindMethodByName(std::string(name));
    GPR_ASSERT(method != nullptr);
    WorkerPool* pool = workers_;
    this->MarkMethodRawCallback(
        method->index(),
        new grpc::internal::CallbackUnaryHandler<grpc::ByteBuffer,
                                                 grpc::ByteBuffer>(
            [pool, handler = std::move(handler)](
                grpc::CallbackServerContext* context,
                const grpc::ByteBuffer* request_bytes,
                grpc::ByteBuffer* response_bytes) {
              return ServeOnPool(
                  context, *pool,
                  [context, request_bytes, response_bytes,
                   &handler]() -> absl::Status {
                    Request request;
                    grpc::ByteBuffer copy(*request_bytes);
                    grpc::ProtoBufferReader reader(&copy);
                    if (!request.ParseFromZeroCopyStream(&reader)) {
                      return WithReason(
                          absl::InvalidArgumentError(
                              "could not parse request: the bytes are not a "
                              "valid " +
                              Request::descriptor()->full_name() +
                              " (strings must be UTF-8)"),
                          kReasonMalformedRequest);
                    }
                    Response response;
                    absl::Status status = handler(context, request, &response);
                    if (!status.ok()) return status;
                    bool own = false;
                    grpc::Status serialized =
                        grpc::SerializationTraits<Response>::Serialize(
                            response, response_bytes, &own);
                    if (!serialized.ok()) {
                      return absl::InternalError(
                          "could not serialize the response");
                    }
                    return absl::OkStatus();
                  });
            }));
  }

  WorkerPool* workers() const { return workers_; }

 private:
  WorkerPool* workers_;
};

// The caller's identity for idempotency scopes and audit. Until internal
// callers authenticate (the identity issue), every caller is "anonymous".
inline std::string CallerOf(const grpc::ServerContextBase& /*context*/) {
  return "anonymous";
}

}  // namespace qudao
