package main

import (
	"context"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/kakaologin/kakaologin/kakaogin"
)

// siteMetrics is the site's OpenTelemetry metrics, read by Prometheus at
// /metrics: a meter provider whose only reader is the Prometheus exporter,
// registered in a registry of the site's own (not Prometheus's global
// one, so that two sites in one process, as in the tests, do not clash).
type siteMetrics struct {
	mp  *sdkmetric.MeterProvider
	reg *prometheus.Registry
}

func newSiteMetrics() (*siteMetrics, error) {
	reg := prometheus.NewRegistry()
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	return &siteMetrics{mp: sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp)), reg: reg}, nil
}

// telemetry is what Kakao Login is given: this meter provider, and the
// global tracer provider (which records nothing until a tracing SDK is
// installed with otel.SetTracerProvider).
func (m *siteMetrics) telemetry() kakaogin.TelemetryConfig {
	return kakaogin.TelemetryConfig{MeterProvider: m.mp}
}

// handler serves the metrics in Prometheus's text format.
func (m *siteMetrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Close stops the meter provider.
func (m *siteMetrics) Close() error {
	return m.mp.Shutdown(context.Background())
}
