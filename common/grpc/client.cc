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
  const std::string request_id = RequestIdOf(incoming);
  if (!request_id.empty()) ctx->AddMetadata(kRequestIdKey, request_id);
  return ctx;
}

std::unique_ptr<grpc::ClientContext> OutgoingContext(
    absl::Duration timeout, const std::string& request_id) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(DeadlineAfter(timeout));
  ctx->AddMetadata(kRequestIdKey,
                   request_id.empty() ? NewRequestId() : request_id);
  return ctx;
}

}  // namespace qudao
