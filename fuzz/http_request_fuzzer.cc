// HTTP request parsing and routing as the partner gateway does them: the
// bytes go through the same parser, limits, route table, authentication
// and handlers as a connection's (ServeBytesForTesting), in front of a
// real customer records module in process. Invariants: every answer is a
// well-formed HTTP response with a known status, and a partner key never
// reaches another dealer's record.
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/http/server.h"
#include "common/metrics/metrics.h"
#include "common/testing/identity.h"
#include "common/testing/raw_socket.h"
#include "common/testing/service_fixture.h"
#include "fuzz/fuzz_check.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "services/customer_records/customer_records_module.h"
#include "services/gateway/gateway.h"

namespace {

struct World {
  std::unique_ptr<qudao::testing::ServiceFixture> backend;
  std::unique_ptr<qudao::metrics::Registry> registry;
  std::unique_ptr<qudao::gateway::Gateway> gateway;
  std::string own, other;
};

std::string CreateDealer(qudao::testing::ServiceFixture& backend,
                         const std::string& name) {
  auto stub =
      qudao::customer::v1::CustomerRecordsService::NewStub(backend.channel());
  qudao::customer::v1::CreateDealerRequest req;
  req.mutable_dealer()->set_legal_name(name);
  req.mutable_dealer()->mutable_region()->set_province("Fujian");
  req.mutable_dealer()->mutable_region()->set_city("Xiamen");
  req.mutable_dealer()->set_channel_level(
      qudao::customer::v1::CHANNEL_LEVEL_RETAILER);
  req.mutable_dealer()->set_owner("rep.fuzz");
  qudao::customer::v1::Dealer out;
  grpc::ClientContext ctx;
  FUZZ_CHECK(stub->CreateDealer(&ctx, req, &out).ok());
  return out.dealer_id();
}

World& TheWorld() {
  static World* world = [] {
    auto* w = new World();
    auto backend = qudao::testing::ServiceFixture::Start(
        qudao::customer::NewCustomerRecordsModule);
    FUZZ_CHECK(backend.ok());
    w->backend = std::move(*backend);
    w->own = CreateDealer(*w->backend, "Own Dealer");
    w->other = CreateDealer(*w->backend, "Other Dealer");
    qudao::gateway::GatewayOptions options;
    options.customer_records_target =
        absl::StrCat("127.0.0.1:", w->backend->port());
    options.service_token =
        qudao::testing::TestIdentity::Get().ServiceTokenSource("gateway");
    // The key of the seed corpus.
    options.partner_keys = *qudao::gateway::PartnerKeys::Parse(
        absl::StrCat("fuzz-key-0123456789 ", w->own, "\n"));
    w->registry = std::make_unique<qudao::metrics::Registry>();
    w->gateway = std::make_unique<qudao::gateway::Gateway>(std::move(options),
                                                           w->registry.get());
    return w;
  }();
  return *world;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  (void)TheWorld();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  World& w = TheWorld();
  std::string bytes(reinterpret_cast<const char*>(data), size);
  // The seeds say DEALER_OWN / DEALER_OTHER where ids belong.
  for (const auto& [marker, id] :
       {std::pair<std::string, std::string>{"DEALER_OWN", w.own},
        {"DEALER_OTHER", w.other}}) {
    for (size_t at = bytes.find(marker); at != std::string::npos;
         at = bytes.find(marker, at + id.size())) {
      bytes.replace(at, marker.size(), id);
    }
  }
  const std::string out = qudao::http::ServeBytesForTesting(
      w.gateway->routes(), qudao::gateway::GatewayServerOptions(), bytes);
  for (int status : qudao::testing::ResponseStatuses(out)) {
    FUZZ_CHECK(status >= 200 && status < 600);
  }
  FUZZ_CHECK(!absl::StrContains(out, "Other Dealer"));
  return 0;
}
