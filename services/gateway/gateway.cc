// Gateway; see gateway.h.
#include "services/gateway/gateway.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/client.h"
#include "common/grpc/observability.h"
#include "common/grpc/status.h"
#include "common/grpc/validation.h"
#include "common/log/log.h"

namespace qudao::gateway {
namespace {

void WriteError(httplib::Response& res, const absl::Status& status,
                const std::string& request_id) {
  const grpc::StatusCode code = static_cast<grpc::StatusCode>(status.code());
  res.status = HttpStatusFor(code);
  std::string body = absl::StrCat(
      "{\"error\":{\"code\":", res.status,
      ",\"status\":", log::JsonQuote(absl::StatusCodeToString(status.code())),
      ",\"message\":", log::JsonQuote(status.message()),
      ",\"reason\":", log::JsonQuote(ReasonOf(status)));
  const std::string field = FieldOf(status);
  if (!field.empty())
    absl::StrAppend(&body, ",\"field\":", log::JsonQuote(field));
  absl::StrAppend(&body, ",\"request_id\":", log::JsonQuote(request_id),
                  "}}\n");
  res.set_content(body, "application/json");
}

// The reason/field a backend attached in trailing metadata.
absl::Status FromBackend(const grpc::Status& status,
                         const grpc::ClientContext& ctx) {
  absl::Status out = FromGrpcStatus(status);
  const auto& md = ctx.GetServerTrailingMetadata();
  auto reason = md.find(kErrorReasonKey);
  auto field = md.find(kErrorFieldKey);
  if (field != md.end()) {
    out =
        WithField(out, std::string(field->second.data(), field->second.size()));
  }
  if (reason != md.end()) {
    out = WithReason(out,
                     std::string(reason->second.data(), reason->second.size()));
  }
  return out;
}

}  // namespace

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

Gateway::Gateway(GatewayOptions options, metrics::Registry* registry)
    : options_(std::move(options)),
      registry_(registry),
      requests_(&registry->Counter("gateway_http_requests_total",
                                   "HTTP requests by route and status.",
                                   {"route", "status"})),
      latency_(&registry->Histogram("gateway_http_request_seconds",
                                    "HTTP request latency by route.",
                                    {"route"})),
      customer_records_(customer::v1::CustomerRecordsService::NewStub(
          SharedChannel(options_.customer_records_target))),
      server_(std::make_unique<httplib::Server>()) {
  RegisterRoutes();
}

Gateway::~Gateway() { Stop(); }

void Gateway::RegisterRoutes() {
  server_->Get(R"(/v1/dealers/([^/]+))", [this](const httplib::Request& req,
                                                httplib::Response& res) {
    const absl::Time start = absl::Now();
    std::string request_id = req.get_header_value("X-Request-Id");
    if (request_id.empty() || request_id.size() > 128) {
      request_id = NewRequestId();
    }
    res.set_header("X-Request-Id", request_id);
    const std::string dealer_id = req.matches[1];
    absl::Status status = [&]() -> absl::Status {
      auto caller = options_.partner_keys.Authenticate(
          req.get_header_value("Authorization"));
      if (!caller.ok()) return caller.status();
      if (absl::Status s = RequireId("dealer_id", dealer_id, "dlr"); !s.ok()) {
        return s;
      }
      if (absl::Status s = AuthorizeDealer(*caller, dealer_id); !s.ok()) {
        return s;
      }
      customer::v1::GetDealerRequest get;
      get.set_dealer_id(dealer_id);
      customer::v1::Dealer dealer;
      auto ctx = OutgoingContext(options_.backend_timeout, request_id);
      grpc::Status rpc = customer_records_->GetDealer(ctx.get(), get, &dealer);
      if (!rpc.ok()) return FromBackend(rpc, *ctx);
      std::string json;
      google::protobuf::util::JsonPrintOptions print;
      print.preserve_proto_field_names = true;
      auto converted =
          google::protobuf::util::MessageToJsonString(dealer, &json, print);
      if (!converted.ok()) {
        return absl::InternalError("cannot render the dealer as JSON");
      }
      res.status = 200;
      res.set_content(json + "\n", "application/json");
      return absl::OkStatus();
    }();
    if (!status.ok()) WriteError(res, status, request_id);
    requests_->Increment({"GET /v1/dealers/{id}", absl::StrCat(res.status)});
    latency_->Observe({"GET /v1/dealers/{id}"}, absl::Now() - start);
  });
  server_->set_error_handler([](const httplib::Request&,
                                httplib::Response& res) {
    if (res.body.empty()) {
      WriteError(res,
                 res.status == 404 ? absl::NotFoundError("no such route")
                                   : absl::Status(absl::StatusCode::kUnknown,
                                                  "request failed"),
                 "");
    }
  });
}

absl::Status Gateway::Start(const std::string& host, int port) {
  if (port == 0) {
    port_ = server_->bind_to_any_port(host.c_str());
    if (port_ <= 0) {
      return absl::UnavailableError(absl::StrCat("cannot bind ", host, ":0"));
    }
  } else {
    if (!server_->bind_to_port(host.c_str(), port)) {
      return absl::UnavailableError(
          absl::StrCat("gateway cannot bind ", host, ":", port, " (in use?)"));
    }
    port_ = port;
  }
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  if (options_.partner_keys.open()) {
    log::Warning(
        "gateway running without partner keys: every request is "
        "allowed (development mode only)");
  }
  return absl::OkStatus();
}

void Gateway::Stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

}  // namespace qudao::gateway
