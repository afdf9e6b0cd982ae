// Gateway; see gateway.h.
#include "services/gateway/gateway.h"

#include <google/protobuf/util/json_util.h>
#include <httplib.h>

#include <exception>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/client.h"
#include "common/grpc/observability.h"
#include "common/grpc/status.h"
#include "common/validation/validation.h"
#include "common/log/log.h"

namespace qudao::gateway {
namespace {

constexpr char kRequestIdHeader[] = "X-Request-Id";
constexpr size_t kMaxPayloadBytes = 1 << 20;

// The caller's X-Request-Id, or a new id when it is missing or malformed.
// The id goes into gRPC metadata, and gRPC aborts the process on a metadata
// value it considers invalid; httplib percent-decodes header values, so
// "%01" arrives as a control byte. Only ids that pass ValidRequestId
// ([A-Za-z0-9._:-], at most 128 characters) are kept.
std::string RequestIdFor(const httplib::Request& req) {
  std::string id = req.get_header_value(kRequestIdHeader);
  if (id.empty() || !ValidRequestId(kRequestIdHeader, id).ok()) {
    return NewCorrelationId();
  }
  return id;
}

// Answers `status` with `http_status`. When the body hides the message, the
// real error is logged here under the request id so it is never lost.
void WriteError(httplib::Response& res, int http_status,
                const absl::Status& status, const std::string& request_id) {
  if (HidesErrorDetail(http_status)) {
    const log::Level level =
        http_status == 429 ? log::Level::kWarning : log::Level::kError;
    log::Write(level, "gateway request failed",
               {{"request_id", request_id},
                {"http_status", http_status},
                {"code", absl::StatusCodeToString(status.code())},
                {"reason", ReasonOf(status)},
                {"error", status.message()}});
  }
  res.status = http_status;
  res.set_content(ErrorBody(http_status, status, request_id),
                  "application/json");
}

// The error for a response httplib produced itself (no route, oversized or
// malformed request, ...), keeping the HTTP status it chose.
absl::Status HttpLayerError(int http_status) {
  switch (http_status) {
    case 404:
      return absl::NotFoundError("no such route");
    case 413:
      return absl::InvalidArgumentError(absl::StrCat(
          "the request is larger than ", kMaxPayloadBytes, " bytes"));
    default:
      if (http_status < 500) {
        return absl::InvalidArgumentError("malformed HTTP request");
      }
      return absl::UnknownError("request failed");
  }
}

}  // namespace

bool HidesErrorDetail(int http_status) {
  return http_status >= 500 || http_status == 429;
}

std::string ErrorBody(int http_status, const absl::Status& status,
                      absl::string_view request_id) {
  const bool hide = HidesErrorDetail(http_status);
  std::string message;
  if (!hide) {
    message = std::string(status.message());
  } else if (http_status == 429) {
    message =
        absl::StrCat("the service is busy; retry later, quoting request_id ",
                     request_id, " if this persists");
  } else {
    message = absl::StrCat(
        "the service is temporarily unavailable; retry later, quoting "
        "request_id ",
        request_id, " if this persists");
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
  absl::StrAppend(&body, ",\"request_id\":", log::JsonQuote(request_id),
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

Gateway::Gateway(GatewayOptions options, metrics::Registry* registry)
    : options_(std::move(options)),
      open_(options_.open_access && options_.partner_keys.empty()),
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
  ConfigureServer();
  RegisterRoutes();
}

Gateway::~Gateway() { Stop(); }

void Gateway::ConfigureServer() {
  // httplib runs each connection on a pool thread for the connection's whole
  // life, idle keep-alive included, and its default pool is max(8, cores-1)
  // threads: a handful of idle clients would stall everyone else. 64 threads
  // absorb that; the 5 s keep-alive frees idle ones, and 100 requests per
  // connection (default 5) spares busy partners a reconnect every 5 calls.
  server_->new_task_queue = [] { return new httplib::ThreadPool(64); };
  server_->set_keep_alive_timeout(5);
  server_->set_keep_alive_max_count(100);
  // A slow or stalled peer holds a thread at most this long per read/write.
  server_->set_read_timeout(10, 0);
  server_->set_write_timeout(10, 0);
  // The API is GET-only; any body is a mistake or an attack, not data.
  server_->set_payload_max_length(kMaxPayloadBytes);
}

void Gateway::RegisterRoutes() {
  server_->Get(R"(/v1/dealers/([^/]+))", [this](const httplib::Request& req,
                                                httplib::Response& res) {
    const absl::Time start = absl::Now();
    const std::string request_id = RequestIdFor(req);
    res.set_header(kRequestIdHeader, request_id);
    const std::string dealer_id = req.matches[1];
    absl::Status status = [&]() -> absl::Status {
      std::optional<std::string> caller;  // nullopt: open access
      if (!open_) {
        auto dealer = options_.partner_keys.Authenticate(
            req.get_header_value("Authorization"));
        if (!dealer.ok()) return dealer.status();
        caller = *std::move(dealer);
      }
      if (absl::Status s = RequireDealerId("dealer_id", dealer_id); !s.ok()) {
        return s;
      }
      if (absl::Status s = AuthorizeDealer(caller, dealer_id); !s.ok()) {
        return s;
      }
      customer::v1::GetDealerRequest get;
      get.set_dealer_id(dealer_id);
      customer::v1::Dealer dealer;
      auto ctx = OutgoingContext(options_.backend_timeout, request_id);
      grpc::Status rpc = customer_records_->GetDealer(ctx.get(), get, &dealer);
      if (!rpc.ok()) return FromGrpcCall(rpc, *ctx);
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
      res.set_content(json + "\n", "application/json");
      return absl::OkStatus();
    }();
    if (!status.ok()) {
      WriteError(res,
                 HttpStatusFor(static_cast<grpc::StatusCode>(status.code())),
                 status, request_id);
    }
    requests_->Increment({"GET /v1/dealers/{id}", absl::StrCat(res.status)});
    latency_->Observe({"GET /v1/dealers/{id}"}, absl::Now() - start);
  });
  // Every response of 400 and up passes here; fill in a JSON body for the
  // ones httplib made itself (no route, oversized request, ...).
  server_->set_error_handler(
      [](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;
        const std::string request_id = RequestIdFor(req);
        res.set_header(kRequestIdHeader, request_id);
        WriteError(res, res.status, HttpLayerError(res.status), request_id);
      });
  // Without this handler httplib puts the exception's what() in a response
  // header; the partner gets the generic 500 and the log gets the text.
  server_->set_exception_handler([](const httplib::Request& req,
                                    httplib::Response& res,
                                    std::exception_ptr error) {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    std::string request_id = res.get_header_value(kRequestIdHeader);
    if (request_id.empty()) {
      request_id = RequestIdFor(req);
      res.set_header(kRequestIdHeader, request_id);
    }
    WriteError(res, 500, absl::InternalError(absl::StrCat("exception: ", what)),
               request_id);
  });
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
  return listener_.Start(*server_, host, port);
}

void Gateway::Stop() { listener_.Stop(); }

}  // namespace qudao::gateway
