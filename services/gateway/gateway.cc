// Gateway; see gateway.h.
#include "services/gateway/gateway.h"

#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/client.h"
#include "common/grpc/observability.h"
#include "common/grpc/status.h"
#include "common/log/log.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "common/validation/validation.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace qudao::gateway {
namespace {

constexpr char kCorrelationHeader[] = "X-Request-Id";
constexpr size_t kMaxBodyBytes = 1 << 20;

// The caller's X-Request-Id, or a new id when it is missing or malformed
// (gRPC aborts the process on a metadata value it considers invalid).
std::string CorrelationIdFor(const http::Request& req) {
  std::string id = req.Header(kCorrelationHeader);
  return IsValidCorrelationId(id) ? id : NewCorrelationId();
}

// Answers `status` with its HTTP status. When the body hides the message,
// the real error is logged here under the correlation id so it is never
// lost.
void WriteError(http::Response& res, int http_status,
                const absl::Status& status, const std::string& correlation_id) {
  if (HidesErrorDetail(http_status, status)) {
    const log::Level level =
        http_status == 429 ? log::Level::kWarning : log::Level::kError;
    log::Write(level, "gateway request failed",
               {{"correlation_id", correlation_id},
                {"http_status", http_status},
                {"code", absl::StatusCodeToString(status.code())},
                {"reason", ReasonOf(status)},
                {"error", status.message()}});
  }
  res.status = http_status;
  if (const absl::Duration wait = RetryAfterOf(status);
      wait > absl::ZeroDuration()) {
    res.SetHeader("Retry-After", absl::StrCat(absl::ToInt64Seconds(wait)));
  }
  res.SetContent(ErrorBody(http_status, status, correlation_id),
                 "application/json");
}

// A backend refusing the gateway's own credentials (an expired service
// token, a misconfigured account) is the gateway's fault, not the
// partner's: 503 with the detail logged, never the backend's words about
// internal accounts.
absl::Status BackendErrorForPartner(const absl::Status& status) {
  if (!absl::IsUnauthenticated(status) && !absl::IsPermissionDenied(status)) {
    return status;
  }
  log::Error("a backend refused the gateway's credentials",
             {{"code", absl::StatusCodeToString(status.code())},
              {"reason", ReasonOf(status)},
              {"error", std::string(status.message())}});
  return absl::UnavailableError(
      "the gateway cannot reach its backend with its credentials");
}

ServiceClientOptions BackendOptions(const GatewayOptions& options) {
  ServiceClientOptions client;
  client.timeout = options.backend_timeout;
  client.own_token = options.service_token;
  return client;
}

// The error for a response the routing or transport decided by itself.
absl::Status TransportError(int http_status) {
  switch (http_status) {
    case 404:
      return absl::NotFoundError("no such route");
    case 405:
      return absl::InvalidArgumentError(
          "this route does not accept that method; see the Allow header");
    case 413:
      return absl::InvalidArgumentError(
          absl::StrCat("the request is larger than ", kMaxBodyBytes, " bytes"));
    default:
      if (http_status < 500) {
        return absl::InvalidArgumentError("malformed HTTP request");
      }
      return absl::UnknownError("request failed");
  }
}

}  // namespace

http::ServerOptions GatewayServerOptions() {
  http::ServerOptions options;
  options.io_threads = 2;
  // Handlers wait on gRPC calls (at most the backend timeout).
  options.handler_threads = 32;
  options.max_connections = 4096;
  options.head_timeout = absl::Seconds(10);
  options.request_timeout = absl::Seconds(30);
  options.keep_alive_timeout = absl::Seconds(30);
  options.max_header_bytes = 16 * 1024;
  options.max_header_count = 100;
  options.max_body_bytes = kMaxBodyBytes;
  return options;
}

bool HidesErrorDetail(int http_status, const absl::Status& status) {
  if (http_status >= 500) return true;
  if (http_status != 429) return false;
  return ReasonOf(status) ==
         absl::AsciiStrToUpper(absl::StatusCodeToString(status.code()));
}

std::string ErrorBody(int http_status, const absl::Status& status,
                      absl::string_view correlation_id) {
  const bool hide = HidesErrorDetail(http_status, status);
  std::string message;
  if (!hide) {
    message = std::string(status.message());
  } else if (http_status == 429) {
    message =
        absl::StrCat("the service is busy; retry later, quoting request_id ",
                     correlation_id, " if this persists");
  } else {
    message = absl::StrCat(
        "the service is temporarily unavailable; retry later, quoting "
        "request_id ",
        correlation_id, " if this persists");
  }
  std::string body = absl::StrCat(
      "{\"error\":{\"code\":", http_status,
      ",\"status\":", log::JsonQuote(absl::StatusCodeToString(status.code())),
      ",\"message\":", log::JsonQuote(message),
      ",\"reason\":", log::JsonQuote(ReasonOf(status)));
  const std::string field = FieldOf(status);
  if (!hide && !field.empty()) {
    absl::StrAppend(&body, ",\"field\":", log::JsonQuote(field));
  }
  absl::StrAppend(&body, ",\"request_id\":", log::JsonQuote(correlation_id),
                  "}}\n");
  return body;
}

int HttpStatusFor(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return 200;
    case grpc::StatusCode::INVALID_ARGUMENT:
    case grpc::StatusCode::OUT_OF_RANGE:
    case grpc::StatusCode::FAILED_PRECONDITION:
      return 400;
    case grpc::StatusCode::UNAUTHENTICATED:
      return 401;
    case grpc::StatusCode::PERMISSION_DENIED:
      return 403;
    case grpc::StatusCode::NOT_FOUND:
      return 404;
    case grpc::StatusCode::ALREADY_EXISTS:
    case grpc::StatusCode::ABORTED:
      return 409;
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return 429;
    case grpc::StatusCode::CANCELLED:
      return 499;
    case grpc::StatusCode::UNIMPLEMENTED:
      return 501;
    case grpc::StatusCode::UNAVAILABLE:
      return 503;
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return 504;
    default:
      return 500;
  }
}

Gateway::Gateway(GatewayOptions options, metrics::Registry* registry,
                 const Clock* clock)
    : options_(std::move(options)),
      open_(options_.open_access && options_.partner_keys.empty()),
      requests_(&registry->Counter("gateway_http_requests_total",
                                   "HTTP requests by route and status.",
                                   {"route", "status"})),
      latency_(&registry->Histogram("gateway_http_request_seconds",
                                    "HTTP request latency by route.",
                                    {"route"})),
      customer_records_(
          [target = options_.customer_records_target] { return target; },
          BackendOptions(options_), registry),
      auth_failures_(options_.auth_failures, clock),
      server_("gateway", &routes_, GatewayServerOptions()) {
  registry->Gauge(
      "qudao_gateway_backend_up",
      "1 when the backend answered the gateway's last health probe.",
      [this] { return customer_records_up_ ? 1.0 : 0.0; },
      {{"backend", "customer_records"}});
  RegisterRoutes();
}

Gateway::~Gateway() { Stop(); }

absl::StatusOr<std::optional<std::string>> Gateway::Caller(
    const http::Request& request) {
  if (open_) return std::optional<std::string>();
  const std::string client = options_.trusted_proxies.ClientOf(
      request.peer, request.Header("X-Forwarded-For"));
  if (const absl::Duration wait = auth_failures_.WaitBeforeTrying(client);
      wait > absl::ZeroDuration()) {
    return WithRetryAfter(
        Refusal(absl::StatusCode::kResourceExhausted, kReasonAuthRateLimited,
                "too many failed authentications from this address; wait "
                "the Retry-After seconds, then use a valid key"),
        wait);
  }
  absl::StatusOr<std::string> dealer =
      options_.partner_keys.Authenticate(request.Header("Authorization"));
  if (!dealer.ok()) {
    auth_failures_.RecordFailure(client);
    return dealer.status();
  }
  return std::optional<std::string>(*std::move(dealer));
}

absl::Status Gateway::GetDealer(const http::Request& request,
                                const std::string& correlation_id,
                                const std::string& dealer_id,
                                http::Response& res) {
  ASSIGN_OR_RETURN(const std::optional<std::string> caller, Caller(request));
  RETURN_IF_ERROR(RequireDealerId("dealer_id", dealer_id));
  // The service applies the partner rule (another dealer is NOT_FOUND);
  // the gateway calls as its own account, naming the partner.
  CallContext call;
  // In open access (development) every caller may read every dealer: the
  // gateway acts for the partner it asks about.
  call.partner_dealer_id = caller.value_or(dealer_id);
  call.correlation_id = correlation_id;
  // Forwarded when well-formed (OutgoingContext drops anything else).
  call.traceparent = request.Header(kTraceparentKey);
  call.tracestate = request.Header(kTracestateKey);
  absl::StatusOr<customer::v1::Dealer> found =
      customer_records_.GetDealer(call, dealer_id);
  if (!found.ok()) return BackendErrorForPartner(found.status());
  const customer::v1::Dealer& dealer = *found;
  std::string json;
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  auto converted =
      google::protobuf::util::MessageToJsonString(dealer, &json, print);
  if (!converted.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot render dealer ", dealer_id,
                     " as JSON: ", converted.ToString()));
  }
  res.status = 200;
  res.SetContent(json + "\n", "application/json");
  return absl::OkStatus();
}

void Gateway::RegisterRoutes() {
  // Each route: its handler returns a status; errors become JSON bodies.
  auto route = [this](std::string method, std::string pattern, auto handler) {
    const std::string name = absl::StrCat(method, " ", pattern);
    routes_.Add(
        method, pattern,
        [this, name, handler](const http::Request& req,
                              const http::PathParams& params,
                              http::Response& res) {
          const absl::Time start = absl::Now();
          const std::string correlation_id = CorrelationIdFor(req);
          res.SetHeader(kCorrelationHeader, correlation_id);
          absl::Status status = handler(req, correlation_id, params, res);
          if (!status.ok()) {
            WriteError(
                res,
                HttpStatusFor(static_cast<grpc::StatusCode>(status.code())),
                status, correlation_id);
          }
          requests_->Increment({name, absl::StrCat(res.status)});
          latency_->Observe({name}, absl::Now() - start);
        });
  };
  route("GET", "/v1/dealers/{dealer_id}",
        [this](const http::Request& req, const std::string& correlation_id,
               const http::PathParams& params, http::Response& res) {
          return GetDealer(req, correlation_id, params.at("dealer_id"), res);
        });
  routes_.SetErrorRenderer(
      [this](const http::Request& req, http::Response& res) {
        const std::string correlation_id = CorrelationIdFor(req);
        res.SetHeader(kCorrelationHeader, correlation_id);
        WriteError(res, res.status, TransportError(res.status), correlation_id);
        requests_->Increment({"unrouted", absl::StrCat(res.status)});
      });
}

void Gateway::ProbeBackends() {
  auto health = grpc::health::v1::Health::NewStub(
      SharedChannel(options_.customer_records_target));
  do {
    grpc::health::v1::HealthCheckRequest req;
    req.set_service(customer::v1::CustomerRecordsService::service_full_name());
    grpc::health::v1::HealthCheckResponse resp;
    auto ctx = OutgoingContext(absl::Seconds(1));
    const grpc::Status s = health->Check(ctx.get(), req, &resp);
    const bool up =
        s.ok() &&
        resp.status() == grpc::health::v1::HealthCheckResponse::SERVING;
    if (up != customer_records_up_.exchange(up)) {
      log::Write(up ? log::Level::kInfo : log::Level::kWarning,
                 up ? "backend reachable" : "backend unreachable",
                 {{"backend", "customer_records"},
                  {"target", options_.customer_records_target}});
    }
  } while (
      !stop_probing_.WaitForNotificationWithTimeout(options_.probe_interval));
}

absl::Status Gateway::Start(const std::string& host, int port) {
  if (open_) {
    log::Warning(
        "gateway running with open access (no partner keys): every caller "
        "may read every dealer; development only");
  } else if (options_.partner_keys.empty()) {
    log::Error(
        "gateway has no partner keys and open access is off: every request "
        "is refused with 401");
  }
  RETURN_IF_ERROR(server_.Start(host, port));
  serving_ = true;
  prober_ = std::thread([this] { ProbeBackends(); });
  return absl::OkStatus();
}

void Gateway::Stop() {
  serving_ = false;
  if (prober_.joinable()) {
    stop_probing_.Notify();
    prober_.join();
  }
  server_.Stop();
}

}  // namespace qudao::gateway
