// The partner gateway: HTTP/JSON in front of the gRPC services. It
// authenticates partners, restricts them to their own records, forwards
// each request with a deadline and the correlation id, and maps gRPC status
// codes to HTTP ones with a JSON error body in the Google API style. Its
// routes are a table (method, path pattern, handler); unknown paths are
// 404 and known paths under another method 405 with Allow.
//
// Readiness is the gateway's own: a backend outage answers 503 on the
// affected routes but does not take every gateway replica out of rotation.
// Each backend's reachability is probed and exported as
// qudao_gateway_backend_up{backend=...}.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "common/auth/tokens.h"
#include "common/http/route_table.h"
#include "common/http/server.h"
#include "common/metrics/metrics.h"
#include "services/customer_records/client/customer_records_client.h"
#include "services/gateway/auth_failure_limiter.h"
#include "services/gateway/client_address.h"
#include "services/gateway/partner_auth.h"

namespace qudao::gateway {

struct GatewayOptions {
  // gRPC target of customer records, e.g. dns:///customer-records:50051.
  std::string customer_records_target = "dns:///127.0.0.1:50051";
  // Gateway::Gateway(options, registry, clock): `clock` drives the auth
  // limiter (tests inject one).
  // Per-request deadline for the backend call.
  absl::Duration backend_timeout = absl::Seconds(5);
  // How often each backend's health is probed for the backend_up metric.
  absl::Duration probe_interval = absl::Milliseconds(500);
  // Who may call, and which dealer each caller may read. Without keys the
  // gateway refuses every request (401) unless `open_access` is set.
  PartnerKeys partner_keys;
  // Load balancers whose X-Forwarded-For names the client (see
  // client_address.h); empty: the peer is the client.
  TrustedProxies trusted_proxies;
  // Failed authentications allowed per client address.
  AuthFailureLimiter::Options auth_failures;
  // With no partner keys, serve every request unauthenticated: any caller
  // may read any dealer. For `qudao dev` only. Has no effect when keys are
  // loaded (they are always enforced).
  bool open_access = false;
  // The gateway's own account (role "gateway"): backends accept the
  // partner dealer it names only from this account.
  std::shared_ptr<auth::TokenSource> service_token;
};

class Gateway {
 public:
  Gateway(GatewayOptions options, metrics::Registry* registry,
          const Clock* clock = &Clock::Real());
  ~Gateway();

  // Binds host:port (0 picks a port) and serves on background threads.
  // Returns once the server accepts connections (so Stop() right after
  // works).
  absl::Status Start(const std::string& host, int port);
  int port() const { return server_.port(); }
  // The routes and the server settings, for running requests without
  // sockets (ServeBytesForTesting: the fuzzer).
  const http::RouteTable& routes() const { return routes_; }

  // The gateway's own readiness: it is serving.
  bool Ready() const { return serving_; }
  void Stop();

 private:
  void RegisterRoutes();
  // The route handler for GET /v1/dealers/{dealer_id}.
  absl::Status GetDealer(const http::Request& request,
                         const std::string& correlation_id,
                         const std::string& dealer_id, http::Response& res);
  // The authenticated dealer, or nullopt in open access.
  absl::StatusOr<std::optional<std::string>> Caller(
      const http::Request& request);
  void ProbeBackends();

  GatewayOptions options_;
  // open_access with no keys: skip authentication and authorization.
  const bool open_;
  metrics::CounterFamily* requests_;
  metrics::HistogramFamily* latency_;
  customer::CustomerRecordsClient customer_records_;
  AuthFailureLimiter auth_failures_;
  std::atomic<bool> customer_records_up_{false};
  std::atomic<bool> serving_{false};
  absl::Notification stop_probing_;
  std::thread prober_;
  http::RouteTable routes_;
  http::Server server_;
};

// The HTTP server settings of the partner gateway.
http::ServerOptions GatewayServerOptions();

// The HTTP status for a gRPC code (per google.rpc.Code's mapping).
int HttpStatusFor(grpc::StatusCode code);

// The JSON error body for `status` answered with `http_status`:
// {"error":{"code","status","message","reason"[,"field"],"request_id"}}.
// For 5xx and 429 the message is a generic one quoting the correlation id:
// the real text (SQL errors, pool sizes, host names) is for operators, not
// partners, and the gateway logs it under that id.
std::string ErrorBody(int http_status, const absl::Status& status,
                      absl::string_view correlation_id);

// Whether ErrorBody replaces the message: always for 5xx, and for 429
// unless the status says why in a reason of its own (a throttled client is
// told it is throttled; an overloaded backend's detail stays inside).
bool HidesErrorDetail(int http_status, const absl::Status& status);

// The reason of a client throttled after too many failed authentications.
inline constexpr char kReasonAuthRateLimited[] = "AUTH_RATE_LIMITED";

}  // namespace qudao::gateway
