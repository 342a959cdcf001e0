// `fsearch fid`: the Fréchet distance between two image sets, on its own (to check the metric, or
// to score samples made elsewhere).
//   fsearch fid --real test --fake train                 real against real: small
//   fsearch fid --real test --fake runs/dit/RUN          a DiT run's samples
//   fsearch fid --real test --fake test --blur 1.5       degraded copies: grows with the degradation
#include <fmt/format.h>

#include <filesystem>
#include <iostream>

#include "command.h"
#include "fsearch/core/error.h"
#include "fsearch/trainers/data.h"
#include "fsearch/trainers/features.h"
#include "fsearch/trainers/images.h"
#include "fsearch/jobs/run_dir.h"

namespace fsearch::cli {
namespace {

namespace fs = std::filesystem;

struct FidCommand {
  std::string real = "test", fake, features = "cnn", dataset = "fashion-mnist",
              data_path = "/usr/share/datasets/fashion-mnist", device = "cpu";
  double noise = 0, blur = 0;
  std::int64_t limit = 0;

  // A split name, a run directory with samples, or a folder holding the same two IDX files.
  trainers::Dataset load_fake(const trainers::DataSplits& data) const {
    if (fake == "train") return data.train;
    if (fake == "test") return data.test;
    jobs::RunDir dir{fake};
    if (!fs::is_directory(fake)) {
      throw ConfigError("--fake " + fake + ": neither train, test nor a folder",
                        "give a DiT run directory (it holds samples-images-idx3-ubyte)");
    }
    if (!fs::exists(dir.sample_images()) || !fs::exists(dir.sample_labels())) {
      throw ConfigError(
          "--fake " + fake + ": no " + dir.sample_images().filename().string() + " and " +
              dir.sample_labels().filename().string() + " in it",
          "a DiT run writes them when it finishes; other images can be written in that IDX format");
    }
    return trainers::read_idx(dir.sample_images().string(), dir.sample_labels().string());
  }

  int run() const {
    jobs::DataSpec spec;
    spec.dataset = dataset;
    spec.path = data_path;
    auto data = trainers::load_data(spec, 0);
    auto fake_set = load_fake(data);
    auto take = [&](const torch::Tensor& pixels) {
      return limit > 0 && limit < pixels.size(0) ? pixels.narrow(0, 0, limit) : pixels;
    };
    torch::Tensor fake_pixels = take(fake_set.images);
    if (fake_pixels.size(1) != data.test.images.size(1) || fake_pixels.size(2) != data.test.images.size(2)) {
      throw ConfigError(fmt::format("--fake {}: images are {}x{}x{}, the data set's {}x{}x{}", fake,
                                    fake_pixels.size(1), fake_pixels.size(2), fake_pixels.size(3),
                                    data.test.images.size(1), data.test.images.size(2),
                                    data.test.images.size(3)));
    }
    if (blur > 0) fake_pixels = trainers::gaussian_blur(fake_pixels, blur);
    if (noise > 0) fake_pixels = trainers::add_noise(fake_pixels, noise, 0);
    auto extractor = trainers::make_extractor(features, data, torch::Device(device),
                                              [](const std::string& line) { std::cerr << line << "\n"; });
    trainers::FeatureStats real_stats;
    if (limit > 0) {
      const auto& split = real == "train" ? data.train : data.test;
      real_stats = trainers::stats_of(*extractor, take(split.images));
    } else {
      real_stats = trainers::reference_stats(*extractor, data, real);
    }
    const double fid = trainers::frechet_distance(trainers::stats_of(*extractor, fake_pixels), real_stats);
    std::cout << fmt::format(
        "FID {:.3f}\n  real: {} split, {} images\n  fake: {}, {} images{}{}\n  features: {}\n", fid, real,
        real_stats.count, fake, fake_pixels.size(0),
        blur > 0 ? fmt::format(", blurred (sigma {})", blur) : "",
        noise > 0 ? fmt::format(", noise (sigma {})", noise) : "", extractor->id());
    return 0;
  }
};

}  // namespace

Command register_fid(CLI::App& app) {
  auto command = std::make_shared<FidCommand>();
  CLI::App* sub = app.add_subcommand(
      "fid",
      "Fréchet distance between a real split and another image set, in features of the default CNN\n"
      "(trained once on the data set and cached; not Inception: numbers compare with each other, not\n"
      "with published FIDs) or of a TorchScript Inception-v3 given with --features.");
  sub->add_option("--real", command->real, "Real split: test | train")
      ->check(CLI::IsMember({"test", "train"}))
      ->capture_default_str();
  sub->add_option("--fake", command->fake, "test | train | a DiT run directory (its samples)")->required();
  sub->add_option("--features", command->features,
                  "cnn, or a TorchScript file (B,3,299,299) in [0,1] -> (B,F)")
      ->capture_default_str();
  sub->add_option("--dataset", command->dataset, "fashion-mnist | idx | cifar10 | cifar100")
      ->capture_default_str();
  sub->add_option("--data-path", command->data_path, "Folder with the data set's files")
      ->capture_default_str();
  sub->add_option("--noise", command->noise, "Add Gaussian noise of this std (0-1 scale) to the fake images")
      ->check(nonnegative_number());
  sub->add_option("--blur", command->blur, "Blur the fake images with a Gaussian of this std (pixels)")
      ->check(nonnegative_number());
  sub->add_option("--limit", command->limit, "Use only the first N images of each set (0: all)")
      ->check(whole_number());
  sub->add_option("--device", command->device, "cpu | cuda | cuda:N")->capture_default_str();
  return {sub, [command] { return command->run(); }};
}

}  // namespace fsearch::cli
