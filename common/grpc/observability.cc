// Observability interceptor; see observability.h.
#include "common/grpc/observability.h"

#include <grpcpp/grpcpp.h>

#include <random>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/log/log.h"

namespace qudao {
namespace {

using grpc::experimental::InterceptionHookPoints;

struct RpcMetrics {
  metrics::CounterFamily* started;
  metrics::CounterFamily* handled;
  metrics::HistogramFamily* latency;
};

class ObservabilityInterceptor : public grpc::experimental::Interceptor {
 public:
  ObservabilityInterceptor(grpc::experimental::ServerRpcInfo* info,
                           RpcMetrics metrics)
      : info_(info), metrics_(metrics), start_(absl::Now()) {
    metrics_.started->Increment({info_->method()});
  }

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_INITIAL_METADATA)) {
      auto* md = methods->GetRecvInitialMetadata();
      auto it = md->find(kRequestIdKey);
      if (it != md->end()) {
        request_id_.assign(it->second.data(), it->second.size());
      }
      if (request_id_.empty() || request_id_.size() > 128) {
        request_id_ = NewRequestId();
      }
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      if (request_id_.empty()) request_id_ = NewRequestId();
      methods->GetSendInitialMetadata()->emplace(kRequestIdKey, request_id_);
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const absl::Duration elapsed = absl::Now() - start_;
      const std::string code = CodeName(status.error_code());
      metrics_.handled->Increment({info_->method(), code});
      metrics_.latency->Observe({info_->method()}, elapsed);
      const log::Level level = status.ok() ? log::Level::kDebug
                               : IsServerFault(status.error_code())
                                   ? log::Level::kError
                                   : log::Level::kInfo;
      if (log::Enabled(level)) {
        log::Write(level, "rpc",
                   {{"method", info_->method()},
                    {"code", code},
                    {"request_id", request_id_},
                    {"latency_us", absl::ToInt64Microseconds(elapsed)},
                    {"error", status.error_message()}});
      }
    }
    methods->Proceed();
  }

 private:
  static bool IsServerFault(grpc::StatusCode code) {
    return code == grpc::StatusCode::INTERNAL ||
           code == grpc::StatusCode::UNKNOWN ||
           code == grpc::StatusCode::DATA_LOSS ||
           code == grpc::StatusCode::UNAVAILABLE;
  }
  static std::string CodeName(grpc::StatusCode code) {
    return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  }

  grpc::experimental::ServerRpcInfo* info_;
  RpcMetrics metrics_;
  absl::Time start_;
  std::string request_id_;
};

class ObservabilityFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ObservabilityFactory(metrics::Registry* registry)
      : metrics_{
            &registry->Counter("grpc_server_started_total",
                               "RPCs started, by method.", {"grpc_method"}),
            &registry->Counter("grpc_server_handled_total",
                               "RPCs completed, by method and status code.",
                               {"grpc_method", "grpc_code"}),
            &registry->Histogram(
                "grpc_server_handling_seconds",
                "Time from receiving an RPC to sending its status.",
                {"grpc_method"})} {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new ObservabilityInterceptor(info, metrics_);
  }

 private:
  RpcMetrics metrics_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewObservabilityInterceptorFactory(metrics::Registry* registry) {
  return std::make_unique<ObservabilityFactory>(registry);
}

std::string RequestIdOf(const grpc::ServerContextBase& context) {
  const auto& md = context.client_metadata();
  auto it = md.find(kRequestIdKey);
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

std::string NewRequestId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return absl::StrFormat("r-%016x", rng());
}

}  // namespace qudao
