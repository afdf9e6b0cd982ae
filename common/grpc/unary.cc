// Serving unary RPCs; see unary.h.
#include "common/grpc/unary.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace qudao {

namespace {

bool IsServerFault(absl::StatusCode code) {
  return code == absl::StatusCode::kUnavailable ||
         code == absl::StatusCode::kInternal ||
         code == absl::StatusCode::kDataLoss ||
         code == absl::StatusCode::kUnknown ||
         code == absl::StatusCode::kResourceExhausted;
}

// Whether the status carries a reason of its own (set on purpose, with a
// message meant for the caller), not just its code's name.
bool HasOwnReason(const absl::Status& status) {
  return ReasonOf(status) !=
         absl::AsciiStrToUpper(absl::StatusCodeToString(status.code()));
}

}  // namespace

absl::Status ForCaller(const absl::Status& status,
                       absl::string_view correlation_id) {
  if (status.ok() || !IsServerFault(status.code()) || HasOwnReason(status)) {
    return status;
  }
  log::Error("request failed on the server side",
             {{"code", absl::StatusCodeToString(status.code())},
              {"error", std::string(status.message())}});
  const char* what =
      status.code() == absl::StatusCode::kUnavailable
          ? "the service cannot reach what it needs right now; retry later"
      : status.code() == absl::StatusCode::kResourceExhausted
          ? "the service is out of capacity for this request right now; "
            "retry later"
          : "the service failed to complete the request";
  return WithReason(
      absl::Status(status.code(), absl::StrCat(what, " (correlation id ",
                                               correlation_id, ")")),
      status.code() == absl::StatusCode::kUnavailable ? "BACKEND_UNAVAILABLE"
      : status.code() == absl::StatusCode::kResourceExhausted
          ? "RESOURCE_EXHAUSTED"
          : "INTERNAL");
}

grpc::ServerUnaryReactor* ServeOnPool(grpc::CallbackServerContext* context,
                                      WorkerPool& pool,
                                      std::function<absl::Status()> handler) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const bool accepted =
      pool.Schedule([context, reactor, handler = std::move(handler)]() {
        const std::string correlation_id = CorrelationIdOf(*context);
        log::ScopedContext log_context({{"correlation_id", correlation_id}});
        absl::Status status;
        if (context->IsCancelled()) {
          status = absl::CancelledError("the caller cancelled the request");
        } else if (context->deadline() < std::chrono::system_clock::now()) {
          status = absl::DeadlineExceededError(
              "the request's deadline passed while it waited to be served");
        } else {
          status = ForCaller(handler(), correlation_id);
        }
        AttachErrorMetadata(context, status);
        reactor->Finish(ToGrpcStatus(status));
      });
  if (!accepted) {
    const absl::Status busy =
        WithReason(absl::ResourceExhaustedError(
                       "the server is overloaded; retry with backoff"),
                   kReasonOverloaded);
    AttachErrorMetadata(context, busy);
    reactor->Finish(ToGrpcStatus(busy));
  }
  return reactor;
}

}  // namespace qudao
