# Prometheus and promtool (Debian's prometheus package, 2.42): PrometheusRulesIT runs `promtool check rules` and
# `promtool test rules`, PrometheusScrapeIT and `bin/fenceline demo --keep-running` start a real Prometheus. Source
# this file, then call fenceline_prometheus; needs say() and fail() from the caller. As root, a missing Prometheus is
# installed with apt-get (without the recommended node exporter); otherwise the command is printed and the caller
# stops, unless FENCELINE_PROMETHEUS_OPTIONAL=1 (the demo runs without it, and says so).

fenceline_prometheus() {
  if command -v prometheus >/dev/null 2>&1 && command -v promtool >/dev/null 2>&1; then
    say "prometheus and promtool: $(prometheus --version 2>&1 | head -n 1)"
    return 0
  fi
  local install_cmd="apt-get update && apt-get install -y --no-install-recommends prometheus"
  if [[ "$(id -u)" -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
    if [[ "${FENCELINE_PROMETHEUS_OPTIONAL:-0}" == 1 ]]; then
      say "prometheus is not installed: continuing without it (as root: ${install_cmd})"
      return 0
    fi
    fail "missing prometheus and promtool (the alert-rule tests run them). Run as root: ${install_cmd}"
  fi
  say "installing prometheus and promtool: ${install_cmd}"
  apt-get update
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus
}
