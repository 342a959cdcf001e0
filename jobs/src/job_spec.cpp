#include "fsearch/jobs/job_spec.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>

#include "fsearch/core/error.h"
#include "fsearch/core/files.h"
#include "fsearch/core/hash.h"
#include "fsearch/core/names.h"
#include "fsearch/functions/candidate.h"
#include "fsearch/functions/parse.h"
#include "fsearch/jobs/run_dir.h"

namespace fsearch::jobs {
namespace {

// ---- Each record's fields, declared once ------------------------------------------------------
// A field is its name, its member, its role and the check its value must pass. The YAML readers
// (proxy files, job.json), the job.json writer and the job key are all driven by the lists below;
// what a list cannot say (a budget in steps or in epochs, checks across fields, the norm's
// function) is written beside them.

enum class Role {
  Keyed,               // written to job.json and part of the key
  KeyedUnlessDefault,  // both, only when it differs from the default (so that keys recorded before
                       // the field existed stay valid)
  Recorded,            // written to job.json, not part of the key (how and where a job runs)
  Planning,            // read from proxy files only: a planning option, not a job's field
};

enum class Check { None, Positive, ZeroOrMore, Fraction, FractionOrZero, OneOf };

template <class Spec, class T>
struct Field {
  const char* name;
  T Spec::*member;
  Role role = Role::Keyed;
  Check check = Check::None;
  std::vector<std::string> allowed;  // Check::OneOf
  const char* message = nullptr;     // instead of the check's own words

  Field with(Role r) const { return copy([&](Field& f) { f.role = r; }); }
  Field positive() const { return copy([](Field& f) { f.check = Check::Positive; }); }
  Field fraction(bool zero_ok) const {
    return copy([&](Field& f) { f.check = zero_ok ? Check::FractionOrZero : Check::Fraction; });
  }
  Field zero_or_more(const char* why) const {
    return copy([&](Field& f) { f.check = Check::ZeroOrMore, f.message = why; });
  }
  Field one_of(std::vector<std::string> values) const {
    return copy([&](Field& f) { f.check = Check::OneOf, f.allowed = std::move(values); });
  }

 private:
  template <class Change>
  Field copy(Change&& change) const {
    Field f = *this;
    change(f);
    return f;
  }
};

template <class Spec, class T>
Field<Spec, T> field(const char* name, T Spec::*member) {
  Field<Spec, T> f{};
  f.name = name;
  f.member = member;
  return f;
}

template <class V>
void model_fields(V&& v) {
  using S = ModelSpec;
  v(field("proxy", &S::proxy).one_of({"vit", "dit"}));
  v(field("name", &S::name));
  v(field("image_size", &S::image_size).positive());
  v(field("channels", &S::channels).positive());
  v(field("patch", &S::patch).positive());
  v(field("width", &S::width).positive());
  v(field("depth", &S::depth).positive());
  v(field("heads", &S::heads).positive());
  v(field("mlp_ratio", &S::mlp_ratio).positive());
  v(field("pool", &S::pool).one_of({"cls", "mean"}));
  v(field("drop_path", &S::drop_path));
  v(field("num_classes", &S::num_classes).positive());
  v(field("init_std", &S::init_std).positive().with(Role::KeyedUnlessDefault));
  v(field("embed_gain", &S::embed_gain).positive().with(Role::KeyedUnlessDefault));
  v(field("modulation_init", &S::modulation_init).one_of({"auto", "zero", "xavier"}).with(Role::KeyedUnlessDefault));
}

template <class V>
void norm_fields(V&& v) {
  using S = functions::NormSpec;
  v(field("kind", &S::kind));
  v(field("function", &S::function));
  v(field("shift", &S::shift));
  v(field("alpha_init", &S::alpha_init));
  v(field("affine", &S::affine));
}

template <class V>
void data_fields(V&& v) {
  using S = DataSpec;
  v(field("dataset", &S::dataset).one_of({"fashion-mnist", "idx", "cifar10", "cifar100", "synthetic"}));
  v(field("path", &S::path).with(Role::Recorded));  // where the files are does not change the data
  v(field("augment", &S::augment));
  v(field("flip", &S::flip));
  v(field("synthetic_train", &S::synthetic_train));
  v(field("synthetic_test", &S::synthetic_test));
  v(field("train_limit", &S::train_limit)
        .zero_or_more("must be 0 (all images) or a positive number of images")
        .with(Role::KeyedUnlessDefault));
  v(field("mixup", &S::mixup).zero_or_more("must be 0 (off) or a positive Beta concentration").with(Role::KeyedUnlessDefault));
  v(field("cutmix", &S::cutmix).zero_or_more("must be 0 (off) or a positive Beta concentration").with(Role::KeyedUnlessDefault));
}

// The budget (steps or epochs) is read and written by hand: it is one of two fields.
template <class V>
void train_fields(V&& v) {
  using S = TrainSpec;
  v(field("batch_size", &S::batch_size).positive());
  v(field("lr", &S::lr).positive());
  v(field("min_lr", &S::min_lr));
  v(field("weight_decay", &S::weight_decay));
  v(field("beta1", &S::beta1));
  v(field("beta2", &S::beta2));
  v(field("warmup_steps", &S::warmup_steps));
  v(field("label_smoothing", &S::label_smoothing));
  v(field("ema", &S::ema));
  v(field("ema_warmup", &S::ema_warmup).with(Role::KeyedUnlessDefault));
  v(field("grad_clip", &S::grad_clip));
  v(field("alpha_lr_scale", &S::alpha_lr_scale).positive().with(Role::KeyedUnlessDefault));
  v(field("matrix_lr_scale", &S::matrix_lr_scale).positive().with(Role::KeyedUnlessDefault));
  v(field("stability_steps", &S::stability_steps)
        .zero_or_more("must be 0 (off) or a number of steps")
        .with(Role::KeyedUnlessDefault));
  v(field("stability_lr_scale", &S::stability_lr_scale).positive().with(Role::KeyedUnlessDefault));
  v(field("schedule", &S::schedule).one_of({"cosine", "constant"}).with(Role::KeyedUnlessDefault));
  v(field("budget", &S::budget));
  v(field("lr_grid", &S::lr_grid).positive().with(Role::Planning));
}

template <class V>
void diffusion_fields(V&& v) {
  using S = DiffusionSpec;
  v(field("timesteps", &S::timesteps).positive());
  v(field("beta_start", &S::beta_start).positive());
  v(field("beta_end", &S::beta_end).positive());
  v(field("class_dropout", &S::class_dropout));
  v(field("sample_steps", &S::sample_steps).positive());
  v(field("sample_eta", &S::sample_eta).with(Role::KeyedUnlessDefault));
  v(field("samples_per_class", &S::samples_per_class).positive());
  v(field("cfg_scale", &S::cfg_scale).positive());
  v(field("features", &S::features));
}

template <class V>
void runtime_fields(V&& v) {
  using S = RuntimeSpec;
  v(field("device", &S::device).with(Role::Recorded));
  v(field("threads", &S::threads).with(Role::Recorded));
  v(field("log_every", &S::log_every).with(Role::Recorded));
  v(field("eval_every", &S::eval_every).with(Role::Recorded));
  v(field("checkpoint_every", &S::checkpoint_every).with(Role::Recorded));
  v(field("eval_limit", &S::eval_limit).with(Role::Recorded));  // keyed by hand: see job_key
  v(field("eval_train_loss", &S::eval_train_loss).with(Role::Recorded));  // likewise
}

template <class V>
void search_fields(V&& v) {
  using S = SearchControl;
  v(field("reject", &S::reject).with(Role::Recorded));
  v(field("probe", &S::probe).fraction(false).with(Role::Recorded));
  v(field("min_loss_drop", &S::min_loss_drop).fraction(true).with(Role::Recorded));
  v(field("min_accuracy_gain", &S::min_accuracy_gain).fraction(true).with(Role::Recorded));
  v(field("pause_at", &S::pause_at).fraction(true).with(Role::Recorded));
  v(field("cooldown", &S::cooldown).fraction(true).with(Role::Recorded));
}

template <class V>
void top_fields(V&& v) {
  v(field("seed", &JobSpec::seed));
  v(field("divergence_factor", &JobSpec::divergence_factor));
}

// ---- Driven by the declarations ---------------------------------------------------------------

std::string text_of(functions::NormKind kind) { return functions::to_string(kind); }
std::string text_of(functions::ShiftMode mode) { return functions::to_string(mode); }
void from_text(const std::string& text, functions::NormKind& kind) { kind = functions::parse_norm_kind(text); }
void from_text(const std::string& text, functions::ShiftMode& mode) { mode = functions::parse_shift_mode(text); }

template <class T>
struct is_list : std::false_type {};
template <class T>
struct is_list<std::vector<T>> : std::true_type {};

template <class T>
void check_value(YamlMap& m, const char* name, Check check, const std::vector<std::string>& allowed,
                 const char* message, const T& value) {
  if (check == Check::None || !m.has(name)) return;
  auto fail = [&](const std::string& words, std::string hint = {}) {
    auto node = m.node(name);
    throw ConfigError((node ? m.where(*node) : m.file()) + ": " + m.qualified(name) + ": " +
                          (message ? std::string(message) : words),
                      std::move(hint));
  };
  if constexpr (std::is_same_v<T, std::string>) {
    if (check == Check::OneOf && std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
      fail("'" + value + "' is not one of " + join_names(allowed), did_you_mean(value, allowed));
    }
  } else if constexpr (is_list<T>::value) {
    for (const auto& item : value) check_value(m, name, check, allowed, message, item);
  } else if constexpr (std::is_arithmetic_v<T>) {
    const double x = static_cast<double>(value);
    if (check == Check::Positive && !(x > 0)) fail("must be positive");
    if (check == Check::ZeroOrMore && !(x >= 0)) fail("must be 0 or more");
    if (check == Check::Fraction && !(x > 0 && x <= 1)) fail("must be in (0, 1]");
    if (check == Check::FractionOrZero && !(x >= 0 && x <= 1)) fail("must be in [0, 1]");
  }
}

// Reads every declared field that is present, then checks it.
template <class Spec>
struct YamlReader {
  YamlMap& m;
  Spec& s;
  bool proxy_file;  // a proxy file also holds planning options

  template <class T>
  void operator()(const Field<Spec, T>& f) const {
    if (f.role == Role::Planning && !proxy_file) return;
    T& value = s.*f.member;
    if constexpr (std::is_enum_v<T>) {
      from_text(m.get(f.name, text_of(value)), value);
    } else if constexpr (is_list<T>::value) {
      value = m.get_list<typename T::value_type>(f.name, value);
    } else {
      value = m.get(f.name, value);
    }
    check_value(m, f.name, f.check, f.allowed, f.message, value);
  }
};

// Writes every declared field a job records (for_key: every field the key hashes).
template <class Spec>
struct JsonWriter {
  nlohmann::json& j;
  const Spec& s;
  bool for_key;

  template <class T>
  void operator()(const Field<Spec, T>& f) const {
    if (f.role == Role::Planning || (for_key && f.role == Role::Recorded)) return;
    const T& value = s.*f.member;
    if (f.role == Role::KeyedUnlessDefault && value == Spec{}.*f.member) return;
    if constexpr (std::is_enum_v<T>) {
      j[f.name] = text_of(value);
    } else {
      j[f.name] = value;
    }
  }
};

template <class Spec, class Fields>
void read_section(YamlMap& m, Spec& s, Fields fields, bool proxy_file) {
  fields(YamlReader<Spec>{m, s, proxy_file});
}

template <class Spec, class Fields>
nlohmann::json write_section(const Spec& s, Fields fields, bool for_key) {
  auto j = nlohmann::json::object();
  fields(JsonWriter<Spec>{j, s, for_key});
  return j;
}

#define FSEARCH_FIELDS(list) [](auto&& v) { list(v); }

// ---- What the declarations cannot say ---------------------------------------------------------

void check_model(YamlMap& m, const ModelSpec& s) {
  if (s.image_size % s.patch != 0) {
    throw ConfigError(m.file() + ": " + m.qualified("patch") + ": " + std::to_string(s.patch) +
                      " does not divide image_size " + std::to_string(s.image_size));
  }
  if (s.width % s.heads != 0) {
    throw ConfigError(m.file() + ": " + m.qualified("heads") + ": " + std::to_string(s.heads) +
                      " does not divide width " + std::to_string(s.width));
  }
}

void check_norm(YamlMap& m, const functions::NormSpec& s) {
  if (s.kind != functions::NormKind::Pointwise) return;
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

// The budget is steps or epochs; steps win where both are known (a budget override sets steps).
void read_budget(YamlMap& m, TrainSpec& s) {
  const bool has_steps = m.has("steps"), has_epochs = m.has("epochs");
  if (has_steps && has_epochs && m.get<std::int64_t>("steps", 0) > 0) {
    throw ConfigError(m.where(*m.node("epochs")) + ": " + m.qualified("epochs") +
                          ": give the budget as steps or as epochs, not both",
                      "remove one of them");
  }
  if (has_epochs) {
    s.epochs = m.get("epochs", s.epochs);
    if (!(s.epochs > 0)) throw ConfigError(m.where(*m.node("epochs")) + ": " + m.qualified("epochs") + ": must be positive");
    s.steps = 0;
  }
  if (has_steps) {
    s.steps = m.get("steps", s.steps);
    if (s.steps < 0) throw ConfigError(m.file() + ": " + m.qualified("steps") + ": must be positive");
  }
}

void check_diffusion(YamlMap& m, const DiffusionSpec& s) {
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
}

void read_model(YamlMap m, ModelSpec& s) {
  read_section(m, s, FSEARCH_FIELDS(model_fields), true);
  check_model(m, s);
  m.finish();
}

void read_norm(YamlMap m, functions::NormSpec& s) {
  if (m.has("preset")) s = functions::norm_preset(m.require<std::string>("preset"));
  read_section(m, s, FSEARCH_FIELDS(norm_fields), true);
  check_norm(m, s);
  m.finish();
}

void read_data(YamlMap m, DataSpec& s, const ModelSpec& model) {
  read_section(m, s, FSEARCH_FIELDS(data_fields), true);
  for (const char* key : {"mixup", "cutmix"}) {
    if (model.proxy == "dit" && m.has(key) && m.get<double>(key, 0) > 0) {
      throw ConfigError(m.where(*m.node(key)) + ": " + m.qualified(key) +
                            ": the DiT proxy does not mix its images (mixup and CutMix are for the ViT proxy)",
                        "remove it, or set it to 0");
    }
  }
  m.finish();
}

void read_train(YamlMap m, TrainSpec& s, bool proxy_file, const ModelSpec& model) {
  read_section(m, s, FSEARCH_FIELDS(train_fields), proxy_file);
  if (model.proxy == "dit" && s.stability_steps > 0) {
    throw ConfigError(m.where(*m.node("stability_steps")) + ": " + m.qualified("stability_steps") +
                          ": the stability probe is for the ViT proxy (it was calibrated on ViT cells; a DiT "
                          "probe would also sample and score its images)",
                      "remove it, or set it to 0");
  }
  read_budget(m, s);
  m.finish();
}

void read_diffusion(YamlMap m, DiffusionSpec& s) {
  read_section(m, s, FSEARCH_FIELDS(diffusion_fields), true);
  check_diffusion(m, s);
  m.finish();
}

template <class Spec, class Fields>
void read_plain(YamlMap m, Spec& s, Fields fields) {
  read_section(m, s, fields, false);
  m.finish();
}

// Everything a job records about what it trains (for_key: what its key hashes; see job_key).
nlohmann::json job_fields(const JobSpec& s, bool for_key) {
  auto j = write_section(s, FSEARCH_FIELDS(top_fields), for_key);
  j["model"] = write_section(s.model, FSEARCH_FIELDS(model_fields), for_key);
  j["norm"] = write_section(s.norm, FSEARCH_FIELDS(norm_fields), for_key);
  j["data"] = write_section(s.data, FSEARCH_FIELDS(data_fields), for_key);
  j["train"] = write_section(s.train, FSEARCH_FIELDS(train_fields), for_key);
  // The budget goes in as steps or as epochs, whichever defines it.
  if (s.train.steps > 0) {
    j["train"]["steps"] = s.train.steps;
  } else {
    j["train"]["epochs"] = s.train.epochs;
  }
  if (s.model.proxy == "dit") j["diffusion"] = write_section(s.diffusion, FSEARCH_FIELDS(diffusion_fields), for_key);
  return j;
}

}  // namespace

std::vector<ProxyFileKey> proxy_file_keys() {
  std::vector<ProxyFileKey> keys;
  auto section = [&](const std::string& name) {
    return [&keys, name](const auto& f) {
      keys.push_back({name + "." + f.name, f.role == Role::Keyed || f.role == Role::KeyedUnlessDefault});
    };
  };
  model_fields(section("model"));
  data_fields(section("data"));
  train_fields(section("train"));
  keys.push_back({"train.steps", true});  // the budget: read and written by hand (read_budget)
  keys.push_back({"train.epochs", true});
  keys.push_back({"norm.preset", true});  // read by hand: a preset, then the fields it sets
  norm_fields(section("norm"));
  diffusion_fields(section("diffusion"));
  keys.push_back({"seed", true});
  return keys;
}

void read_proxy_file(const std::string& file, JobSpec& spec) {
  auto root = YamlMap::load_file(file);
  read_model(root.map("model"), spec.model);
  read_data(root.map("data"), spec.data, spec.model);
  read_train(root.map("train"), spec.train, /*proxy_file=*/true, spec.model);
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
  read_data(root.map("data"), spec.data, spec.model);
  read_train(root.map("train"), spec.train, /*proxy_file=*/false, spec.model);
  if (root.has("diffusion")) read_diffusion(root.map("diffusion"), spec.diffusion);
  read_plain(root.map("runtime"), spec.runtime, FSEARCH_FIELDS(runtime_fields));
  if (root.has("search")) read_plain(root.map("search"), spec.search, FSEARCH_FIELDS(search_fields));
  read_section(root, spec, FSEARCH_FIELDS(top_fields), false);
  root.get<std::string>("key", "");  // written for people; recomputed, never trusted
  root.finish();
  return spec;
}

std::string to_json_text(const JobSpec& spec) {
  auto j = job_fields(spec, /*for_key=*/false);
  j["runtime"] = write_section(spec.runtime, FSEARCH_FIELDS(runtime_fields), false);
  j["search"] = write_section(spec.search, FSEARCH_FIELDS(search_fields), false);
  j["key"] = job_key(spec);
  return j.dump(2) + "\n";
}

std::string job_key(const JobSpec& spec) {
  auto j = job_fields(spec, /*for_key=*/true);
  // Two spellings of one function train the same model: key on its fingerprint, not its text.
  if (spec.norm.kind == functions::NormKind::Pointwise) {
    j["norm"]["function"] = to_hex(functions::fingerprint(functions::parse(spec.norm.function)));
  } else {
    j["norm"].erase("function");
    j["norm"].erase("shift");
    j["norm"].erase("alpha_init");
  }
  // Evaluated on part of the test set, or a classifier also measuring the eval-mode training loss
  // (Table 13): a result the others lack. Every DiT job measures it, so its key leaves it out.
  if (spec.runtime.eval_limit > 0) j["eval_limit"] = spec.runtime.eval_limit;
  if (spec.runtime.eval_train_loss && spec.model.proxy != "dit") j["eval_train_loss"] = true;
  return Hasher().add(j.dump()).hex();
}

void prepare_run_dir(const JobSpec& spec, const std::string& run_dir) {
  RunDir dir{run_dir};
  make_directories(dir.root, "the job's run directory");
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

namespace {

void edit_job_file(const std::string& run_dir, const std::function<void(JobSpec&)>& edit) {
  RunDir dir{run_dir};
  auto spec = read_job_file(dir.job().string());
  const auto key = job_key(spec);
  edit(spec);
  if (job_key(spec) != key) throw StorageError(run_dir + ": an edit of job.json may not change its key");
  write_atomic(dir.job(), to_json_text(spec));
}

}  // namespace

void set_pause_at(const std::string& run_dir, double pause_at) {
  edit_job_file(run_dir, [&](JobSpec& spec) { spec.search.pause_at = pause_at; });
}

void set_device(const std::string& run_dir, const std::string& device) {
  edit_job_file(run_dir, [&](JobSpec& spec) { spec.runtime.device = device; });
}

void continue_rejected(const std::string& run_dir) {
  edit_job_file(run_dir, [](JobSpec& spec) { spec.search.reject = false; });
  RunDir dir{run_dir};
  if (std::filesystem::exists(dir.result())) {
    std::filesystem::rename(dir.result(), dir.root / "result.rejected.json");
  }
}

std::int64_t pause_step(const JobSpec& spec, std::int64_t total) {
  if (spec.search.pause_at <= 0 || spec.search.pause_at >= 1) return 0;
  const auto step = static_cast<std::int64_t>(std::llround(spec.search.pause_at * static_cast<double>(total)));
  return step > 0 && step < total ? step : 0;
}

std::int64_t cooldown_steps(const JobSpec& spec, std::int64_t total) {
  const auto pause = pause_step(spec, total);
  if (pause == 0 || !(spec.search.cooldown > 0)) return 0;
  return std::max<std::int64_t>(1, std::llround(spec.search.cooldown * static_cast<double>(pause)));
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
    spec.train.stability_steps = 0;  // no verdicts at this length, as there is no rejection probe
    spec.train.stability_lr_scale = TrainSpec{}.stability_lr_scale;
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

}  // namespace fsearch::jobs
