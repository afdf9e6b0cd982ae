// Client helpers; see client.h.
#include "common/grpc/client.h"

#include <algorithm>
#include <map>
#include <random>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/grpc/observability.h"
#include "common/grpc/status.h"
#include "common/log/log.h"

namespace qudao {
namespace {

std::chrono::system_clock::time_point DeadlineAfter(absl::Duration d) {
  return std::chrono::system_clock::now() +
         std::chrono::microseconds(absl::ToInt64Microseconds(d));
}

}  // namespace

namespace {

absl::Mutex tls_mu(absl::kConstInit);
std::shared_ptr<grpc::ChannelCredentials>* client_credentials
    ABSL_GUARDED_BY(tls_mu) = nullptr;

std::shared_ptr<grpc::ChannelCredentials> ClientCredentials() {
  absl::MutexLock lock(&tls_mu);
  if (client_credentials == nullptr) return grpc::InsecureChannelCredentials();
  return *client_credentials;
}

bool IsPrintableAscii(absl::string_view value) {
  for (char c : value) {
    if (c < 0x20 || c > 0x7E) return false;
  }
  return true;
}

}  // namespace

void UseClientTls(const ClientTls& tls) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = tls.ca_pem;
  options.pem_cert_chain = tls.cert_pem;
  options.pem_private_key = tls.key_pem;
  absl::MutexLock lock(&tls_mu);
  client_credentials = new std::shared_ptr<grpc::ChannelCredentials>(
      grpc::SslCredentials(options));
}

std::shared_ptr<grpc::Channel> SharedChannel(const std::string& target) {
  static absl::Mutex mu(absl::kConstInit);
  static auto* channels =
      new std::map<std::string, std::shared_ptr<grpc::Channel>>();
  absl::MutexLock lock(&mu);
  auto& channel = (*channels)[target];
  if (channel == nullptr) {
    grpc::ChannelArguments args;
    args.SetLoadBalancingPolicyName("round_robin");
    args.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 30 * 1000);
    args.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 10 * 1000);
    args.SetInt(GRPC_ARG_ENABLE_RETRIES, 1);
    // After a backend restarts, reconnect within about a second, not after
    // gRPC's default backoff of up to two minutes.
    args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
    args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
    channel = grpc::CreateCustomChannel(target, ClientCredentials(), args);
  }
  return channel;
}

std::unique_ptr<grpc::ClientContext> OutgoingContext(
    const grpc::CallbackServerContext& incoming, absl::Duration max_timeout) {
  std::unique_ptr<grpc::ClientContext> ctx =
      grpc::ClientContext::FromCallbackServerContext(incoming);
  const auto cap = DeadlineAfter(max_timeout);
  if (incoming.deadline() > cap) ctx->set_deadline(cap);
  // The correlation id (the caller's or the one the interceptor made up)
  // and the W3C trace context travel on unchanged.
  const auto& md = incoming.client_metadata();
  for (const char* key : {kCorrelationIdKey, kTraceparentKey, kTracestateKey,
                          "authorization", "x-qudao-partner-dealer"}) {
    auto it = md.find(key);
    if (it != md.end()) {
      ctx->AddMetadata(key, std::string(it->second.data(), it->second.size()));
    }
  }
  return ctx;
}

CallContext CallContextOf(const grpc::ServerContextBase& incoming) {
  CallContext call;
  const auto deadline = incoming.deadline();
  if (deadline != std::chrono::system_clock::time_point::max()) {
    call.deadline = absl::FromChrono(deadline);
  }
  const auto& md = incoming.client_metadata();
  auto value = [&md](const char* key) {
    auto it = md.find(key);
    return it == md.end() ? std::string()
                          : std::string(it->second.data(), it->second.size());
  };
  call.correlation_id = value(kCorrelationIdKey);
  call.traceparent = value(kTraceparentKey);
  call.tracestate = value(kTracestateKey);
  return call;
}

std::unique_ptr<grpc::ClientContext> OutgoingContext(
    const CallContext& call, absl::Duration max_timeout) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  const absl::Time deadline =
      std::min(call.deadline, absl::Now() + max_timeout);
  ctx->set_deadline(absl::ToChronoTime(deadline));
  ctx->AddMetadata(kCorrelationIdKey, call.correlation_id.empty()
                                          ? NewCorrelationId()
                                          : call.correlation_id);
  // gRPC aborts the process on a metadata value outside printable ASCII:
  // whatever reached a CallContext is checked here, the one place outgoing
  // metadata is set (a malformed trace context is dropped; credentials
  // that are not printable are not sent, and the callee refuses the call).
  if (IsValidTraceparent(call.traceparent)) {
    ctx->AddMetadata(kTraceparentKey, call.traceparent);
    if (!call.tracestate.empty() && IsValidTracestate(call.tracestate)) {
      ctx->AddMetadata(kTracestateKey, call.tracestate);
    }
  }
  if (!call.authorization.empty() && IsPrintableAscii(call.authorization)) {
    ctx->AddMetadata("authorization",
                     absl::StrCat("Bearer ", call.authorization));
  }
  if (!call.partner_dealer_id.empty() &&
      IsPrintableAscii(call.partner_dealer_id)) {
    ctx->AddMetadata("x-qudao-partner-dealer", call.partner_dealer_id);
  }
  return ctx;
}

std::unique_ptr<grpc::ClientContext> OutgoingContext(
    absl::Duration timeout, const std::string& correlation_id) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(DeadlineAfter(timeout));
  ctx->AddMetadata(kCorrelationIdKey, correlation_id.empty()
                                          ? NewCorrelationId()
                                          : correlation_id);
  return ctx;
}

ServiceClient::ServiceClient(std::string service,
                             std::function<std::string()> target,
                             ServiceClientOptions options,
                             metrics::Registry* registry, const Clock* clock)
    : service_(std::move(service)),
      target_(std::move(target)),
      options_(options),
      breaker_(options.breaker_threshold, options.breaker_open_for, clock) {
  if (registry != nullptr) {
    calls_ = &registry->Counter(
        "qudao_client_attempts_total",
        "Outgoing calls to other qudao services, by service and outcome "
        "(ok, refused, fault, retry, circuit_open).",
        {"service", "outcome"});
  }
}

std::shared_ptr<grpc::Channel> ServiceClient::Channel() const {
  std::string target = target_();
  absl::MutexLock lock(&channel_mu_);
  if (channel_ == nullptr || target != channel_target_) {
    channel_ = SharedChannel(target);
    channel_target_ = std::move(target);
  }
  return channel_;
}

absl::Status ServiceClient::Call(
    const CallContext& call, Idempotency idempotency,
    absl::FunctionRef<grpc::Status(grpc::ClientContext&)> rpc) {
  thread_local std::minstd_rand jitter(std::random_device{}());
  auto count = [this](const char* outcome) {
    if (calls_ != nullptr) calls_->Increment({service_, outcome});
  };
  const int attempts =
      idempotency == Idempotency::kIdempotent ? options_.max_attempts : 1;
  absl::Duration backoff = options_.initial_backoff;
  absl::Status last;
  // A call for no person presents this service's own account.
  CallContext with_credentials;
  const CallContext* effective = &call;
  if (call.authorization.empty() && options_.own_token != nullptr) {
    absl::StatusOr<std::string> token = options_.own_token->Token();
    if (!token.ok()) {
      log::Error("no token for this service's own account",
                 {{"service", service_},
                  {"error", std::string(token.status().message())}});
      return WithReason(absl::UnavailableError(absl::StrCat(
                            "this service has no credentials to call ",
                            service_, " right now; retry later")),
                        "BACKEND_UNAVAILABLE");
    }
    with_credentials = call;
    with_credentials.authorization = *std::move(token);
    effective = &with_credentials;
  }
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    if (!breaker_.Allow()) {
      count("circuit_open");
      return WithReason(
          absl::UnavailableError(absl::StrCat(
              service_, " is failing; calls to it are paused for a moment")),
          "BACKEND_CIRCUIT_OPEN");
    }
    std::unique_ptr<grpc::ClientContext> ctx =
        OutgoingContext(*effective, options_.timeout);
    const grpc::Status status = rpc(*ctx);
    last = FromGrpcCall(status, *ctx);
    breaker_.Record(last);
    if (!absl::IsUnavailable(last) || attempt == attempts) break;
    // A channel whose backend went away waits out its own reconnect
    // back-off (up to a second) and fails calls at once meanwhile; a retry
    // asks it to reconnect now, so a backend that is back (a restart on the
    // same address) answers the retry.
    grpc::experimental::ChannelResetConnectionBackoff(Channel().get());
    // Back off, but not past the caller's deadline.
    const absl::Duration pause = absl::Microseconds(
        jitter() % std::max<int64_t>(1, absl::ToInt64Microseconds(backoff)));
    if (absl::Now() + pause >= call.deadline) break;
    count("retry");
    absl::SleepFor(pause);
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
  count(last.ok()                              ? "ok"
        : CircuitBreaker::IsBackendFault(last) ? "fault"
                                               : "refused");
  if (CircuitBreaker::IsBackendFault(last)) {
    // The transport's text names hosts and ports: it goes to the log, and
    // the caller gets a message it can act on.
    log::Warning("call to another service failed",
                 {{"service", service_},
                  {"code", absl::StatusCodeToString(last.code())},
                  {"error", std::string(last.message())}});
    return WithReason(
        absl::Status(last.code(), absl::StrCat(service_,
                                               " did not answer in time or is "
                                               "unavailable; retry later")),
        ReasonOf(last) ==
                absl::AsciiStrToUpper(absl::StatusCodeToString(last.code()))
            ? "BACKEND_UNAVAILABLE"
            : ReasonOf(last));
  }
  return last;
}

}  // namespace qudao
