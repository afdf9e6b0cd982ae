// ServiceFixture; see service_fixture.h.
#include "common/testing/service_fixture.h"

#include <grpcpp/generic/generic_stub.h>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "common/proto/conversion.h"
#include "common/status/macros.h"
#include "common/testing/identity.h"

namespace qudao::testing {

absl::StatusOr<std::unique_ptr<ServiceFixture>> ServiceFixture::Start(
    const ModuleFactory& factory, const Clock* clock,
    const std::string& database_url, std::shared_ptr<Cache> cache,
    std::map<std::string, std::string> targets,
    std::shared_ptr<events::EventBus> events) {
  InstallProtobufLogHandler();
  std::unique_ptr<ServiceFixture> f(new ServiceFixture());
  auto dir = TempDir::Create("qudao-svc");
  if (!dir.ok()) return dir.status();
  f->dir_ = std::make_unique<TempDir>(std::move(*dir));
  f->database_url_ =
      database_url.empty()
          ? absl::StrCat("sqlite://", f->dir_->path(), "/db.sqlite")
          : database_url;
  f->registry_ = std::make_unique<metrics::Registry>();
  f->workers_ = std::make_unique<WorkerPool>(4);
  ModuleEnvironment env;
  env.database_url = f->database_url_;
  env.clock = clock;
  env.workers = f->workers_.get();
  env.metrics = f->registry_.get();
  env.cache = std::move(cache);
  env.events = std::move(events);
  env.verifier = TestIdentity::Get().verifier();
  env.service_token = TestIdentity::Get().TestServiceTokenSource();
  env.target_of = [targets](const std::string& service) {
    auto it = targets.find(service);
    return it == targets.end() ? std::string("127.0.0.1:1") : it->second;
  };
  auto module = factory(env);
  if (!module.ok()) return module.status();
  f->module_ = std::move(*module);
  HostOptions options;
  options.listen = "127.0.0.1:0";
  options.shutdown_grace = absl::Seconds(2);
  f->host_ = std::make_unique<ServiceHost>(options, f->registry_.get());
  f->host_->AddModule(f->module_.get());
  RETURN_IF_ERROR(f->host_->Start());
  // Calls carry a staff token with every role unless a test sets its own.
  f->channel_ =
      ChannelWithToken(absl::StrCat("127.0.0.1:", f->host_->grpc_port()),
                       TestIdentity::Get().StaffToken());
  return f;
}

grpc::Status CallRaw(const std::shared_ptr<grpc::Channel>& channel,
                     const std::string& method, const std::string& bytes,
                     grpc::ClientContext* ctx, std::string* response_bytes) {
  grpc::GenericStub stub(channel);
  grpc::Slice slice(bytes);
  grpc::ByteBuffer request(&slice, 1);
  grpc::ByteBuffer response;
  ctx->set_deadline(std::chrono::system_clock::now() +
                    std::chrono::seconds(10));
  grpc::Status status;
  absl::Notification done;
  stub.UnaryCall(ctx, method, grpc::StubOptions(), &request, &response,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  if (response_bytes != nullptr && status.ok()) {
    std::vector<grpc::Slice> slices;
    response_bytes->clear();
    if (response.Dump(&slices).ok()) {
      for (const grpc::Slice& slice : slices) {
        response_bytes->append(reinterpret_cast<const char*>(slice.begin()),
                               slice.size());
      }
    }
  }
  return status;
}

ServiceFixture::~ServiceFixture() {
  if (host_ != nullptr) host_->Shutdown();
}

}  // namespace qudao::testing
