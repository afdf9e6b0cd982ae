// Client helpers; see client.h.
#include "common/grpc/client.h"

#include <map>

#include "absl/synchronization/mutex.h"
#include "common/grpc/observability.h"

namespace qudao {
namespace {

std::chrono::system_clock::time_point DeadlineAfter(absl::Duration d) {
  return std::chrono::system_clock::now() +
         std::chrono::microseconds(absl::ToInt64Microseconds(d));
}

}  // namespace

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
    channel = grpc::CreateCustomChannel(
        target, grpc::InsecureChannelCredentials(), args);
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
  for (const char* key : {kCorrelationIdKey, kTraceparentKey, kTracestateKey}) {
    auto it = md.find(key);
    if (it != md.end()) {
      ctx->AddMetadata(key, std::string(it->second.data(), it->second.size()));
    }
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

}  // namespace qudao
