// The partner gateway: HTTP/JSON in front of the gRPC services. It
// authenticates partners, restricts them to their own records, forwards
// each request with a deadline and the request id, and maps gRPC status
// codes to HTTP ones with a JSON error body in the Google API style.
#pragma once

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "common/http/http_listener.h"
#include "common/metrics/metrics.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "services/gateway/partner_auth.h"

namespace httplib {
class Server;
}

namespace qudao::gateway {

struct GatewayOptions {
  // gRPC target of customer records, e.g. dns:///customer-records:50051.
  std::string customer_records_target = "dns:///127.0.0.1:50051";
  // Per-request deadline for the backend call.
  absl::Duration backend_timeout = absl::Seconds(5);
  // Who may call, and which dealer each caller may read. Without keys the
  // gateway refuses every request (401) unless `open_access` is set.
  PartnerKeys partner_keys;
  // With no partner keys, serve every request unauthenticated: any caller
  // may read any dealer. For `qudao dev` only. Has no effect when keys are
  // loaded (they are always enforced).
  bool open_access = false;
};

class Gateway {
 public:
  Gateway(GatewayOptions options, metrics::Registry* registry);
  ~Gateway();

  // Binds host:port (0 picks a port) and serves on background threads.
  // Returns once the server accepts connections (so Stop() right after
  // works).
  absl::Status Start(const std::string& host, int port);
  int port() const { return listener_.port(); }
  void Stop();

 private:
  void ConfigureServer();
  void RegisterRoutes();

  GatewayOptions options_;
  // open_access with no keys: skip authentication and authorization.
  bool open_;
  metrics::Registry* registry_;
  metrics::CounterFamily* requests_;
  metrics::HistogramFamily* latency_;
  std::unique_ptr<customer::v1::CustomerRecordsService::Stub> customer_records_;
  std::unique_ptr<httplib::Server> server_;
  HttpListener listener_{"gateway"};
};

// The HTTP status for a gRPC code (per google.rpc.Code's mapping).
int HttpStatusFor(grpc::StatusCode code);

// The JSON error body for `status` answered with `http_status`:
// {"error":{"code","status","message","reason"[,"field"],"request_id"}}.
// For 5xx and 429 the message is a generic one quoting the request id: the
// real text (SQL errors, pool sizes, host names) is for operators, not
// partners, and the gateway logs it under that request id.
std::string ErrorBody(int http_status, const absl::Status& status,
                      absl::string_view request_id);

// Whether ErrorBody replaces the message for `http_status`.
bool HidesErrorDetail(int http_status);

}  // namespace qudao::gateway
