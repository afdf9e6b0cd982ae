// Files holding secrets: created owner-only, replaced whole, and refused
// when others may read them or when they are symbolic links.
#include "common/auth/private_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/testing/harness.h"
#include "common/testing/status_matchers.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace qudao::auth {
namespace {

using ::qudao::testing::IsOk;
using ::qudao::testing::StatusIs;

TEST(PrivateFileTest, WrittenOwnerOnlyInAnOwnerOnlyDirectory) {
  auto dir = testing::TempDir::Create("qudao-private");
  ASSERT_TRUE(dir.ok());
  const std::string path = absl::StrCat(dir->path(), "/new/secret");
  ASSERT_THAT(WritePrivateFile(path, "s3cret"), IsOk());
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  ASSERT_EQ(stat(absl::StrCat(dir->path(), "/new").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700);
  EXPECT_EQ(*ReadPrivateFile(path), "s3cret");
  // Replaced whole; no temporary file is left behind.
  ASSERT_THAT(WritePrivateFile(path, "other"), IsOk());
  EXPECT_EQ(*ReadPrivateFile(path), "other");
  int entries = 0;
  for (const auto& e :
       std::filesystem::directory_iterator(absl::StrCat(dir->path(), "/new"))) {
    (void)e;
    ++entries;
  }
  EXPECT_EQ(entries, 1);
}

TEST(PrivateFileTest, ReadableByOthersOrALinkIsRefused) {
  auto dir = testing::TempDir::Create("qudao-private");
  ASSERT_TRUE(dir.ok());
  const std::string path = absl::StrCat(dir->path(), "/secret");
  EXPECT_THAT(ReadPrivateFile(path), StatusIs(absl::StatusCode::kNotFound));
  std::ofstream(path) << "s3cret";
  chmod(path.c_str(), 0644);
  absl::StatusOr<std::string> shared = ReadPrivateFile(path);
  EXPECT_THAT(shared.status(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(shared.status().message(), ::testing::HasSubstr("chmod 600"));
  chmod(path.c_str(), 0600);
  EXPECT_THAT(ReadPrivateFile(path), IsOk());
  const std::string link = absl::StrCat(dir->path(), "/link");
  ASSERT_EQ(symlink(path.c_str(), link.c_str()), 0);
  EXPECT_THAT(ReadPrivateFile(link),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace qudao::auth
