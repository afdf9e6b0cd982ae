// Status mapping; see status.h.
#include "common/grpc/status.h"

namespace qudao {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  // absl and gRPC share the canonical code numbering.
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()));
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
}

std::string TrailingValue(const grpc::ClientContext& context,
                          absl::string_view key) {
  const auto& md = context.GetServerTrailingMetadata();
  auto it = md.find(grpc::string_ref(key.data(), key.size()));
  if (it == md.end()) return "";
  return std::string(it->second.data(), it->second.size());
}

absl::Status FromGrpcCall(const grpc::Status& status,
                          const grpc::ClientContext& context) {
  absl::Status out = FromGrpcStatus(status);
  if (out.ok()) return out;
  if (std::string field = TrailingValue(context, kErrorFieldKey);
      !field.empty()) {
    out = WithField(out, field);
  }
  if (std::string reason = TrailingValue(context, kErrorReasonKey);
      !reason.empty()) {
    out = WithReason(out, reason);
  }
  return out;
}

void AttachErrorMetadata(grpc::ServerContextBase* context,
                         const absl::Status& status) {
  if (status.ok()) return;
  context->AddTrailingMetadata(kErrorReasonKey, ReasonOf(status));
  const std::string field = FieldOf(status);
  if (!field.empty()) context->AddTrailingMetadata(kErrorFieldKey, field);
}

}  // namespace qudao
