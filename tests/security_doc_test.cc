// docs/security.md prints every service's permission table; this keeps it
// true: the block between the markers must be exactly what the tables in
// the code render. On a difference the test prints the block to paste; run
// with QUDAO_UPDATE_SECURITY_DOC=1 and it writes the block into the file
// instead (then review the diff).
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/credit_control/credit_control_service.h"
#include "services/customer_records/customer_records_service.h"
#include "services/dealer_support/dealer_support_service.h"
#include "services/pricing/order_service.h"
#include "services/pricing/pricing_service.h"

namespace qudao {
namespace {

constexpr char kBegin[] =
    "<!-- permission tables: generated from the code -->\n";
constexpr char kEnd[] = "<!-- end of permission tables -->";

TEST(SecurityDocTest, PermissionTablesMatchTheCode) {
  std::string tables;
  for (const auth::PermissionTable* table :
       {&customer::CustomerRecordsPermissions(), &pricing::PricingPermissions(),
        &pricing::OrderPermissions(), &credit::CreditControlPermissions(),
        &support::DealerSupportPermissions()}) {
    absl::StrAppend(&tables, table->Markdown(), "\n");
  }
  const std::string path = absl::StrCat(QUDAO_SOURCE_DIR, "/docs/security.md");
  std::ifstream in(path);
  ASSERT_TRUE(in) << "docs/security.md is missing";
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string text = doc.str();
  const size_t begin = text.find(kBegin);
  const size_t end = text.find(kEnd);
  ASSERT_NE(begin, std::string::npos) << "no begin marker";
  ASSERT_NE(end, std::string::npos) << "no end marker";
  const std::string block =
      text.substr(begin + sizeof(kBegin) - 1, end - begin - sizeof(kBegin) + 1);
  if (block != tables && std::getenv("QUDAO_UPDATE_SECURITY_DOC") != nullptr) {
    std::ofstream out(path, std::ios::trunc);
    out << text.substr(0, begin + sizeof(kBegin) - 1) << tables
        << text.substr(end);
    ASSERT_TRUE(out.good()) << "cannot write " << path;
    std::printf("rewrote the permission tables in %s\n", path.c_str());
    return;
  }
  EXPECT_EQ(block, tables) << "docs/security.md is out of date; the block "
                              "between the markers should be:\n"
                           << tables;
}

}  // namespace
}  // namespace qudao
