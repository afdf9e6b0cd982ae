// gRPC adapter of credit control: converts proto ⇄ domain, validates the
// request's shape, calls one credit operation and maps its status.
#pragma once

#include "common/concurrency/worker_pool.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "services/credit_control/credit_operations.h"

namespace qudao::credit {

namespace pb = ::qudao::credit::v1;

class CreditControlService final
    : public pb::CreditControlService::CallbackService {
 public:
  CreditControlService(CreditOperations* credit, WorkerPool* workers)
      : credit_(credit), workers_(workers) {}

  grpc::ServerUnaryReactor* SetCreditLimit(
      grpc::CallbackServerContext* context,
      const pb::SetCreditLimitRequest* request,
      pb::CreditPosition* response) override;
  grpc::ServerUnaryReactor* GetCreditPosition(
      grpc::CallbackServerContext* context,
      const pb::GetCreditPositionRequest* request,
      pb::CreditPosition* response) override;

 private:
  CreditOperations* credit_;
  WorkerPool* workers_;
};

}  // namespace qudao::credit
