// Odd and hostile bytes against every method of the four services, in
// process over real gRPC: bytes that are not the method's request, invalid
// UTF-8 in a string, an 8,000-character id, and disguising characters in a
// name. Each gets INVALID_ARGUMENT a person can act on, and every line the
// process logs stays JSON.
#include <fcntl.h>
#include <google/protobuf/descriptor.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/grpc/status.h"
#include "common/testing/harness.h"
#include "common/testing/service_fixture.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "qudao/credit/v1/credit_control_service.grpc.pb.h"
#include "qudao/customer/v1/customer_records_service.grpc.pb.h"
#include "qudao/pricing/v1/order_service.grpc.pb.h"
#include "qudao/pricing/v1/pricing_service.grpc.pb.h"
#include "qudao/support/v1/dealer_support_service.grpc.pb.h"
#include "services/credit_control/credit_control_module.h"
#include "services/customer_records/customer_records_module.h"
#include "services/dealer_support/dealer_support_module.h"
#include "services/pricing/pricing_module.h"

namespace qudao {
namespace {

using ::testing::HasSubstr;

struct Served {
  const char* service;
  ModuleFactory factory;
};

// The wire bytes of `type` with its first string field (looking one level
// into message fields) set to invalid UTF-8; "" if it has none.
std::string InvalidUtf8In(const google::protobuf::Descriptor* type) {
  using google::protobuf::FieldDescriptor;
  auto tag = [](int number) {
    return std::string(1, static_cast<char>((number << 3) | 2));
  };
  for (int f = 0; f < type->field_count(); ++f) {
    if (type->field(f)->type() == FieldDescriptor::TYPE_STRING) {
      return tag(type->field(f)->number()) + std::string("\x02\xff\xfe", 3);
    }
  }
  for (int f = 0; f < type->field_count(); ++f) {
    if (type->field(f)->type() == FieldDescriptor::TYPE_MESSAGE) {
      const std::string inner = InvalidUtf8In(type->field(f)->message_type());
      if (!inner.empty() && inner.size() < 128) {
        return tag(type->field(f)->number()) +
               std::string(1, static_cast<char>(inner.size())) + inner;
      }
    }
  }
  return "";
}

class HostileInputTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const Served& s :
         {Served{customer::v1::CustomerRecordsService::service_full_name(),
                 customer::NewCustomerRecordsModule},
          Served{pricing::v1::PricingService::service_full_name(),
                 pricing::NewPricingModule},
          Served{pricing::v1::OrderService::service_full_name(),
                 pricing::NewPricingModule},
          Served{credit::v1::CreditControlService::service_full_name(),
                 credit::NewCreditControlModule},
          Served{support::v1::DealerSupportService::service_full_name(),
                 support::NewDealerSupportModule}}) {
      auto fixture = testing::ServiceFixture::Start(s.factory);
      ASSERT_TRUE(fixture.ok()) << fixture.status();
      fixtures_.emplace_back(s.service, std::move(*fixture));
    }
  }

  std::shared_ptr<grpc::Channel> ChannelOf(const std::string& service) {
    for (auto& [name, f] : fixtures_) {
      if (name == service) return f->channel();
    }
    return nullptr;
  }

  std::vector<std::pair<std::string, std::unique_ptr<testing::ServiceFixture>>>
      fixtures_;
};

TEST_F(HostileInputTest, BytesThatAreNotTheRequestAreInvalidArgument) {
  int methods = 0;
  for (auto& [name, fixture] : fixtures_) {
    const auto* service =
        google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(
            name);
    ASSERT_NE(service, nullptr) << name;
    for (int i = 0; i < service->method_count(); ++i) {
      const std::string method =
          absl::StrCat("/", name, "/", service->method(i)->name());
      // A string field of the request (top-level, or in a message field),
      // sent as invalid UTF-8.
      // (An empty request, e.g. ListCreditPoliciesRequest, has none: only
      // the garbage is sent.)
      const std::string invalid_utf8 =
          InvalidUtf8In(service->method(i)->input_type());
      std::vector<std::string> attempts = {"\xff\xff\xff\xff garbage"};
      if (service->method(i)->input_type()->field_count() > 0) {
        ASSERT_FALSE(invalid_utf8.empty()) << method << " has no string field";
        attempts.push_back(invalid_utf8);
      }
      for (const std::string& bytes : attempts) {
        grpc::ClientContext ctx;
        grpc::Status s =
            testing::CallRaw(fixture->channel(), method, bytes, &ctx);
        EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
            << method << ": " << s.error_message();
        EXPECT_THAT(s.error_message(), HasSubstr("could not parse request"))
            << method;
        EXPECT_EQ(TrailingValue(ctx, kErrorReasonKey), "MALFORMED_REQUEST")
            << method;
      }
      ++methods;
    }
  }
  EXPECT_GE(methods, 13);
}

TEST_F(HostileInputTest, ErrorsQuoteLongInputOnlyInPart) {
  const std::string huge_id = absl::StrCat("dlr_", std::string(8000, 'a'));
  auto customers = customer::v1::CustomerRecordsService::NewStub(
      ChannelOf(customer::v1::CustomerRecordsService::service_full_name()));
  customer::v1::GetDealerRequest get;
  get.set_dealer_id(huge_id);
  customer::v1::Dealer dealer;
  grpc::ClientContext ctx;
  grpc::Status s = customers->GetDealer(&ctx, get, &dealer);
  // Before bounding, the echoed id overflowed the caller's metadata limit
  // and it saw RESOURCE_EXHAUSTED instead.
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(s.error_message().size(), 300u);
  EXPECT_EQ(TrailingValue(ctx, kErrorFieldKey), "dealer_id");

  auto credit = credit::v1::CreditControlService::NewStub(
      ChannelOf(credit::v1::CreditControlService::service_full_name()));
  credit::v1::GetCreditPositionRequest position;
  position.set_dealer_id(huge_id);
  credit::v1::CreditPosition out;
  grpc::ClientContext ctx2;
  s = credit->GetCreditPosition(&ctx2, position, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_LT(s.error_message().size(), 300u);
}

TEST_F(HostileInputTest, NamesCannotHideLineBreaksOrDirectionOverrides) {
  auto customers = customer::v1::CustomerRecordsService::NewStub(
      ChannelOf(customer::v1::CustomerRecordsService::service_full_name()));
  for (const std::string& name :
       {std::string("Mingda\xC2\x85Trading"),          // U+0085
        std::string("Mingda\xE2\x80\xA8Trading"),      // U+2028
        std::string("Mingda \xE2\x80\xAEgnidarT")}) {  // U+202E
    customer::v1::CreateDealerRequest req;
    req.mutable_dealer()->set_legal_name(name);
    req.mutable_dealer()->mutable_region()->set_province("Zhejiang");
    req.mutable_dealer()->mutable_region()->set_city("Hangzhou");
    req.mutable_dealer()->set_channel_level(
        customer::v1::CHANNEL_LEVEL_RETAILER);
    req.mutable_dealer()->set_owner("rep.x");
    customer::v1::Dealer out;
    grpc::ClientContext ctx;
    grpc::Status s = customers->CreateDealer(&ctx, req, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_EQ(TrailingValue(ctx, kErrorFieldKey), "dealer.legal_name");
  }
}

// libprotobuf's complaint about invalid UTF-8 is logged as JSON like every
// other line.
TEST_F(HostileInputTest, EveryLogLineStaysJson) {
  auto dir = testing::TempDir::Create("hostile-log");
  ASSERT_TRUE(dir.ok());
  const std::string path = dir->path() + "/stderr";
  std::fflush(stderr);
  const int saved = dup(STDERR_FILENO);
  const int fd = open(path.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
  ASSERT_GE(fd, 0);
  dup2(fd, STDERR_FILENO);
  close(fd);
  grpc::ClientContext ctx;
  grpc::Status s = testing::CallRaw(
      ChannelOf(customer::v1::CustomerRecordsService::service_full_name()),
      absl::StrCat("/",
                   customer::v1::CustomerRecordsService::service_full_name(),
                   "/GetDealer"),
      std::string("\x0a\x02\xff\xfe", 4), &ctx);
  std::fflush(stderr);
  dup2(saved, STDERR_FILENO);
  close(saved);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  int lines = 0;
  for (absl::string_view line : absl::StrSplit(text.str(), '\n')) {
    if (line.empty()) continue;
    ++lines;
    EXPECT_EQ(line.front(), '{') << line;
    EXPECT_EQ(line.back(), '}') << line;
  }
  EXPECT_GT(lines, 0);
  EXPECT_THAT(text.str(), HasSubstr("libprotobuf"));
}

}  // namespace
}  // namespace qudao
