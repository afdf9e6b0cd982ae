// Proto conversions; see conversion.h.
#include "common/proto/conversion.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/json_util.h>

#include <memory>

#include "absl/strings/str_cat.h"
#include "common/log/log.h"
#include "common/status/status.h"
#include "qudao/type/v1/field_behavior.pb.h"

namespace qudao {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

void ClearOutputOnly(Message& message) {
  const Reflection* reflection = message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->options().GetExtension(qudao::type::v1::output_only)) {
      reflection->ClearField(&message, field);
      continue;
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(message, field); ++i) {
        ClearOutputOnly(
            *reflection->MutableRepeatedMessage(&message, field, i));
      }
    } else {
      ClearOutputOnly(*reflection->MutableMessage(&message, field));
    }
  }
}

}  // namespace

absl::StatusOr<Money> MoneyFromProto(absl::string_view field,
                                     const qudao::type::v1::Money& proto) {
  if (proto.currency_code().empty()) {
    return InvalidField(absl::StrCat(field, ".currency_code"), "is required");
  }
  absl::StatusOr<Money> money =
      Money::Create(proto.currency_code(), proto.minor_units());
  if (!money.ok()) {
    return InvalidField(absl::StrCat(field, ".currency_code"),
                        money.status().message());
  }
  return money;
}

qudao::type::v1::Money MoneyToProto(const Money& money) {
  qudao::type::v1::Money proto;
  MoneyToProto(money, &proto);
  return proto;
}

void MoneyToProto(const Money& money, qudao::type::v1::Money* out) {
  out->set_currency_code(money.currency());
  out->set_minor_units(money.minor_units());
}

absl::StatusOr<PaymentTerm> PaymentTermFromProto(
    absl::string_view field, const qudao::type::v1::PaymentTerm& proto) {
  const PaymentTerm term{proto.net_days(), proto.discount_basis_points(),
                         proto.discount_days()};
  if (absl::Status s = CheckPaymentTerm(field, term); !s.ok()) return s;
  return term;
}

qudao::type::v1::PaymentTerm PaymentTermToProto(const PaymentTerm& term) {
  qudao::type::v1::PaymentTerm proto;
  proto.set_net_days(term.net_days);
  proto.set_discount_basis_points(term.discount_basis_points);
  proto.set_discount_days(term.discount_days);
  return proto;
}

google::protobuf::Timestamp TimeToProto(absl::Time t) {
  google::protobuf::Timestamp ts;
  const int64_t micros = absl::ToUnixMicros(t);
  int64_t seconds = micros / 1000000;
  int64_t rem = micros % 1000000;
  if (rem < 0) {
    rem += 1000000;
    --seconds;
  }
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(rem * 1000));
  return ts;
}

absl::Time TimeFromProto(const google::protobuf::Timestamp& ts) {
  return absl::FromUnixSeconds(ts.seconds()) + absl::Nanoseconds(ts.nanos());
}

std::string CanonicalBytes(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::io::StringOutputStream stream(&out);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return out;
}

std::string RequestFingerprint(const google::protobuf::Message& request) {
  std::unique_ptr<Message> copy(request.New());
  copy->CopyFrom(request);
  if (const FieldDescriptor* id =
          copy->GetDescriptor()->FindFieldByName("request_id")) {
    copy->GetReflection()->ClearField(copy.get(), id);
  }
  ClearOutputOnly(*copy);
  return CanonicalBytes(*copy);
}

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  auto converted =
      google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!converted.ok()) {
    return absl::InternalError(
        absl::StrCat("cannot render ", message.GetTypeName(),
                     " as JSON: ", converted.ToString()));
  }
  return json;
}

absl::Status FromJson(absl::string_view json,
                      google::protobuf::Message* message) {
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  auto parsed = google::protobuf::util::JsonStringToMessage(
      google::protobuf::StringPiece(json.data(), json.size()), message,
      options);
  if (!parsed.ok()) {
    return InvalidField(
        "body",
        absl::StrCat("is not a valid ", message->GetDescriptor()->name(), ": ",
                     QuoteInput(parsed.message().as_string())));
  }
  return absl::OkStatus();
}

void InstallProtobufLogHandler() {
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel level,
                                     const char* filename, int line,
                                     const std::string& message) {
    const log::Level ours =
        level >= google::protobuf::LOGLEVEL_ERROR     ? log::Level::kWarning
        : level == google::protobuf::LOGLEVEL_WARNING ? log::Level::kWarning
                                                      : log::Level::kInfo;
    log::Write(ours, "libprotobuf",
               {{"detail", message},
                {"source", absl::StrCat(filename == nullptr ? "" : filename,
                                        ":", line)}});
  });
}

}  // namespace qudao
