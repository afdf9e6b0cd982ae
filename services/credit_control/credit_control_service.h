// gRPC adapter of credit control: converts proto ⇄ domain, validates the
// request's shape, calls one credit operation and maps its status.
#pragma once

#include "common/concurrency/worker_pool.h"
#include "common/grpc/unary.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "services/credit_control/credit_operations.h"

namespace qudao::credit {

namespace pb = ::qudao::credit::v1;

class CreditControlService final
    : public ServedService<pb::CreditControlService> {
 public:
  CreditControlService(CreditOperations* credit, WorkerPool* workers);

 private:
  absl::Status HandleSetCreditLimit(grpc::CallbackServerContext* context,
                                    const pb::SetCreditLimitRequest& request,
                                    pb::CreditPosition* response);
  absl::Status HandleGetCreditPosition(
      grpc::CallbackServerContext* context,
      const pb::GetCreditPositionRequest& request,
      pb::CreditPosition* response);

  CreditOperations* credit_;
};

}  // namespace qudao::credit
