// Test tokens; see identity.h.
#include "common/testing/identity.h"

#include <grpcpp/support/client_interceptor.h>

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/auth/principal.h"
#include "common/testing/harness.h"

namespace qudao::testing {
namespace {

class DefaultTokenInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit DefaultTokenInterceptor(std::string header)
      : header_(std::move(header)) {}
  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::
                PRE_SEND_INITIAL_METADATA)) {
      auto* md = methods->GetSendInitialMetadata();
      if (md->find("authorization") == md->end()) {
        md->insert({"authorization", header_});
      }
    }
    methods->Proceed();
  }

 private:
  const std::string header_;
};

class DefaultTokenFactory
    : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit DefaultTokenFactory(std::string token)
      : header_(absl::StrCat("Bearer ", token)) {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo*) override {
    return new DefaultTokenInterceptor(header_);
  }

 private:
  const std::string header_;
};

}  // namespace

std::vector<std::string> AllStaffRoles() {
  std::vector<std::string> names;
  for (auth::Role role : auth::RoleSet::Staff().roles()) {
    names.emplace_back(auth::RoleName(role));
  }
  return names;
}

TestIdentity& TestIdentity::Get() {
  // Never destroyed (services on other threads may verify until the end);
  // its directory is removed at exit.
  static TestIdentity* identity = [] {
    auto* made = new TestIdentity();
    std::atexit([] { Get().dir_.reset(); });
    return made;
  }();
  return *identity;
}

TestIdentity::TestIdentity() : issuer_("https://qudao.test/issuer") {
  auto dir = TempDir::Create("qudao-identity");
  if (!dir.ok()) std::abort();
  dir_ = std::make_unique<TempDir>(std::move(*dir));
  auto signer = auth::TokenSigner::Generate("test-key-1");
  if (!signer.ok()) std::abort();
  signer_ = std::make_unique<auth::TokenSigner>(*std::move(signer));
  jwks_path_ = absl::StrCat(dir_->path(), "/jwks.json");
  std::ofstream(jwks_path_) << signer_->JwksJson();
  auth::VerifierOptions options;
  options.issuer = issuer_;
  verifier_ = std::make_unique<auth::TokenVerifier>(
      options, std::make_shared<auth::StaticKeySource>(
                   std::vector<auth::PublicKey>{signer_->public_key()}));
}

std::string TestIdentity::Token(const std::string& subject,
                                const std::vector<std::string>& roles,
                                absl::Duration lifetime,
                                absl::Time issued) const {
  auth::TokenClaims claims;
  claims.subject = subject;
  claims.roles = roles;
  claims.issuer = issuer_;
  claims.lifetime = lifetime;
  auto token = signer_->Mint(claims, issued);
  if (!token.ok()) std::abort();
  return *token;
}

std::string TestIdentity::StaffToken() const {
  return Token("qudao-test", AllStaffRoles());
}

std::string TestIdentity::ServiceToken(const std::string& service_role) const {
  return Token(absl::StrCat("svc-", service_role), {service_role});
}

std::shared_ptr<auth::TokenSource> TestIdentity::ServiceTokenSource(
    const std::string& service_role) const {
  auth::TokenClaims claims;
  claims.subject = absl::StrCat("svc-", service_role);
  claims.roles = {service_role};
  claims.issuer = issuer_;
  return std::make_shared<auth::SignedTokenSource>(signer_.get(), claims);
}

std::shared_ptr<auth::TokenSource> TestIdentity::TestServiceTokenSource()
    const {
  auth::TokenClaims claims;
  claims.subject = "svc-test";
  claims.roles = {"customer_records", "pricing", "credit_control",
                  "dealer_support"};
  claims.issuer = issuer_;
  return std::make_shared<auth::SignedTokenSource>(signer_.get(), claims);
}

std::vector<std::string> TestIdentity::ServiceFlags() const {
  return {absl::StrCat("--jwks_file=", jwks_path_),
          absl::StrCat("--token_issuer=", issuer_)};
}

std::shared_ptr<grpc::Channel> ChannelWithToken(const std::string& target,
                                                const std::string& token) {
  std::vector<
      std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>>
      interceptors;
  interceptors.push_back(std::make_unique<DefaultTokenFactory>(token));
  return grpc::experimental::CreateCustomChannelWithInterceptors(
      target, grpc::InsecureChannelCredentials(), grpc::ChannelArguments(),
      std::move(interceptors));
}

}  // namespace qudao::testing
