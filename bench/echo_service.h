// The bare echo service: the floor of what one RPC costs on this machine,
// measured in the same run as every real scenario.
#pragma once

#include "qudao/echo/v1/echo_service.grpc.pb.h"

namespace qudao::bench {

class EchoService final : public echo::v1::EchoService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Echo(grpc::CallbackServerContext* context,
                                 const echo::v1::EchoRequest* request,
                                 echo::v1::EchoResponse* response) override {
    response->set_payload(request->payload());
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

}  // namespace qudao::bench
