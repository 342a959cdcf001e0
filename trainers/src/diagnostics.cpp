#include "diagnostics.h"

#include <algorithm>
#include <cmath>

#include "fsearch/nn/norm.h"
#include "fsearch/trainers/vit.h"

namespace fsearch::trainers::detail {
namespace {

nlohmann::json number(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

template <class Impl, class Body>
void for_each(torch::nn::Module& model, Body body) {
  for (const auto& item : model.named_modules()) {
    if (auto* layer = item.value()->template as<Impl>()) body(item.key(), *layer);
  }
}

}  // namespace

void set_attention_probe(torch::nn::Module& model, bool on) {
  for_each<AttentionImpl>(model, [&](const std::string&, AttentionImpl& a) { a.set_probe(on); });
}

double attention_logit_max(torch::nn::Module& model) {
  double out = NAN;
  for_each<AttentionImpl>(model, [&](const std::string&, AttentionImpl& a) {
    if (std::isfinite(a.max_logit())) out = std::isnan(out) ? a.max_logit() : std::max(out, a.max_logit());
  });
  return out;
}

nlohmann::json probe_model(torch::nn::Module& model, const std::function<void()>& forward) {
  const bool training = model.is_training();
  auto set_norm_probe = [&](bool on) {
    for_each<nn::NormLayerImpl>(model,
                                       [&](const std::string&, nn::NormLayerImpl& n) { n.set_probe(on); });
  };
  set_norm_probe(true);
  set_attention_probe(model, true);
  model.eval();
  {
    torch::NoGradGuard no_grad;
    forward();
  }
  if (training) model.train();
  set_norm_probe(false);
  set_attention_probe(model, false);

  nlohmann::json sites = nlohmann::json::array();
  double dead_max = NAN, dead_sum = 0, std_max = NAN, absmax_max = NAN, reversed_max = NAN;
  int dead_count = 0;
  auto fold_max = [](double& into, double v) {
    if (std::isfinite(v)) into = std::isnan(into) ? v : std::max(into, v);
  };
  for_each<nn::NormLayerImpl>(model, [&](const std::string& name, nn::NormLayerImpl& n) {
    const auto& s = n.stats();
    nlohmann::json site = {{"name", name}, {"x_std", number(s.x_std)}, {"x_absmax", number(s.x_absmax)}};
    if (!std::isnan(s.alpha)) {
      site["alpha"] = number(s.alpha);
      site["shift"] = number(s.shift);
      site["frac_dead"] = number(s.frac_dead);
      site["frac_reversed"] = number(s.frac_reversed);
      fold_max(dead_max, s.frac_dead);
      fold_max(reversed_max, s.frac_reversed);
      if (std::isfinite(s.frac_dead)) dead_sum += s.frac_dead, ++dead_count;
    }
    fold_max(std_max, s.x_std);
    fold_max(absmax_max, s.x_absmax);
    sites.push_back(site);
  });
  nlohmann::json out = {{"sites", sites},
                        {"x_std_max", number(std_max)},
                        {"x_absmax_max", number(absmax_max)},
                        {"attn_logit_max", number(attention_logit_max(model))}};
  if (dead_count > 0) {
    out["frac_dead_max"] = number(dead_max);
    out["frac_dead_mean"] = number(dead_sum / dead_count);
  }
  if (std::isfinite(reversed_max)) out["frac_reversed_max"] = number(reversed_max);
  return out;
}

}  // namespace fsearch::trainers::detail
