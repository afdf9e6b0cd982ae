// Calling other qudao services: one long-lived channel per target shared by
// the process (`dns:///host:port` targets with round_robin so every replica
// behind a headless Service gets calls; static lists such as
// `ipv4:127.0.0.1:50051,127.0.0.1:50061` for several replicas on one
// machine), client contexts whose deadline comes from the call being
// served, and ServiceClient: retries of idempotent calls and a circuit
// breaker, which every typed client (services/<name>/client/) uses.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/auth/tokens.h"
#include "common/call/call_context.h"
#include "common/clock/clock.h"
#include "common/concurrency/circuit_breaker.h"
#include "common/metrics/metrics.h"

namespace qudao {

// TLS for every channel SharedChannel makes from now on (clusters without
// a service mesh): trust `ca_pem`; present `cert_pem`/`key_pem` when the
// servers require client certificates. Without it channels are plaintext.
struct ClientTls {
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
};
void UseClientTls(const ClientTls& tls);

// The process-wide channel for `target`, created on first use.
std::shared_ptr<grpc::Channel> SharedChannel(const std::string& target);

// A context for a call made while serving `incoming`: it inherits the
// incoming deadline (capped at `max_timeout`) and cancellation, and forwards
// the correlation id, the W3C trace context (traceparent, tracestate) and
// the caller's credentials (authorization, partner dealer).
std::unique_ptr<grpc::ClientContext> OutgoingContext(
    const grpc::CallbackServerContext& incoming, absl::Duration max_timeout);

// The CallContext of a call being served: its deadline, correlation id and
// trace context, for operations to pass on to the calls they make.
CallContext CallContextOf(const grpc::ServerContextBase& incoming);

// A context for a call made on behalf of `call`: its deadline capped at
// `max_timeout` from now, its correlation id (or a new one), trace context
// and credentials.
std::unique_ptr<grpc::ClientContext> OutgoingContext(
    const CallContext& call, absl::Duration max_timeout);

// A context for a call that starts here (CLI, gateway, tests), with the
// given correlation id or a new one.
std::unique_ptr<grpc::ClientContext> OutgoingContext(
    absl::Duration timeout, const std::string& correlation_id = "");

// Whether retrying a call may apply it twice. Reads, and writes that carry
// an idempotency key, are idempotent.
enum class Idempotency { kIdempotent, kNotIdempotent };

struct ServiceClientOptions {
  // A call's deadline is the caller's, capped at this.
  absl::Duration timeout = absl::Seconds(5);
  // Attempts of an idempotent call that fails UNAVAILABLE.
  int max_attempts = 3;
  absl::Duration initial_backoff = absl::Milliseconds(20);
  absl::Duration max_backoff = absl::Milliseconds(400);
  // Consecutive backend faults that open the breaker, and for how long.
  int breaker_threshold = 5;
  absl::Duration breaker_open_for = absl::Seconds(1);
  // The token of this service's own account, presented when a call acts
  // for no person (its own jobs; the gateway for partners). Null: such
  // calls go without credentials (and are refused).
  std::shared_ptr<auth::TokenSource> own_token;
};

// The call machinery a typed client of one service shares.
class ServiceClient {
 public:
  // `target` is read when a call is made (in `qudao dev` a service learns
  // its own port only once it serves). `registry` may be null.
  ServiceClient(std::string service, std::function<std::string()> target,
                ServiceClientOptions options = {},
                metrics::Registry* registry = nullptr,
                const Clock* clock = &Clock::Real());

  std::shared_ptr<grpc::Channel> Channel() const;

  // Runs `rpc` with a context made for `call`. An idempotent call that
  // fails UNAVAILABLE is retried with jittered exponential backoff while
  // attempts and the deadline allow; a non-idempotent one never is. While
  // the breaker is open calls fail at once: UNAVAILABLE with reason
  // BACKEND_CIRCUIT_OPEN. The status keeps the backend's reason and field.
  absl::Status Call(const CallContext& call, Idempotency idempotency,
                    absl::FunctionRef<grpc::Status(grpc::ClientContext&)> rpc);

  CircuitBreaker& breaker() { return breaker_; }
  const std::string& service() const { return service_; }

  // The stub of `Service` on the current channel, made once per channel
  // (stubs are safe to share between threads).
  template <typename Service>
  std::shared_ptr<typename Service::Stub> Stub() {
    std::shared_ptr<grpc::Channel> channel = Channel();
    absl::MutexLock lock(&stub_mu_);
    if (stub_channel_ != channel) {
      stub_channel_ = channel;
      stub_ = std::shared_ptr<void>(Service::NewStub(channel));
    }
    return std::static_pointer_cast<typename Service::Stub>(stub_);
  }

 private:
  const std::string service_;
  const std::function<std::string()> target_;
  mutable absl::Mutex channel_mu_;
  mutable std::string channel_target_ ABSL_GUARDED_BY(channel_mu_);
  mutable std::shared_ptr<grpc::Channel> channel_ ABSL_GUARDED_BY(channel_mu_);
  absl::Mutex stub_mu_;
  std::shared_ptr<grpc::Channel> stub_channel_ ABSL_GUARDED_BY(stub_mu_);
  // One service's stub, type-erased (a ServiceClient serves one service).
  std::shared_ptr<void> stub_ ABSL_GUARDED_BY(stub_mu_);
  const ServiceClientOptions options_;
  CircuitBreaker breaker_;
  metrics::CounterFamily* calls_ = nullptr;
};

}  // namespace qudao
