// gRPC adapter of the order flow (qudao.pricing.v1.OrderService): converts
// proto ⇄ domain, validates the request's shape, calls one operation and
// maps its status.
#pragma once

#include "common/grpc/unary.h"
#include "qudao/pricing/v1/order_service.grpc.pb.h"
#include "services/pricing/order_operations.h"

namespace qudao::pricing {

// Who may call what (docs/security.md prints it).
const auth::PermissionTable& OrderPermissions();

// The order for `who`: the reconciler's step details (attempts, errors)
// for staff only.
v1::Order OrderToProto(const Order& order, const auth::Principal& who);

class OrderService final : public ServedService<v1::OrderService> {
 public:
  // `serving` is made with OrderPermissions().
  OrderService(OrderOperations* orders, Serving serving);

 private:
  OrderOperations* orders_;
};

}  // namespace qudao::pricing
