// Observability interceptor; see observability.h.
#include "common/grpc/observability.h"

#include <grpcpp/grpcpp.h>

#include <random>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
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
      auto it = md->find(kCorrelationIdKey);
      if (it != md->end()) {
        correlation_id_.assign(it->second.data(), it->second.size());
      }
      if (!IsValidCorrelationId(correlation_id_)) {
        // Made up here, the id is put where the handler reads the caller's
        // (the map the server context exposes as client_metadata), so
        // downstream calls and log lines carry it too. The strings live in
        // this interceptor, which lives as long as the call.
        correlation_id_ = NewCorrelationId();
        if (it != md->end()) md->erase(it);
        md->emplace(grpc::string_ref(kCorrelationIdKey),
                    grpc::string_ref(correlation_id_));
      }
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      if (correlation_id_.empty()) correlation_id_ = NewCorrelationId();
      methods->GetSendInitialMetadata()->emplace(kCorrelationIdKey,
                                                 correlation_id_);
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
                    {"correlation_id", correlation_id_},
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
  std::string correlation_id_;
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

std::string CorrelationIdOf(const grpc::ServerContextBase& context) {
  const auto& md = context.client_metadata();
  auto it = md.find(kCorrelationIdKey);
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

std::string NewCorrelationId() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return absl::StrFormat("r-%016x", rng());
}

bool IsValidCorrelationId(absl::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '-' &&
        c != ':') {
      return false;
    }
  }
  return true;
}

bool IsValidTraceparent(absl::string_view value) {
  if (value.size() != 55) return false;
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (i == 2 || i == 35 || i == 52) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return value.substr(0, 2) != "ff";
}

bool IsValidTracestate(absl::string_view value) {
  if (value.size() > 512) return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

}  // namespace qudao
