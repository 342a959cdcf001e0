// Screening throughput: generated candidates (catalog primitives x transform chains of depth 2)
// through fingerprinting and all four property tests, on T threads.
//   bench-screen [--threads T]
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <thread>

#include "bench_common.h"
#include "fsearch/core/process.h"
#include "fsearch/functions/candidate.h"
#include "fsearch/functions/catalog.h"
#include "fsearch/properties/properties.h"
#include "fsearch/trainers/runtime.h"

using namespace fsearch;
using functions::TransformKind;

namespace {

struct Step {
  TransformKind kind;
  std::vector<double> params;
};

std::vector<std::vector<Step>> first_steps() {
  std::vector<std::vector<Step>> steps = {{}};
  for (double l : {-2.0, -1.0, -0.5, -0.1, 0.1, 0.5, 1.0, 2.0}) {
    steps.push_back({{TransformKind::HShift, {l}}});
    steps.push_back({{TransformKind::VShift, {l}}});
  }
  for (double l : {0.5, 0.8, 1.0, 2.0, 3.0, 5.0}) steps.push_back({{TransformKind::Clip, {l}}});
  for (double l : {0.01, 0.1, 0.5}) steps.push_back({{TransformKind::Mix, {l}}});
  for (double l : {0.1, 0.5, 1.0, 2.0, 3.0}) steps.push_back({{TransformKind::Flat, {l}}});
  for (double l : {0.5, 1.205, 2.0, 4.0}) steps.push_back({{TransformKind::Scale, {l}}});
  steps.push_back({{TransformKind::Mirror, {}}});
  steps.push_back({{TransformKind::Negate, {}}});
  steps.push_back({{TransformKind::Ratio, {}}});
  return steps;
}

std::vector<Step> second_steps() {
  return {{TransformKind::Negate, {}},   {TransformKind::Ratio, {}},     {TransformKind::Clip, {1.0}},
          {TransformKind::Flat, {0.1}},  {TransformKind::HShift, {0.5}}, {TransformKind::Mirror, {}},
          {TransformKind::Scale, {2.0}}, {TransformKind::Mix, {0.1}},    {TransformKind::VShift, {0.1}}};
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 0;
  CLI::App app{"Screening throughput: catalog primitives x transform chains of depth 2 through fingerprinting and "
               "the four property tests"};
  app.add_option("--threads", threads, "Threads (default: the cores available)")->check(CLI::NonNegativeNumber);
  CLI11_PARSE(app, argc, argv);
  if (threads <= 0) threads = available_cores();

  auto build_start = std::chrono::steady_clock::now();
  std::vector<functions::Expr> exprs;
  auto seconds = second_steps();
  for (const auto& entry : functions::catalog()) {
    for (const auto& first : first_steps()) {
      functions::Expr base = functions::primitive(entry.name);
      for (const auto& s : first) base = functions::transform(s.kind, base, s.params);
      exprs.push_back(base);
      for (const auto& s : seconds) exprs.push_back(functions::transform(s.kind, base, s.params));
    }
  }
  double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - build_start).count();

  std::atomic<std::size_t> next{0}, passed{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (std::size_t i; (i = next++) < exprs.size();) {
        auto candidate = functions::make_candidate(exprs[i]);
        auto analysis = properties::analyze(candidate.expr);
        if (analysis.pass_all()) ++passed;
      }
    });
  }
  for (auto& thread : pool) thread.join();
  double seconds_total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  std::cout << bench::provenance("cpu", threads) << "\n";
  std::cout << fmt::format(
      "generated {} candidates (27 primitives x transform chains of depth <= 2) in {:.2f} s\n", exprs.size(),
      build_s);
  std::cout << fmt::format(
      "screened  {} candidates (fingerprint + all four tests) in {:.2f} s: {:.0f} candidates/s on {} "
      "threads; {} pass all four\n",
      exprs.size(), seconds_total, exprs.size() / seconds_total, threads, passed.load());
  return 0;
}
