// The partner gateway: HTTP/JSON in front of the gRPC services. It
// authenticates partners, restricts them to their own records, forwards
// each request with a deadline and the request id, and maps gRPC status
// codes to HTTP ones with a JSON error body in the Google API style.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
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
  PartnerKeys partner_keys;
};

class Gateway {
 public:
  Gateway(GatewayOptions options, metrics::Registry* registry);
  ~Gateway();

  // Binds host:port (0 picks a port) and serves on background threads.
  absl::Status Start(const std::string& host, int port);
  int port() const { return port_; }
  void Stop();

 private:
  void RegisterRoutes();

  GatewayOptions options_;
  metrics::Registry* registry_;
  metrics::CounterFamily* requests_;
  metrics::HistogramFamily* latency_;
  std::unique_ptr<customer::v1::CustomerRecordsService::Stub> customer_records_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
};

// The HTTP status for a gRPC code (per google.rpc.Code's mapping).
int HttpStatusFor(grpc::StatusCode code);

}  // namespace qudao::gateway
