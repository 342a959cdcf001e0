#include "fsearch/trainers/job_spec.h"

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "fsearch/core/hash.h"
#include "fsearch/core/names.h"
#include "fsearch/functions/candidate.h"
#include "fsearch/functions/parse.h"
#include "fsearch/trainers/run_dir.h"

namespace fsearch::trainers {
namespace {

void check_one_of(YamlMap& m, const std::string& key, const std::string& value,
                  const std::vector<std::string>& allowed) {
  for (const auto& a : allowed) {
    if (a == value) return;
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  auto node = m.node(key);
  throw ConfigError((node ? m.where(*node) : m.file()) + ": " + m.qualified(key) + ": '" + value +
                        "' is not one of " + list,
                    did_you_mean(value, allowed));
}

void check_positive(YamlMap& m, const std::string& key, double value) {
  if (!(value > 0)) {
    auto node = m.node(key);
    throw ConfigError((node ? m.where(*node) : m.file()) + ": " + m.qualified(key) + ": must be positive");
  }
}

void read_model(YamlMap m, ModelSpec& s) {
  s.proxy = m.get("proxy", s.proxy);
  check_one_of(m, "proxy", s.proxy, {"vit", "dit"});
  s.name = m.get("name", s.name);
  s.image_size = m.get("image_size", s.image_size);
  s.channels = m.get("channels", s.channels);
  s.patch = m.get("patch", s.patch);
  s.width = m.get("width", s.width);
  s.depth = m.get("depth", s.depth);
  s.heads = m.get("heads", s.heads);
  s.mlp_ratio = m.get("mlp_ratio", s.mlp_ratio);
  s.pool = m.get("pool", s.pool);
  check_one_of(m, "pool", s.pool, {"cls", "mean"});
  s.drop_path = m.get("drop_path", s.drop_path);
  s.num_classes = m.get("num_classes", s.num_classes);
  s.init_std = m.get("init_std", s.init_std);
  for (auto [key, value] : {std::pair<const char*, double>{"image_size", s.image_size},
                            {"channels", s.channels},
                            {"patch", s.patch},
                            {"width", s.width},
                            {"depth", s.depth},
                            {"heads", s.heads},
                            {"mlp_ratio", s.mlp_ratio},
                            {"num_classes", s.num_classes},
                            {"init_std", s.init_std}}) {
    check_positive(m, key, value);
  }
  if (s.image_size % s.patch != 0) {
    throw ConfigError(m.file() + ": " + m.qualified("patch") + ": " + std::to_string(s.patch) +
                      " does not divide image_size " + std::to_string(s.image_size));
  }
  if (s.width % s.heads != 0) {
    throw ConfigError(m.file() + ": " + m.qualified("heads") + ": " + std::to_string(s.heads) +
                      " does not divide width " + std::to_string(s.width));
  }
  m.finish();
}

void read_norm(YamlMap m, functions::NormSpec& s) {
  if (m.has("preset")) s = functions::norm_preset(m.require<std::string>("preset"));
  s.kind = functions::parse_norm_kind(m.get("kind", functions::to_string(s.kind)));
  s.function = m.get("function", s.function);
  s.shift = functions::parse_shift_mode(m.get("shift", functions::to_string(s.shift)));
  s.alpha_init = m.get("alpha_init", s.alpha_init);
  s.affine = m.get("affine", s.affine);
  if (s.kind == functions::NormKind::Pointwise) {
    functions::Expr expr;
    try {
      expr = functions::parse(s.function);
    } catch (const ConfigError& e) {
      throw ConfigError(m.file() + ": " + m.qualified("function") + ": " + e.what(), e.hint());
    }
    if (auto reason = functions::non_finite_reason(expr); !reason.empty()) {
      auto node = m.node("function");
      throw ConfigError((node ? m.where(*node) : m.file()) + ": " + m.qualified("function") + ": '" + s.function +
                            "': " + reason,
                        "check `fsearch eval '" + s.function + "'`");
    }
  }
  m.finish();
}

void read_data(YamlMap m, DataSpec& s) {
  s.dataset = m.get("dataset", s.dataset);
  check_one_of(m, "dataset", s.dataset, {"fashion-mnist", "idx", "cifar10", "cifar100", "synthetic"});
  s.path = m.get("path", s.path);
  s.augment = m.get("augment", s.augment);
  s.flip = m.get("flip", s.flip);
  s.synthetic_train = m.get("synthetic_train", s.synthetic_train);
  s.synthetic_test = m.get("synthetic_test", s.synthetic_test);
  s.train_limit = m.get("train_limit", s.train_limit);
  if (s.train_limit < 0) {
    throw ConfigError(m.where(*m.node("train_limit")) + ": " + m.qualified("train_limit") +
                      ": must be 0 (all images) or a positive number of images");
  }
  m.finish();
}

void read_train(YamlMap m, TrainSpec& s) {
  s.batch_size = m.get("batch_size", s.batch_size);
  check_positive(m, "batch_size", s.batch_size);
  // The budget is steps or epochs; steps win where both are known (a budget override sets steps).
  const bool has_steps = m.has("steps"), has_epochs = m.has("epochs");
  if (has_steps && has_epochs && m.get<std::int64_t>("steps", 0) > 0) {
    throw ConfigError(m.where(*m.node("epochs")) + ": " + m.qualified("epochs") +
                          ": give the budget as steps or as epochs, not both",
                      "remove one of them");
  }
  if (has_epochs) {
    s.epochs = m.get("epochs", s.epochs);
    check_positive(m, "epochs", s.epochs);
    s.steps = 0;
  }
  if (has_steps) {
    s.steps = m.get("steps", s.steps);
    if (s.steps < 0) throw ConfigError(m.file() + ": " + m.qualified("steps") + ": must be positive");
  }
  s.lr = m.get("lr", s.lr);
  check_positive(m, "lr", s.lr);
  s.min_lr = m.get("min_lr", s.min_lr);
  s.weight_decay = m.get("weight_decay", s.weight_decay);
  s.beta1 = m.get("beta1", s.beta1);
  s.beta2 = m.get("beta2", s.beta2);
  s.warmup_steps = m.get("warmup_steps", s.warmup_steps);
  s.label_smoothing = m.get("label_smoothing", s.label_smoothing);
  s.ema = m.get("ema", s.ema);
  s.grad_clip = m.get("grad_clip", s.grad_clip);
  s.schedule = m.get("schedule", s.schedule);
  check_one_of(m, "schedule", s.schedule, {"cosine", "constant"});
  s.budget = m.get("budget", s.budget);
  s.lr_grid = m.get_list<double>("lr_grid", s.lr_grid);
  for (double lr : s.lr_grid) {
    if (!(lr > 0))
      throw ConfigError(m.where(*m.node("lr_grid")) + ": " + m.qualified("lr_grid") + ": must be positive");
  }
  m.finish();
}

void read_diffusion(YamlMap m, DiffusionSpec& s) {
  s.timesteps = m.get("timesteps", s.timesteps);
  s.beta_start = m.get("beta_start", s.beta_start);
  s.beta_end = m.get("beta_end", s.beta_end);
  s.class_dropout = m.get("class_dropout", s.class_dropout);
  s.sample_steps = m.get("sample_steps", s.sample_steps);
  s.sample_eta = m.get("sample_eta", s.sample_eta);
  s.samples_per_class = m.get("samples_per_class", s.samples_per_class);
  s.cfg_scale = m.get("cfg_scale", s.cfg_scale);
  s.features = m.get("features", s.features);
  for (auto [key, value] : {std::pair<const char*, double>{"timesteps", s.timesteps},
                            {"beta_start", s.beta_start},
                            {"beta_end", s.beta_end},
                            {"sample_steps", s.sample_steps},
                            {"samples_per_class", s.samples_per_class},
                            {"cfg_scale", s.cfg_scale}}) {
    check_positive(m, key, value);
  }
  if (!(s.beta_end < 1) || s.beta_end < s.beta_start) {
    throw ConfigError(m.file() + ": " + m.qualified("beta_end") + ": needs beta_start <= beta_end < 1");
  }
  if (s.sample_steps > s.timesteps) {
    throw ConfigError(m.file() + ": " + m.qualified("sample_steps") + ": " + std::to_string(s.sample_steps) +
                      " exceeds timesteps " + std::to_string(s.timesteps));
  }
  if (!(s.sample_eta >= 0 && s.sample_eta <= 1)) {
    throw ConfigError(m.file() + ": " + m.qualified("sample_eta") + ": must be in [0, 1]",
                      "0 is deterministic DDIM, 1 is DDPM-like ancestral sampling");
  }
  if (s.class_dropout < 0 || s.class_dropout >= 1) {
    throw ConfigError(m.file() + ": " + m.qualified("class_dropout") + ": must be in [0, 1)");
  }
  m.finish();
}

void read_runtime(YamlMap m, RuntimeSpec& s) {
  s.device = m.get("device", s.device);
  s.threads = m.get("threads", s.threads);
  s.log_every = m.get("log_every", s.log_every);
  s.eval_every = m.get("eval_every", s.eval_every);
  s.checkpoint_every = m.get("checkpoint_every", s.checkpoint_every);
  s.eval_limit = m.get("eval_limit", s.eval_limit);
  s.eval_train_loss = m.get("eval_train_loss", s.eval_train_loss);
  m.finish();
}

void read_search(YamlMap m, SearchControl& s) {
  s.reject = m.get("reject", s.reject);
  s.probe = m.get("probe", s.probe);
  s.min_loss_drop = m.get("min_loss_drop", s.min_loss_drop);
  s.min_accuracy_gain = m.get("min_accuracy_gain", s.min_accuracy_gain);
  s.pause_at = m.get("pause_at", s.pause_at);
  auto fraction = [&](const char* field, double value, bool zero_ok) {
    if (!(value > 0 || (zero_ok && value == 0)) || value > 1)
      throw ConfigError(m.file() + ": " + m.qualified(field) + ": must be in " + (zero_ok ? "[0, 1]" : "(0, 1]"));
  };
  fraction("probe", s.probe, false);
  fraction("min_loss_drop", s.min_loss_drop, true);
  fraction("min_accuracy_gain", s.min_accuracy_gain, true);
  fraction("pause_at", s.pause_at, true);
  m.finish();
}

nlohmann::json with_budget(nlohmann::json j, const TrainSpec& t);

nlohmann::json result_fields(const JobSpec& s) {
  const auto& m = s.model;
  const auto& t = s.train;
  const auto& d = s.data;
  auto j = with_budget({{"model",
                         {{"proxy", m.proxy},
                          {"name", m.name},
                          {"image_size", m.image_size},
                          {"channels", m.channels},
                          {"patch", m.patch},
                          {"width", m.width},
                          {"depth", m.depth},
                          {"heads", m.heads},
                          {"mlp_ratio", m.mlp_ratio},
                          {"pool", m.pool},
                          {"drop_path", m.drop_path},
                          {"num_classes", m.num_classes}}},
                        {"norm",
                         {{"kind", functions::to_string(s.norm.kind)},
                          {"function", s.norm.function},
                          {"shift", functions::to_string(s.norm.shift)},
                          {"alpha_init", s.norm.alpha_init},
                          {"affine", s.norm.affine}}},
                        {"data",
                         {{"dataset", d.dataset},
                          {"path", d.path},
                          {"augment", d.augment},
                          {"flip", d.flip},
                          {"synthetic_train", d.synthetic_train},
                          {"synthetic_test", d.synthetic_test}}},
                        {"train",
                         {{"batch_size", t.batch_size},
                          {"lr", t.lr},
                          {"min_lr", t.min_lr},
                          {"weight_decay", t.weight_decay},
                          {"beta1", t.beta1},
                          {"beta2", t.beta2},
                          {"warmup_steps", t.warmup_steps},
                          {"label_smoothing", t.label_smoothing},
                          {"ema", t.ema},
                          {"grad_clip", t.grad_clip},
                          {"budget", t.budget}}},
                        {"seed", s.seed},
                        {"divergence_factor", s.divergence_factor}},
                       t);
  // Fields added after the ViT proxy appear only where they matter, so that ViT jobs planned
  // before them keep their keys (and their recorded results).
  if (t.schedule != "cosine") j["train"]["schedule"] = t.schedule;
  if (m.init_std != 0.02) j["model"]["init_std"] = m.init_std;
  if (d.train_limit != 0) j["data"]["train_limit"] = d.train_limit;
  if (m.proxy == "dit") {
    const auto& f = s.diffusion;
    j["diffusion"] = {{"timesteps", f.timesteps},       {"beta_start", f.beta_start},
                      {"beta_end", f.beta_end},         {"class_dropout", f.class_dropout},
                      {"sample_steps", f.sample_steps}, {"samples_per_class", f.samples_per_class},
                      {"cfg_scale", f.cfg_scale},       {"features", f.features}};
    if (f.sample_eta != 0) j["diffusion"]["sample_eta"] = f.sample_eta;
  }
  return j;
}

// The budget goes in as steps or as epochs, whichever defines it.
nlohmann::json with_budget(nlohmann::json j, const TrainSpec& t) {
  if (t.steps > 0) {
    j["train"]["steps"] = t.steps;
  } else {
    j["train"]["epochs"] = t.epochs;
  }
  return j;
}

}  // namespace

void read_proxy_file(const std::string& file, JobSpec& spec) {
  auto root = YamlMap::load_file(file);
  read_model(root.map("model"), spec.model);
  read_data(root.map("data"), spec.data);
  read_train(root.map("train"), spec.train);
  if (root.has("norm")) read_norm(root.map("norm"), spec.norm);
  if (root.has("diffusion")) read_diffusion(root.map("diffusion"), spec.diffusion);
  spec.seed = root.get("seed", spec.seed);
  root.finish();
}

JobSpec read_job_file(const std::string& file) {
  JobSpec spec;
  auto root = YamlMap::load_file(file);
  read_model(root.map("model"), spec.model);
  read_norm(root.map("norm"), spec.norm);
  read_data(root.map("data"), spec.data);
  read_train(root.map("train"), spec.train);
  if (root.has("diffusion")) read_diffusion(root.map("diffusion"), spec.diffusion);
  read_runtime(root.map("runtime"), spec.runtime);
  if (root.has("search")) read_search(root.map("search"), spec.search);
  spec.seed = root.get("seed", spec.seed);
  spec.divergence_factor = root.get("divergence_factor", spec.divergence_factor);
  root.get<std::string>("key", "");  // written for people; recomputed, never trusted
  root.finish();
  return spec;
}

std::string to_json_text(const JobSpec& spec) {
  auto j = result_fields(spec);
  const auto& r = spec.runtime;
  j["runtime"] = {{"device", r.device},
                  {"threads", r.threads},
                  {"log_every", r.log_every},
                  {"eval_every", r.eval_every},
                  {"checkpoint_every", r.checkpoint_every},
                  {"eval_limit", r.eval_limit},
                  {"eval_train_loss", r.eval_train_loss}};
  const auto& c = spec.search;
  j["search"] = {{"reject", c.reject},
                 {"probe", c.probe},
                 {"min_loss_drop", c.min_loss_drop},
                 {"min_accuracy_gain", c.min_accuracy_gain},
                 {"pause_at", c.pause_at}};
  j["key"] = job_key(spec);
  return j.dump(2) + "\n";
}

std::string job_key(const JobSpec& spec) {
  auto j = result_fields(spec);
  // Two spellings of one function train the same model: key on its fingerprint, not its text.
  if (spec.norm.kind == functions::NormKind::Pointwise) {
    j["norm"]["function"] = to_hex(functions::fingerprint(functions::parse(spec.norm.function)));
  } else {
    j["norm"].erase("function");
    j["norm"].erase("shift");
    j["norm"].erase("alpha_init");
  }
  j["data"].erase("path");  // where the files are does not change the data
  if (spec.runtime.eval_limit > 0) j["eval_limit"] = spec.runtime.eval_limit;
  // A job that also measures the eval-mode training loss has a result the others lack (Table 13).
  if (spec.runtime.eval_train_loss) j["eval_train_loss"] = true;
  return Hasher().add(j.dump()).hex();
}

void prepare_run_dir(const JobSpec& spec, const std::string& run_dir) {
  RunDir dir{run_dir};
  std::filesystem::create_directories(dir.root);
  if (std::filesystem::exists(dir.job())) {
    auto existing = read_job_file(dir.job().string());
    if (job_key(existing) != job_key(spec)) {
      throw ConfigError(
          run_dir + " already holds another job (key " + job_key(existing) + ")",
          "use a new --out folder, or `fsearch train --job " + run_dir + "` to continue that job");
    }
  }
  write_atomic(dir.job(), to_json_text(spec));
}

void set_pause_at(const std::string& run_dir, double pause_at) {
  RunDir dir{run_dir};
  auto spec = read_job_file(dir.job().string());
  spec.search.pause_at = pause_at;
  write_atomic(dir.job(), to_json_text(spec));
}

std::int64_t pause_step(const JobSpec& spec, std::int64_t total) {
  if (spec.search.pause_at <= 0 || spec.search.pause_at >= 1) return 0;
  const auto step = static_cast<std::int64_t>(std::llround(spec.search.pause_at * static_cast<double>(total)));
  return step > 0 && step < total ? step : 0;
}

std::int64_t probe_step(const JobSpec& spec, std::int64_t total) {
  if (!spec.search.reject) return 0;
  auto step = static_cast<std::int64_t>(std::ceil(spec.search.probe * static_cast<double>(total)));
  step = std::max({step, spec.train.warmup_steps, kMinProbeSteps});
  return step > 0 && step < total ? step : 0;
}

void apply_budget(JobSpec& spec, const std::string& budget) {
  if (budget == "default") return;
  if (budget == "smoke") {
    spec.train.steps = 30;
    spec.train.batch_size = std::min(spec.train.batch_size, 64);
    spec.train.warmup_steps = 5;
    spec.runtime.eval_limit = 500;
    spec.runtime.log_every = 10;
    spec.runtime.checkpoint_every = 10;
    spec.diffusion.sample_steps = std::min(spec.diffusion.sample_steps, 10);
    spec.diffusion.samples_per_class = std::min(spec.diffusion.samples_per_class, 10);
    spec.train.budget = "smoke";
    return;
  }
  if (budget == "quick") {  // one epoch: tables on a CPU in minutes per job
    spec.train.steps = 0;
    spec.train.epochs = 1;
    spec.train.budget = "quick";
    return;
  }
  throw ConfigError("unknown budget '" + budget + "'",
                    "use default (the proxy's own), quick (one epoch) or smoke (seconds)");
}

std::int64_t total_steps(const JobSpec& spec, std::int64_t train_size) {
  if (spec.train.steps > 0) return spec.train.steps;
  std::int64_t per_epoch = std::max<std::int64_t>(1, train_size / spec.train.batch_size);
  return static_cast<std::int64_t>(std::ceil(spec.train.epochs * per_epoch));
}

}  // namespace fsearch::trainers
