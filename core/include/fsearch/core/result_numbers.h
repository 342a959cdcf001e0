// The numbers a finished job reports, declared once. Each line below is one field: its name is the
// member of ResultNumbers (and so of trainers::TrainResult and db::ResultRow), the key in a run's
// result.json, the column of the database's results table, and the column of `fsearch export`.
// Adding a number: one line here and one migration that adds its column (db/src/schema.cpp).
#pragma once

#include <cmath>
#include <string_view>
#include <vector>

namespace fsearch {

#define FSEARCH_RESULT_NUMBERS(X)                                                         \
  X(test_acc, "top-1 accuracy on the test split, a fraction (ViT proxies)")               \
  X(test_loss, "cross-entropy on the test split (ViT proxies)")                           \
  X(fid, "FID of the samples against the test split (DiT proxies)")                       \
  X(eval_train_loss, "eval-mode loss on the training set, when asked (Table 13, App. E)") \
  X(final_loss, "training loss at the last logged step")                                  \
  X(best_loss, "lowest logged training loss")                                             \
  X(wall_time, "seconds from the job's start to its result")                              \
  X(images_per_sec, "training throughput")

struct ResultNumbers {
#define FSEARCH_DECLARE_NUMBER(name, meaning) double name = NAN;
  FSEARCH_RESULT_NUMBERS(FSEARCH_DECLARE_NUMBER)
#undef FSEARCH_DECLARE_NUMBER
};

struct ResultNumberField {
  std::string_view name;
  double ResultNumbers::*member;
  std::string_view meaning;
};

// Every field, in declaration order.
inline const std::vector<ResultNumberField>& result_number_fields() {
  static const std::vector<ResultNumberField> kFields = {
#define FSEARCH_DESCRIBE_NUMBER(name, meaning) {#name, &ResultNumbers::name, meaning},
      FSEARCH_RESULT_NUMBERS(FSEARCH_DESCRIBE_NUMBER)
#undef FSEARCH_DESCRIBE_NUMBER
  };
  return kFields;
}

}  // namespace fsearch
