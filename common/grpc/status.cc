// Status mapping; see status.h.
#include "common/grpc/status.h"

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"

namespace qudao {
namespace {

constexpr char kReasonPayload[] = "type.qudao.dev/ErrorReason";
constexpr char kFieldPayload[] = "type.qudao.dev/ErrorField";

}  // namespace

absl::Status InvalidField(absl::string_view field, absl::string_view problem) {
  return WithField(
      WithReason(absl::InvalidArgumentError(absl::StrCat(field, ": ", problem)),
                 "INVALID_FIELD"),
      field);
}

absl::Status WithReason(absl::Status status, absl::string_view reason) {
  status.SetPayload(kReasonPayload, absl::Cord(reason));
  return status;
}

absl::Status WithField(absl::Status status, absl::string_view field) {
  status.SetPayload(kFieldPayload, absl::Cord(field));
  return status;
}

std::string ReasonOf(const absl::Status& status) {
  if (auto reason = status.GetPayload(kReasonPayload)) {
    return std::string(*reason);
  }
  return absl::AsciiStrToUpper(absl::StatusCodeToString(status.code()));
}

std::string FieldOf(const absl::Status& status) {
  if (auto field = status.GetPayload(kFieldPayload)) return std::string(*field);
  return "";
}

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
