// TLS and reflection of ServiceHost over real gRPC on loopback: a TLS server
// refuses plaintext and serves clients that trust its CA; with a client CA
// it also requires a client certificate that CA signed; UseClientTls makes
// SharedChannel (and so every ServiceClient) speak mutual TLS; reflection is
// served only when HostOptions asks for it.
//
// Its own binary: UseClientTls switches every channel the process makes
// afterwards. Certificates (EC P-256) are made by the `openssl` tool in a
// temp dir when the first test needs them.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/concurrency/worker_pool.h"
#include "common/grpc/client.h"
#include "common/grpc/server_host.h"
#include "common/grpc/unary.h"
#include "common/metrics/metrics.h"
#include "common/status/macros.h"
#include "common/storage/migrations.h"
#include "common/testing/harness.h"
#include "common/testing/identity.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qudao/echo/v1/echo_service.grpc.pb.h"

namespace qudao {
namespace {

using echo::v1::EchoRequest;
using echo::v1::EchoResponse;
using echo::v1::EchoService;
using ::qudao::testing::IsOk;
using ::testing::HasSubstr;

// ---------------------------------------------------------------------------
// Certificates

struct KeyPair {
  std::string cert_pem;
  std::string key_pem;
};

struct Pki {
  std::string ca_pem;
  KeyPair server;  // CN=localhost, DNS:localhost, IP:127.0.0.1, serverAuth
  KeyPair client;  // CN=qudao-test-client, clientAuth
  // A client certificate from another CA the servers do not trust.
  KeyPair rogue_client;
  std::string rogue_ca_pem;
};

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

absl::Status WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary);
  out << content;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// RunCommand does not search PATH.
std::string OpensslPath() {
  const char* path = std::getenv("PATH");
  for (const absl::string_view dir :
       absl::StrSplit(path == nullptr ? "/usr/bin:/bin" : path, ':')) {
    if (dir.empty()) continue;
    const std::string candidate = absl::StrCat(dir, "/openssl");
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

absl::Status Openssl(const std::vector<std::string>& args) {
  static const std::string* binary = new std::string(OpensslPath());
  if (binary->empty()) {
    return absl::FailedPreconditionError(
        "the openssl tool is not on PATH (scripts/deps.sh installs it)");
  }
  std::vector<std::string> argv = {*binary};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string output;
  ASSIGN_OR_RETURN(const int rc, testing::RunCommand(argv, &output));
  if (rc != 0) {
    return absl::InternalError(
        absl::StrCat("openssl ", args.front(), " exited ", rc, ": ", output));
  }
  return absl::OkStatus();
}

// A self-signed CA <dir>/<name>.pem with key <name>.key.
absl::Status MakeCa(const std::string& dir, const std::string& name) {
  return Openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt",
                  "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                  "-subj", absl::StrCat("/CN=", name), "-keyout",
                  absl::StrCat(dir, "/", name, ".key"), "-out",
                  absl::StrCat(dir, "/", name, ".pem"), "-addext",
                  "basicConstraints=critical,CA:TRUE", "-addext",
                  "keyUsage=critical,keyCertSign,cRLSign"});
}

// A certificate for `cn` with `extensions` (an openssl extfile), signed by
// the CA `ca`.
absl::StatusOr<KeyPair> MakeLeaf(const std::string& dir,
                                 const std::string& name, const std::string& cn,
                                 const std::string& extensions,
                                 const std::string& ca) {
  const std::string base = absl::StrCat(dir, "/", name);
  RETURN_IF_ERROR(Openssl({"req", "-new", "-newkey", "ec", "-pkeyopt",
                           "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
                           absl::StrCat("/CN=", cn), "-keyout", base + ".key",
                           "-out", base + ".csr"}));
  RETURN_IF_ERROR(WriteFile(base + ".ext", extensions));
  RETURN_IF_ERROR(
      Openssl({"x509", "-req", "-in", base + ".csr", "-CA",
               absl::StrCat(dir, "/", ca, ".pem"), "-CAkey",
               absl::StrCat(dir, "/", ca, ".key"), "-CAcreateserial", "-days",
               "2", "-extfile", base + ".ext", "-out", base + ".pem"}));
  KeyPair pair;
  ASSIGN_OR_RETURN(pair.cert_pem, ReadFile(base + ".pem"));
  ASSIGN_OR_RETURN(pair.key_pem, ReadFile(base + ".key"));
  return pair;
}

absl::StatusOr<Pki> MakePki() {
  RETURN_IF_ERROR(Openssl({"version"}));
  ASSIGN_OR_RETURN(testing::TempDir dir, testing::TempDir::Create("qudao-tls"));
  const std::string& d = dir.path();
  Pki pki;
  RETURN_IF_ERROR(MakeCa(d, "ca"));
  ASSIGN_OR_RETURN(pki.ca_pem, ReadFile(d + "/ca.pem"));
  ASSIGN_OR_RETURN(pki.server,
                   MakeLeaf(d, "server", "localhost",
                            "subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                            "keyUsage=critical,digitalSignature\n"
                            "extendedKeyUsage=serverAuth\n",
                            "ca"));
  ASSIGN_OR_RETURN(pki.client, MakeLeaf(d, "client", "qudao-test-client",
                                        "keyUsage=critical,digitalSignature\n"
                                        "extendedKeyUsage=clientAuth\n",
                                        "ca"));
  RETURN_IF_ERROR(MakeCa(d, "rogue-ca"));
  ASSIGN_OR_RETURN(pki.rogue_ca_pem, ReadFile(d + "/rogue-ca.pem"));
  ASSIGN_OR_RETURN(pki.rogue_client,
                   MakeLeaf(d, "rogue-client", "qudao-test-client",
                            "keyUsage=critical,digitalSignature\n"
                            "extendedKeyUsage=clientAuth\n",
                            "rogue-ca"));
  return pki;
}

// The process's certificates, made on first use.
const absl::StatusOr<Pki>& TestPki() {
  static const auto* pki = new absl::StatusOr<Pki>(MakePki());
  return *pki;
}

// ---------------------------------------------------------------------------
// The served echo service

const auth::PermissionTable& EchoPermissions() {
  static const auto* table = new auth::PermissionTable(
      EchoService::service_full_name(),
      {{"Echo", auth::Access::kRead, auth::RoleSet::Staff(),
        auth::PartnerAccess::kNone, "", "", ""}});
  return *table;
}

// The platform tables (the audit trail) in a temp dir.
std::unique_ptr<storage::Database> TestDatabase() {
  static auto* dir =
      new testing::TempDir(testing::TempDir::Create("qudao-tls-test").value());
  static int n = 0;
  auto db = storage::OpenDatabase(
      absl::StrCat("sqlite://", dir->path(), "/db", ++n, ".sqlite"));
  if (!db.ok() || !storage::ApplyMigrations(**db, "echo", {}).ok()) {
    std::abort();
  }
  return *std::move(db);
}

class TestService final : public ServedService<EchoService> {
 public:
  TestService(WorkerPool* workers, storage::Database* db)
      : ServedService(Serving{workers, testing::TestIdentity::Get().verifier(),
                              &EchoPermissions(), db}) {
    Handle<EchoRequest, EchoResponse>(
        "Echo",
        [](const Call&, const EchoRequest& request, EchoResponse* response) {
          response->set_payload(request.payload());
          return absl::OkStatus();
        });
  }
};

constexpr char kReflectionMethod[] =
    "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo";

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const absl::StatusOr<Pki>& pki = TestPki();
    ASSERT_THAT(pki.status(), IsOk());
    pki_ = &*pki;
  }

  // Starts a host of the echo service on 127.0.0.1, port 0.
  ServiceHost* StartHost(HostOptions options) {
    options.listen = "127.0.0.1:0";
    options.shutdown_grace = absl::Seconds(1);
    hosts_.push_back(std::make_unique<ServiceHost>(options, &registry_));
    hosts_.back()->AddService(&service_);
    const absl::Status started = hosts_.back()->Start();
    EXPECT_THAT(started, IsOk());
    return hosts_.back().get();
  }

  HostOptions TlsOptions(bool require_client_certificate) const {
    HostOptions options;
    options.tls_cert_pem = pki_->server.cert_pem;
    options.tls_key_pem = pki_->server.key_pem;
    if (require_client_certificate) options.tls_client_ca_pem = pki_->ca_pem;
    return options;
  }

  static std::string Target(const ServiceHost* host) {
    return absl::StrCat("127.0.0.1:", host->grpc_port());
  }

  static std::shared_ptr<grpc::ChannelCredentials> Tls(
      const std::string& ca_pem, const KeyPair* client = nullptr) {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ca_pem;
    if (client != nullptr) {
      options.pem_cert_chain = client->cert_pem;
      options.pem_private_key = client->key_pem;
    }
    return grpc::SslCredentials(options);
  }

  // Calls Echo on a fresh channel (no shared connection between attempts),
  // with the test staff token unless `token` is false.
  static grpc::Status Echo(const std::string& target,
                           std::shared_ptr<grpc::ChannelCredentials> creds,
                           std::string* out = nullptr, bool token = true) {
    auto stub = EchoService::NewStub(grpc::CreateChannel(target, creds));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    if (token) {
      ctx.AddMetadata(
          "authorization",
          absl::StrCat("Bearer ", testing::TestIdentity::Get().StaffToken()));
    }
    EchoRequest request;
    request.set_payload("over tls");
    EchoResponse response;
    const grpc::Status status = stub->Echo(&ctx, request, &response);
    if (out != nullptr) *out = response.payload();
    return status;
  }

  const Pki* pki_ = nullptr;
  metrics::Registry registry_;
  WorkerPool workers_{2};
  std::unique_ptr<storage::Database> db_ = TestDatabase();
  TestService service_{&workers_, db_.get()};
  std::vector<std::unique_ptr<ServiceHost>> hosts_;
};

TEST_F(TlsTest, ATlsServerRefusesPlaintextAndServesClientsTrustingItsCa) {
  ServiceHost* host = StartHost(TlsOptions(false));
  ASSERT_NE(host->grpc_port(), 0);
  const std::string target = Target(host);

  EXPECT_EQ(Echo(target, grpc::InsecureChannelCredentials()).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // The server's certificate names 127.0.0.1 (an IP SAN), so no target
  // name override is needed.
  std::string out;
  const grpc::Status ok = Echo(target, Tls(pki_->ca_pem), &out);
  EXPECT_TRUE(ok.ok()) << ok.error_code() << " " << ok.error_message();
  EXPECT_EQ(out, "over tls");
  // ... and for "localhost" through an override.
  {
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("localhost");
    auto stub = EchoService::NewStub(
        grpc::CreateCustomChannel(target, Tls(pki_->ca_pem), args));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    ctx.AddMetadata(
        "authorization",
        absl::StrCat("Bearer ", testing::TestIdentity::Get().StaffToken()));
    EchoRequest request;
    request.set_payload("override");
    EchoResponse response;
    const grpc::Status s = stub->Echo(&ctx, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    EXPECT_EQ(response.payload(), "override");
  }
  // A name the certificate does not carry is refused.
  {
    grpc::ChannelArguments args;
    args.SetSslTargetNameOverride("dealers.example.com");
    auto stub = EchoService::NewStub(
        grpc::CreateCustomChannel(target, Tls(pki_->ca_pem), args));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    EchoRequest request;
    EchoResponse response;
    EXPECT_EQ(stub->Echo(&ctx, request, &response).error_code(),
              grpc::StatusCode::UNAVAILABLE);
  }
  // A client that does not trust the server's CA does not connect.
  EXPECT_EQ(Echo(target, Tls(pki_->rogue_ca_pem)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // TLS does not replace the bearer token.
  EXPECT_EQ(
      Echo(target, Tls(pki_->ca_pem), nullptr, /*token=*/false).error_code(),
      grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(TlsTest, MutualTlsRequiresAClientCertificateSignedByTheClientCa) {
  ServiceHost* host = StartHost(TlsOptions(true));
  ASSERT_NE(host->grpc_port(), 0);
  const std::string target = Target(host);

  EXPECT_EQ(Echo(target, grpc::InsecureChannelCredentials()).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Echo(target, Tls(pki_->ca_pem)).error_code(),
            grpc::StatusCode::UNAVAILABLE)
      << "a TLS client without a certificate";
  EXPECT_EQ(Echo(target, Tls(pki_->ca_pem, &pki_->rogue_client)).error_code(),
            grpc::StatusCode::UNAVAILABLE)
      << "a client certificate from a CA the server does not trust";
  std::string out;
  const grpc::Status ok = Echo(target, Tls(pki_->ca_pem, &pki_->client), &out);
  EXPECT_TRUE(ok.ok()) << ok.error_code() << " " << ok.error_message();
  EXPECT_EQ(out, "over tls");
}

TEST_F(TlsTest, UseClientTlsMakesSharedChannelsSpeakMutualTls) {
  ServiceHost* host = StartHost(TlsOptions(true));
  ASSERT_NE(host->grpc_port(), 0);
  const CallContext call{absl::Now() + absl::Seconds(10),           "", "", "",
                         testing::TestIdentity::Get().StaffToken(), ""};
  auto echo = [&call](ServiceClient& client, std::string* out) {
    return client.Call(
        call, Idempotency::kIdempotent, [&](grpc::ClientContext& ctx) {
          EchoRequest request;
          request.set_payload("shared");
          EchoResponse response;
          grpc::Status status =
              client.Stub<EchoService>()->Echo(&ctx, request, &response);
          *out = response.payload();
          return status;
        });
  };
  std::string out;
  // Before UseClientTls, shared channels are plaintext. (Another spelling
  // of the target: SharedChannel keeps a channel per target string.)
  {
    const std::string plain_target =
        absl::StrCat("ipv4:127.0.0.1:", host->grpc_port());
    ServiceClient client("echo", [plain_target] { return plain_target; });
    EXPECT_TRUE(absl::IsUnavailable(echo(client, &out)));
  }

  UseClientTls(
      ClientTls{pki_->ca_pem, pki_->client.cert_pem, pki_->client.key_pem});
  const std::string target = Target(host);
  ServiceClient client("echo", [target] { return target; });
  const absl::Status status = echo(client, &out);
  EXPECT_THAT(status, IsOk());
  EXPECT_EQ(out, "shared");
  // A plain stub on SharedChannel too.
  {
    auto stub = EchoService::NewStub(SharedChannel(target));
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    ctx.AddMetadata(
        "authorization",
        absl::StrCat("Bearer ", testing::TestIdentity::Get().StaffToken()));
    EchoRequest request;
    request.set_payload("stub");
    EchoResponse response;
    const grpc::Status s = stub->Echo(&ctx, request, &response);
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    EXPECT_EQ(response.payload(), "stub");
  }
}

// What one ServerReflectionInfo exchange got: the final status and the
// first response message's bytes (empty if none came).
struct ReflectionExchange {
  grpc::Status status;
  std::string response;
};

// Asks the server to list its services over the bidi reflection stream
// with a generic (bytes-only) call: the reflection protos are not installed
// with gRPC, so the request is hand-encoded: ServerReflectionRequest with
// list_services (field 7, a string) set to "".
ReflectionExchange ListServices(const std::string& target) {
  grpc::GenericStub stub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  grpc::CompletionQueue cq;
  ReflectionExchange result;
  {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
        stub.PrepareCall(&ctx, kReflectionMethod, &cq);
    auto done = [&cq](intptr_t expected) {
      void* tag = nullptr;
      bool ok = false;
      if (!cq.Next(&tag, &ok)) return false;
      EXPECT_EQ(reinterpret_cast<intptr_t>(tag), expected);
      return ok;
    };
    call->StartCall(reinterpret_cast<void*>(1));
    bool ok = done(1);
    if (ok) {
      const std::string list_services("\x3a\x00", 2);
      grpc::Slice slice(list_services);
      grpc::ByteBuffer request(&slice, 1);
      call->Write(request, reinterpret_cast<void*>(2));
      ok = done(2);
    }
    if (ok) {
      call->WritesDone(reinterpret_cast<void*>(3));
      ok = done(3);
    }
    if (ok) {
      grpc::ByteBuffer response;
      call->Read(&response, reinterpret_cast<void*>(4));
      if (done(4)) {
        std::vector<grpc::Slice> slices;
        EXPECT_TRUE(response.Dump(&slices).ok());
        for (const grpc::Slice& s : slices) {
          result.response.append(reinterpret_cast<const char*>(s.begin()),
                                 s.size());
        }
      }
    }
    call->Finish(&result.status, reinterpret_cast<void*>(5));
    done(5);
  }
  cq.Shutdown();
  void* tag;
  bool ok;
  while (cq.Next(&tag, &ok)) {
  }
  return result;
}

TEST_F(TlsTest, ReflectionIsServedOnlyWhenAskedFor) {
  HostOptions without;
  without.reflection = false;
  ServiceHost* plain = StartHost(without);
  ASSERT_NE(plain->grpc_port(), 0);
  const ReflectionExchange refused = ListServices(Target(plain));
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::UNIMPLEMENTED)
      << refused.status.error_message();
  EXPECT_EQ(refused.response, "");

  HostOptions with;
  with.reflection = true;
  ServiceHost* reflecting = StartHost(with);
  ASSERT_NE(reflecting->grpc_port(), 0);
  const ReflectionExchange served = ListServices(Target(reflecting));
  EXPECT_TRUE(served.status.ok())
      << served.status.error_code() << " " << served.status.error_message();
  // The ListServiceResponse names the hosted service (and reflection).
  EXPECT_THAT(served.response, HasSubstr(EchoService::service_full_name()));
  EXPECT_THAT(served.response,
              HasSubstr("grpc.reflection.v1alpha.ServerReflection"));

  // The switch is per server: the first one still has none.
  EXPECT_EQ(ListServices(Target(plain)).status.error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

}  // namespace
}  // namespace qudao
